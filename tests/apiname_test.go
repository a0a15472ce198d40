package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPINameCarriesTheStack: API Gateway keys its metrics by ApiName (and Stage), so two stacks in
// one account and region whose REST APIs share a name share their 5XX and latency metrics, and
// each stack's alarms would fire on the other's traffic. Every REST API's name carries its stack,
// and the alarms and the dashboard of its region read that name.
func TestAPINameCarriesTheStack(t *testing.T) {
	names := map[string]string{} // API name → stack/region
	forEachStack(t, func(t *testing.T, s stackRun) {
		for _, region := range s.regions(t) {
			api, err := s.graph.Named(restAPIType, region+"-api")
			require.NoError(t, err)
			restAPI, _ := apiChildren(t, s.graph, api)
			name, _ := restAPI.Inputs["name"].(string)
			assert.Contains(t, name, s.name, "%s: the REST API's name %q carries the stack", region, name)
			if other, seen := names[region+"/"+name]; seen {
				t.Errorf("%s/%s: REST API name %q is also %s's", s.name, region, name, other)
			}
			names[region+"/"+name] = s.name + "/" + region

			watched := 0
			for _, a := range s.graph.OfType(alarmType) {
				if a.Region != region || a.Inputs["namespace"] != "AWS/ApiGateway" {
					continue
				}
				watched++
				dims, _ := a.Inputs["dimensions"].(map[string]any)
				assert.Equal(t, name, dims["ApiName"], "alarm %s watches this stack's API", a.Name)
			}
			assert.Positive(t, watched, "%s has API alarms", region)
			for _, d := range s.graph.OfType("aws:cloudwatch/dashboard:Dashboard") {
				if d.Region == region {
					body, _ := d.Inputs["dashboardBody"].(string)
					assert.True(t, strings.Contains(body, `"ApiName","`+name+`"`), "dashboard %s charts this stack's API", d.Name)
				}
			}
		}
	})
}
