package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Message is what a consumer publishes for an event.
type Message struct {
	Subject    string
	Body       string
	Attributes map[string]string // for subscription filter policies
}

// Ledger remembers which events a consumer has handled.
type Ledger interface {
	// Claim records that key is being handled until until. It returns false, and no error, when
	// the key is already done, or claimed by an invocation whose claim has not expired.
	Claim(ctx context.Context, key string, until time.Time) (bool, error)
	// Done records that key was handled; later claims of it return false until it expires.
	Done(ctx context.Context, key string) error
}

// Notifier delivers a message to a topic.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// Render turns an event into the consumer's message; ok is false for an event the consumer ignores.
type Render func(Event) (m Message, ok bool, err error)

// Consumer handles each event at most once: it claims the event id in the ledger with a
// conditional write, notifies, then marks the id done. A second delivery of the same event finds
// the claim and does nothing. A claim that was never marked done (the invocation failed or timed
// out) expires at the invocation's deadline, so a retry can handle the event again.
type Consumer struct {
	Name     string // scopes ledger keys, so consumers sharing a ledger never collide
	Ledger   Ledger
	Notifier Notifier
	Render   Render
}

// Outcome says what Handle did with an event.
type Outcome int

const (
	Notified  Outcome = iota // the event was handled now
	Duplicate                // the event was handled before, or is being handled
	Ignored                  // the consumer does not handle events of this type
)

// Handle processes one event; until is when the current invocation ends. Errors are *ErrInvalid
// for an event the consumer cannot render, or the ledger's or notifier's errors.
func (c *Consumer) Handle(ctx context.Context, ev Event, until time.Time) (Outcome, error) {
	m, ok, err := c.Render(ev)
	if err != nil {
		return 0, err
	}
	if !ok {
		return Ignored, nil
	}
	key := c.Name + "#" + ev.ID()
	claimed, err := c.Ledger.Claim(ctx, key, until)
	if err != nil {
		return 0, fmt.Errorf("%s: claim %s: %w", c.Name, key, err)
	}
	if !claimed {
		return Duplicate, nil
	}
	if err := c.Notifier.Notify(ctx, m); err != nil {
		return 0, fmt.Errorf("%s: notify %s: %w", c.Name, key, err)
	}
	if err := c.Ledger.Done(ctx, key); err != nil {
		return 0, fmt.Errorf("%s: mark %s done: %w", c.Name, key, err)
	}
	return Notified, nil
}

// IsInvalid reports whether err says the event itself is bad.
func IsInvalid(err error) bool {
	var inv *ErrInvalid
	return errors.As(err, &inv)
}
