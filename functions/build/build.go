// Package build turns a function folder into a Lambda deployment archive for the provided.al2023
// runtime: a static binary named bootstrap, zipped so that the same source always gives the same
// bytes. Archives are cached by a content hash of everything that goes into the binary, so an
// unchanged function is neither rebuilt nor shown as changed by `pulumi preview`.
package build

import (
	"archive/zip"
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
	"sort"
	"strings"
	"time"
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

// Functions lists the deployable function folders under functions/: those whose package is main.
func (b *Builder) Functions(ctx context.Context) ([]string, error) {
	out, err := b.goCmd(ctx, "list", "-f", "{{if eq .Name \"main\"}}{{.Dir}}{{end}}", "./functions/...").Output()
	if err != nil {
		return nil, fmt.Errorf("list functions: %w", cmdError(err))
	}
	var names []string
	for _, dir := range strings.Fields(string(out)) {
		if filepath.Dir(dir) == filepath.Join(b.Root, "functions") {
			names = append(names, filepath.Base(dir))
		}
	}
	sort.Strings(names)
	return names, nil
}

// Build returns the archive of functions/<name>, building it unless the cache already holds one
// for the same inputs.
func (b *Builder) Build(ctx context.Context, name string) (Artifact, error) {
	key, err := b.inputHash(ctx, name)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s: hash inputs: %w", name, err)
	}
	dir := filepath.Join(b.CacheDir, b.Target.GOOS+"-"+b.Target.GOARCH, name, key)
	art := Artifact{Name: name, Archive: filepath.Join(dir, "function.zip"), Binary: filepath.Join(dir, "bootstrap")}
	if data, err := os.ReadFile(art.Archive); err == nil {
		if _, err := os.Stat(art.Binary); err == nil {
			art.Cached = true
			return art.withDigest(data), nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", name, err)
	}
	// Build into a temporary name of this build's own and rename, so a concurrent or interrupted
	// build never leaves a half-written binary in the cache, and two builds of one function (go
	// test runs packages in parallel, each building the functions) never take each other's file.
	tmp, err := tempName(art.Binary)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", name, err)
	}
	defer os.Remove(tmp)
	args := append([]string{"build", "-o", tmp}, buildFlags...)
	args = append(args, "./functions/"+name)
	if out, err := b.goCmd(ctx, args...).CombinedOutput(); err != nil {
		return Artifact{}, fmt.Errorf("build %s: go build: %w\n%s", name, err, out)
	}
	if err := os.Rename(tmp, art.Binary); err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", name, err)
	}
	data, err := zipBootstrap(art.Binary)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s: archive: %w", name, err)
	}
	if err := writeAtomically(art.Archive, data); err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", name, err)
	}
	return art.withDigest(data), nil
}

// BuildMain builds the main package pkg (a path relative to the module root, such as
// "./functions/coldstart/hello") into out with exactly the flags, target and environment of the
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
	GoFiles    []string
	EmbedFiles []string
	Standard   bool
	Module     *struct {
		Path, Version string
		Main          bool
	}
}

// inputHash digests everything that determines the binary: the toolchain, target and flags, the
// source files of every package of this module the function imports, and the module versions of
// every dependency. Files of other functions are not part of it, so editing one function leaves
// the others cached.
func (b *Builder) inputHash(ctx context.Context, name string) (string, error) {
	out, err := b.goCmd(ctx, "list", "-deps", "-json", "-tags", "lambda.norpc", "./functions/"+name).Output()
	if err != nil {
		return "", cmdError(err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "go=%s target=%s/%s flags=%q\n", runtime.Version(), b.Target.GOOS, b.Target.GOARCH, buildFlags)
	if goVersion, err := b.goCmd(ctx, "env", "GOVERSION").Output(); err == nil {
		fmt.Fprintf(h, "toolchain=%s", goVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", err
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
