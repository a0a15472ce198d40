package store

import (
	"errors"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"shopstack/functions/lib/backoff"
)

// The retry policy of every DynamoDB call the functions make, in one place. It is set for a
// function with a 10 s timeout (Pulumi.yaml, shopstack:functionTimeoutSeconds) behind API
// Gateway's 29 s integration limit: a request's retries must end well inside the function's
// deadline, so that the handler still answers (503/504 with Retry-After, api.Handler) and the
// client, not the function, waits out a longer outage.
//
//   - SDK retries (throttling, 5xx, connection errors, an answer reset or cut mid-body): MaxAttempts attempts,
//     full-jitter exponential backoff from BaseDelay (1 s for throttling errors, fixed by the
//     SDK), each wait capped at MaxBackoff. One call waits at most (MaxAttempts-1) × MaxBackoff
//     = 2 s between attempts. The SDK's default cap is 20 s, longer than the whole function.
//   - The SDK's retry quota stays on (500 tokens per client; a retry costs 14, a throttled
//     one 5; successes pay back): when DynamoDB fails for everyone, a container stops retrying
//     after a few dozen failed calls and fails fast, instead of multiplying the load (no retry
//     storm).
//   - Transactions cancelled only by TransactionConflict (another transaction on the same
//     items) are not retried by the SDK; Orders.transact retries them TransactAttempts times with
//     backoff (backoff): at most 2.3 s of waiting in all.
//   - Everything is also bounded by the request's context: api.Handler derives it from the
//     Lambda deadline, keeping back time to answer.
const (
	MaxAttempts      = 3
	BaseDelay        = 25 * time.Millisecond
	MaxBackoff       = time.Second
	TransactAttempts = 12
)

// Retryer returns the SDK retryer of the policy above; each client gets its own, and with it
// its own retry quota.
func Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.BaseDelay = BaseDelay
		o.MaxBackoff = MaxBackoff
		o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(cutAnswer))
	})
}

// cutAnswer retries an answer cut off mid-body, which the SDK reports as a deserialization
// error it does not retry by itself. A write whose answer was cut may have been carried out:
// the retried transaction carries the same ClientRequestToken, and CreateProduct recognises
// its own item.
func cutAnswer(err error) aws.Ternary {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// WithRetryPolicy is the dynamodb.Options function that applies the policy; every DynamoDB
// client of the functions, the local platform and the tests is built with it.
func WithRetryPolicy(o *dynamodb.Options) {
	o.Retryer = Retryer()
	o.RetryMaxAttempts = 0 // the retryer's, not an override from the environment
}

// retryDelay returns a jittered exponential delay for retry attempt n (n >= 1).
func retryDelay(n int) time.Duration {
	d := 5 * time.Millisecond << min(n, 6)
	return backoff.Jitter(d)
}
