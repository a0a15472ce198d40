package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/functions/lib/shop"
)

func TestCatalogCreate(t *testing.T) {
	f := newFixture(t)
	valid := `{"name":"Blue mug","description":"Holds tea","category":"kitchen","price":{"amount":1299,"currency":"EUR"},"stock":5,"lowStockThreshold":2}`

	r := f.do("POST", "/products", admin, valid)
	require.Equal(t, 201, r.StatusCode, r.Body)
	id := r.str("productId")
	assert.Len(t, id, 32)
	assert.Equal(t, "/products/"+id, r.Headers["Location"])
	assert.Equal(t, "Blue mug", r.str("name"))
	assert.Equal(t, 5, r.num("stock"))
	assert.Equal(t, map[string]any{"amount": 1299.0, "currency": "EUR"}, r.json["price"])
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`, r.str("createdAt"))

	got := f.do("GET", "/products/"+id, anon, "")
	require.Equal(t, 200, got.StatusCode)
	assert.Equal(t, r.json, got.json)

	b64 := f.do("POST", "/products", admin, base64.StdEncoding.EncodeToString([]byte(valid)))
	assert.Equal(t, 400, b64.StatusCode, "base64 without the flag is not JSON")

	cases := []struct {
		name, as, body, code, msg string
	}{
		{"anonymous", "anon", valid, "unauthorized", "sign in"},
		{"not admin", "alice", valid, "forbidden", "admin"},
		{"empty body", "admin", ``, "invalid", "empty"},
		{"bad json", "admin", `{"name":`, "invalid", "not valid JSON"},
		{"syntax", "admin", `{"name" "x"}`, "invalid", "not valid JSON"},
		{"array", "admin", `[1]`, "invalid", "JSON object"},
		{"trailing", "admin", valid + `{}`, "invalid", "single JSON object"},
		{"unknown field", "admin", strings.Replace(valid, `"stock"`, `"stok"`, 1), "invalid", `unknown field "stok"`},
		{"wrong type", "admin", strings.Replace(valid, `"stock":5`, `"stock":"5"`, 1), "invalid", `"stock" must be an integer`},
		{"float", "admin", strings.Replace(valid, `1299`, `12.99`, 1), "invalid", `"price.amount" must be an integer`},
		{"huge number", "admin", strings.Replace(valid, `1299`, `1e40`, 1), "invalid", `"price.amount" must be an integer`},
		{"no name", "admin", strings.Replace(valid, `"Blue mug"`, `""`, 1), "invalid", "name must be"},
		{"bad category", "admin", strings.Replace(valid, `"kitchen"`, `"Kitchen!"`, 1), "invalid", "category must be"},
		{"bad currency", "admin", strings.Replace(valid, `"EUR"`, `"euro"`, 1), "invalid", "price.currency"},
		{"zero price", "admin", strings.Replace(valid, `1299`, `0`, 1), "invalid", "price.amount"},
		{"negative stock", "admin", strings.Replace(valid, `"stock":5`, `"stock":-1`, 1), "invalid", "stock must be"},
		{"control chars", "admin", strings.Replace(valid, `Blue mug`, `Blue\u0000mug`, 1), "invalid", "control characters"},
		{"oversized", "admin", `{"name":"x","description":"` + strings.Repeat("a", 20000) + `"}`, "invalid", "larger than"},
	}
	ids := map[string]who{"anon": anon, "alice": alice, "admin": admin}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do("POST", "/products", ids[c.as], c.body)
			assert.Equal(t, map[string]int{"unauthorized": 401, "forbidden": 403, "invalid": 400}[c.code], r.StatusCode, r.Body)
			assert.Equal(t, c.code, r.errCode())
			assert.Contains(t, r.errMessage(), c.msg)
		})
	}
}

func TestCatalogGet(t *testing.T) {
	f := newFixture(t)
	id := f.product("Lamp", "lighting", 4500, 3)
	assert.Equal(t, "Lamp", f.do("GET", "/products/"+id, alice, "").str("name"))
	r := f.do("GET", "/products/nope", anon, "")
	assert.Equal(t, 404, r.StatusCode)
	assert.Equal(t, "not_found", r.errCode())
	r = f.do("GET", "/products/bad%20id!", anon, "")
	assert.Equal(t, 400, r.StatusCode)
	assert.Contains(t, r.errMessage(), "productId")
}

func TestCatalogList(t *testing.T) {
	f := newFixture(t)
	kitchen := map[string]bool{}
	for i := 0; i < 5; i++ {
		kitchen[f.product(fmt.Sprintf("Cup %d", i), "kitchen", 500+i, 1)] = true
	}
	for i := 0; i < 3; i++ {
		f.product(fmt.Sprintf("Bulb %d", i), "lighting", 300, 1)
	}

	// Page through one category two at a time: every product once, then no cursor.
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		r := f.do("GET", "/products?category=kitchen&limit=2&cursor="+cursor, anon, "")
		require.Equal(t, 200, r.StatusCode, r.Body)
		for _, p := range r.json["products"].([]any) {
			id := p.(map[string]any)["productId"].(string)
			assert.True(t, kitchen[id], "product %s is not in kitchen", id)
			assert.False(t, seen[id], "product %s twice", id)
			seen[id] = true
		}
		cursor = r.str("nextCursor")
		if cursor == "" {
			break
		}
		if pages == 0 {
			other := f.do("GET", "/products?category=lighting&cursor="+cursor, anon, "")
			assert.Equal(t, 400, other.StatusCode, "a kitchen cursor must not page lighting")
			all := f.do("GET", "/products?cursor="+cursor, anon, "")
			assert.Equal(t, 400, all.StatusCode, "a category cursor must not page the scan")
		}
	}
	assert.Len(t, seen, 5)

	all := map[string]bool{}
	cursor = ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		r := f.do("GET", "/products?limit=3&cursor="+cursor, anon, "")
		require.Equal(t, 200, r.StatusCode, r.Body)
		for _, p := range r.json["products"].([]any) {
			all[p.(map[string]any)["productId"].(string)] = true
		}
		if cursor = r.str("nextCursor"); cursor == "" {
			break
		}
	}
	assert.Len(t, all, 8)

	for _, q := range []string{"limit=0", "limit=101", "limit=x", "limit=-1", "cursor=%25%25%25", "cursor=e30", "cursor=" + strings.Repeat("A", 2000), "category=BAD"} {
		r := f.do("GET", "/products?"+q, anon, "")
		assert.Equal(t, 400, r.StatusCode, "%s: %s", q, r.Body)
		assert.Equal(t, "invalid", r.errCode())
	}
}

func TestCatalogUpdate(t *testing.T) {
	f := newFixture(t)
	id := f.product("Lamp", "lighting", 4500, 3)
	body := `{"name":"Desk lamp","description":"","category":"office","price":{"amount":3900,"currency":"EUR"},"lowStockThreshold":1}`
	r := f.do("PUT", "/products/"+id, admin, body)
	require.Equal(t, 200, r.StatusCode, r.Body)
	assert.Equal(t, "Desk lamp", r.str("name"))
	assert.Equal(t, "office", r.str("category"))
	assert.Equal(t, 3, r.num("stock"), "an update keeps the stock")
	assert.Equal(t, 1, r.num("lowStockThreshold"))

	for name, c := range map[string]struct {
		as     who
		target string
		body   string
		status int
	}{
		"anonymous":       {anon, "/products/" + id, body, 401},
		"not admin":       {bob, "/products/" + id, body, 403},
		"missing":         {admin, "/products/nope", body, 404},
		"bad id":          {admin, "/products/a.b", body, 400},
		"stock not field": {admin, "/products/" + id, strings.Replace(body, `"lowStockThreshold"`, `"stock":9,"lowStockThreshold"`, 1), 400},
		"invalid":         {admin, "/products/" + id, strings.Replace(body, `3900`, `-5`, 1), 400},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, c.status, f.do("PUT", c.target, c.as, c.body).StatusCode)
		})
	}
	assert.Equal(t, 3, f.stock(id))
}

func TestCatalogStock(t *testing.T) {
	f := newFixture(t)
	id := f.product("Lamp", "lighting", 4500, 3)
	r := f.do("POST", "/products/"+id+"/stock", admin, `{"delta": 4}`)
	require.Equal(t, 200, r.StatusCode, r.Body)
	assert.Equal(t, 7, r.num("stock"))
	r = f.do("POST", "/products/"+id+"/stock", admin, `{"delta": -7}`)
	require.Equal(t, 200, r.StatusCode, r.Body)
	assert.Equal(t, 0, r.num("stock"))

	r = f.do("POST", "/products/"+id+"/stock", admin, `{"delta": -1}`)
	assert.Equal(t, 409, r.StatusCode)
	assert.Equal(t, "conflict", r.errCode())
	assert.Contains(t, r.errMessage(), "stock of product "+id+" is 0")
	assert.Equal(t, 0, f.stock(id))

	for name, c := range map[string]struct {
		as     who
		target string
		body   string
		status int
	}{
		"anonymous":   {anon, "/products/" + id + "/stock", `{"delta":1}`, 401},
		"not admin":   {alice, "/products/" + id + "/stock", `{"delta":1}`, 403},
		"missing":     {admin, "/products/nope/stock", `{"delta":1}`, 404},
		"zero":        {admin, "/products/" + id + "/stock", `{"delta":0}`, 400},
		"no delta":    {admin, "/products/" + id + "/stock", `{}`, 400},
		"float":       {admin, "/products/" + id + "/stock", `{"delta":1.5}`, 400},
		"too big":     {admin, "/products/" + id + "/stock", `{"delta":1000001}`, 400},
		"string":      {admin, "/products/" + id + "/stock", `{"delta":"1"}`, 400},
		"null body":   {admin, "/products/" + id + "/stock", `null`, 400},
		"admin group": {who{sub: "x", groups: "admin,ops"}, "/products/" + id + "/stock", `{"delta":1}`, 200},
		"group array": {who{sub: "x", groups: []any{"ops", "admin"}}, "/products/" + id + "/stock", `{"delta":1}`, 200},
		"other group": {who{sub: "x", groups: "[administrators]"}, "/products/" + id + "/stock", `{"delta":1}`, 403},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, c.status, f.do("POST", c.target, c.as, c.body).StatusCode)
		})
	}
	assert.Equal(t, 2, f.stock(id))
}

// A product's currency is fixed at creation: carts and orders are priced in one currency,
// so changing it would turn every cart holding the product into errors.
func TestProductCurrencyIsImmutable(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	lamp := f.product("Lamp", "lighting", 4500, 5)
	f.cart(alice, "c1", mug, 1)

	r := f.do("PUT", "/products/"+mug, admin, `{"name":"Mug","category":"kitchen","price":{"amount":1300,"currency":"USD"},"lowStockThreshold":0}`)
	assert.Equal(t, 422, r.StatusCode, r.Body)
	assert.Equal(t, "unprocessable", r.errCode())
	assert.Contains(t, r.errMessage(), "EUR")
	p := f.do("GET", "/products/"+mug, anon, "")
	assert.Equal(t, map[string]any{"amount": 1200.0, "currency": "EUR"}, p.json["price"], "a refused update changes nothing")

	g := f.do("GET", "/carts/c1", alice, "")
	assert.Equal(t, 200, g.StatusCode, g.Body)
	a := f.do("PUT", "/carts/c1/items/"+lamp, alice, `{"quantity":1}`)
	assert.Equal(t, 200, a.StatusCode, a.Body)
	o := f.checkout(alice, "c1", "k")
	assert.Equal(t, 201, o.StatusCode, o.Body)

	// The same currency with a new amount is an ordinary update.
	r = f.do("PUT", "/products/"+lamp, admin, `{"name":"Lamp","category":"lighting","price":{"amount":4000,"currency":"EUR"},"lowStockThreshold":0}`)
	assert.Equal(t, 200, r.StatusCode, r.Body)
}

// TestProductNamesRefuseControlAndBidiCharacters: a name is one line of plain text — it
// shows in subjects of alerts (SNS refuses line breaks and control characters) and in
// admin screens, where a bidi override makes it read backwards. Descriptions may hold
// newlines and tabs but no other control characters or bidi controls.
func TestProductNamesRefuseControlAndBidiCharacters(t *testing.T) {
	f := newFixture(t)
	body := func(name, description string) string {
		b, _ := json.Marshal(map[string]any{"name": name, "description": description, "category": "kitchen",
			"price": map[string]any{"amount": 1200, "currency": "EUR"}, "stock": 5})
		return string(b)
	}
	id := f.product("Teapot", "kitchen", 1200, 5)
	for name, c := range map[string]struct {
		name, description string
		status            int
	}{
		"newline in name":         {"Tea\npot", "", 400},
		"carriage return in name": {"Tea\rpot", "", 400},
		"tab in name":             {"Tea\tpot", "", 400},
		"C1 next line in name":    {"Tea\u0085pot", "", 400},
		"C1 CSI in name":          {"Tea\u009bpot", "", 400},
		"line separator in name":  {"Tea\u2028pot", "", 400},
		"RTL override in name":    {"\u202eTeapot", "", 400},
		"isolate in name":         {"Tea\u2066pot", "", 400},
		"RLM in name":             {"Tea\u200fpot", "", 400},
		"C1 in description":       {"Teapot", "Holds\u0085tea", 400},
		"bidi in description":     {"Teapot", "Holds \u202etea", 400},
		"accents and CJK":         {"Théière 茶壶", "", 201},
		"newline in description":  {"Teapot", "Holds tea.\n\tHot.", 201},
		"joiner emoji in name":    {"Tea 👩‍🍳", "", 201},
		"right-to-left text (ok)": {"إبريق شاي", "", 201},
	} {
		t.Run(name, func(t *testing.T) {
			r := f.do("POST", "/products", admin, body(c.name, c.description))
			assert.Equal(t, c.status, r.StatusCode, r.Body)
			if c.status == 400 {
				assert.Equal(t, "invalid", r.errCode())
				u := f.do("PUT", "/products/"+id, admin, strings.Replace(body(c.name, c.description), `,"stock":5`, "", 1))
				assert.Equal(t, 400, u.StatusCode, u.Body)
			}
		})
	}
}

// TestStockNeverExceedsMax: stock is bounded by shop.MaxStock at creation, and stays so
// through adjustments and the restock of a cancelled order.
func TestStockNeverExceedsMax(t *testing.T) {
	f := newFixture(t)
	p := f.product("Bulk", "bulk", 100, shop.MaxStock-1)
	r := f.do("POST", "/products/"+p+"/stock", admin, `{"delta":2}`)
	assert.Equal(t, 409, r.StatusCode, r.Body)
	assert.Equal(t, "conflict", r.errCode())
	assert.Equal(t, shop.MaxStock-1, f.stock(p))
	r = f.do("POST", "/products/"+p+"/stock", admin, `{"delta":1}`)
	assert.Equal(t, 200, r.StatusCode, r.Body)
	assert.Equal(t, shop.MaxStock, f.stock(p))

	// An order of 3 leaves MaxStock-3; the admin adds 3 back; cancelling would make MaxStock+3.
	f.cart(alice, "c1", p, 3)
	o := f.checkout(alice, "c1", "k1")
	require.Equal(t, 201, o.StatusCode, o.Body)
	require.Equal(t, 200, f.do("POST", "/products/"+p+"/stock", admin, `{"delta":3}`).StatusCode)
	c := f.do("POST", "/orders/"+o.str("orderId")+"/cancel", alice, "")
	assert.Equal(t, 409, c.StatusCode, c.Body)
	assert.Equal(t, "conflict", c.errCode())
	assert.Contains(t, c.errMessage(), p)
	assert.Equal(t, shop.MaxStock, f.stock(p))
	assert.Equal(t, "placed", f.do("GET", "/orders/"+o.str("orderId"), alice, "").str("status"), "a refused cancel changes nothing")
}
