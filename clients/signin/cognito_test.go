package signin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// cognito is a stand-in for the two Cognito user pool API calls of an SRP sign-in, because the
// emulator available here, cognito-local 5.3.0, does not support USER_SRP_AUTH (its
// lib/targets/initiateAuth.js throws UnsupportedError for any AuthFlow but USER_PASSWORD_AUTH and
// REFRESH_TOKEN_AUTH). It models only what these sources say:
//   - AWS's API reference for InitiateAuth and RespondToAuthChallenge: the JSON 1.1 protocol (POST /,
//     X-Amz-Target AWSCognitoIdentityProviderService.<Operation>, Content-Type
//     application/x-amz-json-1.1), USER_SRP_AUTH takes USERNAME and SRP_A and answers the
//     PASSWORD_VERIFIER challenge with SALT, SECRET_BLOCK, SRP_B, USERNAME and USER_ID_FOR_SRP;
//     the challenge responses are USERNAME, PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE and
//     TIMESTAMP; errors are 400 with {"__type", "message"} (NotAuthorizedException,
//     InvalidParameterException, ResourceNotFoundException, UserNotFoundException); a flow the app
//     client does not allow (its ExplicitAuthFlows) is refused.
//   - amazon-cognito-identity-js 6.3.21, src/AuthenticationHelper.js and src/CognitoUser.js
//     (authenticateUserDefaultAuth): the group (N, g = 2), k = H(N | g), x = H(salt | H(poolName |
//     userId | ":" | password)), u = H(A | B), the HKDF "Caldera Derived Key" to 16 bytes, the
//     signature HMAC(key, poolName | userId | secretBlock | timestamp) and the timestamp format
//     "ddd MMM D HH:mm:ss UTC YYYY" (src/DateHelper.js). The pool name is the id after "_".
//
// The server side is the SRP-6a mirror of that client: B = k·v + g^b, S = (A·v^u)^b. With pools
// whose users sign in by email (stacks/identity.go: UsernameAttributes email), USER_ID_FOR_SRP is the
// user's internal username, not the email, and the client must hash that one: the stand-in's users
// are stored that way, so a client that hashed the email would fail here as against Cognito.
//
// Where unsure it refuses: any other operation, flow or challenge, a timestamp in another format, a
// SECRET_BLOCK or session it did not issue, a session used twice.
type cognito struct {
	poolID, clientID string
	flows            []string // the app client's ExplicitAuthFlows
	users            map[string]*poolUser

	mu       sync.Mutex
	sessions map[string]*srpSession
	issued   []string // ID tokens answered
	requests []string // "Operation AuthFlow/ChallengeName" in order
}

type poolUser struct {
	username string // internal username (USER_ID_FOR_SRP)
	email    string
	salt     *big.Int
	verifier *big.Int
}

type srpSession struct {
	user        *poolUser
	a, b, bigB  *big.Int
	secretBlock []byte
}

// nHex is the 3072-bit group of amazon-cognito-identity-js (AuthenticationHelper.js, initN), RFC 5054's.
const nHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

var (
	bigN, _ = new(big.Int).SetString(nHex, 16)
	bigG    = big.NewInt(2)
	bigK    = hexHashInt(padHex(bigN) + padHex(bigG))
	// timestampFormat is DateHelper.getNowString's "ddd MMM D HH:mm:ss UTC YYYY".
	timestampFormat = regexp.MustCompile(`^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [1-9][0-9]? [0-2][0-9]:[0-5][0-9]:[0-5][0-9] UTC [0-9]{4}$`)
)

// padHex is AuthenticationHelper.padHex for non-negative values: even-length hex, "00" prepended
// when the high bit is set.
func padHex(n *big.Int) string {
	h := n.Text(16)
	if len(h)%2 == 1 {
		h = "0" + h
	}
	if strings.ContainsAny(h[:1], "89abcdef") {
		h = "00" + h
	}
	return h
}

func hexHashInt(hexStr string) *big.Int {
	b, err := hex.DecodeString(hexStr)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return new(big.Int).SetBytes(sum[:])
}

func (c *cognito) poolName() string { return c.poolID[strings.Index(c.poolID, "_")+1:] }

// x is the private key the verifier is made from, as the client computes it.
func (c *cognito) x(userID, password string, salt *big.Int) *big.Int {
	inner := sha256.Sum256([]byte(c.poolName() + userID + ":" + password))
	return hexHashInt(padHex(salt) + hex.EncodeToString(inner[:]))
}

