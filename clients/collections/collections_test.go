// Package collections checks that the OpenAPI document imports as is into Bruno and Postman.
package collections

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/clients/npmtest"
	"shopstack/contract/openapi"
)

type imported struct {
	Name     string
	Requests []struct {
		Method, Path, Auth string
		Base               bool
	}
	Variables []string
}

// TestDocumentImportsIntoBrunoAndPostman converts the committed document with the converters
// behind Bruno's and Postman's OpenAPI import (pinned in package-lock.json) and checks that each
// makes one request per operation, on the {{baseUrl}} variable, and that every protected route
// sends the ID token as the Authorization API key of the cognito security scheme.
func TestDocumentImportsIntoBrunoAndPostman(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing and running the Bruno and Postman converters")
	}
	npmtest.Install(t, ".", "@usebruno/converters", "openapi-to-postmanv2")
	file := filepath.Join("..", "..", filepath.FromSlash(openapi.File))
	out := npmtest.Run(t, ".", "node", "convert.mjs", file)
	var got map[string]imported
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)

	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	want, err := openapi.Operations(raw)
	require.NoError(t, err)
	var doc struct {
		Info  struct{ Title string }
		Paths map[string]map[string]struct {
			Security []map[string][]string
		}
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	protected := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			protected[strings.ToUpper(method)+" "+path] = len(op.Security) > 0
		}
	}
	require.NotEmpty(t, want)
	require.Contains(t, protected, "POST /orders")
	require.True(t, protected["POST /orders"])

	for _, tool := range []string{"bruno", "postman"} {
		t.Run(tool, func(t *testing.T) {
			c, ok := got[tool]
			require.True(t, ok)
			assert.Equal(t, doc.Info.Title, c.Name)
			var requests []string
			for _, r := range c.Requests {
				key := r.Method + " " + r.Path
				requests = append(requests, key)
				assert.True(t, r.Base, "%s: on the {{baseUrl}} variable", key)
				if protected[key] {
					assert.Equal(t, "apikey header Authorization", r.Auth, "%s sends the token as the Authorization header", key)
				}
			}
			slices.Sort(requests)
			assert.Equal(t, want, requests, "one request per operation of the document")
		})
	}
	assert.Contains(t, got["postman"].Variables, "baseUrl", "Postman's collection has the baseUrl variable to set to apiUrl")
}
