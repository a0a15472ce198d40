// signin.mjs signs a user of a deployed stack's user pool in with SRP (USER_SRP_AUTH, the flow the
// public app client allows: stacks/identity.go) and prints the user's Cognito ID token, the value
// the API's authorizer expects in the Authorization header. amazon-cognito-identity-js does the SRP
// exchange (CognitoUser.authenticateUser: InitiateAuth with SRP_A, then RespondToAuthChallenge with
// PASSWORD_VERIFIER); the password never leaves this machine.
//
//   pulumi stack output --json -s dev | SHOPSTACK_PASSWORD=… node signin.mjs --outputs - --username alice@example.com
//
// --outputs reads userPoolId, userPoolClientId and userPoolRegion from `pulumi stack output --json`
// ("-" is standard input); --user-pool-id and --client-id name them directly. The password comes
// from SHOPSTACK_PASSWORD, not an argument, so it is not in the process list. --endpoint replaces
// the Cognito endpoint (a stand-in in the tests).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";

function fail(message) {
  process.stderr.write(`signin: ${message}\n`);
  process.exit(1);
}

let args;
try {
  args = parseArgs({
    options: {
      outputs: { type: "string" },
      "user-pool-id": { type: "string" },
      "client-id": { type: "string" },
      username: { type: "string" },
      endpoint: { type: "string" },
    },
  }).values;
} catch (e) {
  fail(e.message);
}

let poolId = args["user-pool-id"];
let clientId = args["client-id"];
let region;
if (args.outputs !== undefined) {
  let outputs;
  try {
    outputs = JSON.parse(readFileSync(args.outputs === "-" ? 0 : args.outputs, "utf8"));
  } catch (e) {
    fail(`--outputs ${args.outputs}: not the JSON of pulumi stack output --json: ${e.message}`);
  }
  poolId ??= outputs.userPoolId;
  clientId ??= outputs.userPoolClientId;
  region = outputs.userPoolRegion;
}
const password = process.env.SHOPSTACK_PASSWORD;
if (!poolId || !clientId) fail("need the user pool: --outputs <pulumi stack output --json> or --user-pool-id and --client-id");
if (!args.username) fail("need --username (the user's email)");
if (!password) fail("need the password in SHOPSTACK_PASSWORD");
if (poolId === "local") fail('userPoolId is "local": make dev has no Cognito; send X-Shopstack-Dev-User instead of a token');
// A pool id is "<region>_<name>" (amazon-cognito-identity-js derives the endpoint's region from it);
// a stack whose outputs disagree is refused rather than signed in against the wrong region.
const [poolRegion, poolName] = poolId.split("_");
if (!poolName) fail(`userPoolId ${JSON.stringify(poolId)} is not <region>_<id>`);
if (region && region !== poolRegion) fail(`userPoolRegion ${region} and userPoolId ${poolId} disagree`);

const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: args.endpoint });
const user = new CognitoUser({ Username: args.username, Pool: pool });
user.setAuthenticationFlowType("USER_SRP_AUTH");
user.authenticateUser(new AuthenticationDetails({ Username: args.username, Password: password }), {
  onSuccess: (session) => process.stdout.write(session.getIdToken().getJwtToken() + "\n"),
  onFailure: (err) => fail(`${err.code ?? err.name}: ${err.message}`),
  newPasswordRequired: () =>
    fail("the user must set a permanent password first (aws cognito-idp admin-set-user-password --permanent)"),
  mfaRequired: () => fail("the user has MFA; this command signs in test users without it"),
  totpRequired: () => fail("the user has MFA; this command signs in test users without it"),
  customChallenge: () => fail("the pool asked for a custom challenge; this command supports SRP only"),
});
