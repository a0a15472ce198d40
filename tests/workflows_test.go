package tests

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"shopstack/dev/docs"
	"shopstack/engine"
)

// workflowFiles lists .github/workflows/*.yml, as absolute paths.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	abs, err := filepath.Abs(root)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(abs, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// TestWorkflowsActionlint runs actionlint v1.7.12 (pinned in tools/go.mod) on every workflow and
// fails on any finding. actionlint also runs shellcheck on run: scripts when it is installed.
func TestWorkflowsActionlint(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Log("shellcheck is not installed: actionlint checks the workflows without linting run: scripts")
	}
	// Build first: on a clean machine the go command reports its module downloads on stderr, which
	// are not findings.
	actionlint := filepath.Join(t.TempDir(), "actionlint")
	build := exec.Command("go", "-C", filepath.Join(root, "tools"), "build", "-o", actionlint, "github.com/rhysd/actionlint/cmd/actionlint")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build actionlint: %v\n%s", err, out)
	}
	cmd := exec.Command(actionlint, append([]string{"-no-color", "-oneline"}, workflowFiles(t)...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	assert.NoError(t, err, "actionlint:\n%s", out.String())
	assert.Empty(t, strings.TrimSpace(out.String()), "actionlint findings")
}

type workflow struct {
	Name        string                 `yaml:"name"`
	On          map[string]any         `yaml:"on"`
	Permissions any                    `yaml:"permissions"`
	Concurrency any                    `yaml:"concurrency"`
	Jobs        map[string]workflowJob `yaml:"jobs"`
}

type workflowJob struct {
	If          string            `yaml:"if"`
	Needs       any               `yaml:"needs"`
	Uses        string            `yaml:"uses"`
	With        map[string]string `yaml:"with"`
	Environment any               `yaml:"environment"`
	Permissions map[string]string `yaml:"permissions"`
	Strategy    struct {
		Matrix map[string]any `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []workflowStep `yaml:"steps"`
}

type workflowStep struct {
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, ".github", "workflows", name))
	require.NoError(t, err)
	var w workflow
	require.NoError(t, yaml.Unmarshal(data, &w), name)
	return w
}

// localActionFiles lists .github/actions/*/action.yml, the repository's composite actions.
func localActionFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, ".github", "actions", "*", "action.yml"))
	require.NoError(t, err)
	return files
}

// readLocalAction reads the composite action a step names as `uses: ./.github/actions/<name>`.
func readLocalAction(t *testing.T, uses string) []workflowStep {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(uses), "action.yml"))
	require.NoError(t, err, uses)
	var action struct {
		Runs struct {
			Using string         `yaml:"using"`
			Steps []workflowStep `yaml:"steps"`
		} `yaml:"runs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &action), uses)
	require.Equal(t, "composite", action.Runs.Using, uses)
	return action.Runs.Steps
}

// expandSteps returns a job's steps with each local composite action replaced by its own steps
// (which take the calling step's condition), as the runner executes them.
func expandSteps(t *testing.T, steps []workflowStep) []workflowStep {
	t.Helper()
	var out []workflowStep
	for _, step := range steps {
		if !strings.HasPrefix(step.Uses, "./.github/actions/") {
			out = append(out, step)
			continue
		}
		for _, inner := range expandSteps(t, readLocalAction(t, step.Uses)) {
			if inner.If == "" {
				inner.If = step.If
			}
			out = append(out, inner)
		}
	}
	return out
}

var pinned = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)

// TestWorkflowsPinned checks that every action is pinned to a full commit SHA (a tag can be moved
// to other code), that every workflow sets its permissions, and that every Pulumi run (a
// pulumi/actions step with a command; without one it only installs the CLI) loads the policy
// pack.
func TestWorkflowsPinned(t *testing.T) {
	for _, path := range localActionFiles(t) {
		uses := "./" + filepath.ToSlash(filepath.Dir(must(filepath.Rel(root, path))))
		t.Run(uses, func(t *testing.T) {
			for _, step := range readLocalAction(t, uses) {
				if step.Uses != "" && !strings.HasPrefix(step.Uses, "./") {
					assert.Regexp(t, pinned, step.Uses, uses)
				}
			}
		})
	}
	for _, path := range workflowFiles(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			w := readWorkflow(t, name)
			assert.NotNil(t, w.Permissions, "top-level permissions")
			for jobName, job := range w.Jobs {
				if job.Uses != "" {
					assert.True(t, strings.HasPrefix(job.Uses, "./.github/workflows/"), "job %s calls %s", jobName, job.Uses)
				}
				for _, step := range job.Steps {
					if step.Uses == "" || strings.HasPrefix(step.Uses, "./.github/actions/") {
						continue
					}
					assert.Regexp(t, pinned, step.Uses, "job %s", jobName)
					if strings.HasPrefix(step.Uses, "pulumi/actions@") && step.With["command"] != "" {
						assert.Equal(t, "policies", step.With["policyPacks"], "job %s runs the policy pack", jobName)
					}
				}
			}
		})
	}
}

