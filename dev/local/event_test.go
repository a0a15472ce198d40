package local

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvent(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		headers    map[string][]string
		resource   string
		params     map[string]string
		query      map[string]string
		multiQuery map[string][]string
		claims     map[string]any // nil: no authorizer
	}{
		{
			name: "public list with a repeated query parameter", method: "GET", target: "/products?category=kitchen&limit=2&limit=3",
			resource: "/products", query: map[string]string{"category": "kitchen", "limit": "3"},
			multiQuery: map[string][]string{"category": {"kitchen"}, "limit": {"2", "3"}},
		},
		{
			name: "path parameters, unescaped", method: "PUT", target: "/carts/my%2Dcart/items/seed-kettle", body: `{"quantity":1}`,
			headers:  map[string][]string{DevUserHeader: {"alice"}},
			resource: "/carts/{cartId}/items/{productId}", params: map[string]string{"cartId": "my-cart", "productId": "seed-kettle"},
			claims: map[string]any{"sub": "alice", "cognito:username": "alice", "token_use": "id"},
		},
		{
			name: "admin through the groups header", method: "POST", target: "/products/p1/stock", body: `{"delta":1}`,
			headers:  map[string][]string{DevUserHeader: {" root "}, DevGroupsHeader: {"admin,ops"}},
			resource: "/products/{productId}/stock", params: map[string]string{"productId": "p1"},
			claims: map[string]any{"sub": "root", "cognito:username": "root", "token_use": "id", "cognito:groups": "admin,ops"},
		},
		{
			name: "groups without a user are no identity", method: "GET", target: "/orders",
			headers: map[string][]string{DevGroupsHeader: {"admin"}}, resource: "/orders",
		},
		{
			name: "wrong method still names the resource", method: "PATCH", target: "/orders/o1",
			resource: "/orders/{orderId}", params: map[string]string{"orderId": "o1"},
		},
		{name: "unknown path", method: "GET", target: "/nope/x"},
		{name: "trailing slash is another path", method: "GET", target: "/products/p1/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Add("Accept", "text/html")
			r.Header.Add("Accept", "application/json")
			for k, vs := range tt.headers {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			ev, err := event(r)
			require.NoError(t, err)
			assert.Equal(t, tt.resource, ev.Resource)
			assert.Equal(t, tt.resource, ev.RequestContext.ResourcePath)
			assert.Equal(t, tt.method, ev.HTTPMethod)
			assert.Equal(t, tt.params, ev.PathParameters)
			assert.Equal(t, tt.query, ev.QueryStringParameters)
			assert.Equal(t, tt.multiQuery, ev.MultiValueQueryStringParameters)
			assert.Equal(t, tt.body, ev.Body)
			assert.Equal(t, Stage, ev.RequestContext.Stage)
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, ev.RequestContext.RequestID)
			assert.Equal(t, "application/json", ev.Headers["Accept"], "Headers holds the last value")
			assert.Equal(t, []string{"text/html", "application/json"}, ev.MultiValueHeaders["Accept"])
			assert.Equal(t, "example.com", ev.Headers["Host"])
			for k := range ev.Headers {
				assert.NotContains(t, []string{DevUserHeader, DevGroupsHeader}, k, "development headers become claims, never headers")
			}
			if tt.claims == nil {
				assert.Nil(t, ev.RequestContext.Authorizer)
				return
			}
			assert.Equal(t, map[string]any{"claims": tt.claims}, ev.RequestContext.Authorizer)
		})
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:3001": true, "[::1]:0": true, "localhost:3001": true, "127.0.0.2:80": true,
		"0.0.0.0:3001": false, ":3001": false, "192.168.1.2:3001": false, "example.com:80": false, "3001": false,
	} {
		err := checkLoopback(addr)
		assert.Equal(t, ok, err == nil, "%s: %v", addr, err)
	}
}

// TestCheckSubject: the local SNS stand-in refuses the subjects SNS refuses.
func TestCheckSubject(t *testing.T) {
	for s, ok := range map[string]bool{
		"Order o1 confirmed": true, "Théière": true, strings.Repeat("a", 99): true,
		"": false, strings.Repeat("a", 100): false, strings.Repeat("é", 50): false,
		"Tea\npot": false, "Tea\tpot": false, "Tea\u0085pot": false, "Tea\u2028pot": false, "Tea\xffpot": false,
	} {
		assert.Equal(t, ok, checkSubject(s) == nil, "%q", s)
	}
}
