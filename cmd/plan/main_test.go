package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine"
	"shopstack/lambdabuild"
	"shopstack/stacks"
)

// root is the module root, where Pulumi.yaml and the stack files are.
const root = "../.."

var buildOnce sync.Once

// runPlan runs the command in process and returns its exit status, stdout and stderr. The
// functions are built before the first plan of the process, so that every plan reports them as
// that build left them (the first build alone may also report compiling).
func runPlan(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	buildOnce.Do(func() {
		_, err := stacks.BuildFunctions(context.Background(), nil)
		require.NoError(t, err)
	})
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var (
	planJSONOnce sync.Once
	planJSONOut  planResult
)

type planResult struct {
	code           int
	stdout, stderr string
}

// planJSON is `plan -json` of every environment, run once and shared by the tests that read it.
func planJSON(t *testing.T) planResult {
	t.Helper()
	planJSONOnce.Do(func() {
		var r planResult
		r.code, r.stdout, r.stderr = runPlan(t, "-root", root, "-json")
		planJSONOut = r
	})
	return planJSONOut
}

// TestPlanDeterministic plans every environment twice, as text and as JSON: a diff between two
// plans is only meaningful when the same input gives the same bytes.
func TestPlanDeterministic(t *testing.T) {
	abs, err := filepath.Abs(root)
	require.NoError(t, err)
	for _, format := range []struct {
		name  string
		args  []string
		first func() (int, string, string)
	}{
		{"text", []string{"-root", root}, func() (int, string, string) { return runPlan(t, "-root", root) }},
		{"json", []string{"-root", root, "-json"}, func() (int, string, string) {
			r := planJSON(t)
			return r.code, r.stdout, r.stderr
		}},
	} {
		t.Run(format.name, func(t *testing.T) {
			code1, out1, err1 := format.first()
			code2, out2, err2 := runPlan(t, format.args...)
			require.NotEmpty(t, out1)
			assert.Equal(t, out1, out2, "stdout differs between two runs")
			assert.Equal(t, err1, err2, "stderr differs between two runs")
			assert.Equal(t, code1, code2)
			assert.NotContains(t, out1, abs, "no absolute paths in the plan")
			assert.NotContains(t, out1, os.TempDir()+"/", "no temporary paths in the plan")
		})
	}
}

// TestPlanInvalidConfig checks that a stack file with a bad value fails the plan with exit status
// 1, names the key on stderr and plans nothing.
func TestPlanInvalidConfig(t *testing.T) {
	project, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	require.NoError(t, err)
	for _, tc := range []struct {
		name, config, key string
	}{
		{"retention not accepted by CloudWatch", "  shopstack:logRetentionDays: 8\n", "logRetentionDays"},
		{"memory of the wrong type", "  shopstack:functionMemoryMb: lots\n", "functionMemoryMb"},
		{"unknown environment", "", "environment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644))
			env := "dev"
			if tc.key == "environment" {
				env = "qa"
			}
			stackFile := "config:\n  shopstack:environment: " + env + "\n" + tc.config
			require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(stackFile), 0o644))

			for _, args := range [][]string{{"-root", dir, "-stack", "dev"}, {"-root", dir, "-stack", "dev", "-json"}} {
				code, stdout, stderr := runPlan(t, args...)
				assert.Equal(t, 1, code, "exit status")
				assert.Contains(t, stderr, tc.key, "stderr names the key")
				assert.NotContains(t, stdout, "aws:", "nothing planned")
			}
		})
	}

	t.Run("unknown stack", func(t *testing.T) {
		code, _, stderr := runPlan(t, "-root", root, "-stack", "nosuchstack")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "Pulumi.nosuchstack.yaml")
	})
}

var verdictLine = regexp.MustCompile(`(?m)^policies: (\d+) mandatory, (\d+) advisory$`)

// TestPlanProd checks what a reader of `make plan STACK=prod` relies on: every region, the
// counter's role, log group and function in each, the outputs and the policy verdict line.
func TestPlanProd(t *testing.T) {
	code, out, stderr := runPlan(t, "-root", root, "-stack", "prod")
	_, stackConfig, err := engine.LoadConfig(root, "prod")
	require.NoError(t, err)
	cfg, err := engine.ProgramConfig(stackConfig)
	require.NoError(t, err)
	var regions []string
	require.NoError(t, json.Unmarshal([]byte(cfg["shopstack:regions"]), &regions))
	require.NotEmpty(t, regions)
	for _, region := range regions {
		assert.Regexp(t, `(?m)^region `+regexp.QuoteMeta(region)+`: \d+ resources, [1-9]\d* alarms$`, out, "each region with its alarm count")
		for _, line := range []string{
			"aws:iam/role:Role " + region + "-counter-role (Function " + region + "-counter)",
			"aws:cloudwatch/logGroup:LogGroup " + region + "-counter-logs (Function " + region + "-counter)",
			"aws:lambda/function:Function " + region + "-counter (Function " + region + "-counter)",
		} {
			assert.Contains(t, out, "    "+line+"\n")
		}
	}
	assert.Contains(t, out, "regions: "+strings.Join(slices.Sorted(slices.Values(regions)), ", ")+"\n")
	assert.Contains(t, out, "  counterFunctionName = shopstack-prod-counter\n")

	m := verdictLine.FindStringSubmatch(out)
	require.NotNil(t, m, "policy verdict line")
	if m[1] != "0" {
		assert.Equal(t, 1, code, "a mandatory violation fails the plan")
		assert.Contains(t, stderr, "mandatory policy")
	} else {
		assert.Equal(t, 0, code, stderr)
	}
}

// TestBuildProgressIsShown: a first `make plan` spends minutes building the functions, so each
// function is reported on the plan's stderr as it is built or found cached, as it happens. (The
// program's own ephemeral message of the same is tests/plan_test.go's.)
func TestBuildProgressIsShown(t *testing.T) {
	builder, err := lambdabuild.New(root, lambdabuild.Lambda)
	require.NoError(t, err)
	names, err := builder.Functions(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, names)

	r := planJSON(t)
	require.Equal(t, 0, r.code, r.stderr)
	for _, name := range names {
		assert.Regexp(t, `(?m)^plan: function `+name+`: (built|cached) \(`, r.stderr)
	}
}
