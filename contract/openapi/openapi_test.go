package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/routes"
)

// load parses and validates the document with kin-openapi.
func load(t testing.TB) *openapi3.T {
	t.Helper()
	b, err := JSON()
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

func TestDocumentIsValidOpenAPI30(t *testing.T) {
	doc := load(t)
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	assert.Equal(t, Version, doc.Info.Version)
}

func TestCommittedDocumentIsCurrent(t *testing.T) {
	want, err := JSON()
	require.NoError(t, err)
	got, err := os.ReadFile("openapi.json")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, got), "contract/openapi/openapi.json is stale: run make openapi and commit it")
}

func TestDeterministic(t *testing.T) {
	encode := func() []byte {
		doc, err := build(routes.All())
		require.NoError(t, err)
		b, err := json.Marshal(doc)
		require.NoError(t, err)
		return b
	}
	first := encode()
	for range 5 {
		assert.Equal(t, string(first), string(encode()))
	}
}

// Every route of the table is in the document, with the parameters it reads, and nothing else is.
func TestEveryRouteAndNothingElse(t *testing.T) {
	doc := load(t)
	var want, got []string
	for _, r := range routes.All() {
		want = append(want, r.Method+" "+r.Path)
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			got = append(got, method+" "+path)
		}
	}
	assert.ElementsMatch(t, want, got)

	for _, r := range routes.All() {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			item := doc.Paths.Value(r.Path)
			require.NotNil(t, item)
			op := item.GetOperation(r.Method)
			require.NotNil(t, op)
			assert.Equal(t, r.Summary, op.Summary)
			assert.Equal(t, []string{r.Function}, op.Tags)
			var params []string
			for _, p := range op.Parameters {
				params = append(params, p.Value.In+":"+p.Value.Name)
				assert.Equal(t, p.Value.In == "path" || p.Value.In == "header", p.Value.Required, "%s %s: query parameters are optional, others required", p.Value.In, p.Value.Name)
			}
			var wantParams []string
			for _, p := range r.Params() {
				wantParams = append(wantParams, "path:"+p)
			}
			for _, q := range r.Query {
				wantParams = append(wantParams, "query:"+q)
			}
			for _, h := range r.Headers {
				wantParams = append(wantParams, "header:"+h)
			}
			assert.Equal(t, wantParams, params)
			assert.Equal(t, r.Body != nil, op.RequestBody != nil, "request body")

			// Security: Cognito on protected routes only.
			if r.Access == routes.Public {
				assert.Nil(t, op.Security)
				assert.Nil(t, op.Responses.Status(401), "a public route never answers 401")
			} else {
				require.NotNil(t, op.Security)
				assert.Equal(t, openapi3.SecurityRequirements{{SecurityScheme: []string{}}}, *op.Security)
				assert.NotNil(t, op.Responses.Status(401))
			}
			switch {
			case r.Access == routes.Admin:
				require.NotNil(t, op.Responses.Status(403))
				assert.Equal(t, "#/components/responses/NotAdmin", op.Responses.Status(403).Ref)
			default:
				assert.Nil(t, op.Responses.Status(403), "another customer's cart id is the caller's own cart, never a 403")
			}

			// Every response is JSON with a schema; errors have the one error shape.
			for code, resp := range op.Responses.Map() {
				mt := resp.Value.Content.Get("application/json")
				require.NotNil(t, mt, code)
				require.NotNil(t, mt.Schema, code)
				if code >= "400" && !(r.Function == routes.Health && code == "503") {
					assert.Equal(t, "#/components/schemas/ErrorBody", mt.Schema.Ref, code)
				}
			}
			for _, code := range []int{429, 500, 503, 504} {
				assert.NotNil(t, op.Responses.Status(code), "every route documents %d", code)
			}
		})
	}
}

func TestCognitoSecurityScheme(t *testing.T) {
	doc := load(t)
	s := doc.Components.SecuritySchemes[SecurityScheme]
	require.NotNil(t, s)
	assert.Equal(t, "apiKey", s.Value.Type)
	assert.Equal(t, "header", s.Value.In)
	assert.Equal(t, "Authorization", s.Value.Name)
	assert.Equal(t, "cognito_user_pools", s.Value.Extensions["x-amazon-apigateway-authtype"])
}

