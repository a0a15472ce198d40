// Package signin holds the tests of signin.mjs, the command behind make signin.
package signin

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/clients/npmtest"
)

const (
	poolID   = "us-east-1_AbCdEfGhI"
	clientID = "4abcdefghijklmnopqrstuvwx"
	email    = "alice@example.com"
	password = "Correct-horse-9"
)

// standIn starts the Cognito stand-in with the app client of stacks/identity.go (SRP and refresh
// only) and one confirmed user.
func standIn(t *testing.T) (*cognito, string) {
	c := &cognito{poolID: poolID, clientID: clientID, flows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}
	c.addUser("3f1c6a2e-0b7e-4a57-9c5e-2d1f0c9b8a71", email, password)
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv.URL + "/"
}

// signin runs signin.mjs with the password in SHOPSTACK_PASSWORD and stdin as given.
func signin(t *testing.T, pw, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command("node", append([]string{"signin.mjs"}, args...)...)
	cmd.Env = append(os.Environ(), "SHOPSTACK_PASSWORD="+pw)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

func install(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing and running amazon-cognito-identity-js")
	}
	npmtest.Install(t, ".", "amazon-cognito-identity-js")
}

// TestSignInSRP: with the stack outputs on stdin, the command signs in with SRP (two calls:
// InitiateAuth USER_SRP_AUTH, RespondToAuthChallenge PASSWORD_VERIFIER, whose signature the stand-in
// verifies against the password's verifier) and prints exactly the ID token Cognito answered.
func TestSignInSRP(t *testing.T) {
	install(t)
	c, endpoint := standIn(t)
	outputs := `{"apiUrl":"https://api.example.com/","userPoolId":"` + poolID + `","userPoolClientId":"` + clientID + `","userPoolRegion":"us-east-1"}`
	stdout, stderr, err := signin(t, password, outputs, "--outputs", "-", "--username", email, "--endpoint", endpoint)
	require.NoError(t, err, stderr)
	require.Len(t, c.issued, 1)
	assert.Equal(t, c.issued[0]+"\n", stdout, "stdout is the ID token and nothing else")
	assert.Equal(t, []string{"InitiateAuth USER_SRP_AUTH", "RespondToAuthChallenge PASSWORD_VERIFIER"}, c.requests)
}

func TestSignInRefused(t *testing.T) {
	install(t)
	for name, tc := range map[string]struct {
		password, stdin string
		args            []string
		want            string
		calls           int // requests that reached Cognito
	}{
		"wrong password": {password: "Wrong-horse-9", args: []string{"--user-pool-id", poolID, "--client-id", clientID, "--username", email},
			want: "NotAuthorizedException: Incorrect username or password.", calls: 2},
		"unknown user": {password: password, args: []string{"--user-pool-id", poolID, "--client-id", clientID, "--username", "bob@example.com"},
			want: "UserNotFoundException", calls: 1},
		"other client": {password: password, args: []string{"--user-pool-id", poolID, "--client-id", "other", "--username", email},
			want: "ResourceNotFoundException", calls: 1},
		"no password": {password: "", args: []string{"--user-pool-id", poolID, "--client-id", clientID, "--username", email},
			want: "need the password in SHOPSTACK_PASSWORD"},
		"no username": {password: password, args: []string{"--user-pool-id", poolID, "--client-id", clientID},
			want: "need --username"},
		"regions disagree": {password: password, stdin: `{"userPoolId":"` + poolID + `","userPoolClientId":"` + clientID + `","userPoolRegion":"us-west-2"}`,
			args: []string{"--outputs", "-", "--username", email}, want: "userPoolRegion us-west-2 and userPoolId " + poolID + " disagree"},
		"make dev's outputs": {password: password, stdin: `{"userPoolId":"local","userPoolClientId":"local","userPoolRegion":"local"}`,
			args: []string{"--outputs", "-", "--username", email}, want: `userPoolId is "local"`},
		"not outputs JSON": {password: password, stdin: "error: no stack named 'dev' found", args: []string{"--outputs", "-", "--username", email},
			want: "not the JSON of pulumi stack output --json"},
	} {
		t.Run(name, func(t *testing.T) {
			c, endpoint := standIn(t)
			stdout, stderr, err := signin(t, tc.password, tc.stdin, append(tc.args, "--endpoint", endpoint)...)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "exits non-zero")
			assert.Equal(t, 1, exit.ExitCode())
			assert.Empty(t, stdout, "no token")
			assert.Contains(t, stderr, tc.want)
			assert.Len(t, c.requests, tc.calls)
			assert.Empty(t, c.issued)
		})
	}
}
