package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"shopstack/contract/routes"
	"shopstack/functions/lib/shop"
)

// The markers around the curl examples in functions/README.md: `make openapi` rewrites what lies
// between them from the route table, and TestCurlExamplesAreCurrent fails when the committed
// section differs from a fresh one.
const (
	CurlBegin = "<!-- curl examples: generated from contract/routes by `make openapi` (contract/openapi/curl.go); do not edit -->"
	CurlEnd   = "<!-- end of curl examples -->"
)

// example is what the curl examples send to one route: path parameters, query parameters and a body
// of the route's body type (checked against the document by TestCurlExamplesMatchTheDocument).
type example struct {
	Path  map[string]string
	Query url.Values
	Body  any
}

// examples holds one example per route, keyed "METHOD /path"; a route without one fails Curl.
var examples = map[string]example{
	"GET /products":                            {Query: url.Values{"category": {"kitchen"}, "limit": {"10"}}},
	"POST /products":                           {Body: shop.NewProduct{Name: "Trowel", Category: "garden", Price: shop.Money{Amount: 899, Currency: "EUR"}, Stock: 5}},
	"GET /products/{productId}":                {Path: map[string]string{"productId": "seed-kettle"}},
	"PUT /products/{productId}":                {Path: map[string]string{"productId": "seed-kettle"}, Body: shop.ProductUpdate{Name: "Kettle", Description: "1.7 l, stainless steel", Category: "kitchen", Price: shop.Money{Amount: 3499, Currency: "EUR"}, LowStockThreshold: 5}},
	"POST /products/{productId}/stock":         {Path: map[string]string{"productId": "seed-kettle"}, Body: shop.StockDelta{Delta: 10}},
	"GET /carts/{cartId}":                      {Path: map[string]string{"cartId": "my-cart"}},
	"PUT /carts/{cartId}/items/{productId}":    {Path: map[string]string{"cartId": "my-cart", "productId": "seed-kettle"}, Body: shop.CartQuantity{Quantity: ptr(2)}},
	"DELETE /carts/{cartId}/items/{productId}": {Path: map[string]string{"cartId": "my-cart", "productId": "seed-kettle"}},
	"POST /orders":                             {Body: shop.PlaceOrder{CartID: "my-cart"}},
	"GET /orders":                              {Query: url.Values{"limit": {"20"}}},
	"GET /orders/{orderId}":                    {Path: map[string]string{"orderId": "$ORDER_ID"}},
	"POST /orders/{orderId}/cancel":            {Path: map[string]string{"orderId": "$ORDER_ID"}},
	"GET /health":                              {},
}

// Curl returns the README section between CurlBegin and CurlEnd: one curl command per route of
// routes.All(), in table order, with the headers its access and the document require.
func Curl() (string, error) {
	var b strings.Builder
	b.WriteString(CurlBegin + "\n\n")
	b.WriteString("```sh\n")
	for _, r := range routes.All() {
		key := r.Method + " " + r.Path
		ex, ok := examples[key]
		if !ok {
			return "", fmt.Errorf("curl examples: %s has no example in contract/openapi/curl.go", key)
		}
		cmd, err := curl(r, ex)
		if err != nil {
			return "", fmt.Errorf("curl examples: %s: %w", key, err)
		}
		fmt.Fprintf(&b, "# %s — %s (%s)\n%s\n", key, r.Summary, r.Access, cmd)
	}
	b.WriteString("```\n\n" + CurlEnd)
	return b.String(), nil
}

func curl(r routes.Route, ex example) (string, error) {
	target, err := ex.target(r)
	if err != nil {
		return "", err
	}
	body, err := ex.json(r)
	if err != nil {
		return "", err
	}
	parts := []string{"curl -s"}
	if r.Method != "GET" {
		parts = append(parts, "-X "+r.Method)
	}
	parts = append(parts, `"$API`+target+`"`)
	switch r.Access {
	case routes.SignedIn:
		parts = append(parts, `"${AUTH[@]}"`)
	case routes.Admin:
		parts = append(parts, `"${ADMIN[@]}"`)
	}
	for _, h := range r.Headers {
		if h != routes.IdempotencyHeader {
			return "", fmt.Errorf("no example for header %s", h)
		}
		parts = append(parts, `-H "`+h+`: $(uuidgen)"`)
	}
	if body != nil {
		parts = append(parts, "-H 'Content-Type: application/json'", "-d '"+string(body)+"'")
	}
	return strings.Join(parts, " "), nil
}

// target is the route's path with the example's parameters, and its query string.
func (ex example) target(r routes.Route) (string, error) {
	path := r.Path
	for _, p := range r.Params() {
		v, ok := ex.Path[p]
		if !ok {
			return "", fmt.Errorf("no example for path parameter %s", p)
		}
		path = strings.Replace(path, "{"+p+"}", v, 1)
	}
	for k := range ex.Query {
		if !slices.Contains(r.Query, k) {
			return "", fmt.Errorf("query parameter %s is not one the route reads", k)
		}
	}
	if len(ex.Query) > 0 {
		path += "?" + ex.Query.Encode()
	}
	return path, nil
}

// json is the example's body as compact JSON, nil when the route takes none; the example's body
// must be of the route's body type.
func (ex example) json(r routes.Route) ([]byte, error) {
	if (r.Body == nil) != (ex.Body == nil) || ex.Body != nil && reflect.TypeOf(ex.Body) != reflect.TypeOf(r.Body) {
		return nil, fmt.Errorf("example body %T, route body %T", ex.Body, r.Body)
	}
	if ex.Body == nil {
		return nil, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b) // no HTML escaping: the body is shown in single quotes as is
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ex.Body); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

// SpliceCurl returns readme with the text between CurlBegin and CurlEnd replaced by a fresh Curl().
func SpliceCurl(readme []byte) ([]byte, error) {
	section, err := Curl()
	if err != nil {
		return nil, err
	}
	begin := bytes.Index(readme, []byte(CurlBegin))
	end := bytes.Index(readme, []byte(CurlEnd))
	if begin < 0 || end < begin {
		return nil, fmt.Errorf("curl examples: the README has no %q … %q section", CurlBegin, CurlEnd)
	}
	out := append([]byte{}, readme[:begin]...)
	out = append(out, section...)
	return append(out, readme[end+len(CurlEnd):]...), nil
}
