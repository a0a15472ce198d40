package openapi

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/routes"
)

// readme holds the generated curl examples.
const readme = "../../functions/README.md"

func TestCurlExamplesAreCurrent(t *testing.T) {
	text, err := os.ReadFile(readme)
	require.NoError(t, err)
	begin, end := strings.Index(string(text), CurlBegin), strings.Index(string(text), CurlEnd)
	require.True(t, begin >= 0 && end > begin, "functions/README.md has the curl examples markers")
	want, err := Curl()
	require.NoError(t, err)
	assert.Equal(t, want, string(text[begin:end+len(CurlEnd)]), "functions/README.md's curl examples are stale: run make openapi and commit it")
}

// TestCurlExamplesMatchTheDocument sends each example, as its curl command would, through
// kin-openapi's request validation against the document: path and query parameters, the required
// headers and the body must all be valid. A shell variable in a path ($ORDER_ID) stands for an id.
func TestCurlExamplesMatchTheDocument(t *testing.T) {
	doc := load(t)
	section, err := Curl()
	require.NoError(t, err)
	for _, r := range routes.All() {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			ex, ok := examples[r.Method+" "+r.Path]
			require.True(t, ok)
			target, err := ex.target(r)
			require.NoError(t, err)
			body, err := ex.json(r)
			require.NoError(t, err)
			command := "\ncurl -s "
			if r.Method != "GET" {
				command += "-X " + r.Method + " "
			}
			assert.Equal(t, 1, strings.Count(section, command+`"$API`+target+`"`), "one command for the route")

			req := httptest.NewRequest(r.Method, strings.ReplaceAll(target, "$ORDER_ID", "o-0123456789"), bytes.NewReader(body))
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			for _, h := range r.Headers {
				req.Header.Set(h, "3f1c6a2e-0b7e-4a57-9c5e-2d1f0c9b8a71")
			}
			if r.Access != routes.Public {
				req.Header.Set("Authorization", "id-token")
			}
			item := doc.Paths.Value(r.Path)
			require.NotNil(t, item)
			op := item.GetOperation(r.Method)
			require.NotNil(t, op)
			params := map[string]string{}
			for _, p := range r.Params() {
				params[p] = strings.ReplaceAll(ex.Path[p], "$ORDER_ID", "o-0123456789")
			}
			in := &openapi3filter.RequestValidationInput{
				Request: req, PathParams: params,
				Route:   &routers.Route{Spec: doc, Path: r.Path, PathItem: item, Method: r.Method, Operation: op},
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
			}
			assert.NoError(t, openapi3filter.ValidateRequest(context.Background(), in))
		})
	}
	assert.Len(t, examples, len(routes.All()), "an example per route and none for a route that is gone")
}
