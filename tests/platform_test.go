package tests

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine"
)

// pulumiVersionFile holds the one Pulumi CLI version every workflow installs.
const pulumiVersionFile = ".pulumi.version"

func readPulumiVersion(t *testing.T) semver.Version {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, pulumiVersionFile))
	require.NoError(t, err)
	v, err := semver.Parse(strings.TrimSpace(string(data)))
	require.NoError(t, err, "%s holds a version such as 3.274.1", pulumiVersionFile)
	return v
}

// goModRequire returns the version go.mod requires of module, without its v.
func goModRequire(t *testing.T, dir, module string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(module) + `\s+v(\S+)`).FindSubmatch(data)
	require.NotNil(t, m, "go.mod requires %s", module)
	return string(m[1])
}

// automationFiles are the files GitHub runs: the workflows and the composite actions.
func automationFiles(t *testing.T) []string {
	return append(workflowFiles(t), localActionFiles(t)...)
}

// pulumiSteps returns every pulumi/actions step of every workflow job, composite actions expanded,
// keyed by "<file> <job>".
func pulumiSteps(t *testing.T) map[string][]workflowStep {
	t.Helper()
	out := map[string][]workflowStep{}
	for _, file := range workflowFiles(t) {
		name := filepath.Base(file)
		for jobName, job := range readWorkflow(t, name).Jobs {
			for _, step := range expandSteps(t, job.Steps) {
				if strings.HasPrefix(step.Uses, "pulumi/actions@") {
					out[name+" "+jobName] = append(out[name+" "+jobName], step)
				}
			}
		}
	}
	return out
}

// stepIndex is the index of the first step for which match is true, or -1.
func stepIndex(steps []workflowStep, match func(workflowStep) bool) int {
	return slices.IndexFunc(steps, match)
}

func usesAction(action string) func(workflowStep) bool {
	return func(s workflowStep) bool { return strings.HasPrefix(s.Uses, action+"@") }
}

func pulumiCommand(command string) func(workflowStep) bool {
	return func(s workflowStep) bool {
		return strings.HasPrefix(s.Uses, "pulumi/actions@") && s.With["command"] == command
	}
}

func matrixStacks(t *testing.T, job workflowJob) []string {
	t.Helper()
	list, ok := job.Strategy.Matrix["stack"].([]any)
	require.True(t, ok, "a matrix over stack")
	var out []string
	for _, s := range list {
		out = append(out, s.(string))
	}
	return out
}

// TestWorkflowsPulumiVersionFile: one Pulumi CLI version, in .pulumi.version, which every
// pulumi/actions step reads (its pulumi-version-file input); no workflow names another. It is the
// version of the engine the offline plan runs (pkg/v3 in go.mod), so what CI runs is what the
// offline plan models: a Dependabot update of the Pulumi group fails here until the file moves too.
func TestWorkflowsPulumiVersionFile(t *testing.T) {
	cli := readPulumiVersion(t)
	assert.Equal(t, goModRequire(t, root, "github.com/pulumi/pulumi/pkg/v3"), cli.String(), "%s is the engine's version (pkg/v3 in go.mod)", pulumiVersionFile)

	steps := pulumiSteps(t)
	require.NotEmpty(t, steps)
	for job, list := range steps {
		for _, step := range list {
			assert.Equal(t, pulumiVersionFile, step.With["pulumi-version-file"], "%s installs the CLI of %s", job, pulumiVersionFile)
			assert.NotContains(t, step.With, "pulumi-version", "%s: no second version", job)
		}
	}

	version := regexp.MustCompile(`\b3\.\d+\.\d+\b`)
	for _, file := range automationFiles(t) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for i, line := range strings.Split(string(data), "\n") {
			if strings.Contains(strings.ToLower(line), "pulumi") && version.MatchString(line) {
				t.Errorf("%s:%d names a Pulumi version instead of reading %s: %s", file, i+1, pulumiVersionFile, strings.TrimSpace(line))
			}
		}
	}

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), "`"+pulumiVersionFile+"`"), "README names %s", pulumiVersionFile)
	assert.True(t, strings.Contains(string(readme), "v"+cli.String()), "README names the version it holds, v%s", cli)
}

