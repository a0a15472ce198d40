// Package lambdabuild turns a function folder into a Lambda deployment archive for the provided.al2023
// runtime: a static binary named bootstrap, zipped so that the same source always gives the same
// bytes. Archives are cached by a content hash of everything that goes into the binary, so an
// unchanged function is neither rebuilt nor shown as changed by `pulumi preview`.
package lambdabuild

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"shopstack/contract"
)

// Target is the platform a binary is built for.
type Target struct {
	GOOS, GOARCH string
}

// Lambda is the platform of every deployed function: provided.al2023 on Graviton.
var Lambda = Target{GOOS: "linux", GOARCH: "arm64"}

// Host is this machine, for invoking a built function locally.
var Host = Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}

// buildFlags are fixed so that two builds of the same source give the same binary.
var buildFlags = []string{"-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid="}

// archiveTime is the modification time of every archive entry: a fixed instant keeps archives
// byte-identical across builds (zip stores MS-DOS times, which start in 1980).
var archiveTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Builder builds function folders of one Go module into cached archives.
type Builder struct {
	// Root is the module root (the folder holding go.mod).
	Root string
	// CacheDir holds the archives, named by content hash.
	CacheDir string
	Target   Target
	// Env is added to the go command's environment, e.g. GOCACHE for a clean build.
	Env []string
	// Progress, when set, receives one line per step as it happens: each package the go command
	// compiles and each function built or taken from the cache. A cold first build takes
	// minutes; these lines show it is working, and on what.
	Progress func(line string)
}

// Artifact is one built function.
type Artifact struct {
	Name    string // the function folder's name, e.g. "counter"
	Archive string // path of the zip holding bootstrap
	Binary  string // path of the bootstrap binary itself
	SHA256  string // hex digest of the archive bytes
	Size    int64  // archive size in bytes
	Cached  bool   // true when the archive came from the cache
}

// New returns a Builder for the module that contains dir, caching under <root>/.build/functions.
func New(dir string, target Target) (*Builder, error) {
	root, err := ModuleRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Builder{Root: root, CacheDir: filepath.Join(root, ".build", "functions"), Target: target}, nil
}

// ModuleRoot walks up from dir to the folder holding go.mod.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// Functions lists the deployable functions: contract.Lambdas, each a main package under
// functions/, sorted.
func (b *Builder) Functions(ctx context.Context) ([]string, error) {
	return slices.Sorted(slices.Values(contract.Lambdas)), nil
}

// Build returns the archive of functions/<name>, building it unless the cache already holds one
// for the same inputs.
func (b *Builder) Build(ctx context.Context, name string) (Artifact, error) {
	pkgs, err := b.list(ctx, "./functions/"+name)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", name, err)
	}
	arts, err := b.build(ctx, pkgs, []string{name})
	if err != nil {
		return Artifact{}, err
	}
	return arts[0], nil
}

// BuildAll returns the archive of every function (see Functions), in name order. One `go list`
// of the functions gives every function's inputs, and one `go build` compiles the functions not in the cache, so
// the packages they share compile once and the go command runs their compiles and links in
// parallel.
func (b *Builder) BuildAll(ctx context.Context) ([]Artifact, error) {
	names, err := b.Functions(ctx)
	if err != nil {
		return nil, err
	}
	var patterns []string
	for _, name := range names {
		patterns = append(patterns, "./functions/"+name)
	}
	pkgs, err := b.list(ctx, patterns...)
	if err != nil {
		return nil, fmt.Errorf("build functions: %w", err)
	}
	return b.build(ctx, pkgs, names)
}

