package capacity_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/capacity"
)

// TestCommittedFileRoundTrips: the one type reads the committed file and writes it back to the
// same bytes, so the measurement that writes it and the cost model that reads it agree on every
// field.
func TestCommittedFileRoundTrips(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", capacity.Path))
	require.NoError(t, err)
	r, err := capacity.Parse(data)
	require.NoError(t, err)
	require.NotEmpty(t, r.Routes)
	for _, m := range r.Routes {
		require.NotNil(t, m.DurationMs, "%s %s %s", m.Method, m.Path, m.Scenario)
	}
	out, err := r.Marshal()
	require.NoError(t, err)
	assert.Equal(t, string(data), string(out))
}

func TestParseNamesEveryProblem(t *testing.T) {
	for _, c := range []struct {
		name, data, want string
	}{
		{"unknown field", `{"source":"x","routes":[],"extra":1}`, `unknown field "extra"`},
		{"wrong function", `{"routes":[{"method":"GET","path":"/orders","function":"catalog"}]}`, "routes[0]: GET /orders is served by orders, not catalog"},
		{"negative units", `{"routes":[{"method":"GET","path":"/orders","function":"orders","readCapacityUnits":-1}]}`, "routes[0]: GET /orders: capacity units must not be negative"},
		{"zero duration", `{"routes":[{"method":"GET","path":"/orders","function":"orders","durationMs":0}]}`, "routes[0]: GET /orders: durationMs must be positive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := capacity.Parse([]byte(c.data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}

	r, err := capacity.Parse([]byte(`{"routes":[{"method":"GET","path":"/gone","function":"old"},{"method":"GET","path":"/orders","function":"orders"}]}`))
	require.NoError(t, err, "a route the table no longer has is kept, and durationMs may be absent")
	assert.Len(t, r.Routes, 2)
	assert.Nil(t, r.Routes[1].DurationMs)
}
