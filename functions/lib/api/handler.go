// Package api is the HTTP adapter: it turns API Gateway REST proxy events into calls of
// the shop services and their results or errors into JSON responses. It does not know
// Lambda's runtime or any HTTP server, so a local server can serve the same Handler.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"shopstack/contract/routes"
	"shopstack/functions/lib/shop"
)

// statusOf is the one table from domain error codes to HTTP status codes.
var statusOf = map[string]int{
	shop.EINVALID:       http.StatusBadRequest,
	shop.EUNAUTHORIZED:  http.StatusUnauthorized,
	shop.EFORBIDDEN:     http.StatusForbidden,
	shop.ENOTFOUND:      http.StatusNotFound,
	shop.ECONFLICT:      http.StatusConflict,
	shop.EOUTOFSTOCK:    http.StatusConflict,
	shop.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	shop.EUNAVAILABLE:   http.StatusServiceUnavailable,
	shop.ETIMEOUT:       http.StatusGatewayTimeout,
	shop.EINTERNAL:      http.StatusInternalServerError,
}

// retryAfterOf is the Retry-After header, in seconds, of the answers a client should repeat
// later: the database throttling, unreachable or too slow for the function's deadline. A
// repeated checkout uses its Idempotency-Key again, so it answers the order if the first
// attempt's transaction did commit.
var retryAfterOf = map[string]string{
	shop.EUNAVAILABLE: "1",
	shop.ETIMEOUT:     "1",
}

// AnswerReserve is the time Handle keeps back from the function's deadline (Lambda's, from
// the context) to answer: the domain's calls see a deadline that much earlier, so a request
// that runs out of time fails with a 504 the function still writes, rather than Lambda ending
// the function in the middle of its work with no answer to the client.
const AnswerReserve = 500 * time.Millisecond

// ErrorBody and ErrorDetail are the route table's error shape (contract/routes), named here
// for the handlers.
type (
	ErrorBody   = routes.ErrorBody
	ErrorDetail = routes.ErrorDetail
)

// request is what an endpoint sees: the event and the caller it came from.
type request struct {
	events.APIGatewayProxyRequest
	caller shop.Caller
}

// result is an endpoint's successful answer.
type result struct {
	status  int
	body    any
	headers map[string]string
}

type endpoint func(ctx context.Context, r request) (result, error)

// Handler serves the routes of one function (routes.Route.Function).
type Handler struct {
	function  string
	routes    map[string]routes.Route
	endpoints map[string]endpoint
	log       *slog.Logger
}

func routeKey(method, path string) string { return method + " " + path }

// newHandler binds endpoints to the function's routes; every route of the function
// must have exactly one endpoint, so the route table and the code cannot drift apart.
func newHandler(function string, log *slog.Logger, eps map[string]endpoint) (*Handler, error) {
	h := &Handler{function: function, routes: map[string]routes.Route{}, endpoints: eps, log: log}
	for _, r := range routes.Of(function) {
		k := routeKey(r.Method, r.Path)
		if eps[k] == nil {
			return nil, fmt.Errorf("api %s: route %s has no endpoint", function, k)
		}
		h.routes[k] = r
	}
	for k := range eps {
		if _, ok := h.routes[k]; !ok {
			return nil, fmt.Errorf("api %s: endpoint %s is not in the route table for this function", function, k)
		}
	}
	return h, nil
}

// Handle serves one API Gateway REST proxy request. It dispatches on Resource and
// HTTPMethod, checks the route's access rule, and always answers with an HTTP response:
// the error it returns is always nil, so Lambda never retries or reports a crash.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	start := time.Now()
	requestID := requestID(ctx, req)
	k := routeKey(req.HTTPMethod, req.Resource)
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "panic", "requestId", requestID, "route", k, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp = h.failure(ctx, requestID, k, fmt.Errorf("panic: %v", p))
		}
		h.log.InfoContext(ctx, "request", "requestId", requestID, "route", k, "status", resp.StatusCode, "durationMs", time.Since(start).Milliseconds())
	}()
	route, ok := h.routes[k]
	if !ok {
		return h.failure(ctx, requestID, k, shop.Errorf(shop.ENOTFOUND, "no route %s %s in function %s", req.HTTPMethod, req.Resource, h.function)), nil
	}
	caller := callerOf(req)
	if err := authorize(route.Access, caller); err != nil {
		return h.failure(ctx, requestID, k, err), nil
	}
	work, cancel := budget(ctx)
	defer cancel()
	res, err := h.endpoints[k](work, request{APIGatewayProxyRequest: req, caller: caller})
	if err != nil {
		return h.failure(ctx, requestID, k, err), nil
	}
	return respond(res.status, res.body, requestID, res.headers), nil
}

