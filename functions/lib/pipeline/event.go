// Package pipeline is the domain of the event pipeline: the events the shop publishes, how a
// change of an order or a product becomes events, and how a consumer handles an event once. It is
// plain Go: the publisher and the consumers translate stream records, EventBridge events and SQS
// messages at their edges.
package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"shopstack/contract"
)

// Source is the EventBridge source of every shop event.
const Source = contract.EventSource

// Event types, used as the EventBridge detail-type.
const (
	TypeOrderPlaced    = contract.EventOrderPlaced
	TypeOrderCancelled = contract.EventOrderCancelled
	TypeStockLow       = contract.EventStockLow
)

// Types lists every event type the publisher emits.
var Types = []string{TypeOrderPlaced, TypeOrderCancelled, TypeStockLow}

// Event is one domain event: its type and its detail, one of *OrderPlaced, *OrderCancelled or
// *StockLow.
type Event struct {
	Type   string
	Detail Detail
}

// Detail is the payload of an event. Every detail carries the event's deterministic id, so a
// consumer can recognise an event it already handled however often it is delivered.
type Detail interface {
	ID() string
}

// Amount is money in minor units, as in the shop's API.
type Amount struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Line is one product of an order.
type Line struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice Amount `json:"unitPrice"`
}

// OrderPlaced: a customer's checkout created an order.
type OrderPlaced struct {
	EventID    string    `json:"eventId"`
	OrderID    string    `json:"orderId"`
	CustomerID string    `json:"customerId"`
	Lines      []Line    `json:"lines"`
	Total      Amount    `json:"total"`
	PlacedAt   time.Time `json:"placedAt"`
}

// OrderCancelled: an order moved to cancelled and its stock went back on sale.
type OrderCancelled struct {
	EventID     string    `json:"eventId"`
	OrderID     string    `json:"orderId"`
	CustomerID  string    `json:"customerId"`
	Total       Amount    `json:"total"`
	CancelledAt time.Time `json:"cancelledAt"`
}

// StockLow: a product's stock fell below its low-stock threshold. It is emitted once per
// crossing, not for every sale below the threshold.
type StockLow struct {
	EventID   string    `json:"eventId"`
	ProductID string    `json:"productId"`
	Name      string    `json:"name"`
	Stock     int       `json:"stock"`
	Threshold int       `json:"lowStockThreshold"`
	At        time.Time `json:"at"`
}

func (d *OrderPlaced) ID() string    { return d.EventID }
func (d *OrderCancelled) ID() string { return d.EventID }
func (d *StockLow) ID() string       { return d.EventID }

// ID is the event's deterministic id.
func (e Event) ID() string { return e.Detail.ID() }

// eventID derives an id from the event type and the facts that make the event unique, so the
// same change yields the same id on every retry, replay and region.
func eventID(typ string, facts ...string) string {
	sum := sha256.Sum256([]byte(typ + "\x00" + strings.Join(facts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// ErrInvalid marks an event that cannot be decoded: retrying it cannot help.
type ErrInvalid struct{ Reason string }

func (e *ErrInvalid) Error() string { return "invalid event: " + e.Reason }

// Decode reads an event of the given type from its JSON detail. It returns *ErrInvalid for an
// unknown type, a malformed detail or a detail without an event id.
func Decode(typ string, detail []byte) (Event, error) {
	var d Detail
	switch typ {
	case TypeOrderPlaced:
		d = &OrderPlaced{}
	case TypeOrderCancelled:
		d = &OrderCancelled{}
	case TypeStockLow:
		d = &StockLow{}
	default:
		return Event{}, &ErrInvalid{Reason: fmt.Sprintf("unknown detail-type %q", typ)}
	}
	if err := json.Unmarshal(detail, d); err != nil {
		return Event{}, &ErrInvalid{Reason: fmt.Sprintf("%s detail: %v", typ, err)}
	}
	if d.ID() == "" {
		return Event{}, &ErrInvalid{Reason: typ + " detail has no eventId"}
	}
	return Event{Type: typ, Detail: d}, nil
}
