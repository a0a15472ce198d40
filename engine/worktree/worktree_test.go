package worktree_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine/worktree"
)

// repo makes a git repository with two commits that write different versions of app/VERSION,
// and returns its app folder (a root below the top, as the module is in a monorepo).
func repo(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	git := gitIn(t, top)
	app := filepath.Join(top, "app")
	require.NoError(t, os.MkdirAll(app, 0o755))
	git("init", "--quiet")
	for _, v := range []string{"first", "second"} {
		require.NoError(t, os.WriteFile(filepath.Join(app, "VERSION"), []byte(v), 0o644))
		git("add", "app/VERSION")
		git("commit", "--quiet", "-m", v)
	}
	return app
}

// gitIn returns a git runner in dir that commits as a test user and fails t on any error.
func gitIn(t *testing.T, dir string) func(args ...string) {
	return func(args ...string) {
		t.Helper()
		args = append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)
		_, err := worktree.Git(context.Background(), dir, args...)
		require.NoError(t, err)
	}
}

func worktrees(t *testing.T, root string) []string {
	t.Helper()
	out, err := worktree.Git(context.Background(), root, "worktree", "list", "--porcelain")
	require.NoError(t, err)
	var trees []string
	for line := range strings.Lines(out) {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "worktree "); ok {
			trees = append(trees, p)
		}
	}
	return trees
}

func TestWith(t *testing.T) {
	failed := errors.New("callback failed")
	tests := []struct {
		name string
		fn   func(cancel context.CancelFunc) error
		want error
	}{
		{name: "callback succeeds", fn: func(context.CancelFunc) error { return nil }},
		{name: "callback fails", fn: func(context.CancelFunc) error { return failed }, want: failed},
		{name: "context cancelled", fn: func(cancel context.CancelFunc) error { cancel(); return context.Canceled }, want: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := repo(t)
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			var dir, version string
			var log strings.Builder
			got, err := worktree.With(ctx, root, "HEAD~1", "test", &log, func(d string) (string, error) {
				dir = d
				data, err := os.ReadFile(filepath.Join(d, "VERSION"))
				require.NoError(t, err)
				version = string(data)
				require.Len(t, worktrees(t, root), 2, "the working tree and the temporary worktree")
				return version, tt.fn(cancel)
			})

			if tt.want == nil {
				require.NoError(t, err)
				assert.Equal(t, "first", got, "With returns what fn returns")
			} else {
				require.ErrorIs(t, err, tt.want)
			}
			assert.Equal(t, "first", version, "the worktree holds the first commit's file")
			assert.Equal(t, "app", filepath.Base(dir), "fn gets the folder that stands where root does")
			assert.NoDirExists(t, dir, "the worktree is removed afterwards")
			assert.Len(t, worktrees(t, root), 1, "git no longer lists the worktree")
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "the temporary folder is removed")
			assert.Empty(t, log.String(), "removal logged no error")
			current, err := os.ReadFile(filepath.Join(root, "VERSION"))
			require.NoError(t, err)
			assert.Equal(t, "second", string(current), "the working tree is untouched")
		})
	}
}

func TestWithBadRef(t *testing.T) {
	root := repo(t)
	called := false
	_, err := worktree.With(context.Background(), root, "no-such-ref", "test", os.Stderr, func(string) (struct{}, error) {
		called = true
		return struct{}{}, nil
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "git worktree add")
	assert.False(t, called)
	assert.Len(t, worktrees(t, root), 1)
}

func TestCopyGoFiles(t *testing.T) {
	from, to := t.TempDir(), filepath.Join(t.TempDir(), "pkg")
	for name, content := range map[string]string{
		"a.go": "package a", "a_test.go": "package a", "prices.json": "{}", "README.md": "#",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(from, name), []byte(content), 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(from, "sub.go"), 0o755))
	require.NoError(t, os.MkdirAll(to, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(to, "a.go"), []byte("package old"), 0o644))
	// A file the base has and the working tree renamed away would redeclare what it moved to.
	require.NoError(t, os.WriteFile(filepath.Join(to, "main.go"), []byte("package old"), 0o644))

	require.NoError(t, worktree.CopyGoFiles(from, to))

	entries, err := os.ReadDir(to)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"a.go", "prices.json"}, slices.Sorted(slices.Values(names)), "the working tree's files and no other Go file")
	data, err := os.ReadFile(filepath.Join(to, "a.go"))
	require.NoError(t, err)
	assert.Equal(t, "package a", string(data), "an existing file is replaced")

	assert.Error(t, worktree.CopyGoFiles(filepath.Join(from, "missing"), to))
}

