package tests

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"shopstack/engine"
	"shopstack/engine/analyzer"
)

// TestPolicyAnalyzerPinned: the pack relies on pulumi-policy-opa features that exist only from
// the release it was written for (stack_deny_* rules on input.resources, __type and the other
// __ fields, digits in rule names, configured enforcement levels), so every workflow that runs the
// pack installs exactly that release before Pulumi runs, on a CLI new enough to need no other
// plugin step, and the README says the same. Nothing here can run the real analyzer (it cannot be
// downloaded here): the workflows and README are the nearest things that can fail.
func TestPolicyAnalyzerPinned(t *testing.T) {
	minimum := semver.MustParse(analyzer.MinimumPulumiCLI)
	install := "pulumi plugin install analyzer policy-opa v" + analyzer.Version
	runs := 0
	for _, path := range workflowFiles(t) {
		name := filepath.Base(path)
		w := readWorkflow(t, name)
		for jobName, job := range w.Jobs {
			installed := false
			for _, step := range expandSteps(t, job.Steps) {
				if strings.Contains(step.Run, "pulumi plugin install") {
					assert.Contains(t, step.Run, install, "%s job %s installs the pinned analyzer", name, jobName)
					installed = installed || strings.Contains(step.Run, install)
				}
				if !strings.HasPrefix(step.Uses, "pulumi/actions@") {
					continue
				}
				assert.Equal(t, pulumiVersionFile, step.With["pulumi-version-file"], "%s job %s installs the Pulumi CLI of %s", name, jobName, pulumiVersionFile)
				if step.With["command"] != "" {
					runs++
					assert.True(t, installed, "%s job %s runs `pulumi %s` with the policy pack before installing policy-opa v%s", name, jobName, step.With["command"], analyzer.Version)
				}
			}
		}
	}
	assert.Positive(t, runs, "some workflow runs Pulumi")
	cli := readPulumiVersion(t)
	assert.True(t, cli.GTE(minimum), "%s: Pulumi CLI %s is older than %s", pulumiVersionFile, cli, minimum)

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "policy-opa` v"+analyzer.Version, "README names the analyzer release")
	assert.Contains(t, string(readme), "v"+analyzer.MinimumPulumiCLI, "README names the minimum Pulumi CLI")
	for _, doc := range []string{"README.md", "policies/README.md"} {
		text, err := os.ReadFile(filepath.Join(root, doc))
		require.NoError(t, err)
		unpinned := regexp.MustCompile(`pulumi plugin install analyzer policy-opa\s*($|[^v\s])`)
		assert.Empty(t, unpinned.FindAllString(string(text), -1), "%s: no unpinned install step", doc)
	}
}

// TestPolicyPackVersionShown: the pack has a version, the analyzer reports it, and what
// `pulumi preview` prints under Policies shows it.
func TestPolicyPackVersionShown(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "policies", "PulumiPolicy.yaml"))
	require.NoError(t, err)
	var manifest struct {
		Version string `yaml:"version"`
	}
	require.NoError(t, yaml.Unmarshal(data, &manifest))
	_, err = semver.Parse(manifest.Version)
	require.NoError(t, err, "policies/PulumiPolicy.yaml has a semantic version, got %q", manifest.Version)

	res, err := engine.Preview(context.Background(), engine.Options{Root: root, Stack: "dev"})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, res.Display(&out))
	lines := strings.Split(out.String(), "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "Policies:" })
	require.GreaterOrEqual(t, i, 0, "the preview lists its policy packs:\n%s", out.String())
	require.Greater(t, len(lines), i+1)
	assert.Contains(t, lines[i+1], "shopstack@v"+manifest.Version+" (local: policies)")
}
