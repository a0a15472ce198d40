package build

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
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

func TestCleanBuildsAreBitIdentical(t *testing.T) {
	ctx := context.Background()
	first, err := cleanBuilder(t).Build(ctx, "counter")
	require.NoError(t, err)
	second, err := cleanBuilder(t).Build(ctx, "counter")
	require.NoError(t, err)
	assert.False(t, first.Cached || second.Cached, "both builds must be fresh")
	a, err := os.ReadFile(first.Archive)
	require.NoError(t, err)
	b, err := os.ReadFile(second.Archive)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a, b), "archives differ: %s vs %s", first.SHA256, second.SHA256)
	assert.Equal(t, first.SHA256, second.SHA256)
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

func TestInputHashFollowsTheFunctionsOwnSources(t *testing.T) {
	b := cleanBuilder(t)
	ctx := context.Background()
	before, err := b.inputHash(ctx, "counter")
	require.NoError(t, err)
	// Another target is another binary: the key must differ.
	other := *b
	other.Target = Host
	if Host != Lambda {
		hostKey, err := other.inputHash(ctx, "counter")
		require.NoError(t, err)
		assert.NotEqual(t, before, hostKey)
	}
	again, err := b.inputHash(ctx, "counter")
	require.NoError(t, err)
	assert.Equal(t, before, again, "the hash is deterministic")
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
