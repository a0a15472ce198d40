// Package shop is the commerce domain: products, carts, orders and the rules between them.
// It is plain Go: it knows nothing of Lambda events or DynamoDB, and talks to storage
// through the ports declared in ports.go.
package shop

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP adapter maps each to one status in a single table.
const (
	EINVALID       = "invalid"       // the request is malformed or breaks a validation rule
	EUNAUTHORIZED  = "unauthorized"  // no identity on a route that needs one
	EFORBIDDEN     = "forbidden"     // an identity without the right to act
	ENOTFOUND      = "not_found"     // no such resource, or not the caller's
	ECONFLICT      = "conflict"      // the resource's state forbids the change
	EOUTOFSTOCK    = "out_of_stock"  // not enough stock for one or more products
	EUNPROCESSABLE = "unprocessable" // well-formed, but cannot be carried out as asked
	EUNAVAILABLE   = "unavailable"   // a dependency is throttling, down or cut the answer off; retry later
	ETIMEOUT       = "timeout"       // the request's time ran out before a dependency answered; retry later
	EINTERNAL      = "internal"      // a bug or an unexpected dependency failure
)

// Error is a domain error: Code is stable for programs, Message is written for the
// developer who sent the request. Err, when set, is the cause kept for logs only.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrStale reports that a conditional write lost a race with another writer: the
// data it was based on changed. Services re-read and try again when they see it.
var ErrStale = &Error{Code: ECONFLICT, Message: "the resource was changed by another request; retry"}

// ErrKeyInProgress reports that a checkout's Idempotency-Key is already held by another
// checkout whose order cannot be read (yet): the caller retries and then gets that order.
var ErrKeyInProgress = &Error{Code: ECONFLICT, Message: "a checkout with this Idempotency-Key is in progress; retry shortly"}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil and
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-facing message of err; errors that are not an
// *Error are internal and never show their text.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