// build returns the archives of the named functions, whose packages and dependencies pkgs holds.
func (b *Builder) build(ctx context.Context, pkgs *packages, names []string) ([]Artifact, error) {
	arts := make([]Artifact, len(names))
	var missing []int // indexes into names of the functions the cache lacks
	for i, name := range names {
		key, err := pkgs.inputHash(b, name)
		if err != nil {
			return nil, fmt.Errorf("build %s: hash inputs: %w", name, err)
		}
		dir := filepath.Join(b.CacheDir, b.Target.GOOS+"-"+b.Target.GOARCH, name, key)
		arts[i] = Artifact{Name: name, Archive: filepath.Join(dir, "function.zip"), Binary: filepath.Join(dir, "bootstrap")}
		if data, err := os.ReadFile(arts[i].Archive); err == nil {
			if _, err := os.Stat(arts[i].Binary); err == nil {
				arts[i].Cached = true
				arts[i] = arts[i].withDigest(data)
				b.progress("%s", arts[i].Status())
				continue
			}
		}
		missing = append(missing, i)
	}
	if len(missing) == 0 {
		return arts, nil
	}
	if err := os.MkdirAll(b.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("build functions: %w", err)
	}
	// Build into a folder of this build's own and rename, so a concurrent or interrupted build
	// never leaves a half-written binary in the cache, and two builds of one function (go test
	// runs packages in parallel, each building the functions) never take each other's file.
	tmp, err := os.MkdirTemp(b.CacheDir, "build-*")
	if err != nil {
		return nil, fmt.Errorf("build functions: %w", err)
	}
	defer os.RemoveAll(tmp)
	var todo []string
	args := append([]string{"build", "-v", "-o", tmp + string(filepath.Separator)}, buildFlags...)
	for _, i := range missing {
		todo = append(todo, names[i])
		args = append(args, "./functions/"+names[i])
	}
	b.progress("functions: building %s for %s/%s", strings.Join(todo, ", "), b.Target.GOOS, b.Target.GOARCH)
	if err := b.goBuild(ctx, args); err != nil {
		return nil, fmt.Errorf("build %s: go build: %w", strings.Join(todo, ", "), err)
	}
	for _, i := range missing {
		art := &arts[i]
		if err := os.MkdirAll(filepath.Dir(art.Binary), 0o755); err != nil {
			return nil, fmt.Errorf("build %s: %w", art.Name, err)
		}
		// With -o <folder>, the go command names each binary after its package's folder.
		if err := os.Rename(filepath.Join(tmp, art.Name), art.Binary); err != nil {
			return nil, fmt.Errorf("build %s: %w", art.Name, err)
		}
		data, err := zipBootstrap(art.Binary)
		if err != nil {
			return nil, fmt.Errorf("build %s: archive: %w", art.Name, err)
		}
		if err := writeAtomically(art.Archive, data); err != nil {
			return nil, fmt.Errorf("build %s: %w", art.Name, err)
		}
		*art = art.withDigest(data)
		b.progress("%s", art.Status())
	}
	return arts, nil
}

// goBuild runs `go build -v`, passing each package it compiles to Progress as it goes.
func (b *Builder) goBuild(ctx context.Context, args []string) error {
	cmd := b.goCmd(ctx, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// -v writes the import path of each package as it compiles; anything else is the go
	// command's own message (downloads, compile errors) and is kept for the error too.
	var out strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		if isImportPath(line) {
			b.progress("functions: compiling %s", line)
			continue
		}
		out.WriteString(line + "\n")
		b.progress("functions: %s", line)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%w\n%s", err, out.String())
	}
	return nil
}

// isImportPath tells the lines of `go build -v` (a bare import path) from the go command's
// other messages, which contain spaces or colons.
func isImportPath(line string) bool {
	return line != "" && !strings.ContainsAny(line, " \t:")
}

func (b *Builder) progress(format string, args ...any) {
	if b.Progress != nil {
		b.Progress(fmt.Sprintf(format, args...))
	}
}

// Status is the progress line of a function once its archive is ready: built or cached, its size
// and the start of its digest.
func (a Artifact) Status() string {
	how := "built"
	if a.Cached {
		how = "cached"
	}
	return fmt.Sprintf("function %s: %s (%.1f MB, sha256 %.12s)", a.Name, how, float64(a.Size)/1e6, a.SHA256)
}

// BuildMain builds the main package pkg (a path relative to the module root, such as
// "./dev/coldstart/hello") into out with exactly the flags, target and environment of the
// function binaries, uncached: for programs measured against the functions.
func (b *Builder) BuildMain(ctx context.Context, pkg, out string) error {
	args := append(append([]string{"build", "-o", out}, buildFlags...), pkg)
	if msg, err := b.goCmd(ctx, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: go build: %w\n%s", pkg, err, msg)
	}
	return nil
}