// addUser stores a confirmed user with a permanent password, as admin-set-user-password
// --permanent leaves one: Cognito keeps only the salt and verifier.
func (c *cognito) addUser(username, email, password string) {
	salt := random(16)
	v := new(big.Int).Exp(bigG, c.x(username, password, salt), bigN)
	if c.users == nil {
		c.users = map[string]*poolUser{}
	}
	c.users[email] = &poolUser{username: username, email: email, salt: salt, verifier: v}
}

func random(bytes int) *big.Int {
	b := make([]byte, bytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return new(big.Int).SetBytes(b)
}

type awsError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func (c *cognito) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	answer := func(status int, body any) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if e, ok := body.(awsError); ok {
			w.Header().Set("x-amzn-ErrorType", e.Type)
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
	}
	refuse := func(kind, format string, args ...any) {
		answer(http.StatusBadRequest, awsError{Type: kind, Message: fmt.Sprintf(format, args...)})
	}
	const prefix = "AWSCognitoIdentityProviderService."
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || r.URL.Path != "/" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") || !strings.HasPrefix(target, prefix) {
		refuse("UnknownOperationException", "not a Cognito user pool API request")
		return
	}
	var req struct {
		AuthFlow           string
		ChallengeName      string
		ClientId           string
		AuthParameters     map[string]string
		ChallengeResponses map[string]string
		Session            string
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		refuse("SerializationException", "%v", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	op := strings.TrimPrefix(target, prefix)
	c.requests = append(c.requests, op+" "+req.AuthFlow+req.ChallengeName)
	if req.ClientId != c.clientID {
		refuse("ResourceNotFoundException", "User pool client %s does not exist.", req.ClientId)
		return
	}
	switch op {
	case "InitiateAuth":
		allowed := false
		for _, f := range c.flows {
			allowed = allowed || f == "ALLOW_"+req.AuthFlow
		}
		if req.AuthFlow != "USER_SRP_AUTH" || !allowed {
			refuse("InvalidParameterException", "%s flow not enabled for this client", req.AuthFlow)
			return
		}
		user, ok := c.users[req.AuthParameters["USERNAME"]]
		if !ok {
			refuse("UserNotFoundException", "User does not exist.")
			return
		}
		a, ok := new(big.Int).SetString(req.AuthParameters["SRP_A"], 16)
		if !ok || new(big.Int).Mod(a, bigN).Sign() == 0 {
			refuse("InvalidParameterException", "SRP_A is not a valid value")
			return
		}
		b := random(128)
		bigB := new(big.Int).Add(new(big.Int).Mul(bigK, user.verifier), new(big.Int).Exp(bigG, b, bigN))
		bigB.Mod(bigB, bigN)
		s := &srpSession{user: user, a: a, b: b, bigB: bigB, secretBlock: random(64).Bytes()}
		id := random(32).Text(36)
		if c.sessions == nil {
			c.sessions = map[string]*srpSession{}
		}
		c.sessions[id] = s
		answer(http.StatusOK, map[string]any{
			"ChallengeName": "PASSWORD_VERIFIER",
			"Session":       id,
			"ChallengeParameters": map[string]string{
				"SALT": user.salt.Text(16), "SECRET_BLOCK": base64.StdEncoding.EncodeToString(s.secretBlock),
				"SRP_B": bigB.Text(16), "USERNAME": user.username, "USER_ID_FOR_SRP": user.username,
			},
		})
	case "RespondToAuthChallenge":
		s, ok := c.sessions[req.Session]
		delete(c.sessions, req.Session)
		if !ok || req.ChallengeName != "PASSWORD_VERIFIER" {
			refuse("NotAuthorizedException", "Invalid session for the user.")
			return
		}
		in := req.ChallengeResponses
		block, err := base64.StdEncoding.DecodeString(in["PASSWORD_CLAIM_SECRET_BLOCK"])
		if err != nil || !hmac.Equal(block, s.secretBlock) || in["USERNAME"] != s.user.username {
			refuse("NotAuthorizedException", "Incorrect username or password.")
			return
		}
		if !timestampFormat.MatchString(in["TIMESTAMP"]) {
			refuse("InvalidParameterException", "TIMESTAMP %q is not in the format ddd MMM D HH:mm:ss UTC YYYY", in["TIMESTAMP"])
			return
		}
		u := hexHashInt(padHex(s.a) + padHex(s.bigB))
		// S = (A · v^u)^b mod N
		base := new(big.Int).Mul(s.a, new(big.Int).Exp(s.user.verifier, u, bigN))
		S := new(big.Int).Exp(base.Mod(base, bigN), s.b, bigN)
		key := hkdf(mustHex(padHex(S)), mustHex(padHex(u)))
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(c.poolName() + s.user.username))
		mac.Write(s.secretBlock)
		mac.Write([]byte(in["TIMESTAMP"]))
		want := mac.Sum(nil)
		got, err := base64.StdEncoding.DecodeString(in["PASSWORD_CLAIM_SIGNATURE"])
		if err != nil || !hmac.Equal(got, want) {
			refuse("NotAuthorizedException", "Incorrect username or password.")
			return
		}
		token := idToken(c.poolID, c.clientID, s.user)
		c.issued = append(c.issued, token)
		answer(http.StatusOK, map[string]any{
			"ChallengeParameters": map[string]string{},
			"AuthenticationResult": map[string]any{
				"IdToken": token, "AccessToken": idToken(c.poolID, c.clientID, s.user), "RefreshToken": "stand-in-refresh",
				"ExpiresIn": 3600, "TokenType": "Bearer",
			},
		})
	default:
		refuse("UnknownOperationException", "%s is not modelled by the stand-in", op)
	}
}