func TestCopyPackages(t *testing.T) {
	root, dir := t.TempDir(), t.TempDir()
	for _, f := range []string{"cmd/tool/main.go", "tool/tool.go", "engine/worktree/worktree.go", "other/other.go"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, f), []byte("package x"), 0o644))
	}

	require.NoError(t, worktree.CopyPackages(root, dir, "cmd/tool", "tool"))

	for _, f := range []string{"cmd/tool/main.go", "tool/tool.go", "engine/worktree/worktree.go"} {
		assert.FileExists(t, filepath.Join(dir, f), "a named package, and worktree which it may import")
	}
	assert.NoDirExists(t, filepath.Join(dir, "other"), "only the named packages")
}

// TestCopyPackagesOfThisModule copies cmd/cost out of this module as cost-diff does: the worktree
// package it brings along is read from where this package is.
func TestCopyPackagesOfThisModule(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, worktree.CopyPackages("../..", dir, "cmd/cost"))
	assert.FileExists(t, filepath.Join(dir, "cmd", "cost", "main.go"))
	assert.FileExists(t, filepath.Join(dir, "engine", "worktree", "worktree.go"))
}

func TestGoRun(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example\n\ngo 1.22\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "cmd", "tool"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cmd", "tool", "main.go"), []byte(`package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("result", os.Args[1])
	fmt.Fprintln(os.Stderr, "violation")
	os.Exit(1)
}
`), 0o644))

	stdout, stderr, err := worktree.GoRun(context.Background(), dir, "./cmd/tool", "-x")
	require.Error(t, err, "the exit status is returned")
	assert.Equal(t, "result -x\n", string(stdout), "what it printed before failing")
	assert.Contains(t, string(stderr), "violation")
}

// TestAtRef runs a tool of the base commit: its own code, with -json, the tool's arguments and
// -stack, after Prepare saw the worktree; decode gets what the tool wrote even when it fails.
func TestAtRef(t *testing.T) {
	top := t.TempDir()
	git := gitIn(t, top)
	git("init", "--quiet")
	require.NoError(t, os.WriteFile(filepath.Join(top, "go.mod"), []byte("module example\n\ngo 1.22\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(top, "cmd", "tool"), 0o755))
	for _, version := range []string{"base", "head"} {
		require.NoError(t, os.WriteFile(filepath.Join(top, "cmd", "tool", "main.go"), []byte(`package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	fmt.Println("`+version+`", strings.Join(os.Args[1:], " "))
	fmt.Fprintln(os.Stderr, "violation")
	os.Exit(1)
}
`), 0o644))
		git("add", ".")
		git("commit", "--quiet", "-m", version)
	}

	var prepared string
	tool := worktree.Tool{Name: "tool", Args: []string{"-x"}, Stack: "dev", Prepare: func(dir string) error {
		prepared = dir
		return nil
	}}
	got, err := worktree.AtRef(context.Background(), top, "HEAD~1", tool, os.Stderr, func(stdout, stderr []byte, runErr error) (string, error) {
		assert.Error(t, runErr, "the exit status reaches decode")
		assert.Contains(t, string(stderr), "violation")
		return string(stdout), nil
	})
	require.NoError(t, err)
	assert.Equal(t, "base -json -x -stack dev\n", got)
	assert.NotEmpty(t, prepared)
	assert.NoDirExists(t, prepared, "the worktree is removed afterwards")

	failed := errors.New("prepare failed")
	tool.Prepare = func(string) error { return failed }
	_, err = worktree.AtRef(context.Background(), top, "HEAD~1", tool, os.Stderr, func([]byte, []byte, error) (string, error) {
		t.Error("decode runs only after Prepare succeeded")
		return "", nil
	})
	assert.ErrorIs(t, err, failed)
}
