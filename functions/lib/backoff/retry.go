// Package backoff holds what the functions' retry loops share: a jittered delay and a sleep that
// ends early when the invocation's context does.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Jitter returns a delay drawn evenly from [d/2, d): retries of many callers spread out rather than
// arriving together.
func Jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2)
}

// Sleep waits d, or returns ctx's error as soon as ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