// budget returns the context the endpoint works under: the function's deadline less
// AnswerReserve. Without a deadline (a test calling Handle directly) it is ctx.
func budget(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return ctx, func() {}
	}
	return context.WithDeadline(ctx, deadline.Add(-AnswerReserve))
}

// authorize applies a route's access rule: 401 without identity, 403 without the group.
func authorize(a routes.Access, c shop.Caller) error {
	switch a {
	case routes.Public:
		return nil
	case routes.SignedIn, routes.Admin:
		if !c.SignedIn() {
			return shop.Errorf(shop.EUNAUTHORIZED, "sign in to call this route")
		}
		if a == routes.Admin && !c.InGroup(shop.AdminGroup) {
			return shop.Errorf(shop.EFORBIDDEN, "this route is for members of the %q group", shop.AdminGroup)
		}
		return nil
	}
	return shop.Errorf(shop.EFORBIDDEN, "route access %q is unknown", a)
}

// failure turns an error into the error response; 5xx errors are logged with the
// request id, which is all the caller learns about them.
func (h *Handler) failure(ctx context.Context, requestID, route string, err error) events.APIGatewayProxyResponse {
	code := shop.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = shop.EINTERNAL, http.StatusInternalServerError
	}
	msg := shop.ErrorMessage(err)
	if status >= 500 {
		h.log.ErrorContext(ctx, "request failed", "requestId", requestID, "route", route, "status", status, "error", err.Error())
		msg = fmt.Sprintf("%s (request id %s)", msg, requestID)
	}
	var headers map[string]string
	if after, ok := retryAfterOf[code]; ok {
		headers = map[string]string{"Retry-After": after}
	}
	return respond(status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg}}, requestID, headers)
}

func respond(status int, body any, requestID string, headers map[string]string) events.APIGatewayProxyResponse {
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	h := map[string]string{"Content-Type": "application/json", "X-Request-Id": requestID}
	for k, v := range headers {
		h[k] = v
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: h, Body: string(b)}
}

// requestID prefers API Gateway's id, which the client can see, over Lambda's.
func requestID(ctx context.Context, req events.APIGatewayProxyRequest) string {
	if req.RequestContext.RequestID != "" {
		return req.RequestContext.RequestID
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return "unknown"
}

// callerOf reads the Cognito user pool authorizer's claims. API Gateway passes
// cognito:groups as a string: "admin", "[admin other]" or "admin,other"; a JSON array
// (from local tooling) is accepted too.
func callerOf(req events.APIGatewayProxyRequest) shop.Caller {
	claims, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	sub, _ := claims["sub"].(string)
	sub = strings.TrimSpace(sub)
	if sub == "" || len(sub) > 256 {
		return shop.Caller{}
	}
	return shop.Caller{ID: sub, Groups: parseGroups(claims["cognito:groups"])}
}

func parseGroups(v any) []string {
	var raw []string
	switch g := v.(type) {
	case string:
		raw = strings.FieldsFunc(g, func(r rune) bool { return r == ',' || r == '[' || r == ']' || unicode.IsSpace(r) })
	case []any:
		for _, x := range g {
			if s, ok := x.(string); ok {
				raw = append(raw, s)
			}
		}
	case []string:
		raw = g
	}
	groups := make([]string, 0, len(raw))
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			groups = append(groups, s)
		}
	}
	return groups
}

// Header finds a request header whatever its case, as HTTP header names are.
func Header(req events.APIGatewayProxyRequest, name string) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
