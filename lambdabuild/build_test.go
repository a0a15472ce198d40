package lambdabuild

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cleanBuilder builds with an empty archive cache and an empty Go build cache, as on a new machine.
func cleanBuilder(t *testing.T) *Builder {
	t.Helper()
	b, err := New(".", Lambda)
	require.NoError(t, err)
	b.CacheDir = t.TempDir()
	b.Env = []string{"GOCACHE=" + t.TempDir()}
	return b
}

// TestCleanBuildIsBitIdenticalToCachedBuild: a build on a new machine (empty Go build cache,
// empty archive cache) gives the same bytes as a build from this machine's Go build cache, whose
// compiled packages came from earlier, independent builds. Two builds agreeing with neither
// sharing the other's compiler output is what a clean rebuild proves, at the cost of one cold
// build instead of two.
func TestCleanBuildIsBitIdenticalToCachedBuild(t *testing.T) {
	ctx := context.Background()
	clean, err := cleanBuilder(t).Build(ctx, "counter")
	require.NoError(t, err)
	warm := cleanBuilder(t)
	warm.Env = nil // this machine's Go build cache
	cached, err := warm.Build(ctx, "counter")
	require.NoError(t, err)
	assert.False(t, clean.Cached || cached.Cached, "both archives must be built, not taken from an archive cache")
	a, err := os.ReadFile(clean.Archive)
	require.NoError(t, err)
	b, err := os.ReadFile(cached.Archive)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a, b), "archives differ: %s vs %s", clean.SHA256, cached.SHA256)
	assert.Equal(t, clean.SHA256, cached.SHA256)
}

// TestBuildAllBuildsEachFunctionOnceThenCaches: BuildAll returns every function, says for each
// whether it was built or cached, and gives the same archive as building that function alone.
func TestBuildAllBuildsEachFunctionOnceThenCaches(t *testing.T) {
	ctx := context.Background()
	b := cleanBuilder(t)
	b.Env = nil
	var lines []string
	b.Progress = func(line string) { lines = append(lines, line) }
	names, err := b.Functions(ctx)
	require.NoError(t, err)

	first, err := b.BuildAll(ctx)
	require.NoError(t, err)
	require.Len(t, first, len(names))
	for i, art := range first {
		assert.Equal(t, names[i], art.Name)
		assert.False(t, art.Cached, art.Name)
		assert.Contains(t, lines, art.Status())
		assert.Contains(t, art.Status(), "function "+art.Name+": built (")
	}
	assert.Contains(t, lines, fmt.Sprintf("functions: building %s for linux/arm64", strings.Join(names, ", ")))

	lines = nil
	again, err := b.BuildAll(ctx)
	require.NoError(t, err)
	require.Len(t, again, len(names))
	for i, art := range again {
		assert.True(t, art.Cached, art.Name)
		assert.Equal(t, first[i].SHA256, art.SHA256, art.Name)
		assert.Contains(t, lines, art.Status())
		assert.Contains(t, art.Status(), "function "+art.Name+": cached (")
	}
	assert.Len(t, lines, len(names), "nothing compiles when every archive is cached: %q", lines)

	alone := cleanBuilder(t)
	alone.Env = nil
	counter, err := alone.Build(ctx, "counter")
	require.NoError(t, err)
	i := slices.Index(names, "counter")
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, counter.SHA256, first[i].SHA256, "built with the others or alone, the same archive")
}

func TestArchiveHoldsOnlyAnExecutableBootstrap(t *testing.T) {
	b := cleanBuilder(t)
	b.Env = nil // the shared Go build cache is fine here
	art, err := b.Build(context.Background(), "counter")
	require.NoError(t, err)
	zr, err := zip.OpenReader(art.Archive)
	require.NoError(t, err)
	defer zr.Close()
	require.Len(t, zr.File, 1)
	f := zr.File[0]
	assert.Equal(t, "bootstrap", f.Name)
	assert.Equal(t, os.FileMode(0o755), f.Mode().Perm())
	assert.Equal(t, archiveTime, f.Modified.UTC())
	rc, err := f.Open()
	require.NoError(t, err)
	head := make([]byte, 20)
	_, err = io.ReadFull(rc, head)
	require.NoError(t, err)
	rc.Close()
	assert.Equal(t, []byte("\x7fELF"), head[:4], "bootstrap is an ELF binary")
	assert.Equal(t, byte(0xb7), head[18], "ELF machine is aarch64 (0xb7)")
}

