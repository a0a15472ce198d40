package pipeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestProductEvents(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	p := func(stock, threshold int) *ProductImage {
		return &ProductImage{ID: "p1", Name: "Teapot", Stock: stock, LowStockThreshold: threshold, UpdatedAt: at}
	}
	for _, c := range []struct {
		name     string
		old, new *ProductImage
		want     bool
	}{
		{"crosses below", p(5, 5), p(4, 5), true},
		{"crosses from far above to zero", p(100, 5), p(0, 5), true},
		{"stays above", p(10, 5), p(5, 5), false},
		{"stays below", p(4, 5), p(3, 5), false},
		{"restocked", p(3, 5), p(30, 5), false},
		{"threshold raised above the stock", p(4, 3), p(4, 5), true},
		{"threshold zero never alerts", p(1, 0), p(0, 0), false},
		{"created low", nil, p(1, 5), false},
		{"deleted", p(10, 5), nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ProductEvents(c.old, c.new)
			if !c.want {
				assert.Empty(t, got)
				return
			}
			if assert.Len(t, got, 1) {
				assert.Equal(t, TypeStockLow, got[0].Type)
				assert.Equal(t, &StockLow{EventID: got[0].ID(), ProductID: "p1", Name: "Teapot", Stock: c.new.Stock, Threshold: 5, At: at}, got[0].Detail)
				assert.Len(t, got[0].ID(), 32)
				assert.Equal(t, got[0].ID(), ProductEvents(c.old, c.new)[0].ID(), "deterministic")
			}
		})
	}
}

func TestOrderEvents(t *testing.T) {
	o := func(status string) *OrderImage { return &OrderImage{ID: "o1", OwnerID: "alice", Status: status} }
	for _, c := range []struct {
		name     string
		old, new *OrderImage
		want     string
	}{
		{"placed", nil, o("placed"), TypeOrderPlaced},
		{"cancelled", o("placed"), o("cancelled"), TypeOrderCancelled},
		{"shipped", o("placed"), o("shipped"), ""},
		{"cancelled order touched again", o("cancelled"), o("cancelled"), ""},
		{"deleted", o("placed"), nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := OrderEvents(c.old, c.new)
			if c.want == "" {
				assert.Empty(t, got)
				return
			}
			if assert.Len(t, got, 1) {
				assert.Equal(t, c.want, got[0].Type)
				assert.Equal(t, eventID(c.want, "o1"), got[0].ID())
			}
		})
	}
	assert.NotEqual(t, OrderEvents(nil, o("placed"))[0].ID(), OrderEvents(o("placed"), o("cancelled"))[0].ID())
}

func FuzzDecode(f *testing.F) {
	f.Add(TypeOrderPlaced, `{"eventId":"x","orderId":"o","lines":[{"quantity":1}]}`)
	f.Add(TypeStockLow, `{"eventId":"","stock":"4"}`)
	f.Fuzz(func(t *testing.T, typ, detail string) {
		ev, err := Decode(typ, []byte(detail))
		if err != nil {
			if !IsInvalid(err) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if ev.ID() == "" || ev.Type != typ {
			t.Fatalf("decoded %+v", ev)
		}
	})
}
