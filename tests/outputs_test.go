package tests

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contractKeys are the stack outputs frontend teams read with `pulumi stack output --json`, as the
// README documents them. Written out here: renaming or dropping a key in the code fails this test.
var contractKeys = []string{
	"apiUrl", "apiUrls", "counterFunctionArn", "counterFunctionName",
	"region", "userPoolClientId", "userPoolId", "userPoolRegion", "writerRegion",
}

func TestOutputsContract(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		out := s.graph.Outputs
		// replicaTables is the stack's record of its replicas (stacks/replicas.go), not the contract.
		assert.Equal(t, slices.Sorted(slices.Values(append(slices.Clone(contractKeys), "replicaTables"))), slices.Sorted(maps.Keys(out)), "exact key set")
		regions := s.regions(t)
		writer := regions[0]
		assert.Equal(t, writer, out["region"])
		assert.Equal(t, writer, out["writerRegion"])

		urls, ok := out["apiUrls"].(map[string]any)
		require.True(t, ok, "apiUrls is a map")
		assert.Equal(t, slices.Sorted(slices.Values(regions)), slices.Sorted(maps.Keys(urls)), "one API URL per region")
		for _, region := range regions {
			api, err := s.graph.Named(restAPIType, region+"-api")
			require.NoError(t, err)
			assert.Equal(t, api.State["url"], urls[region])
		}
		var domain struct{ Name string }
		require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:domain"]), &domain))
		if domain.Name != "" {
			assert.Equal(t, "https://"+domain.Name+"/", out["apiUrl"], "one name in front of every region")
		} else {
			assert.Equal(t, urls[writer], out["apiUrl"], "without a domain, the writer region's API")
		}

		pool, err := s.graph.Named("aws:cognito/userPool:UserPool", "identity-users")
		require.NoError(t, err)
		client, err := s.graph.Named("aws:cognito/userPoolClient:UserPoolClient", "identity-client")
		require.NoError(t, err)
		assert.Equal(t, pool.State["id"], out["userPoolId"])
		assert.Equal(t, client.State["id"], out["userPoolClientId"])
		assert.Equal(t, pool.Region, out["userPoolRegion"], "the region of the pool's provider")
		counter, err := s.graph.Named(lambdaType, writer+"-counter")
		require.NoError(t, err)
		assert.Equal(t, counter.State["name"], out["counterFunctionName"])
		assert.Equal(t, counter.State["arn"], out["counterFunctionArn"])
	})
}

// TestOutputsUserPoolRegionAfterFailover: once the writer region moves, region follows it but the
// user pool stays in the identity region, and userPoolRegion says where to sign in.
func TestOutputsUserPoolRegionAfterFailover(t *testing.T) {
	before := map[string]any{"shopstack:regions": []string{"us-east-1", "us-west-2", "eu-west-1"}}
	after := map[string]any{"shopstack:regions": []string{"us-west-2", "us-east-1", "eu-west-1"}}
	up, preview := scenario(t, "prod", before, after)
	require.Equal(t, "us-east-1", up.Graph.Outputs["userPoolRegion"])
	assert.Equal(t, "us-west-2", preview.Graph.Outputs["region"], "the writer moved")
	assert.Equal(t, "us-east-1", preview.Graph.Outputs["userPoolRegion"], "the pool did not")
	pool, err := preview.Graph.Named("aws:cognito/userPool:UserPool", "identity-users")
	require.NoError(t, err)
	assert.Equal(t, pool.Region, preview.Graph.Outputs["userPoolRegion"])
}
