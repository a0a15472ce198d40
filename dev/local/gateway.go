package local

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"shopstack/contract/routes"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/cors"
)

// Development identity headers. Only this local server reads them, turning them into the
// claims API Gateway's Cognito authorizer would pass; the deployed API ignores them, and
// nothing in functions/lib/api knows them.
const (
	DevUserHeader   = "X-Shopstack-Dev-User"   // the caller's sub, e.g. "alice"
	DevGroupsHeader = "X-Shopstack-Dev-Groups" // comma-separated Cognito groups, e.g. "admin"
)

// Stage is the API Gateway stage name the local events carry.
const Stage = "local"

// maxBodyBytes is API Gateway's payload limit.
const maxBodyBytes = 10 << 20

// Server serves the route table over HTTP by turning each request into the API Gateway
// REST proxy event the deployed API would send and passing it to the function's handler.
// It plays API Gateway's part too: unknown paths, wrong methods, the Cognito authorizer's
// 401 and CORS.
type Server struct {
	handle cors.Handler
	log    *slog.Logger
}

// NewServer returns a Server over the handlers of the functions (keyed by
// routes.Route.Function), which must cover every route of the table, allowing CORS from
// origins. Each invocation gets a context ending after timeout, as Lambda's does after the
// function's timeout.
func NewServer(handlers map[string]*api.Handler, origins []string, timeout time.Duration, log *slog.Logger) (*Server, error) {
	for _, r := range routes.All() {
		if handlers[r.Function] == nil {
			return nil, fmt.Errorf("local server: no handler for function %q (route %s %s)", r.Function, r.Method, r.Path)
		}
	}
	if timeout <= 0 {
		return nil, fmt.Errorf("local server: function timeout %s is not positive", timeout)
	}
	g := gateway{handlers: handlers, timeout: timeout}
	return &Server{handle: cors.Wrap(g.handle, origins, DevUserHeader, DevGroupsHeader), log: log}, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	ev, err := event(r)
	if err != nil {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "payload_too_large", err.Error())
		return
	}
	resp, err := s.handle(r.Context(), ev)
	if err != nil { // the handlers never return one; a wrapper bug should still answer
		s.log.ErrorContext(r.Context(), "handler error", "requestId", ev.RequestContext.RequestID, "error", err.Error())
		resp = errorResponse(http.StatusInternalServerError, ev.RequestContext.RequestID, "internal", "internal error (request id "+ev.RequestContext.RequestID+")")
	}
	write(w, resp)
	s.log.InfoContext(r.Context(), "http",
		"requestId", ev.RequestContext.RequestID, "method", r.Method, "path", r.URL.Path, "resource", ev.Resource,
		"caller", r.Header.Get(DevUserHeader), "origin", r.Header.Get("Origin"),
		"status", resp.StatusCode, "durationMs", float64(time.Since(start).Microseconds())/1000)
}

// event builds the API Gateway REST proxy event for r, resolving the resource through the
// route table; Resource is "" for a path the API does not have.
func event(r *http.Request) (events.APIGatewayProxyRequest, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return events.APIGatewayProxyRequest{}, fmt.Errorf("request body is larger than %d bytes", maxBodyBytes)
	}
	resource, params := resolve(r.Method, r.URL.EscapedPath())
	ev := events.APIGatewayProxyRequest{
		Resource:       resource,
		Path:           r.URL.Path,
		HTTPMethod:     r.Method,
		PathParameters: params,
		Body:           string(body),
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:        "000000000000",
			ResourcePath:     resource,
			Stage:            Stage,
			RequestID:        newRequestID(),
			APIID:            "local",
			Protocol:         r.Proto,
			HTTPMethod:       r.Method,
			Path:             "/" + Stage + r.URL.Path,
			RequestTimeEpoch: time.Now().UnixMilli(),
			Identity:         events.APIGatewayRequestIdentity{SourceIP: sourceIP(r), UserAgent: r.UserAgent()},
		},
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters, ev.MultiValueQueryStringParameters = map[string]string{}, map[string][]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = vs[len(vs)-1]
			ev.MultiValueQueryStringParameters[k] = vs
		}
	}
	ev.Headers, ev.MultiValueHeaders = map[string]string{}, map[string][]string{}
	if r.Host != "" {
		ev.Headers["Host"], ev.MultiValueHeaders["Host"] = r.Host, []string{r.Host}
	}
	for k, vs := range r.Header {
		if k == DevUserHeader || k == DevGroupsHeader { // become claims, as a token would
			continue
		}
		ev.Headers[k] = vs[len(vs)-1]
		ev.MultiValueHeaders[k] = vs
	}
	if sub := strings.TrimSpace(r.Header.Get(DevUserHeader)); sub != "" {
		claims := map[string]any{"sub": sub, "cognito:username": sub, "token_use": "id"}
		if g := strings.TrimSpace(r.Header.Get(DevGroupsHeader)); g != "" {
			claims["cognito:groups"] = g
		}
		ev.RequestContext.Authorizer = map[string]any{"claims": claims}
	}
	return ev, nil
}

