package docs

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/clients/npmtest"
	"shopstack/contract/openapi"
)

// TestDocsPageListsEveryRoute loads /docs in headless Chromium, served as make dev serves it (docs
// in front of the document in front of the API), and checks that Swagger UI lists every operation
// of the document: method and path. The screenshot is kept under .build/artifacts (not committed).
func TestDocsPageListsEveryRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing Swagger UI and running Chromium")
	}
	npmtest.Install(t, ".", "swagger-ui-dist", "playwright-core")
	browser := chromium(t)

	srv := httptest.NewServer(Serve(openapi.Serve(http.NotFoundHandler())))
	defer srv.Close()

	shot, err := filepath.Abs(filepath.Join("..", "..", filepath.FromSlash(Screenshot)))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(shot), 0o755))
	out := npmtest.Run(t, ".", "node", "check.mjs", browser, srv.URL+Path, shot)
	var page struct {
		Title      string
		Operations []struct{ Method, Path string }
		Errors     []string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &page), "check.mjs output: %s", out)
	t.Logf("screenshot of %s%s: %s", srv.URL, Path, shot)

	raw, err := openapi.JSON()
	require.NoError(t, err)
	want, err := openapi.Operations(raw)
	require.NoError(t, err)
	var doc struct{ Info struct{ Title string } }
	require.NoError(t, json.Unmarshal(raw, &doc))
	var got []string
	for _, op := range page.Operations {
		got = append(got, strings.ToUpper(op.Method)+" "+op.Path)
	}
	slices.Sort(got)
	require.NotEmpty(t, want)
	assert.Equal(t, want, got, "the page lists every operation of the document, once")
	assert.Contains(t, page.Title, doc.Info.Title)
	assert.Empty(t, page.Errors, "no script errors on the page")
}

// TestDocsServe: the page, its assets and the redirect are served; everything else passes through.
func TestDocsServe(t *testing.T) {
	if _, err := Find(); err != nil {
		npmtest.Install(t, ".", "swagger-ui-dist")
	}
	h := Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	get := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w
	}
	assert.Equal(t, http.StatusMovedPermanently, get("GET", "/docs").Code)
	assert.Equal(t, "/docs/", get("GET", "/docs").Header().Get("Location"))
	page := get("GET", "/docs/")
	assert.Equal(t, http.StatusOK, page.Code)
	assert.Contains(t, page.Body.String(), "swagger-ui-bundle.js")
	init := get("GET", "/docs/swagger-initializer.js")
	assert.Contains(t, init.Body.String(), `url: "`+openapi.Path+`"`)
	assert.NotContains(t, init.Body.String(), "petstore")
	assert.Equal(t, http.StatusOK, get("GET", "/docs/swagger-ui-bundle.js").Code)
	assert.Equal(t, http.StatusMethodNotAllowed, get("POST", "/docs/").Code)
	assert.Equal(t, http.StatusTeapot, get("GET", "/products").Code)
	assert.Equal(t, http.StatusTeapot, get("GET", "/docsx").Code)
}

// chromium finds the system's Chromium (Debian's chromium package; install.sh installs it on CI).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed: run dev/docs/install.sh browser (Debian: apt-get install -y chromium)")
	return ""
}
