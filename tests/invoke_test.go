package tests

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/functions/build"
	"shopstack/functions/localinvoke"
)

// TestCounterBinaryThroughRuntimeAPI builds the counter for this machine and invokes the binary
// through the Lambda Runtime Interface Emulator, as `aws lambda invoke` invokes the deployed one.
func TestCounterBinaryThroughRuntimeAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	builder, err := build.New(root, build.Host)
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
