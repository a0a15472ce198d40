package tests

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestWorkflowsDependabot: Dependabot watches every manifest — the workflows' and composite
// actions' pinned SHAs, every go.mod, every npm lockfile — and moves the Pulumi SDK and engine,
// the providers whose stand-ins model them and the policy evaluator together, in one pull request.
func TestWorkflowsDependabot(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, ".github", "dependabot.yml"))
	require.NoError(t, err)
	var config struct {
		Version int `yaml:"version"`
		Updates []struct {
			Ecosystem   string    `yaml:"package-ecosystem"`
			Directory   string    `yaml:"directory"`
			Directories []string  `yaml:"directories"`
			Groups      yaml.Node `yaml:"groups"`
			Schedule    struct {
				Interval string `yaml:"interval"`
			} `yaml:"schedule"`
		} `yaml:"updates"`
	}
	require.NoError(t, yaml.Unmarshal(data, &config))
	assert.Equal(t, 2, config.Version)

	covered := map[string]map[string]bool{} // ecosystem -> directory
	for _, u := range config.Updates {
		assert.NotEmpty(t, u.Schedule.Interval, u.Ecosystem)
		if covered[u.Ecosystem] == nil {
			covered[u.Ecosystem] = map[string]bool{}
		}
		for _, d := range append(u.Directories, u.Directory) {
			if d != "" {
				covered[u.Ecosystem][d] = true
			}
		}
	}
	want := map[string][]string{"github-actions": {"/"}}
	for _, action := range localActionFiles(t) {
		want["github-actions"] = append(want["github-actions"], "/"+filepath.ToSlash(filepath.Dir(must(filepath.Rel(root, action)))))
	}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".build" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		dir := "/" + filepath.ToSlash(filepath.Dir(must(filepath.Rel(root, p))))
		dir = strings.TrimSuffix(strings.TrimSuffix(dir, "."), "/")
		if dir == "" {
			dir = "/"
		}
		switch d.Name() {
		case "go.mod":
			want["gomod"] = append(want["gomod"], dir)
		case "package-lock.json":
			want["npm"] = append(want["npm"], dir)
		}
		return nil
	}))
	require.Len(t, want["gomod"], 2, "the program's go.mod and tools/")
	require.Len(t, want["npm"], 5, "the lockfiles of DynamoDB Local, the TypeScript client, the collections check, make signin and /docs")
	for ecosystem, dirs := range want {
		for _, dir := range dirs {
			assert.True(t, covered[ecosystem][dir], "dependabot.yml: %s updates in %s", ecosystem, dir)
		}
	}

	// The modules that move together: every direct github.com/pulumi/ requirement (SDK, engine,
	// providers) and OPA, the policy evaluator. Dependabot puts a dependency in the first group
	// whose patterns match it.
	together := []string{"github.com/open-policy-agent/opa"}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`(?m)^\s+(github\.com/pulumi/\S+) v\S+$`).FindAllSubmatch(mod, -1) {
		together = append(together, string(m[1]))
	}
	for _, m := range []string{"github.com/pulumi/pulumi/sdk/v3", "github.com/pulumi/pulumi/pkg/v3", "github.com/pulumi/pulumi-aws/sdk/v6", "github.com/pulumi/pulumi-aws-apigateway/sdk/v2"} {
		require.Contains(t, together, m, "go.mod requires %s directly", m)
	}
	var rootGomod *yaml.Node
	for i, u := range config.Updates {
		if u.Ecosystem == "gomod" && (u.Directory == "/" || slices.Contains(u.Directories, "/")) {
			rootGomod = &config.Updates[i].Groups
		}
	}
	require.NotNil(t, rootGomod, "a gomod update for the program's go.mod")
	groups := map[string]string{}
	for _, module := range together {
		groups[module] = firstGroup(t, rootGomod, module)
		assert.NotEmpty(t, groups[module], "%s is in a group", module)
	}
	first := groups[together[0]]
	for module, g := range groups {
		assert.Equal(t, first, g, "%s moves with %s", module, together[0])
	}
	other := "github.com/stretchr/testify"
	require.Contains(t, string(mod), other+" v", "go.mod requires %s", other)
	assert.NotEqual(t, first, firstGroup(t, rootGomod, other), "group %q holds the Pulumi set alone, not %s", first, other)
}

// firstGroup is the Dependabot group a dependency falls in: the first, in file order, with a pattern
// that matches it and no exclude-pattern that does (`*` matches any characters).
func firstGroup(t *testing.T, groups *yaml.Node, dependency string) string {
	t.Helper()
	matches := func(patterns []string) bool {
		for _, p := range patterns {
			re := "^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, `.*`) + "$"
			if regexp.MustCompile(re).MatchString(dependency) {
				return true
			}
		}
		return false
	}
	for i := 0; i+1 < len(groups.Content); i += 2 {
		var g struct {
			Patterns        []string `yaml:"patterns"`
			ExcludePatterns []string `yaml:"exclude-patterns"`
		}
		require.NoError(t, groups.Content[i+1].Decode(&g))
		if matches(g.Patterns) && !matches(g.ExcludePatterns) {
			return groups.Content[i].Value
		}
	}
	return ""
}
