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
	// Supersedes are the ids of events this one makes moot (an order's OrderPlaced, once it
	// is cancelled): should one arrive later — queues do not keep order, and a parked event
	// is republished late — it is not notified.
	Supersedes []string
}

// ErrNotMarkedDone is returned for an event that was notified but that the ledger could not
// mark done (its table unreachable, the invocation's time up): delivering the message again
// would only notify it a second time once the claim expires, so it must not be retried.
var ErrNotMarkedDone = errors.New("notified, but not marked done in the ledger")

// Claim is what a ledger answers to a claim.
type Claim int

const (
	Claimed  Claim = iota // the caller now handles the event
	Done                  // the event was handled before
	InFlight              // another invocation holds an unexpired claim on it
)

// ErrInFlight is returned for an event another invocation is handling: the message must be
// retried later, not dropped, since that invocation may yet fail.
var ErrInFlight = errors.New("event is being handled by another invocation")

// Ledger remembers which events a consumer has handled.
type Ledger interface {
	// Claim records that key is being handled until until, unless it is done or claimed by an
	// invocation whose claim has not expired.
	Claim(ctx context.Context, key string, until time.Time) (Claim, error)
	// Done records that key was handled; later claims of it return false until it expires.
	Done(ctx context.Context, key string) error
	// Supersede records key as done unless it is done or claimed by an invocation whose claim
	// has not expired, so a later claim of it finds it done.
	Supersede(ctx context.Context, key string) error
}

// Notifier delivers a message to a topic.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// Render turns an event into the consumer's message; ok is false for an event the consumer ignores.
type Render func(Event) (m Message, ok bool, err error)

// Consumer handles each event at most once: it claims the event id in the ledger with a
// conditional write, notifies, then marks the id done. A later delivery of the same event finds
// it done and does nothing; one that arrives while another invocation holds the claim fails with
// ErrInFlight, so SQS delivers it again rather than losing it if the holder fails. A claim that was
// never marked done (the invocation failed or timed out) expires at the invocation's deadline, so
// a retry can handle the event again. The one window for a second notification is a crash between
// the notification and marking it done.
//
// Handling is insensitive to the order events arrive in: an event whose message supersedes
// others (OrderCancelled supersedes its order's OrderPlaced) marks them done before it
// notifies, so one that arrives later is dropped as a duplicate. Only one already in flight
// at that moment is still notified.
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
	Duplicate                // the event was handled before
	Ignored                  // the consumer does not handle events of this type
)

// Handle processes one event; until is when the current invocation ends. Errors are *ErrInvalid
// for an event the consumer cannot render, ErrInFlight, ErrNotMarkedDone (with Notified), or
// the ledger's or notifier's errors.
func (c *Consumer) Handle(ctx context.Context, ev Event, until time.Time) (Outcome, error) {
	m, ok, err := c.Render(ev)
	if err != nil {
		return 0, err
	}
	if !ok {
		return Ignored, nil
	}
	key := c.Name + "#" + ev.ID()
	claim, err := c.Ledger.Claim(ctx, key, until)
	if err != nil {
		return 0, fmt.Errorf("%s: claim %s: %w", c.Name, key, err)
	}
	switch claim {
	case Done:
		return Duplicate, nil
	case InFlight:
		return 0, fmt.Errorf("%s: %s: %w", c.Name, key, ErrInFlight)
	}
	for _, id := range m.Supersedes {
		if err := c.Ledger.Supersede(ctx, c.Name+"#"+id); err != nil {
			return 0, fmt.Errorf("%s: %s supersedes %s: %w", c.Name, key, id, err)
		}
	}
	if err := c.Notifier.Notify(ctx, m); err != nil {
		return 0, fmt.Errorf("%s: notify %s: %w", c.Name, key, err)
	}
	if err := c.Ledger.Done(ctx, key); err != nil {
		return Notified, fmt.Errorf("%s: mark %s done: %w: %w", c.Name, key, ErrNotMarkedDone, err)
	}
	return Notified, nil
}

// IsInvalid reports whether err says the event itself is bad.
func IsInvalid(err error) bool {
	var inv *ErrInvalid
	return errors.As(err, &inv)
}
