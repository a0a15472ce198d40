package shop

import (
	"context"
	"errors"
)

// healthProbeID is a product id no product has: reading it costs one eventually consistent read
// and proves the table answers.
const healthProbeID = "health-probe"

// Health answers whether this region can serve: its table copy answers a read.
type Health struct {
	products ProductStore
}

// NewHealth returns the health service.
func NewHealth(products ProductStore) *Health { return &Health{products: products} }

// Check returns nil when the local table answers, and EUNAVAILABLE otherwise.
func (h *Health) Check(ctx context.Context) error {
	_, err := h.products.Product(ctx, healthProbeID, Eventual)
	if err == nil || ErrorCode(err) == ENOTFOUND {
		return nil
	}
	return errors.Join(Errorf(EUNAVAILABLE, "the region's table does not answer"), err)
}