func TestIdempotencyKeyHeader(t *testing.T) {
	op := load(t).Paths.Value("/orders").Post
	require.NotNil(t, op)
	p := op.Parameters.GetByInAndName("header", routes.IdempotencyHeader)
	require.NotNil(t, p)
	assert.True(t, p.Required)
	assert.Equal(t, uint64(1), p.Schema.Value.MinLength)
	assert.Equal(t, uint64(maxIdempotencyKey), *p.Schema.Value.MaxLength)
	created := op.Responses.Status(201).Value
	assert.True(t, created.Headers["Location"].Value.Required)
	assert.False(t, created.Headers["Idempotent-Replayed"].Value.Required)
}

// Response objects are closed, so a handler that adds a field fails the contract tests.
func TestResponseSchemasAreClosed(t *testing.T) {
	doc := load(t)
	require.NotEmpty(t, doc.Components.Schemas)
	for name, s := range doc.Components.Schemas {
		if s.Value.Type.Is("object") {
			require.NotNil(t, s.Value.AdditionalProperties.Has, name)
			assert.False(t, *s.Value.AdditionalProperties.Has, "%s allows undocumented properties", name)
		}
	}
	product := doc.Components.Schemas["ProductPage"].Value
	assert.Equal(t, []string{"products"}, product.Required, "omitempty fields are optional")
	assert.Equal(t, []any{"placed", "shipped", "delivered", "cancelled"}, doc.Components.Schemas["Order"].Value.Properties["status"].Value.Enum)
}

// RequestSchema is the document's request body schema, as a self-contained draft-4 model.
func TestRequestSchemas(t *testing.T) {
	doc := load(t)
	withBody := 0
	for _, r := range routes.All() {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			m, ok := RequestSchema(r)
			require.Equal(t, r.Body != nil, ok)
			if !ok {
				assert.Nil(t, m)
				return
			}
			withBody++
			assert.Equal(t, "http://json-schema.org/draft-04/schema#", m["$schema"])
			title, _ := m["title"].(string)
			require.NotEmpty(t, title)
			for _, c := range title {
				assert.True(t, c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z', "model name %q must be alphanumeric", title)
			}
			b, err := json.Marshal(m)
			require.NoError(t, err)
			assert.NotContains(t, string(b), "$ref", "API Gateway models cannot reference the document")
			assert.Equal(t, false, m["additionalProperties"])

			ref := doc.Paths.Value(r.Path).GetOperation(r.Method).RequestBody.Value.Content.Get("application/json").Schema.Ref
			assert.Equal(t, "#/components/schemas/"+title, ref)
			var inDoc map[string]any
			raw, err := JSON()
			require.NoError(t, err)
			var whole struct {
				Components struct {
					Schemas map[string]map[string]any `json:"schemas"`
				} `json:"components"`
			}
			require.NoError(t, json.Unmarshal(raw, &whole))
			inDoc = whole.Components.Schemas[title]
			delete(m, "$schema")
			delete(m, "title")
			assert.Equal(t, inDoc, m, "the model and the document give the same schema")
		})
	}
	assert.Equal(t, 5, withBody)
}

func TestServe(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(Serve(next))
	defer srv.Close()

	resp, err := http.Get(srv.URL + Path)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var got bytes.Buffer
	_, err = got.ReadFrom(resp.Body)
	require.NoError(t, err)
	want, err := JSON()
	require.NoError(t, err)
	assert.Equal(t, string(want), got.String())

	for _, c := range []struct{ method, path string }{{"POST", Path}, {"GET", "/products"}, {"GET", Path + "/x"}} {
		req, err := http.NewRequest(c.method, srv.URL+c.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusTeapot, resp.StatusCode, "%s %s goes to the API", c.method, c.path)
	}
}

func TestOperations(t *testing.T) {
	doc, err := JSON()
	require.NoError(t, err)
	ops, err := Operations(doc)
	require.NoError(t, err)
	var want []string
	for _, r := range routes.All() {
		want = append(want, r.Method+" "+r.Path)
	}
	sort.Strings(want)
	assert.Equal(t, want, ops)
	ops, err = Operations([]byte(`{"paths":{"/a/{id}":{"parameters":[],"get":{},"delete":{}}}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"DELETE /a/{id}", "GET /a/{id}"}, ops, "path-level parameters are not an operation")
	_, err = Operations([]byte(`[`))
	assert.Error(t, err)
}
