package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/openapi"
)

// contract is the OpenAPI document the handlers answer by, loaded and validated once.
var contract = sync.OnceValues(func() (*openapi3.T, error) {
	b, err := openapi.JSON()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

var contractOptions = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc, // the claims stand for the token
	IncludeResponseStatus: true,                                  // an undocumented status fails
	MultiError:            true,
}

// checkContract holds a handler's exchange to the OpenAPI document: the response must be
// documented for the route (status, headers, body: no undocumented field), and a request
// the document refuses must be refused by the handler too, with 400 (or 401/403 when the
// caller is checked first), since API Gateway's validator stands in front of it only when
// deployed. It reports with Errorf, so concurrent tests can call it from any goroutine.
func checkContract(t testing.TB, req events.APIGatewayProxyRequest, resp events.APIGatewayProxyResponse) {
	t.Helper()
	doc, err := contract()
	require.NoError(t, err, "the OpenAPI document")
	item := doc.Paths.Value(req.Resource)
	require.NotNil(t, item, "route %s is in the document", req.Resource)
	op := item.GetOperation(req.HTTPMethod)
	require.NotNil(t, op, "route %s %s is in the document", req.HTTPMethod, req.Resource)

	hreq, err := http.NewRequest(req.HTTPMethod, "http://api.local"+concretePath(req), strings.NewReader(req.Body))
	require.NoError(t, err)
	query := url.Values{}
	for k, v := range req.QueryStringParameters {
		query.Set(k, v)
	}
	hreq.URL.RawQuery = query.Encode()
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	if req.Body != "" && hreq.Header.Get("Content-Type") == "" {
		hreq.Header.Set("Content-Type", "application/json") // what API Gateway assumes
	}
	in := &openapi3filter.RequestValidationInput{
		Request: hreq, PathParams: req.PathParameters, QueryParams: query, Options: contractOptions,
		Route: &routers.Route{Spec: doc, Path: req.Resource, PathItem: item, Method: req.HTTPMethod, Operation: op},
	}
	exchange := fmt.Sprintf("%s %s params %v query %v headers %v body %q -> %d %s",
		req.HTTPMethod, req.Resource, req.PathParameters, req.QueryStringParameters, req.Headers, req.Body, resp.StatusCode, resp.Body)
	if reqErr := openapi3filter.ValidateRequest(context.Background(), in); reqErr != nil {
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}, resp.StatusCode,
			"the document refuses the request, the handler must too:\n%s\ndocument: %v", exchange, reqErr)
	}

	header := http.Header{}
	for k, v := range resp.Headers {
		header.Set(k, v)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: header, Options: contractOptions}
	out.SetBodyBytes([]byte(resp.Body))
	assert.NoError(t, openapi3filter.ValidateResponse(context.Background(), out), "the response is not the documented one:\n%s", exchange)
}

// concretePath fills the route's template with the request's path parameters.
func concretePath(req events.APIGatewayProxyRequest) string {
	if req.Path != "" {
		return req.Path
	}
	p := req.Resource
	for k, v := range req.PathParameters {
		p = strings.ReplaceAll(p, "{"+k+"}", url.PathEscape(v))
	}
	return p
}

// spy records what checkContract reports instead of failing the test.
type spy struct {
	testing.TB
	errors []string
}

func (s *spy) Helper() {}
func (s *spy) Errorf(format string, args ...any) {
	s.errors = append(s.errors, fmt.Sprintf(format, args...))
}

// TestContractCatchesDrift: the check refuses an undocumented field, an undocumented status,
// a missing required header and a success for a request the document refuses.
func TestContractCatchesDrift(t *testing.T) {
	const product = `{"productId":"p1","name":"Mug","description":"","category":"kitchen","price":{"amount":1,"currency":"EUR"},` +
		`"stock":1,"lowStockThreshold":0,"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z"}`
	ok := events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json", "X-Request-Id": "r1"}, Body: product}
	get, _ := request(t, "GET", "/products/p1", anon, "")
	cases := map[string]struct {
		req   events.APIGatewayProxyRequest
		resp  func(events.APIGatewayProxyResponse) events.APIGatewayProxyResponse
		fails bool
	}{
		"documented": {req: get, resp: func(r events.APIGatewayProxyResponse) events.APIGatewayProxyResponse { return r }},
		"undocumented field": {req: get, fails: true, resp: func(r events.APIGatewayProxyResponse) events.APIGatewayProxyResponse {
			r.Body = strings.TrimSuffix(r.Body, "}") + `,"cost":1}`
			return r
		}},
		"missing field": {req: get, fails: true, resp: func(r events.APIGatewayProxyResponse) events.APIGatewayProxyResponse {
			r.Body = strings.Replace(r.Body, `"stock":1,`, "", 1)
			return r
		}},
		"undocumented status": {req: get, fails: true, resp: func(r events.APIGatewayProxyResponse) events.APIGatewayProxyResponse {
			r.StatusCode = http.StatusConflict
			r.Body = `{"error":{"code":"conflict","message":"m"}}`
			return r
		}},
		"no request id": {req: get, fails: true, resp: func(r events.APIGatewayProxyResponse) events.APIGatewayProxyResponse {
			r.Headers = map[string]string{"Content-Type": "application/json"}
			return r
		}},
		"success for a refused request": {req: func() events.APIGatewayProxyRequest {
			r, _ := request(t, "GET", "/products/a.b", anon, "")
			return r
		}(), fails: true, resp: func(r events.APIGatewayProxyResponse) events.APIGatewayProxyResponse { return r }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := &spy{TB: t}
			checkContract(s, c.req, c.resp(ok))
			if c.fails {
				assert.NotEmpty(t, s.errors)
			} else {
				assert.Empty(t, s.errors)
			}
		})
	}
}
