// Package worktree checks a git ref out beside the working tree, so that tools which compare the
// working tree with a base commit (plan-diff, cost-diff) can run that commit's code, and pairs
// the base's results with the working tree's by stack.
package worktree

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// folder is this package's folder from the module root (TestCopyPackagesOfThisModule keeps it
// true).
const folder = "engine/worktree"

// With checks ref out into a temporary, detached git worktree of the repository that holds root,
// calls fn with the folder in it that stands where root stands in the working tree, and removes
// the worktree afterwards: also when fn fails or ctx is cancelled. It returns what fn returns.
// name tags the temporary folder (shopstack-<name>-base-*) and the note written to log when the
// worktree cannot be removed.
func With[T any](ctx context.Context, root, ref, name string, log io.Writer, fn func(dir string) (T, error)) (T, error) {
	var zero T
	top, err := Git(ctx, root, "rev-parse", "--show-toplevel")
	if err != nil {
		return zero, err
	}
	prefix, err := Git(ctx, root, "rev-parse", "--show-prefix")
	if err != nil {
		return zero, err
	}
	tmp, err := os.MkdirTemp("", "shopstack-"+name+"-base-")
	if err != nil {
		return zero, err
	}
	defer os.RemoveAll(tmp)
	tree := filepath.Join(tmp, "tree")
	if _, err := Git(ctx, top, "worktree", "add", "--detach", "--quiet", tree, ref); err != nil {
		return zero, err
	}
	defer func() {
		// A fresh context: the worktree must go even when ctx was cancelled.
		if _, err := Git(context.Background(), top, "worktree", "remove", "--force", tree); err != nil {
			fmt.Fprintln(log, name+":", err)
		}
	}()
	return fn(filepath.Join(tree, prefix))
}

// Tool is a command of this module that writes its per-stack results as JSON, run in a base
// commit's worktree as `go run ./cmd/<Name> -json <Args...> [-stack <Stack>]`.
type Tool struct {
	Name  string   // the folder under cmd/; also tags the temporary folder and log notes
	Args  []string // after -json
	Stack string   // one stack, or "" for every stack
	// Prepare, when set, readies the worktree's module folder first (CopyPackages, for a tool
	// that prices or plans the base with the working tree's code).
	Prepare func(dir string) error
}

// AtRef runs tool in a temporary worktree of ref (With) and returns what decode makes of its
// stdout, stderr and exit error: a tool may write its result and still exit non-zero.
func AtRef[T any](ctx context.Context, root, ref string, tool Tool, log io.Writer, decode func(stdout, stderr []byte, runErr error) (T, error)) (T, error) {
	return With(ctx, root, ref, tool.Name, log, func(dir string) (T, error) {
		if tool.Prepare != nil {
			if err := tool.Prepare(dir); err != nil {
				var zero T
				return zero, err
			}
		}
		args := slices.Concat([]string{"./cmd/" + tool.Name, "-json"}, tool.Args)
		if tool.Stack != "" {
			args = append(args, "-stack", tool.Stack)
		}
		return decode(GoRun(ctx, dir, args...))
	})
}

// Git runs git in dir and returns its output without the surrounding white space; an error
// names the command and carries what git said on stderr.
func Git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// GoRun runs `go run args...` in dir, a folder of a worktree, and returns what it wrote on stdout
// and on stderr: a tool may print a result and still exit non-zero.
func GoRun(ctx context.Context, dir string, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"run"}, args...)...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.Bytes(), errOut.Bytes(), err
}

// CopyPackages copies the working tree's version of each package folder (from the module root
// root) into the same folder under dir, and this package's too: a copied package that uses it
// would not build in an older commit that lacks it.
func CopyPackages(root, dir string, pkgs ...string) error {
	for _, pkg := range slices.Concat(pkgs, []string{folder}) {
		if err := CopyGoFiles(filepath.Join(root, pkg), filepath.Join(dir, pkg)); err != nil {
			return err
		}
	}
	return nil
}

// CopyGoFiles makes to hold the working tree's version of a package: from's non-test Go files and
// its JSON data, replacing what is there, and none of to's other non-test Go files (one the working
// tree renamed would declare twice what it moved).
func CopyGoFiles(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	copied := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !packageFile(name) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, name), data, 0o644); err != nil {
			return err
		}
		copied[name] = true
	}
	old, err := os.ReadDir(to)
	if err != nil {
		return err
	}
	for _, e := range old {
		if name := e.Name(); !e.IsDir() && strings.HasSuffix(name, ".go") && packageFile(name) && !copied[name] {
			if err := os.Remove(filepath.Join(to, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// packageFile says whether a file is part of what a package builds with: non-test Go and JSON data.
func packageFile(name string) bool {
	return !strings.HasSuffix(name, "_test.go") && (strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".json"))
}