// TestWorkflowsPreviewComment: every stack's preview is one pull-request comment, edited on each
// push: pulumi/actions' own when the credentials exist; otherwise the offline plan and cost diff of
// that stack, uploaded by pull-request.yml and posted by pull-request-comment.yml, which can write
// where a fork's run cannot and runs none of the pull request's code.
func TestWorkflowsPreviewComment(t *testing.T) {
	stackNames, err := engine.Stacks(root)
	require.NoError(t, err)
	pr := readWorkflow(t, "pull-request.yml")
	assert.NotEqual(t, "write", topPermissions(pr)["pull-requests"], "pull-request.yml grants no write at the top")
	for name, job := range pr.Jobs {
		if name != "preview" {
			assert.NotEqual(t, "write", job.Permissions["pull-requests"], "only the preview job may comment, not %s", name)
		}
	}
	job := pr.Jobs["preview"]
	assert.ElementsMatch(t, stackNames, matrixStacks(t, job), "one preview, so one comment, per stack")
	assert.Equal(t, "write", job.Permissions["pull-requests"], "the preview job comments")
	steps := expandSteps(t, job.Steps)

	online := "steps.credentials.outputs.available == 'true'"
	offline := "steps.credentials.outputs.available == 'false'"
	i := stepIndex(steps, pulumiCommand("preview"))
	require.GreaterOrEqual(t, i, 0, "pulumi preview")
	assert.Equal(t, "true", steps[i].With["comment-on-pr"])
	assert.Equal(t, "true", steps[i].With["edit-pr-comment"], "each push edits the stack's comment")
	assert.Equal(t, "${{ matrix.stack }}", steps[i].With["stack-name"])
	for _, s := range steps {
		if s.Uses != "" && (strings.HasPrefix(s.Uses, "pulumi/") || strings.HasPrefix(s.Uses, "aws-actions/")) {
			assert.Equal(t, online, s.If, "%s runs only with credentials", s.Uses)
		}
	}
	c := stepIndex(steps, func(s workflowStep) bool { return s.ID == "credentials" })
	require.GreaterOrEqual(t, c, 0, "a step decides whether credentials exist")
	assert.Contains(t, steps[c].Run, "ACTIONS_ID_TOKEN_REQUEST_URL", "no OIDC token (a fork) means no credentials")

	plan := regexp.MustCompile(`make -s plan STACK="\$STACK"`)
	cost := regexp.MustCompile(`make -s cost-diff BASE="origin/\$BASE_REF" STACK="\$STACK"`)
	o := stepIndex(steps, func(s workflowStep) bool { return plan.MatchString(s.Run) && cost.MatchString(s.Run) })
	require.GreaterOrEqual(t, o, 0, "the offline plan and cost diff of the matrix's stack, in one step")
	assert.Equal(t, "${{ matrix.stack }}", steps[o].Env["STACK"])
	u := stepIndex(steps, usesAction("actions/upload-artifact"))
	require.Greater(t, u, o, "the offline comment is uploaded after it is written")
	assert.Contains(t, steps[u].If, offline, "the offline comment only without credentials")
	assert.Contains(t, steps[u].If, "!cancelled()", "a failed plan is still shown")
	artifact := steps[u].With["name"]
	assert.Contains(t, artifact, "${{ matrix.stack }}", "one artifact, so one comment, per stack")

	post := readWorkflow(t, "pull-request-comment.yml")
	run, ok := post.On["workflow_run"].(map[string]any)
	require.True(t, ok, "pull-request-comment.yml runs on workflow_run")
	assert.Contains(t, run["workflows"], pr.Name, "after pull-request.yml")
	assert.Empty(t, topPermissions(post), "no permissions at the top")
	require.Len(t, post.Jobs, 1)
	for name, job := range post.Jobs {
		assert.Equal(t, map[string]string{"actions": "read", "pull-requests": "write"}, job.Permissions, name)
		assert.Negative(t, stepIndex(job.Steps, usesAction("actions/checkout")), "%s never checks the pull request out", name)
		for _, s := range job.Steps {
			assert.Empty(t, s.Run, "%s runs no shell, so nothing from the artifact is executed", name)
		}
		d := stepIndex(job.Steps, usesAction("actions/download-artifact"))
		require.GreaterOrEqual(t, d, 0)
		assert.Equal(t, "${{ github.event.workflow_run.id }}", job.Steps[d].With["run-id"])
		for _, stack := range stackNames {
			name := strings.ReplaceAll(artifact, "${{ matrix.stack }}", stack)
			assert.True(t, must(path.Match(job.Steps[d].With["pattern"], name)), "%s downloads %s", name, name)
		}
		g := stepIndex(job.Steps, usesAction("actions/github-script"))
		require.Greater(t, g, d)
		script := job.Steps[g].With["script"]
		for _, want := range []string{"updateComment", "createComment", "marker", "head.sha"} {
			assert.Contains(t, script, want, "the script edits the stack's comment found by its marker, for the commit that was built")
		}
	}
}