func TestUnchangedFunctionComesFromCache(t *testing.T) {
	b := cleanBuilder(t)
	b.Env = nil
	ctx := context.Background()
	first, err := b.Build(ctx, "counter")
	require.NoError(t, err)
	again, err := b.Build(ctx, "counter")
	require.NoError(t, err)
	assert.False(t, first.Cached)
	assert.True(t, again.Cached)
	assert.Equal(t, first.SHA256, again.SHA256)
}

// inputHash is the cache key of one function, from a `go list` of that function alone.
func inputHash(t *testing.T, b *Builder, name string) string {
	t.Helper()
	pkgs, err := b.list(context.Background(), "./functions/"+name)
	require.NoError(t, err)
	key, err := pkgs.inputHash(b, name)
	require.NoError(t, err)
	return key
}

func TestInputHashFollowsTheFunctionsOwnSources(t *testing.T) {
	b := cleanBuilder(t)
	before := inputHash(t, b, "counter")
	// Another target is another binary: the key must differ.
	other := *b
	other.Target = Host
	if Host != Lambda {
		assert.NotEqual(t, before, inputHash(t, &other, "counter"))
	}
	assert.Equal(t, before, inputHash(t, b, "counter"), "the hash is deterministic")
}

// TestOneListHashesLikeAListPerFunction: the key of a function from the one `go list` of every
// function BuildAll runs is the key from a `go list` of that function alone, so the shared list
// neither adds other functions' files to a key nor drops its own.
func TestOneListHashesLikeAListPerFunction(t *testing.T) {
	b := cleanBuilder(t)
	all, err := b.list(context.Background(), "./functions/...")
	require.NoError(t, err)
	names, err := b.Functions(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, names)
	keys := map[string]bool{}
	for _, name := range names {
		key, err := all.inputHash(b, name)
		require.NoError(t, err)
		keys[key] = true
	}
	assert.Len(t, keys, len(names), "every function has a key of its own")
	// The smallest function and one that shares the service packages: a `go list` each is slow.
	for _, name := range []string{"counter", "checkout"} {
		require.Contains(t, names, name)
		key, err := all.inputHash(b, name)
		require.NoError(t, err)
		assert.Equal(t, inputHash(t, b, name), key, name)
	}
}

func TestFunctionsListsMainPackages(t *testing.T) {
	b := cleanBuilder(t)
	names, err := b.Functions(context.Background())
	require.NoError(t, err)
	assert.Contains(t, names, "counter")
	assert.NotContains(t, names, "build", "library packages are not functions")
	for _, n := range names {
		_, err := os.Stat(filepath.Join(b.Root, "functions", n, "main.go"))
		assert.NoError(t, err, "function %s has a main.go", n)
	}
}

// TestConcurrentBuildsOfOneFunction: two processes (go test runs packages in parallel, and each
// builds the functions) building the same function into one cache both succeed and agree.
func TestConcurrentBuildsOfOneFunction(t *testing.T) {
	b, err := New(".", Lambda)
	require.NoError(t, err)
	b.CacheDir = t.TempDir() // warm Go build cache, empty archive cache: both really build
	var wg sync.WaitGroup
	arts := make([]Artifact, 4)
	errs := make([]error, 4)
	for i := range arts {
		wg.Go(func() { arts[i], errs[i] = b.Build(context.Background(), "counter") })
	}
	wg.Wait()
	for i := range arts {
		require.NoError(t, errs[i])
		assert.Equal(t, arts[0].SHA256, arts[i].SHA256)
	}
}