// hkdf is AuthenticationHelper.computehkdf: HKDF-SHA256 with info "Caldera Derived Key", 16 bytes.
func hkdf(ikm, salt []byte) []byte {
	extract := hmac.New(sha256.New, salt)
	extract.Write(ikm)
	expand := hmac.New(sha256.New, extract.Sum(nil))
	expand.Write(append([]byte("Caldera Derived Key"), 1))
	return expand.Sum(nil)[:16]
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// idToken is a JWT-shaped token (amazon-cognito-identity-js decodes the payload of the tokens it
// receives); it is not signed: nothing here verifies it.
func idToken(poolID, clientID string, u *poolUser) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none", "kid": "stand-in"}) + "." +
		enc(map[string]any{"sub": u.username, "email": u.email, "aud": clientID, "token_use": "id",
			"iss": "stand-in/" + poolID, "cognito:username": u.username, "exp": 4102444800, "iat": 1, "jti": random(8).Text(16)}) +
		".c3RhbmQtaW4"
}

// TestStandInRefuses: what the real service refuses, the stand-in refuses, over raw requests.
func TestStandInRefuses(t *testing.T) {
	c := &cognito{poolID: "us-east-1_Test", clientID: "client", flows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}
	c.addUser("3f1c6a2e-0b7e-4a57-9c5e-2d1f0c9b8a71", "alice@example.com", "Correct-horse-9")
	for name, tc := range map[string]struct {
		target string
		body   string
		want   string
	}{
		"password flow not allowed": {"InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"client","AuthParameters":{"USERNAME":"alice@example.com","PASSWORD":"Correct-horse-9"}}`, "InvalidParameterException"},
		"unknown client":            {"InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"other","AuthParameters":{"USERNAME":"alice@example.com","SRP_A":"2"}}`, "ResourceNotFoundException"},
		"unknown user":              {"InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"client","AuthParameters":{"USERNAME":"bob@example.com","SRP_A":"2"}}`, "UserNotFoundException"},
		"A mod N is zero":           {"InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"client","AuthParameters":{"USERNAME":"alice@example.com","SRP_A":"` + nHex + `"}}`, "InvalidParameterException"},
		"unknown session":           {"RespondToAuthChallenge", `{"ChallengeName":"PASSWORD_VERIFIER","ClientId":"client","Session":"nope","ChallengeResponses":{}}`, "NotAuthorizedException"},
		"another operation":         {"AdminInitiateAuth", `{"ClientId":"client"}`, "UnknownOperationException"},
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r, _ := http.NewRequest("POST", "/", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+tc.target)
			c.ServeHTTP(w, r)
			var e awsError
			if w.Code != http.StatusBadRequest || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Type != tc.want {
				t.Fatalf("got %d %s, want 400 %s", w.Code, w.Body.String(), tc.want)
			}
		})
	}
}
