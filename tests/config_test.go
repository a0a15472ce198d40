package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"

	"shopstack/engine"
	"shopstack/functions/lib/consumer"
	"shopstack/stacks"
)

// TestInvalidConfigRegistersNothing: each bad value fails the program before any resource
// registers, with an error naming the key and what is allowed; the tools that read a stack's
// config without running the program (stacks.ParseConfig: make cost, make dev) refuse it alike.
func TestInvalidConfigRegistersNothing(t *testing.T) {
	project, base, err := engine.LoadConfig(root, "dev")
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
			wantErr: []string{"Stack 'dev' is missing configuration value 'shopstack:environment'"}},
		{name: "no regions", set: map[string]string{"shopstack:regions": `[]`},
			wantErr: []string{"shopstack:regions", "at least one region"}},
		{name: "unknown region", set: map[string]string{"shopstack:regions": `["us-east-1","mars-north-1"]`},
			wantErr: []string{"shopstack:regions", `"mars-north-1" is not a known AWS region`}},
		{name: "duplicate region", set: map[string]string{"shopstack:regions": `["us-east-1","eu-west-1","us-east-1"]`},
			wantErr: []string{"shopstack:regions", `"us-east-1" is listed twice`}},
		{name: "regions not a list", set: map[string]string{"shopstack:regions": `"us-east-1"`},
			wantErr: []string{"Stack 'dev' with configuration key 'shopstack:regions' must be of type 'array<string>'"}},
		{name: "retention not accepted by CloudWatch", set: map[string]string{"shopstack:logRetentionDays": "10"},
			wantErr: []string{"shopstack:logRetentionDays", "10 is not a CloudWatch retention", "1, 3, 5, 7, 14"}},
		{name: "retention not a number", set: map[string]string{"shopstack:logRetentionDays": "a week"},
			wantErr: []string{"Stack 'dev' with configuration key 'shopstack:logRetentionDays' must be of type 'integer'"}},
		{name: "memory too small", set: map[string]string{"shopstack:functionMemoryMb": "64"},
			wantErr: []string{"shopstack:functionMemoryMb", "128 to 10240"}},
		{name: "timeout beyond API Gateway", set: map[string]string{"shopstack:functionTimeoutSeconds": "60"},
			wantErr: []string{"shopstack:functionTimeoutSeconds", "1 to 29"}},
		{name: "protection not a boolean", set: map[string]string{"shopstack:deletionProtection": "yes"},
			wantErr: []string{"Stack 'dev' with configuration key 'shopstack:deletionProtection' must be of type 'boolean'"}},
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
		{name: "data region outside the regions", set: map[string]string{"shopstack:dataRegion": "eu-west-9"},
			wantErr: []string{"shopstack:dataRegion", `"eu-west-9" is not one of the regions`, "us-east-1"}},
		{name: "identity region outside the regions", set: map[string]string{"shopstack:identityRegion": "eu-west-1"},
			wantErr: []string{"shopstack:identityRegion", `"eu-west-1" is not one of the regions`}},
		{name: "archive outlives the consumers' ledger", set: map[string]string{"shopstack:eventArchiveRetentionDays": strconv.Itoa(int(consumer.Retention/(24*time.Hour)) + 1)},
			wantErr: []string{"shopstack:eventArchiveRetentionDays", "ledger"}},
		{name: "every problem at once", set: map[string]string{"shopstack:environment": "qa", "shopstack:functionMemoryMb": "1", "shopstack:regions": `[]`},
			wantErr: []string{"shopstack:environment", "shopstack:functionMemoryMb", "shopstack:regions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := withConfig(t, base, tt.set, tt.unset...)
			res, err := engine.Preview(context.Background(), engine.Options{Root: root, Stack: "dev", Config: cfg, NoPolicies: true})
			require.Error(t, err)
			for _, fragment := range tt.wantErr {
				assert.Contains(t, err.Error(), fragment)
			}
			if res != nil {
				assert.Empty(t, res.Graph.Resources, "nothing registers when config is invalid")
			}

			checked := cloneConfig(t, cfg)
			if engine.ValidateConfig("dev", project, checked) != nil {
				return // Pulumi's own type check refuses it before any reader of ours
			}
			values, err := engine.ProgramConfig(checked)
			require.NoError(t, err)
			_, err = stacks.ParseConfig(values)
			require.Error(t, err, "stacks.ParseConfig refuses what the program refuses")
			for _, fragment := range tt.wantErr {
				assert.Contains(t, err.Error(), fragment)
			}
		})
	}
}

// TestStackFilesAreValid: each Pulumi.<env>.yaml loads with Pulumi's own loader, type-checks
// against Pulumi.yaml and passes validation.
func TestStackFilesAreValid(t *testing.T) {
	names, err := engine.Stacks(root)
	require.NoError(t, err)
	assert.Equal(t, []string{"dev", "prod", "staging"}, names)
	for _, s := range allStacks(t) {
		assert.Equal(t, s.name, s.config["shopstack:environment"], "stack %s is the %s environment", s.name, s.name)
		assert.NotEmpty(t, s.graph.Resources)
	}
}

// withConfig is base with keys set (each raw value as a stack file would hold it: JSON where it
// parses as JSON, else a string) and keys removed.
func withConfig(t *testing.T, base config.Map, set map[string]string, unset ...string) config.Map {
	t.Helper()
	cfg := cloneConfig(t, base)
	for key, raw := range set {
		var v any = raw
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.UseNumber()
		var parsed any
		if err := dec.Decode(&parsed); err == nil && !dec.More() {
			v = parsed
			if n, ok := parsed.(json.Number); ok {
				if i, err := n.Int64(); err == nil {
					v = int(i)
				}
			}
		}
		require.NoError(t, engine.SetConfig(cfg, key, v))
	}
	for _, key := range unset {
		k, err := config.ParseKey(key)
		require.NoError(t, err)
		delete(cfg, k)
	}
	return cfg
}

// TestRequiredKeyMissingFailsWithPulumisMessage: a key Pulumi.yaml declares with a type and no
// default, omitted by a stack file, fails in Pulumi's own config check — before any program runs —
// with the CLI's message. (dev omitted shopstack:domain this way until Pulumi.yaml gave it a
// default.)
func TestRequiredKeyMissingFailsWithPulumisMessage(t *testing.T) {
	dir := t.TempDir()
	project, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644))
	stack, err := os.ReadFile(filepath.Join(root, "Pulumi.dev.yaml"))
	require.NoError(t, err)
	var kept []string
	for _, line := range strings.Split(string(stack), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "shopstack:environment:") {
			kept = append(kept, line)
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(strings.Join(kept, "\n")), 0o644))

	_, _, err = engine.LoadConfig(dir, "dev")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Stack 'dev' is missing configuration value 'shopstack:environment'")

	res, err := engine.Preview(context.Background(), engine.Options{Root: dir, Stack: "dev", NoPolicies: true})
	require.Error(t, err)
	assert.Nil(t, res, "the engine never starts the program")
	assert.Contains(t, err.Error(), "Stack 'dev' is missing configuration value 'shopstack:environment'")
}

// cloneConfig copies a stack's config so that a test can edit it.
func cloneConfig(t *testing.T, cfg config.Map) config.Map {
	t.Helper()
	out, err := cfg.Copy(config.NopDecrypter, config.NopEncrypter)
	require.NoError(t, err)
	return out
}
