package routes

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		k := r.Method + " " + r.Path
		assert.False(t, seen[k], "duplicate route %s", k)
		seen[k] = true
		assert.Contains(t, []string{"GET", "POST", "PUT", "DELETE"}, r.Method, k)
		assert.Contains(t, []Access{Public, SignedIn, Admin}, r.Access, k)
		assert.NotEmpty(t, r.Summary, k)
		_, err := os.Stat(filepath.Join("..", "..", "functions", r.Function, "main.go"))
		assert.NoError(t, err, "%s: function folder", k)
		if r.Method == "GET" || r.Method == "DELETE" {
			assert.Nil(t, r.Body, "%s takes no body", k)
		} else if r.Body != nil {
			assert.Equal(t, reflect.Struct, reflect.TypeOf(r.Body).Kind(), k)
		}
	}
	assert.Len(t, All(), 13)
	assert.Equal(t, All(), All(), "deterministic")
}

func TestMatch(t *testing.T) {
	r, params, ok := Match("PUT", "/carts/c1/items/p9")
	require.True(t, ok)
	assert.Equal(t, "/carts/{cartId}/items/{productId}", r.Path)
	assert.Equal(t, map[string]string{"cartId": "c1", "productId": "p9"}, params)
	assert.Equal(t, []string{"cartId", "productId"}, r.Params())

	r, _, ok = Match("POST", "/orders")
	require.True(t, ok)
	assert.Equal(t, Checkout, r.Function)
	r, _, ok = Match("POST", "/orders/o1/cancel")
	require.True(t, ok)
	assert.Equal(t, Orders, r.Function)

	for _, c := range [][2]string{{"PATCH", "/products"}, {"GET", "/products/a/b"}, {"GET", "/products//"}, {"GET", "/nope"}} {
		_, _, ok := Match(c[0], c[1])
		assert.False(t, ok, "%v", c)
	}
}
