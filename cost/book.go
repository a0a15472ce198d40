package cost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// DefaultBookPath is the committed price book, relative to the project root.
const DefaultBookPath = "cost/prices.json"

// Book is the price book: one entry per priced dimension of a service. Free tiers are not applied:
// every price counts from the first unit.
type Book struct {
	Currency  string  `json:"currency"`
	FreeTiers string  `json:"freeTiers"`
	Entries   []Price `json:"entries"`
}

// Price is one priced dimension: USD per Per units of Unit in Region.
type Price struct {
	Service   string  `json:"service"`   // "DynamoDB"
	Dimension string  `json:"dimension"` // "read-request-units"
	Unit      string  `json:"unit"`      // "read request unit"
	Per       float64 `json:"per"`       // quantity the price is for: 1, 10000, 1000000
	USD       float64 `json:"usd"`
	Region    string  `json:"region"`         // an AWS region
	Source    string  `json:"source"`         // the pricing page
	Read      string  `json:"read"`           // date the figure was recorded, YYYY-MM-DD
	Basis     string  `json:"basis"`          // where the figure came from
	Note      string  `json:"note,omitempty"` // tiers or conditions
}

// ReferenceRegion is the region every dimension must be priced in. A resource in a region the book
// has no entry for is priced at this region's rate, and the estimate says so.
const ReferenceRegion = "us-east-1"

// LoadBook reads and checks a price book file.
func LoadBook(path string) (*Book, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("price book: %w", err)
	}
	return ParseBook(data)
}

// ParseBook decodes a price book, rejecting unknown fields, duplicates and non-positive figures.
func ParseBook(data []byte) (*Book, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Book
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("price book: %w", err)
	}
	var problems []error
	seen := map[string]bool{}
	for i, p := range b.Entries {
		id := fmt.Sprintf("entry %d (%s %s %s)", i, p.Service, p.Dimension, p.Region)
		if p.Service == "" || p.Dimension == "" || p.Unit == "" || p.Region == "" || p.Source == "" || p.Read == "" {
			problems = append(problems, fmt.Errorf("price book: %s: service, dimension, unit, region, source and read are required", id))
		}
		if p.Per <= 0 || p.USD < 0 {
			problems = append(problems, fmt.Errorf("price book: %s: per must be positive and usd not negative", id))
		}
		key := p.key(p.Region)
		if seen[key] {
			problems = append(problems, fmt.Errorf("price book: %s: listed twice", id))
		}
		seen[key] = true
	}
	if b.Currency != "USD" {
		problems = append(problems, fmt.Errorf("price book: currency %q: only USD is supported", b.Currency))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	slices.SortFunc(b.Entries, func(x, y Price) int { return strings.Compare(x.key(x.Region), y.key(y.Region)) })
	return &b, nil
}

func (p Price) key(region string) string { return p.Service + "\x00" + p.Dimension + "\x00" + region }

// Lookup returns the price of a dimension in region, falling back to the reference region; fallback
// tells whether it did.
func (b *Book) Lookup(service, dimension, region string) (p Price, fallback bool, err error) {
	for _, r := range []string{region, ReferenceRegion} {
		for _, e := range b.Entries {
			if e.Service == service && e.Dimension == dimension && e.Region == r {
				return e, r != region, nil
			}
		}
	}
	return Price{}, false, fmt.Errorf("price book has no price for %s %s in %s or %s", service, dimension, region, ReferenceRegion)
}

// Cost is the price of quantity units.
func (p Price) Cost(quantity float64) float64 { return quantity / p.Per * p.USD }
