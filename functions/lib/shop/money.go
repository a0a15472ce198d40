package shop

import "fmt"

// MaxPrice bounds a unit price (in minor units); with MaxQuantity and MaxCartLines it
// keeps every total far inside int64.
const MaxPrice = 100_000_000

// Money is an amount in the currency's minor units (cents for EUR), never a float.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// validate checks a price: positive, bounded, with an ISO 4217 style currency code.
func (m Money) validate(field string) error {
	if !validCurrency(m.Currency) {
		return Errorf(EINVALID, "%s.currency must be a 3-letter upper-case ISO 4217 code such as \"EUR\"", field)
	}
	if m.Amount <= 0 || m.Amount > MaxPrice {
		return Errorf(EINVALID, "%s.amount must be an integer number of minor units between 1 and %d", field, MaxPrice)
	}
	return nil
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// times returns m multiplied by a quantity.
func (m Money) times(q int) Money { return Money{Amount: m.Amount * int64(q), Currency: m.Currency} }

// plus adds two amounts of the same currency; mixing currencies is a bug upstream.
func (m Money) plus(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("add %s to %s: currency mismatch", o.Currency, m.Currency)
	}
	return Money{Amount: m.Amount + o.Amount, Currency: m.Currency}, nil
}