// resolve finds the resource template of a concrete path for method, or, when the method
// has no route there, for any method (the gateway then answers 405). Path parameters are
// unescaped, as API Gateway passes them.
func resolve(method, escapedPath string) (string, map[string]string) {
	candidates := []string{method}
	for _, r := range routes.All() {
		if !slices.Contains(candidates, r.Method) {
			candidates = append(candidates, r.Method)
		}
	}
	for _, m := range candidates {
		route, params, ok := routes.Match(m, escapedPath)
		if !ok {
			continue
		}
		for k, v := range params {
			if u, err := url.PathUnescape(v); err == nil {
				params[k] = u
			}
		}
		if len(params) == 0 {
			params = nil // API Gateway sends null, not {}
		}
		return route.Path, params
	}
	return "", nil
}

// gateway is what API Gateway does before a function runs: find the route, run the
// Cognito authorizer on protected routes, invoke the function.
type gateway struct {
	handlers map[string]*api.Handler
	timeout  time.Duration // the functions' timeout: the deadline of each invocation's context
}

func (g gateway) handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := ev.RequestContext.RequestID
	if ev.Resource == "" {
		return errorResponse(http.StatusNotFound, id, "not_found", fmt.Sprintf("no route matches %s %s", ev.HTTPMethod, ev.Path)), nil
	}
	var route routes.Route
	var allowed []string
	for _, r := range routes.All() {
		if r.Path != ev.Resource {
			continue
		}
		allowed = append(allowed, r.Method)
		if r.Method == ev.HTTPMethod {
			route = r
		}
	}
	if route.Function == "" {
		resp := errorResponse(http.StatusMethodNotAllowed, id, "method_not_allowed",
			fmt.Sprintf("%s is not allowed on %s; allowed: %s", ev.HTTPMethod, ev.Resource, strings.Join(allowed, ", ")))
		resp.Headers["Allow"] = strings.Join(append(allowed, http.MethodOptions), ", ")
		return resp, nil
	}
	if route.Access != routes.Public && ev.RequestContext.Authorizer == nil {
		// The body API Gateway's DEFAULT_4XX gateway response gives the Cognito authorizer's 401.
		return errorResponse(http.StatusUnauthorized, id, "UNAUTHORIZED", "Unauthorized"), nil
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	return g.handlers[route.Function].Handle(ctx, ev)
}

func errorResponse(status int, requestID, code, message string) events.APIGatewayProxyResponse {
	b, _ := json.Marshal(api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: message}})
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "X-Request-Id": requestID},
		Body:       string(b),
	}
}

// write sends an API Gateway proxy response as HTTP, merging single- and multi-value
// headers as API Gateway does.
func write(w http.ResponseWriter, resp events.APIGatewayProxyResponse) {
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// LoopbackHosts serves only requests whose Host header names this machine's loopback
// ("localhost", 127.0.0.0/8, ::1, with any port). Listening on loopback is not enough: a web
// page on a domain its owner re-points at 127.0.0.1 (DNS rebinding) reaches the server with
// that domain as Host, and the development headers would let it act as anyone, admin
// included. Others get 403 in the API's error shape.
func LoopbackHosts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			writeJSONError(w, http.StatusForbidden, "forbidden",
				fmt.Sprintf("host %q is not this machine's loopback; the local API answers only localhost, 127.0.0.1 and [::1]", r.Host))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	write(w, errorResponse(status, newRequestID(), code, message))
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newRequestID returns a random UUID, the shape of API Gateway's request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