func topPermissions(w workflow) map[string]any {
	m, _ := w.Permissions.(map[string]any)
	return m
}

// TestWorkflowsProdAppliesApprovedPlan: before each update (prod's waits for its reviewers) a
// preview saves an update plan, uploaded as an artifact; the update downloads exactly that file and
// runs `pulumi up --plan` with it. Changes to documentation alone deploy nothing.
func TestWorkflowsProdAppliesApprovedPlan(t *testing.T) {
	deploy := readWorkflow(t, "deploy.yml")
	push, ok := deploy.On["push"].(map[string]any)
	require.True(t, ok)
	assert.ElementsMatch(t, []any{"**.md", "docs/**"}, push["paths-ignore"], "docs-only changes deploy nothing")
	prod := deploy.Jobs["prod"]
	assert.Equal(t, "./.github/workflows/pulumi-up.yml", prod.Uses)
	assert.Equal(t, "prod", prod.With["environment"], "the update waits for the prod environment's reviewers")

	up := readWorkflow(t, "pulumi-up.yml")
	preview := expandSteps(t, up.Jobs["preview"].Steps)
	p := stepIndex(preview, pulumiCommand("preview"))
	require.GreaterOrEqual(t, p, 0, "a preview before the update")
	saved := preview[p].With["plan"]
	require.NotEmpty(t, saved, "the preview saves an update plan (--save-plan)")
	assert.Equal(t, "true", preview[p].With["comment-on-summary"], "the reviewers read the diff in the run")
	a := stepIndex(preview, usesAction("actions/upload-artifact"))
	require.Greater(t, a, p, "the plan is uploaded after it is saved")
	assert.Equal(t, saved, preview[a].With["path"], "the saved plan is uploaded")
	assert.Equal(t, "error", preview[a].With["if-no-files-found"])

	job := up.Jobs["up"]
	assert.Contains(t, needs(job.Needs), "preview", "the update follows its preview")
	assert.Equal(t, "${{ inputs.environment }}", job.Environment)
	steps := expandSteps(t, job.Steps)
	d := stepIndex(steps, usesAction("actions/download-artifact"))
	require.GreaterOrEqual(t, d, 0, "the update downloads the plan")
	assert.Equal(t, preview[a].With["name"], steps[d].With["name"], "the artifact the preview uploaded")
	u := stepIndex(steps, pulumiCommand("up"))
	require.Greater(t, u, d)
	assert.Equal(t, steps[d].With["path"]+"/"+path.Base(saved), steps[u].With["plan"], "pulumi up --plan with the approved plan")
}

// TestWorkflowsDriftCheck: a scheduled `pulumi preview --refresh --expect-no-changes` per stack,
// read-only.
func TestWorkflowsDriftCheck(t *testing.T) {
	stackNames, err := engine.Stacks(root)
	require.NoError(t, err)
	drift := readWorkflow(t, "drift.yml")
	schedule, ok := drift.On["schedule"].([]any)
	require.True(t, ok, "drift.yml runs on a schedule")
	require.NotEmpty(t, schedule)
	assert.NotEmpty(t, schedule[0].(map[string]any)["cron"])
	require.Len(t, drift.Jobs, 1)
	for name, job := range drift.Jobs {
		assert.ElementsMatch(t, stackNames, matrixStacks(t, job), "%s checks every stack", name)
		assert.Equal(t, "${{ matrix.stack }}-preview", job.Environment, "%s uses the read-only preview role", name)
		assert.Equal(t, map[string]string{"contents": "read", "id-token": "write"}, job.Permissions, name)
		steps := expandSteps(t, job.Steps)
		i := stepIndex(steps, pulumiCommand("preview"))
		require.GreaterOrEqual(t, i, 0, name)
		assert.Equal(t, "${{ matrix.stack }}", steps[i].With["stack-name"])
		assert.Equal(t, "true", steps[i].With["refresh"], "--refresh: compare with the cloud, not only the state")
		assert.Equal(t, "true", steps[i].With["expect-no-changes"], "--expect-no-changes: drift fails the job")
	}
}

