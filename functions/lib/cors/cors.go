// Package cors answers browser CORS for an API Gateway REST proxy handler: it answers
// preflights and adds the CORS headers to every response, for the origins the stack
// allows (Pulumi config shopstack:allowedOrigins, passed to functions as ALLOWED_ORIGINS).
// The deployed functions and the local server wrap the same handlers with it.
package cors

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"shopstack/contract"
	"shopstack/contract/routes"
	"shopstack/functions/lib/api"
)

// EnvVar carries the allowed origins to a function, comma-separated; it is the
// variable the stack sets (stacks.AllowedOriginsEnv).
const EnvVar = contract.AllowedOriginsEnv

// AllowHeaders are the request headers the API reads; API Gateway's own error responses
// allow the same.
var AllowHeaders = []string{"Authorization", "Content-Type", routes.IdempotencyHeader}

// ExposeHeaders are the response headers a browser script may read.
var ExposeHeaders = []string{"Location", "X-Request-Id", "Idempotent-Replayed"}

// MaxAge is how long, in seconds, a browser may cache a preflight answer.
const MaxAge = "600"

// Handler is the signature of api.Handler.Handle and of a Lambda proxy handler.
type Handler func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// ParseOrigins reads the EnvVar format: origins separated by commas, blanks ignored.
func ParseOrigins(s string) []string {
	var origins []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	return origins
}

// Wrap returns h with CORS for the given origins. A preflight (OPTIONS with Origin and
// Access-Control-Request-Method) on a known resource is answered 204 without calling h,
// allowing the methods the route table has for req.Resource; every other request goes to
// h. The request's Origin is echoed in Access-Control-Allow-Origin only when it is one of
// origins; responses always carry Vary: Origin, since they depend on it. extraHeaders are
// allowed in addition to AllowHeaders (the local server's development identity headers).
func Wrap(h Handler, origins []string, extraHeaders ...string) Handler {
	allowHeaders := strings.Join(append(slices.Clone(AllowHeaders), extraHeaders...), ",")
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		origin := api.Header(req, "Origin")
		allowed := origin != "" && slices.ContainsFunc(origins, func(o string) bool { return strings.EqualFold(o, origin) })
		if isPreflight(req) {
			resp := events.APIGatewayProxyResponse{StatusCode: http.StatusNoContent, Headers: map[string]string{"Vary": "Origin"}}
			if allowed {
				resp.Headers["Access-Control-Allow-Origin"] = origin
				resp.Headers["Access-Control-Allow-Methods"] = strings.Join(methodsOf(req.Resource), ",")
				resp.Headers["Access-Control-Allow-Headers"] = allowHeaders
				resp.Headers["Access-Control-Max-Age"] = MaxAge
			}
			return resp, nil
		}
		resp, err := h(ctx, req)
		if resp.Headers == nil {
			resp.Headers = map[string]string{}
		}
		resp.Headers["Vary"] = addVary(resp.Headers["Vary"])
		if allowed {
			resp.Headers["Access-Control-Allow-Origin"] = origin
			resp.Headers["Access-Control-Expose-Headers"] = strings.Join(ExposeHeaders, ",")
		}
		return resp, err
	}
}

// isPreflight reports whether req is a CORS preflight for a resource of the API.
func isPreflight(req events.APIGatewayProxyRequest) bool {
	return req.HTTPMethod == http.MethodOptions && req.Resource != "" &&
		api.Header(req, "Origin") != "" && api.Header(req, "Access-Control-Request-Method") != ""
}

// methodsOf lists the methods the route table has for a resource path, and OPTIONS.
func methodsOf(resource string) []string {
	var ms []string
	for _, r := range routes.All() {
		if r.Path == resource && !slices.Contains(ms, r.Method) {
			ms = append(ms, r.Method)
		}
	}
	return append(ms, http.MethodOptions)
}

func addVary(v string) string {
	for _, f := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(f), "Origin") {
			return v
		}
	}
	if v == "" {
		return "Origin"
	}
	return v + ", Origin"
}
