package pipeline

import (
	"strconv"
	"time"
)

// OrderImage is an order as a change saw it: nil before it existed or after it was deleted.
type OrderImage struct {
	ID        string
	OwnerID   string
	Status    string
	Lines     []Line
	Total     Amount
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ProductImage is the part of a product the pipeline watches.
type ProductImage struct {
	ID                string
	Name              string
	Stock             int
	LowStockThreshold int
	UpdatedAt         time.Time
}

// Order statuses the pipeline reacts to (package shop owns the state machine).
const (
	statusPlaced    = "placed"
	statusCancelled = "cancelled"
)

// OrderEvents returns the events one change of an order means: OrderPlaced when a placed order
// appears, OrderCancelled when an order becomes cancelled. Other changes mean nothing.
func OrderEvents(old, new *OrderImage) []Event {
	if new == nil {
		return nil
	}
	switch {
	case old == nil && new.Status == statusPlaced:
		return []Event{{Type: TypeOrderPlaced, Detail: &OrderPlaced{
			EventID: placedEventID(new.ID), OrderID: new.ID, CustomerID: new.OwnerID,
			Lines: new.Lines, Total: new.Total, PlacedAt: new.CreatedAt,
		}}}
	case new.Status == statusCancelled && (old == nil || old.Status != statusCancelled):
		return []Event{{Type: TypeOrderCancelled, Detail: &OrderCancelled{
			EventID: eventID(TypeOrderCancelled, new.ID), OrderID: new.ID, CustomerID: new.OwnerID,
			Total: new.Total, CancelledAt: new.UpdatedAt,
		}}}
	}
	return nil
}

// placedEventID is the id of an order's OrderPlaced: one per order.
func placedEventID(orderID string) string { return eventID(TypeOrderPlaced, orderID) }

// low reports whether a product is below its threshold; a threshold of 0 never is.
func (p *ProductImage) low() bool { return p.Stock < p.LowStockThreshold }

// ProductEvents returns StockLow when the change takes the product from at or above its threshold
// to below it. A sale that leaves it below, a restock, or a product created low mean nothing, so
// the alert fires once per crossing. The id comes from the new image (product, stock, update
// time): retries and replays of the same write give the same id, a later crossing a new one.
func ProductEvents(old, new *ProductImage) []Event {
	if old == nil || new == nil || old.low() || !new.low() {
		return nil
	}
	at := new.UpdatedAt.UTC().Format(time.RFC3339Nano)
	return []Event{{Type: TypeStockLow, Detail: &StockLow{
		EventID:   eventID(TypeStockLow, new.ID, strconv.Itoa(new.Stock), at),
		ProductID: new.ID, Name: new.Name, Stock: new.Stock, Threshold: new.LowStockThreshold, At: new.UpdatedAt,
	}}}
}