// TestWorkflowsOIDCOnly: no long-lived secret. Every job that runs Pulumi first exchanges its
// GitHub OIDC token for its GitHub environment's AWS role and for a short-lived Pulumi token, so the
// preview and deploy roles are per environment; the README shows the trust policies' subjects.
func TestWorkflowsOIDCOnly(t *testing.T) {
	for _, file := range automationFiles(t) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.False(t, strings.Contains(string(data), "secrets."), "%s reads no stored secret (a Pulumi token, an AWS key)", file)
	}
	for _, action := range localActionFiles(t) {
		steps := readLocalAction(t, "./"+filepath.ToSlash(filepath.Dir(must(filepath.Rel(root, action)))))
		if i := stepIndex(steps, usesAction("aws-actions/configure-aws-credentials")); i >= 0 {
			assert.Equal(t, "${{ inputs.role-arn }}", steps[i].With["role-to-assume"], action)
		}
	}
	environments := map[string]bool{}
	runs := 0
	for _, file := range workflowFiles(t) {
		name := filepath.Base(file)
		for jobName, job := range readWorkflow(t, name).Jobs {
			steps := expandSteps(t, job.Steps)
			i := slices.IndexFunc(steps, func(s workflowStep) bool {
				return strings.HasPrefix(s.Uses, "pulumi/actions@") && s.With["command"] != ""
			})
			if i < 0 {
				continue
			}
			runs++
			where := name + " " + jobName
			assert.Equal(t, "write", job.Permissions["id-token"], "%s requests an OIDC token", where)
			env, _ := job.Environment.(string)
			require.NotEmpty(t, env, "%s runs in a GitHub environment, whose AWS role it assumes", where)
			environments[env] = true
			aws := stepIndex(steps, usesAction("aws-actions/configure-aws-credentials"))
			auth := stepIndex(steps, usesAction("pulumi/auth-actions"))
			assert.True(t, aws >= 0 && aws < i, "%s assumes its AWS role before Pulumi runs", where)
			if assert.True(t, auth >= 0 && auth < i, "%s gets a Pulumi token through OIDC before Pulumi runs", where) {
				assert.NotEmpty(t, steps[auth].With["organization"], where)
			}
			login := stepIndex(job.Steps, func(s workflowStep) bool { return s.Uses == "./.github/actions/pulumi-login" })
			if assert.GreaterOrEqual(t, login, 0, where) {
				assert.Equal(t, "${{ vars.AWS_ROLE_ARN }}", job.Steps[login].With["role-arn"], "%s: the role is the environment's variable", where)
			}
		}
	}
	assert.Positive(t, runs)
	assert.Equal(t, map[string]bool{
		"${{ inputs.environment }}":         true, // deploy
		"${{ inputs.environment }}-preview": true, // the saved plan before it
		"${{ matrix.stack }}-preview":       true, // pull requests, drift
	}, environments, "previews and deploys each use their environment's role")

	stackNames, err := engine.Stacks(root)
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	for _, stack := range stackNames {
		for _, env := range []string{stack, stack + "-preview"} {
			subject := regexp.MustCompile(`repo:[\w.<>-]+/[\w.<>-]+:environment:` + regexp.QuoteMeta(env) + `\b[^-]`)
			assert.True(t, subject.Match(readme), "README shows the trust policy subject of the %s environment", env)
		}
	}
	assert.True(t, strings.Contains(string(readme), "pulumi/auth-actions"), "README names pulumi/auth-actions")
}
