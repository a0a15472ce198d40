package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	lambdaType     = "aws:lambda/function:Function"
	roleType       = "aws:iam/role:Role"
	rolePolicyType = "aws:iam/rolePolicy:RolePolicy"
	logGroupType   = "aws:cloudwatch/logGroup:LogGroup"
	functionType   = "shopstack:function:Function"
	regionType     = "shopstack:platform:Region"
)

// TestCounterFunction checks the counter in every region of every environment: its runtime and
// settings, and that its children hang under its component.
func TestCounterFunction(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		for _, region := range s.regions(t) {
			t.Run(region, func(t *testing.T) {
				g := s.graph
				component, err := g.Named(functionType, region+"-counter")
				require.NoError(t, err)
				regionComponent, err := g.Named(regionType, region)
				require.NoError(t, err)
				assert.Equal(t, regionComponent.URN, component.Parent, "the function component belongs to its region")

				fn, err := g.Named(lambdaType, region+"-counter")
				require.NoError(t, err)
				assert.Equal(t, region, fn.Region, "registered with the region's provider")
				assert.Equal(t, "aws-"+region, providerName(fn.Provider))
				assert.Equal(t, component.URN, fn.Parent)
				in := fn.Inputs
				assert.Equal(t, "shopstack-"+s.name+"-counter", in["name"])
				assert.Equal(t, "provided.al2023", in["runtime"])
				assert.Equal(t, []any{"arm64"}, in["architectures"])
				assert.Equal(t, "bootstrap", in["handler"])
				assert.Equal(t, map[string]any{"mode": "Active"}, in["tracingConfig"])
				assert.Equal(t, float64(s.configInt(t, "functionMemoryMb")), in["memorySize"])
				assert.Equal(t, float64(s.configInt(t, "functionTimeoutSeconds")), in["timeout"])
				code, ok := in["code"].(map[string]any)
				require.True(t, ok, "code is an archive")
				assert.Equal(t, "function.zip", code["archive"])
				assert.Len(t, code["sha256"], 64, "the archive was built")

				logs, err := g.Named(logGroupType, region+"-counter-logs")
				require.NoError(t, err)
				assert.Equal(t, component.URN, logs.Parent)
				assert.Equal(t, "/aws/lambda/shopstack-"+s.name+"-counter", logs.Inputs["name"])
				assert.Equal(t, float64(s.configInt(t, "logRetentionDays")), logs.Inputs["retentionInDays"])
				assert.Equal(t, map[string]any{"logFormat": "JSON", "logGroup": logs.Inputs["name"]}, in["loggingConfig"])

				role, err := g.Named(roleType, region+"-counter-role")
				require.NoError(t, err)
				assert.Equal(t, component.URN, role.Parent)
				assert.Equal(t, role.State["arn"], in["role"], "the function runs as its own role")
				assert.Equal(t, "environment", tagKey(in, "environment"))
			})
		}
	})
}

// TestCounterRoleIsLeastPrivilege: only Lambda may assume the role, and its one policy lets the
// function write its own log group and traces, nothing else.
func TestCounterRoleIsLeastPrivilege(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		for _, region := range s.regions(t) {
			g := s.graph
			role, err := g.Named(roleType, region+"-counter-role")
			require.NoError(t, err)
			trust := parsePolicy(t, role.Inputs["assumeRolePolicy"])
			require.Len(t, trust.Statement, 1)
			assert.Equal(t, "Allow", trust.Statement[0].Effect)
			assert.Equal(t, map[string]any{"Service": "lambda.amazonaws.com"}, trust.Statement[0].Principal)
			assert.Equal(t, "sts:AssumeRole", trust.Statement[0].Action)

			policies := g.Children(role.URN)
			require.Len(t, policies, 1, "the role has exactly one policy, parented to it")
			assert.Equal(t, rolePolicyType, policies[0].Type)
			logs, err := g.Named(logGroupType, region+"-counter-logs")
			require.NoError(t, err)
			doc := parsePolicy(t, policies[0].Inputs["policy"])
			got := map[string][2]any{}
			for _, st := range doc.Statement {
				assert.Equal(t, "Allow", st.Effect)
				got[st.Sid] = [2]any{st.Action, st.Resource}
			}
			assert.Equal(t, map[string][2]any{
				"WriteOwnLogs": {[]any{"logs:CreateLogStream", "logs:PutLogEvents"}, []any{logs.State["arn"].(string) + ":*"}},
				"WriteTraces":  {[]any{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, []any{"*"}},
			}, got)
			for _, r := range g.Resources {
				assert.NotContains(t, []string{"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment"}, r.Type,
					"no managed policy is attached to any role")
			}
		}
	})
}

func providerName(urn string) string {
	for i := len(urn) - 1; i > 0; i-- {
		if urn[i] == ':' && urn[i-1] == ':' {
			return urn[i+1:]
		}
	}
	return urn
}

// tagKey returns key if the resource's tags hold a non-empty value for it.
func tagKey(inputs map[string]any, key string) string {
	tags, _ := inputs["tags"].(map[string]any)
	if v, _ := tags[key].(string); v != "" {
		return key
	}
	return ""
}
