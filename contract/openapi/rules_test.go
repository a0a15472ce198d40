package openapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/routes"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/shop"
)

// check decodes and validates a body exactly as the handler does.
func check[T interface{ Validate() error }](body string) error {
	v, err := api.Decode[T](body, false)
	if err != nil {
		return err
	}
	return v.Validate()
}

// TestRulesAgreeWithTheDomain sends values at and beyond every bound of the document
// through the schema and through the decoder and domain checks: both must accept or both
// refuse. This keeps bodyRules, paramRules and headerRules one source of truth with shop.
func TestRulesAgreeWithTheDomain(t *testing.T) {
	doc := load(t)
	withStock := true
	product := func(field, value string) string {
		fields := map[string]string{
			"name": `"Mug"`, "description": `"Blue"`, "category": `"kitchen"`,
			"price": `{"amount":1200,"currency":"EUR"}`, "stock": `5`, "lowStockThreshold": `2`,
		}
		if !withStock {
			delete(fields, "stock")
		}
		if value == "" {
			delete(fields, field)
		} else {
			fields[field] = value
		}
		var parts []string
		for _, k := range []string{"name", "description", "category", "price", "stock", "lowStockThreshold", "extra"} {
			if v, ok := fields[k]; ok {
				parts = append(parts, fmt.Sprintf("%q:%s", k, v))
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	price := func(amount int64, currency string) string {
		return fmt.Sprintf(`{"amount":%d,"currency":%q}`, amount, currency)
	}
	productCases := func() []string {
		return []string{
			product("name", ""), product("name", `""`), product("name", q(strings.Repeat("é", maxNameLength))),
			product("name", q(strings.Repeat("é", maxNameLength+1))), product("name", q("a\x01b")), product("name", q("a\x7fb")),
			product("name", q("tab\tand\nnewline")), product("name", q("\ufffd")), product("name", `null`), product("name", `7`),
			product("name", q("a\u0085b")), product("name", q("a\u2028b")), product("name", q("\u202eab")), product("name", q("a\u2066b")),
			product("name", q("Théière 茶壶")), product("name", q("إبريق")),
			product("description", q("tab\tand\nnewline")), product("description", q("a\u0085b")), product("description", q("a\u200fb")),
			product("description", q("a\rb")),
			product("description", ""), product("description", `""`), product("description", q(strings.Repeat("d", maxDescriptionLength))),
			product("description", q(strings.Repeat("d", maxDescriptionLength+1))),
			product("category", ""), product("category", q("kitchen-2")), product("category", q("Kitchen")), product("category", q("a_b")),
			product("category", q(strings.Repeat("c", maxCategoryLength))), product("category", q(strings.Repeat("c", maxCategoryLength+1))),
			product("price", ""), product("price", price(1, "EUR")), product("price", price(0, "EUR")), product("price", price(-1, "EUR")),
			product("price", price(shop.MaxPrice, "EUR")), product("price", price(shop.MaxPrice+1, "EUR")),
			product("price", price(1, "EU")), product("price", price(1, "eur")), product("price", price(1, "EURO")),
			product("price", `{"amount":1}`), product("price", `{"currency":"EUR"}`), product("price", `{"amount":1.5,"currency":"EUR"}`),
			product("price", `{"amount":1,"currency":"EUR","tax":0}`), product("price", `[]`),
			product("stock", ""), product("stock", `0`), product("stock", `-1`), product("stock", fmt.Sprint(shop.MaxStock)),
			product("stock", fmt.Sprint(shop.MaxStock+1)), product("stock", `"5"`), product("stock", `2.5`),
			product("lowStockThreshold", `-1`), product("lowStockThreshold", fmt.Sprint(shop.MaxStock)), product("lowStockThreshold", fmt.Sprint(shop.MaxStock+1)),
			product("extra", `1`),
		}
	}
	cases := map[string][]string{
		"NewProduct": productCases(),
		"StockDelta": {`{"delta":1}`, `{"delta":-1}`, `{"delta":0}`, `{}`, fmt.Sprintf(`{"delta":%d}`, shop.MaxStockDelta),
			fmt.Sprintf(`{"delta":%d}`, -shop.MaxStockDelta), fmt.Sprintf(`{"delta":%d}`, shop.MaxStockDelta+1),
			fmt.Sprintf(`{"delta":%d}`, -shop.MaxStockDelta-1), `{"delta":"1"}`, `{"delta":1,"why":"x"}`},
		"CartQuantity": {`{"quantity":0}`, `{"quantity":1}`, fmt.Sprintf(`{"quantity":%d}`, shop.MaxQuantity),
			fmt.Sprintf(`{"quantity":%d}`, shop.MaxQuantity+1), `{"quantity":-1}`, `{}`, `{"quantity":null}`, `{"quantity":true}`},
		"PlaceOrder": {`{"cartId":"c1"}`, `{"cartId":""}`, `{}`, `{"cartId":"a b"}`, `{"cartId":"a-B_9"}`, `{"cartId":"é"}`,
			q2("cartId", strings.Repeat("c", shop.MaxIDLength)), q2("cartId", strings.Repeat("c", shop.MaxIDLength+1))},
	}
	withStock = false
	cases["ProductUpdate"] = productCases() // where they set a stock, an unknown field: both refuse it
	domain := map[string]func(string) error{
		"NewProduct":    check[shop.NewProduct],
		"ProductUpdate": check[shop.ProductUpdate],
		"StockDelta":    check[shop.StockDelta],
		"CartQuantity":  check[shop.CartQuantity],
		"PlaceOrder":    check[shop.PlaceOrder],
	}
	for _, r := range routes.All() {
		if r.Body == nil {
			continue
		}
		m, _ := RequestSchema(r)
		name := m["title"].(string)
		require.Contains(t, cases, name, "every request body has boundary cases")
		schema := doc.Components.Schemas[name].Value
		accepted, refused := 0, 0
		for _, body := range cases[name] {
			var v any
			require.NoError(t, json.Unmarshal([]byte(body), &v), body)
			schemaErr := schema.VisitJSON(v)
			domainErr := domain[name](body)
			assert.Equal(t, domainErr == nil, schemaErr == nil, "%s %s\nschema: %v\ndomain: %v", name, body, schemaErr, domainErr)
			if domainErr == nil {
				accepted++
			} else {
				refused++
			}
		}
		assert.Positive(t, accepted, name)
		assert.Positive(t, refused, name)
	}

	t.Run("parameters", func(t *testing.T) {
		idCases := []string{"p1", "a-B_9", "", "a b", "a/b", "a.b", "é", strings.Repeat("i", shop.MaxIDLength), strings.Repeat("i", shop.MaxIDLength+1)}
		keyCases := []string{"550e8400-e29b-41d4-a716-446655440000", "", "a b", "k\x00", "~!", strings.Repeat("k", maxIdempotencyKey), strings.Repeat("k", maxIdempotencyKey+1), "é"}
		categoryCases := []string{"kitchen", "a-1", "", "Kitchen", "a_b", strings.Repeat("c", maxCategoryLength), strings.Repeat("c", maxCategoryLength+1)}
		for _, c := range []struct {
			in, name string
			check    func(string) error
			values   []string
		}{
			{"path", "productId", func(s string) error { return shop.CheckID("productId", s) }, idCases},
			{"path", "cartId", func(s string) error { return shop.CheckID("cartId", s) }, idCases},
			{"path", "orderId", func(s string) error { return shop.CheckID("orderId", s) }, idCases},
			{"header", routes.IdempotencyHeader, shop.CheckIdempotencyKey, keyCases},
			{"query", "category", shop.CheckCategory, categoryCases},
		} {
			var schemaOf func(string) error
			for _, r := range routes.All() {
				op := doc.Paths.Value(r.Path).GetOperation(r.Method)
				if p := op.Parameters.GetByInAndName(c.in, c.name); p != nil {
					schemaOf = func(s string) error { return p.Schema.Value.VisitJSON(s) }
					break
				}
			}
			require.NotNil(t, schemaOf, "%s %s is in the document", c.in, c.name)
			for _, v := range c.values {
				assert.Equal(t, c.check(v) == nil, schemaOf(v) == nil, "%s %s %q", c.in, c.name, v)
			}
		}
	})
}

func q2(k, v string) string { b, _ := json.Marshal(map[string]string{k: v}); return string(b) }
