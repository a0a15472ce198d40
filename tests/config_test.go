package tests

import (
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/functions/consumer"
	"shopstack/stacks"
	"shopstack/tests/harness"
)

// TestInvalidConfigRegistersNothing: each bad value fails the program before any resource
// registers, with an error naming the key and what is allowed.
func TestInvalidConfigRegistersNothing(t *testing.T) {
	base, err := harness.LoadConfig(root, "dev")
	require.NoError(t, err)
	tests := []struct {
		name    string
		set     map[string]string
		unset   []string
		wantErr []string // every fragment must appear
	}{
		{name: "unknown environment", set: map[string]string{"shopstack:environment": "qa"},
			wantErr: []string{"shopstack:environment", `"qa" is not allowed`, "dev, staging, prod"}},
		{name: "missing environment", unset: []string{"shopstack:environment"},
			wantErr: []string{"shopstack:environment", "is required"}},
		{name: "no regions", set: map[string]string{"shopstack:regions": `[]`},
			wantErr: []string{"shopstack:regions", "at least one region"}},
		{name: "unknown region", set: map[string]string{"shopstack:regions": `["us-east-1","mars-north-1"]`},
			wantErr: []string{"shopstack:regions", `"mars-north-1" is not a known AWS region`}},
		{name: "duplicate region", set: map[string]string{"shopstack:regions": `["us-east-1","eu-west-1","us-east-1"]`},
			wantErr: []string{"shopstack:regions", `"us-east-1" is listed twice`}},
		{name: "regions not a list", set: map[string]string{"shopstack:regions": `"us-east-1"`},
			wantErr: []string{"shopstack:regions", "must be a list of strings"}},
		{name: "retention not accepted by CloudWatch", set: map[string]string{"shopstack:logRetentionDays": "10"},
			wantErr: []string{"shopstack:logRetentionDays", "10 is not a CloudWatch retention", "1, 3, 5, 7, 14"}},
		{name: "retention not a number", set: map[string]string{"shopstack:logRetentionDays": "a week"},
			wantErr: []string{"shopstack:logRetentionDays", "must be an integer"}},
		{name: "memory too small", set: map[string]string{"shopstack:functionMemoryMb": "64"},
			wantErr: []string{"shopstack:functionMemoryMb", "128 to 10240"}},
		{name: "timeout beyond API Gateway", set: map[string]string{"shopstack:functionTimeoutSeconds": "60"},
			wantErr: []string{"shopstack:functionTimeoutSeconds", "1 to 29"}},
		{name: "protection not a boolean", set: map[string]string{"shopstack:deletionProtection": "yes"},
			wantErr: []string{"shopstack:deletionProtection", "true or false"}},
		{name: "reserved tag", set: map[string]string{"shopstack:tags": `{"environment":"x"}`},
			wantErr: []string{"shopstack:tags", `key "environment" is set by shopstack`}},
		{name: "origin with a path", set: map[string]string{"shopstack:allowedOrigins": `["https://shop.example.com/app"]`},
			wantErr: []string{"shopstack:allowedOrigins", "is not an origin"}},
		{name: "plain http origin", set: map[string]string{"shopstack:allowedOrigins": `["http://shop.example.com"]`},
			wantErr: []string{"shopstack:allowedOrigins", "http only for localhost"}},
		{name: "zero rate limit", set: map[string]string{"shopstack:throttleRateLimit": "0"},
			wantErr: []string{"shopstack:throttleRateLimit", "positive"}},
		{name: "burst below rate", set: map[string]string{"shopstack:throttleRateLimit": "100", "shopstack:throttleBurstLimit": "50"},
			wantErr: []string{"shopstack:throttleBurstLimit", "at least throttleRateLimit"}},
		{name: "bad email", set: map[string]string{"shopstack:alarmEmails": `["oncall"]`},
			wantErr: []string{"shopstack:alarmEmails", `"oncall" is not an email address`}},
		{name: "negative threshold", set: map[string]string{"shopstack:alarmApiLatencyP99Ms": "-1"},
			wantErr: []string{"shopstack:alarmApiLatencyP99Ms", "positive"}},
		{name: "percent above 100", set: map[string]string{"shopstack:alarmDurationPercentOfTimeout": "150"},
			wantErr: []string{"shopstack:alarmDurationPercentOfTimeout", "1 to 100"}},
		{name: "domain not a hostname", set: map[string]string{"shopstack:domain": `{"name":"https://api.example.com","hostedZoneId":"Z0123456789ABC"}`},
			wantErr: []string{"shopstack:domain", "is not a hostname"}},
		{name: "domain zone id malformed", set: map[string]string{"shopstack:domain": `{"name":"api.example.com","hostedZoneId":"zone-1"}`},
			wantErr: []string{"shopstack:domain", "is not a Route 53 hosted zone id"}},
		{name: "domain without us-east-1", set: map[string]string{"shopstack:regions": `["eu-west-1"]`, "shopstack:domain": `{"name":"api.example.com","hostedZoneId":"Z0123456789ABC"}`},
			wantErr: []string{"shopstack:domain", "needs us-east-1 among the regions"}},
		{name: "waf limit too low", set: map[string]string{"shopstack:wafRateLimit": "5"},
			wantErr: []string{"shopstack:wafRateLimit", "10 to 2000000000"}},
		{name: "reserved concurrency for an unknown function", set: map[string]string{"shopstack:reservedConcurrency": `{"payments": 5}`},
			wantErr: []string{"shopstack:reservedConcurrency", `"payments" is not a function`}},
		{name: "reserved concurrency of zero", set: map[string]string{"shopstack:reservedConcurrency": `{"checkout": 0}`},
			wantErr: []string{"shopstack:reservedConcurrency", "must be at least 1"}},
		{name: "provisioned above reserved", set: map[string]string{"shopstack:reservedConcurrency": `{"checkout": 10}`, "shopstack:checkoutProvisionedConcurrency": `{"min": 2, "max": 20, "targetUtilization": 70}`},
			wantErr: []string{"shopstack:checkoutProvisionedConcurrency", "max 20 exceeds checkout's reserved concurrency 10"}},
		{name: "provisioned utilisation out of range", set: map[string]string{"shopstack:checkoutProvisionedConcurrency": `{"min": 1, "max": 2, "targetUtilization": 99}`},
			wantErr: []string{"shopstack:checkoutProvisionedConcurrency", "10 to 90"}},
		{name: "identity region outside the regions", set: map[string]string{"shopstack:identityRegion": "eu-west-1"},
			wantErr: []string{"shopstack:identityRegion", `"eu-west-1" is not one of the regions`}},
		{name: "archive outlives the consumers' ledger", set: map[string]string{"shopstack:eventArchiveRetentionDays": strconv.Itoa(int(consumer.Retention/(24*time.Hour)) + 1)},
			wantErr: []string{"shopstack:eventArchiveRetentionDays", "ledger"}},
		{name: "every problem at once", set: map[string]string{"shopstack:environment": "qa", "shopstack:functionMemoryMb": "1", "shopstack:regions": `[]`},
			wantErr: []string{"shopstack:environment", "shopstack:functionMemoryMb", "shopstack:regions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := maps.Clone(base)
			maps.Copy(cfg, tt.set)
			for _, k := range tt.unset {
				delete(cfg, k)
			}
			g, err := harness.Run("shopstack", "dev", cfg, stacks.Run)
			require.Error(t, err)
			for _, fragment := range tt.wantErr {
				assert.Contains(t, err.Error(), fragment)
			}
			assert.Empty(t, g.Resources, "nothing registers when config is invalid")
		})
	}
}

// TestStackFilesAreValid: each Pulumi.<env>.yaml loads with Pulumi's own loader, type-checks
// against Pulumi.yaml and passes validation.
func TestStackFilesAreValid(t *testing.T) {
	names, err := harness.Stacks(root)
	require.NoError(t, err)
	assert.Equal(t, []string{"dev", "prod", "staging"}, names)
	for _, s := range allStacks(t) {
		assert.Equal(t, s.name, s.config["shopstack:environment"], "stack %s is the %s environment", s.name, s.name)
		assert.NotEmpty(t, s.graph.Resources)
	}
}
