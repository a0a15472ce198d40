package backoff

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestJitterStaysInItsHalf(t *testing.T) {
	for range 1000 {
		d := Jitter(100 * time.Millisecond)
		assert.GreaterOrEqual(t, d, 50*time.Millisecond)
		assert.Less(t, d, 100*time.Millisecond)
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, Sleep(ctx, time.Hour), context.Canceled)
	assert.NoError(t, Sleep(context.Background(), time.Millisecond))
}
