// Package docs serves the API reference page of the local platform: Swagger UI at /docs, from the
// swagger-ui-dist npm package installed in dev/docs/node_modules (pinned in package-lock.json; no
// CDN), reading the document the platform serves at openapi.Path.
//
// swagger-ui-dist's documented use (swagger-ui docs/usage/installation.md, "swagger-ui-dist"):
// serve the package's folder as static files and point its swagger-initializer.js at the API's
// document. Serve does exactly that, answering only swagger-initializer.js itself.
package docs

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"shopstack/contract/openapi"
)

// Screenshot is where the Chromium test leaves its picture of the page, relative to the repository
// root: CI uploads it as an artifact (.github/workflows/pull-request.yml); it is never committed.
const Screenshot = ".build/artifacts/docs.png"

// Path is where the page is served; its assets live under Path + "/".
const Path = "/docs"

// Module is swagger-ui-dist's folder relative to the repository root; install.sh installs it.
const Module = "dev/docs/node_modules/swagger-ui-dist"

// initializer replaces swagger-ui-dist's own swagger-initializer.js (which loads the Petstore
// example), as swagger-ui's installation docs say to, with one that loads our document.
var initializer = []byte(`window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ` + strconv.Quote(openapi.Path) + `,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
};
`)

// Find returns the swagger-ui-dist folder: Module under the working directory or the nearest
// parent that has it (make dev runs from the repository root, go test from dev/docs).
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, filepath.FromSlash(Module))
		if _, err := os.Stat(filepath.Join(candidate, "swagger-ui-bundle.js")); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("swagger-ui-dist is not installed: run dev/docs/install.sh (make dev does)")
		}
		dir = parent
	}
}

// Serve answers GET and HEAD under Path with Swagger UI for openapi.Path and passes every other
// request to next. When swagger-ui-dist is missing, the page answers 503 saying how to install it.
func Serve(next http.Handler) http.Handler {
	dir, findErr := Find()
	files := http.StripPrefix(Path+"/", http.FileServer(http.Dir(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != Path && !strings.HasPrefix(r.URL.Path, Path+"/") {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		switch {
		case findErr != nil:
			http.Error(w, fmt.Sprintf("API docs: %v", findErr), http.StatusServiceUnavailable)
		case r.URL.Path == Path:
			// The page's assets are relative ("./swagger-ui.css"): they resolve under Path + "/".
			http.Redirect(w, r, Path+"/", http.StatusMovedPermanently)
		case r.URL.Path == Path+"/swagger-initializer.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write(initializer)
		default:
			files.ServeHTTP(w, r)
		}
	})
}
