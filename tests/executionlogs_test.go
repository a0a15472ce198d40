package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/stacks"
)

// TestExecutionLogGroupDeclared: execution logging (MethodSettings loggingLevel ERROR) makes API
// Gateway write to API-Gateway-Execution-Logs_{restApiId}/{stageName}, creating that group with
// no retention if it does not exist (AWS, "Set up CloudWatch logging for REST APIs in API
// Gateway"). The stack declares it, with the stack's retention and the tags of the access log
// group, before the method settings switch logging on.
func TestExecutionLogGroupDeclared(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		for _, region := range s.regions(t) {
			api, err := s.graph.Named(restAPIType, region+"-api")
			require.NoError(t, err)
			restAPI, _ := apiChildren(t, s.graph, api)
			want := "API-Gateway-Execution-Logs_" + restAPI.State["id"].(string) + "/" + stacks.StageName
			var found []string
			for _, g := range s.graph.OfType(logGroupType) {
				if g.Inputs["name"] != want {
					continue
				}
				found = append(found, g.URN)
				assert.Equal(t, region, g.Region)
				assert.Equal(t, float64(s.configInt(t, "logRetentionDays")), g.Inputs["retentionInDays"], "%s keeps logs as long as the other groups", want)
				access, err := s.graph.Named(logGroupType, region+"-api-access-logs")
				require.NoError(t, err)
				assert.Equal(t, access.Inputs["tags"], g.Inputs["tags"], "tagged like the access log group")
				assert.Equal(t, access.Inputs["kmsKeyId"], g.Inputs["kmsKeyId"], "encrypted like the access log group")
				for _, m := range s.graph.OfType("aws:apigateway/methodSettings:MethodSettings") {
					if m.Region == region {
						assert.Contains(t, m.DependsOn, g.URN, "the group exists before logging is switched on")
					}
				}
			}
			assert.Len(t, found, 1, "%s declares %s", region, want)
		}
	})
}
