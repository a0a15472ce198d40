package load

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopbackURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:3001":   "http://127.0.0.1:3001/",
		"http://localhost:3001/":  "http://localhost:3001/",
		"http://[::1]:3001/v1":    "http://[::1]:3001/v1/",
		"https://example.com/v1/": "",
		"http://10.0.0.1:3001/":   "",
		"127.0.0.1:3001":          "",
		"":                        "",
	} {
		u, err := loopbackURL(raw)
		if want == "" {
			assert.Error(t, err, raw)
			continue
		}
		require.NoError(t, err, raw)
		assert.Equal(t, want, u.String())
	}
}