// TestWorkflowsCoverEveryStack checks the pull request previews every environment and the
// deployment updates every environment, prod last, each in its own GitHub environment.
func TestWorkflowsCoverEveryStack(t *testing.T) {
	stackNames, err := engine.Stacks(root)
	require.NoError(t, err)

	pr := readWorkflow(t, "pull-request.yml")
	var previewed []string
	for _, s := range pr.Jobs["preview"].Strategy.Matrix["stack"].([]any) {
		previewed = append(previewed, s.(string))
	}
	assert.ElementsMatch(t, stackNames, previewed, "pull-request.yml previews every Pulumi.<env>.yaml")

	deploy := readWorkflow(t, "deploy.yml")
	require.Contains(t, deploy.On, "push")
	assert.NotNil(t, deploy.Concurrency, "deployments are serialised")
	jobOf := map[string]string{}
	for name, job := range deploy.Jobs {
		if stack := job.With["stack"]; stack != "" {
			jobOf[stack] = name
			assert.Equal(t, stack, job.With["environment"], "%s runs in its GitHub environment", name)
			assert.Equal(t, "write", job.Permissions["id-token"], "%s uses OIDC", name)
			assert.Equal(t, "read", job.Permissions["contents"], "%s", name)
		}
	}
	require.ElementsMatch(t, stackNames, slices.Collect(maps.Keys(jobOf)), "deploy.yml updates every environment")

	// prod must come after every other environment through the needs chain.
	before := map[string]bool{}
	var walk func(job string)
	walk = func(job string) {
		for _, n := range needs(deploy.Jobs[job].Needs) {
			if !before[n] {
				before[n] = true
				walk(n)
			}
		}
	}
	walk(jobOf["prod"])
	for stack, job := range jobOf {
		if stack != "prod" {
			assert.True(t, before[job], "prod deploys after %s", stack)
		}
	}

	up := readWorkflow(t, "pulumi-up.yml")
	job := up.Jobs["up"]
	assert.Equal(t, "${{ inputs.environment }}", job.Environment, "the update runs in the caller's environment")
	assert.Equal(t, map[string]string{"contents": "read", "id-token": "write"}, job.Permissions)
	preview := up.Jobs["preview"]
	assert.Equal(t, "${{ inputs.environment }}-preview", preview.Environment, "the saved preview runs in the environment's preview environment")
	assert.Equal(t, map[string]string{"contents": "read", "id-token": "write"}, preview.Permissions)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func needs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

// TestPullRequestCostDiff checks that the pull request adds the monthly cost difference against its
// base branch to the job summary, in a job whose checkout fetched that branch.
func TestPullRequestCostDiff(t *testing.T) {
	costDiff := regexp.MustCompile(`make (-s )?cost-diff BASE="?origin/\$(BASE_REF|\{\{ github\.base_ref \}\})`)
	pr := readWorkflow(t, "pull-request.yml")
	var jobs []string
	for name, job := range pr.Jobs {
		for _, step := range job.Steps {
			if !costDiff.MatchString(step.Run) {
				continue
			}
			jobs = append(jobs, name)
			assert.Contains(t, step.Run, "$GITHUB_STEP_SUMMARY", "job %s adds the cost diff to the job summary", name)
			i := slices.IndexFunc(job.Steps, func(s workflowStep) bool { return strings.HasPrefix(s.Uses, "actions/checkout@") })
			if assert.GreaterOrEqual(t, i, 0, "job %s checks the code out", name) {
				assert.Equal(t, "0", job.Steps[i].With["fetch-depth"], "job %s fetches the base branch", name)
			}
		}
	}
	assert.Len(t, jobs, 1, "one pull-request.yml job runs make cost-diff BASE=origin/<base ref>")
}

// TestPullRequestKeepsDocsScreenshot: the test job uploads the screenshot dev/docs's Chromium test
// takes of /docs, from the path that test writes it to.
func TestPullRequestKeepsDocsScreenshot(t *testing.T) {
	job := readWorkflow(t, "pull-request.yml").Jobs["test"]
	i := slices.IndexFunc(job.Steps, func(s workflowStep) bool { return strings.HasPrefix(s.Uses, "actions/upload-artifact@") })
	require.GreaterOrEqual(t, i, 0, "the test job uploads an artifact")
	assert.Equal(t, docs.Screenshot, job.Steps[i].With["path"])
	assert.Contains(t, job.Steps[i].If, "!cancelled()", "kept when a test fails too")
	run := slices.IndexFunc(job.Steps, func(s workflowStep) bool { return strings.Contains(s.Run, ".ci/run") })
	assert.Less(t, run, i, "uploaded after make test")
}
