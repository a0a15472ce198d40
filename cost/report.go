package cost

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// Subtotal is the cost of one group of lines: a region, a service or a resource.
type Subtotal struct {
	Key   string  `json:"key"`
	Fixed float64 `json:"fixedUsd"`
	Usage float64 `json:"usageUsd"`
	Total float64 `json:"totalUsd"`
}

// ByRegion, ByService and ByResource group an estimate's lines, sorted by key.
func (e *Estimate) ByRegion() []Subtotal  { return e.group(func(l Line) string { return l.Region }) }
func (e *Estimate) ByService() []Subtotal { return e.group(func(l Line) string { return l.Service }) }

// ByResource is keyed by URN.
func (e *Estimate) ByResource() []Subtotal { return e.group(func(l Line) string { return l.URN }) }

func (e *Estimate) group(key func(Line) string) []Subtotal {
	by := map[string]*Subtotal{}
	var keys []string
	for _, l := range e.Lines {
		k := key(l)
		s, ok := by[k]
		if !ok {
			s = &Subtotal{Key: k}
			by[k] = s
			keys = append(keys, k)
		}
		if l.Kind == Fixed {
			s.Fixed += l.USD
		} else {
			s.Usage += l.USD
		}
		s.Total += l.USD
	}
	slices.Sort(keys)
	out := make([]Subtotal, 0, len(keys))
	for _, k := range keys {
		out = append(out, *by[k])
	}
	return out
}

// report is the JSON form of an estimate: the estimate and its groupings, money rounded to
// micro-dollars so the output is stable to read and diff.
type report struct {
	*Estimate
	RegionTotals   []Subtotal `json:"regionTotals"`
	ServiceTotals  []Subtotal `json:"serviceTotals"`
	ResourceTotals []Subtotal `json:"resourceTotals"`
}

// WriteJSON writes the estimates as {"estimates": [...]}.
func WriteJSON(w io.Writer, estimates []*Estimate) error {
	var out []report
	for _, e := range estimates {
		r := rounded(e)
		out = append(out, report{Estimate: r, RegionTotals: r.ByRegion(), ServiceTotals: r.ByService(), ResourceTotals: r.ByResource()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"estimates": out})
}

func rounded(e *Estimate) *Estimate {
	c := *e
	c.Lines = make([]Line, len(e.Lines))
	for i, l := range e.Lines {
		l.USD, l.Quantity = micro(l.USD), micro(l.Quantity)
		c.Lines[i] = l
	}
	c.Fixed, c.Usage, c.Total, c.PerThousandOrders = micro(e.Fixed), micro(e.Usage), micro(e.Total), micro(e.PerThousandOrders)
	return &c
}

func micro(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// WriteText writes each estimate: totals, cost per 1,000 orders, then per region, per service and
// per resource with its priced dimensions.
func WriteText(w io.Writer, estimates []*Estimate) error {
	var b strings.Builder
	for i, e := range estimates {
		if i > 0 {
			b.WriteString("\n")
		}
		e.text(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (e *Estimate) text(b *strings.Builder) {
	fmt.Fprintf(b, "stack %s — monthly cost in USD, list prices, no free tiers (regions %s)\n", e.Stack, strings.Join(e.Regions, ", "))
	if e.FixedOnly {
		b.WriteString("fixed costs only: no traffic priced (-fixed-only)\n")
	} else {
		fmt.Fprintf(b, "traffic: %s orders a month (%s)\n", thousands(e.MonthlyOrders), ProfileKey)
	}
	for _, u := range e.Unpriced {
		fmt.Fprintf(b, "INCOMPLETE: not priced: %s\n", u)
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\tfixed\tusage\ttotal\t\n")
	fmt.Fprintf(tw, "total\t%s\t%s\t%s\t\n", usd(e.Fixed), usd(e.Usage), usd(e.Total))
	if !e.FixedOnly {
		fmt.Fprintf(tw, "per 1,000 orders\t\t\t%s\t\n", usd(e.PerThousandOrders))
	}
	tw.Flush()
	section := func(title string, subs []Subtotal) {
		fmt.Fprintf(b, "\n%s\n", title)
		tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, s := range subs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", s.Key, usd(s.Fixed), usd(s.Usage), usd(s.Total))
		}
		tw.Flush()
	}
	section("by region (fixed, usage, total)", e.ByRegion())
	section("by service (fixed, usage, total)", e.ByService())

	b.WriteString("\nby resource\n")
	byURN := map[string][]Line{}
	for _, l := range e.Lines {
		byURN[l.URN] = append(byURN[l.URN], l)
	}
	subs := e.ByResource()
	slices.SortStableFunc(subs, func(x, y Subtotal) int {
		return cmp.Or(cmp.Compare(y.Total, x.Total), cmp.Compare(x.Key, y.Key))
	})
	tw = tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, s := range subs {
		first := byURN[s.Key][0]
		fmt.Fprintf(tw, "  %s\t%s\t%s\t\t\n", usd(s.Total), first.Name, shortType(first.Type))
		for _, l := range byURN[s.Key] {
			fmt.Fprintf(tw, "    %s\t  %s %s\t%s %s\t%s\t\n", usd(l.USD), l.Service, l.Dimension, quantity(l.Quantity), l.Unit, l.Region)
		}
	}
	tw.Flush()
	if len(e.Notes) > 0 {
		b.WriteString("\nnotes\n")
		for _, n := range e.Notes {
			fmt.Fprintf(b, "  - %s\n", n)
		}
	}
}

func shortType(t string) string {
	if i := strings.LastIndex(t, ":"); i >= 0 {
		return t[i+1:]
	}
	return t
}

func usd(v float64) string {
	s := fmt.Sprintf("%.2f", math.Abs(v))
	if math.Round(v*100) < 0 {
		return "-$" + s
	}
	return "$" + s
}

func quantity(v float64) string {
	if v >= 1000 || v == math.Trunc(v) {
		return thousands(v)
	}
	return fmt.Sprintf("%.4g", v)
}

// thousands prints a count rounded to a whole number with thousands separators.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", math.Abs(v))
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if v < 0 {
		return "-" + string(out)
	}
	return string(out)
}
