package tests

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/localinvoke"
	"shopstack/lambdabuild"
)

// TestCounterBinaryThroughRuntimeAPI builds the counter for this machine and invokes the binary
// through the Lambda Runtime Interface Emulator, as `aws lambda invoke` invokes the deployed one.
func TestCounterBinaryThroughRuntimeAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	builder, err := lambdabuild.New(root, lambdabuild.Host)
	require.NoError(t, err)
	art, err := builder.Build(ctx, "counter")
	require.NoError(t, err)
	rie, err := localinvoke.RIEPath(ctx, builder.Root)
	require.NoError(t, err)
	emu, err := localinvoke.Start(ctx, rie, art.Binary, nil)
	require.NoError(t, err)
	defer emu.Stop()

	tests := []struct {
		payload   string
		want      string
		wantError string
	}{
		{payload: `{"number": 10}`, want: "11"},
		{payload: `{"number": -10}`, want: "-9"},
		{payload: `{"number": 10.5}`, wantError: "InvalidPayloadError"},
		{payload: `{"count": 1}`, wantError: "InvalidPayloadError"},
		// Non-JSON never reaches the handler: the runtime's decoder rejects it (the Lambda service
		// itself refuses such a payload before invoking).
		{payload: `not json`, wantError: "SyntaxError"},
		{payload: `{"number": 9223372036854775807}`, wantError: "InvalidPayloadError"},
	}
	for _, tt := range tests {
		t.Run(tt.payload, func(t *testing.T) {
			got, err := emu.Invoke(ctx, []byte(tt.payload))
			if tt.wantError != "" {
				var fnErr *localinvoke.FunctionError
				require.True(t, errors.As(err, &fnErr), "want a function error, got %v (result %s)", err, got)
				assert.Equal(t, tt.wantError, fnErr.Type)
				return
			}
			require.NoError(t, err, emu.Logs())
			assert.Equal(t, tt.want, string(got))
		})
	}
}

// TestServiceBinaryAnswersThroughRuntimeAPI invokes the built catalog binary with API Gateway
// events: the CORS preflight and a bad request are answered without touching DynamoDB, as the
// deployed function answers them.
func TestServiceBinaryAnswersThroughRuntimeAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	builder, err := lambdabuild.New(root, lambdabuild.Host)
	require.NoError(t, err)
	art, err := builder.Build(ctx, "catalog")
	require.NoError(t, err)
	rie, err := localinvoke.RIEPath(ctx, builder.Root)
	require.NoError(t, err)
	emu, err := localinvoke.Start(ctx, rie, art.Binary, []string{
		"PRODUCTS_TABLE=shopstack-dev-products", "WRITER_REGION=us-east-1", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=none", "AWS_SECRET_ACCESS_KEY=none", "ALLOWED_ORIGINS=https://shop.example.com",
	})
	require.NoError(t, err)
	defer emu.Stop()

	invoke := func(event map[string]any) map[string]any {
		t.Helper()
		payload, err := json.Marshal(event)
		require.NoError(t, err)
		out, err := emu.Invoke(ctx, payload)
		require.NoError(t, err, emu.Logs())
		var resp map[string]any
		require.NoError(t, json.Unmarshal(out, &resp), "%s", out)
		return resp
	}
	preflight := invoke(map[string]any{
		"resource": "/products", "path": "/products", "httpMethod": "OPTIONS",
		"headers": map[string]string{"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"},
	})
	assert.Equal(t, float64(204), preflight["statusCode"])
	headers := preflight["headers"].(map[string]any)
	assert.Equal(t, "https://shop.example.com", headers["Access-Control-Allow-Origin"])
	assert.Contains(t, headers["Access-Control-Allow-Methods"], "POST")

	bad := invoke(map[string]any{
		"resource": "/products", "path": "/products", "httpMethod": "GET",
		"queryStringParameters": map[string]string{"limit": "many"},
		"headers":               map[string]string{"Origin": "https://evil.example.com"},
	})
	assert.Equal(t, float64(400), bad["statusCode"])
	var body struct {
		Error struct{ Code, Message string }
	}
	require.NoError(t, json.Unmarshal([]byte(bad["body"].(string)), &body))
	assert.Equal(t, "invalid", body.Error.Code)
	assert.NotContains(t, bad["headers"], "Access-Control-Allow-Origin", "an origin not in the list gets no CORS grant")
}