func (a Artifact) withDigest(data []byte) Artifact {
	sum := sha256.Sum256(data)
	a.SHA256 = hex.EncodeToString(sum[:])
	a.Size = int64(len(data))
	return a
}

// goPackage is the part of `go list -json` the input hash needs.
type goPackage struct {
	ImportPath string
	Dir        string
	Deps       []string // every package it imports, directly or not, sorted
	GoFiles    []string
	EmbedFiles []string
	Standard   bool
	Module     *struct {
		Path, Version string
		Main          bool
	}
}

// packages is one `go list -deps` of some functions for the target: every package they build
// from, by import path, and the toolchain that builds them.
type packages struct {
	byPath    map[string]*goPackage
	toolchain string
}

// list runs one `go list -deps -json` of patterns for the target: the inputs of every function
// they match, however many.
func (b *Builder) list(ctx context.Context, patterns ...string) (*packages, error) {
	// Only the fields goPackage reads: the go command then skips computing the others.
	args := append([]string{"list", "-deps", "-json=ImportPath,Dir,Deps,GoFiles,EmbedFiles,Standard,Module", "-tags", "lambda.norpc"}, patterns...)
	out, err := b.goCmd(ctx, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", cmdError(err))
	}
	pkgs := &packages{byPath: map[string]*goPackage{}}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(goPackage)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %w", err)
		}
		pkgs.byPath[p.ImportPath] = p
	}
	goVersion, err := b.goCmd(ctx, "env", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", cmdError(err))
	}
	pkgs.toolchain = strings.TrimSpace(string(goVersion))
	return pkgs, nil
}

// inputHash digests everything that determines the binary of functions/<name>: the toolchain, target and flags, the source files of every package of this module it imports,
// and the module versions of every dependency. Files of other functions are not part of it, so
// editing one function leaves the others cached.
func (pkgs *packages) inputHash(b *Builder, name string) (string, error) {
	var main *goPackage
	for _, p := range pkgs.byPath {
		if p.Dir == filepath.Join(b.Root, "functions", name) {
			main = p
		}
	}
	if main == nil {
		return "", fmt.Errorf("go list did not list functions/%s", name)
	}
	importPath := main.ImportPath
	h := sha256.New()
	fmt.Fprintf(h, "go=%s target=%s/%s flags=%q\n", runtime.Version(), b.Target.GOOS, b.Target.GOARCH, buildFlags)
	fmt.Fprintf(h, "toolchain=%s\n", pkgs.toolchain)
	for _, path := range append([]string{importPath}, main.Deps...) {
		p, ok := pkgs.byPath[path]
		if !ok {
			return "", fmt.Errorf("go list did not list %s, a dependency of %s", path, importPath)
		}
		switch {
		case p.Standard:
			continue
		case p.Module != nil && !p.Module.Main:
			fmt.Fprintf(h, "dep %s %s@%s\n", p.ImportPath, p.Module.Path, p.Module.Version)
		default:
			files := append(append([]string{}, p.GoFiles...), p.EmbedFiles...)
			sort.Strings(files)
			for _, f := range files {
				data, err := os.ReadFile(filepath.Join(p.Dir, f))
				if err != nil {
					return "", err
				}
				sum := sha256.Sum256(data)
				fmt.Fprintf(h, "file %s/%s %x\n", p.ImportPath, f, sum)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

func (b *Builder) goCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.Root
	cmd.Env = append(os.Environ(), "GOOS="+b.Target.GOOS, "GOARCH="+b.Target.GOARCH, "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	cmd.Env = append(cmd.Env, b.Env...)
	return cmd
}

// zipBootstrap puts the binary into a zip as the single executable entry "bootstrap", with a fixed
// time and mode so that equal binaries give equal archives.
func zipBootstrap(binary string) ([]byte, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: archiveTime}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bin); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeAtomically(path string, data []byte) error {
	tmp, err := tempName(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// tempName is a new, unique file name beside path: the same bytes may be written by several
// builds at once, and each renames its own file into place.
func tempName(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

func cmdError(err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) && len(exit.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(exit.Stderr)))
	}
	return err
}
