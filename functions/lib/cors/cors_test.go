package cors_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/functions/lib/cors"
	"shopstack/stacks"
)

func TestEnvVarIsTheStacks(t *testing.T) {
	assert.Equal(t, stacks.AllowedOriginsEnv, cors.EnvVar)
}

func TestParseOrigins(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"blanks only", " , ,", nil},
		{"one", "https://shop.example.com", []string{"https://shop.example.com"}},
		{"several with spaces", " http://localhost:3000 ,http://localhost:5173,", []string{"http://localhost:3000", "http://localhost:5173"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cors.ParseOrigins(tt.in))
		})
	}
}

// echo is the wrapped handler: it answers 200 and records that it was called.
type echo struct{ calls int }

func (e *echo) handle(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	e.calls++
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{}`}, nil
}

func TestWrap(t *testing.T) {
	origins := cors.ParseOrigins("http://localhost:3000,http://localhost:5173")
	tests := []struct {
		name        string
		method      string
		resource    string
		headers     map[string]string
		extra       []string
		wantStatus  int
		wantCalled  bool
		wantOrigin  string // "" means the header must be absent
		wantMethods string
		wantHeaders string
	}{
		{
			name: "preflight from an allowed origin", method: "OPTIONS", resource: "/products/{productId}",
			headers:    map[string]string{"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT"},
			wantStatus: 204, wantOrigin: "http://localhost:5173", wantMethods: "GET,PUT,OPTIONS",
			wantHeaders: "Authorization,Content-Type,Idempotency-Key",
		},
		{
			name: "preflight header names in any case", method: "OPTIONS", resource: "/orders",
			headers:    map[string]string{"origin": "http://localhost:3000", "access-control-request-method": "POST"},
			wantStatus: 204, wantOrigin: "http://localhost:3000", wantMethods: "POST,GET,OPTIONS",
			wantHeaders: "Authorization,Content-Type,Idempotency-Key",
		},
		{
			name: "preflight allows extra headers", method: "OPTIONS", resource: "/carts/{cartId}",
			headers: map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
			extra:   []string{"X-Dev"}, wantStatus: 204, wantOrigin: "http://localhost:3000", wantMethods: "GET,OPTIONS",
			wantHeaders: "Authorization,Content-Type,Idempotency-Key,X-Dev",
		},
		{
			name: "preflight from a disallowed origin gets no grant", method: "OPTIONS", resource: "/products",
			headers:    map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			wantStatus: 204,
		},
		{
			name: "OPTIONS without Access-Control-Request-Method is not a preflight", method: "OPTIONS", resource: "/products",
			headers:    map[string]string{"Origin": "http://localhost:3000"},
			wantStatus: 200, wantCalled: true, wantOrigin: "http://localhost:3000",
		},
		{
			name: "OPTIONS on an unknown resource is not a preflight", method: "OPTIONS", resource: "",
			headers:    map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
			wantStatus: 200, wantCalled: true, wantOrigin: "http://localhost:3000",
		},
		{
			name: "simple request from an allowed origin", method: "GET", resource: "/products",
			headers:    map[string]string{"Origin": "http://localhost:3000"},
			wantStatus: 200, wantCalled: true, wantOrigin: "http://localhost:3000",
		},
		{
			name: "origin in multi-value headers", method: "GET", resource: "/products",
			wantStatus: 200, wantCalled: true, wantOrigin: "http://localhost:3000",
		},
		{
			name: "simple request from a disallowed origin", method: "GET", resource: "/products",
			headers:    map[string]string{"Origin": "http://localhost:3001"},
			wantStatus: 200, wantCalled: true,
		},
		{
			name: "no origin (not a browser)", method: "POST", resource: "/orders",
			wantStatus: 200, wantCalled: true, headers: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &echo{}
			h := cors.Wrap(e.handle, origins, tt.extra...)
			req := events.APIGatewayProxyRequest{HTTPMethod: tt.method, Resource: tt.resource, Headers: tt.headers}
			if tt.headers == nil {
				req.MultiValueHeaders = map[string][]string{"Origin": {"http://localhost:3000"}}
			}
			resp, err := h(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantCalled, e.calls == 1, "wrapped handler called")
			assert.Equal(t, "Origin", resp.Headers["Vary"])
			got, ok := resp.Headers["Access-Control-Allow-Origin"]
			if tt.wantOrigin == "" {
				assert.False(t, ok, "Access-Control-Allow-Origin must be absent, got %q", got)
				assert.NotContains(t, resp.Headers, "Access-Control-Allow-Methods")
			} else {
				assert.Equal(t, tt.wantOrigin, got)
			}
			if tt.wantMethods != "" {
				assert.Equal(t, tt.wantMethods, resp.Headers["Access-Control-Allow-Methods"])
				assert.Equal(t, tt.wantHeaders, resp.Headers["Access-Control-Allow-Headers"])
				assert.Empty(t, resp.Body)
			}
			if tt.wantCalled {
				assert.Equal(t, "application/json", resp.Headers["Content-Type"], "the handler's headers are kept")
			}
		})
	}
}

func TestWrapKeepsVaryAndErrors(t *testing.T) {
	h := cors.Wrap(func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 500, Headers: map[string]string{"Vary": "Accept-Encoding"}}, context.Canceled
	}, nil)
	resp, err := h(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/products"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "Accept-Encoding, Origin", resp.Headers["Vary"])
	assert.NotContains(t, resp.Headers, "Access-Control-Allow-Origin")
}
