// Package cost is shopstack's cost preview: it prices the resource graph the offline plan records
// (fixed monthly costs from the resources, usage costs from the stack's traffic profile × the
// capacity each route was measured to consume × the price book) and reports it per region,
// service and resource, with the cost per 1,000 orders. Free tiers are not applied.
package cost

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"shopstack/contract/capacity"
	"shopstack/contract/iam"
	"shopstack/contract/routes"
	"shopstack/contract/schema"
	"shopstack/engine"
)

// Kind says whether a line is paid whatever the traffic (fixed) or grows with it (usage).
type Kind string

const (
	Fixed Kind = "fixed"
	Usage Kind = "usage"
)

// Line is one priced dimension of one resource in one region.
type Line struct {
	Region    string  `json:"region"` // where it is charged: a table's replicated writes land in each replica's region
	Service   string  `json:"service"`
	Type      string  `json:"type"`
	Name      string  `json:"name"`
	URN       string  `json:"urn"`
	Dimension string  `json:"dimension"`
	Kind      Kind    `json:"kind"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	USD       float64 `json:"usd"`
}

// Estimate is one stack's monthly cost.
type Estimate struct {
	Stack   string   `json:"stack"`
	Regions []string `json:"regions"`
	// FixedOnly is true when no traffic was priced (-fixed-only): Usage is then zero, not measured.
	FixedOnly         bool     `json:"fixedOnly"`
	Lines             []Line   `json:"lines"` // sorted by region, service, URN, dimension
	Fixed             float64  `json:"fixedUsd"`
	Usage             float64  `json:"usageUsd"`
	Total             float64  `json:"totalUsd"`
	MonthlyOrders     float64  `json:"monthlyOrders,omitempty"`
	PerThousandOrders float64  `json:"perThousandOrdersUsd,omitempty"`
	Notes             []string `json:"notes,omitempty"`
	// Unpriced lists usage the measurements do not cover yet: the total leaves it out.
	Unpriced []string `json:"unpriced,omitempty"`
}

// Inputs are what an estimate is made from besides the graph. Profile and Capacity are both nil
// for a fixed-costs-only estimate.
type Inputs struct {
	Book     *Book
	Profile  *Profile
	Capacity *capacity.Report
}

// New prices every resource of g. A resource type that is neither priced nor listed free is
// an error naming it, so nothing new is silently left out.
func New(g *engine.Graph, in Inputs) (*Estimate, error) {
	if err := Unpriced(g); err != nil {
		return nil, err
	}
	if (in.Profile == nil) != (in.Capacity == nil) {
		return nil, errors.New("cost: a traffic profile and measured capacity are needed together")
	}
	m := &model{g: g, in: in, notes: map[string]bool{}}
	m.regions = graphRegions(g)
	m.writer = m.writerRegion()
	if in.Profile != nil {
		if err := m.traffic(); err != nil {
			return nil, fmt.Errorf("stack %s: %w", g.Stack, err)
		}
	}
	var problems []error
	for _, r := range g.Resources {
		if _, free := FreeReason(r.Type); free {
			continue
		}
		if err := pricers[r.Type](m, r); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", r.URN, err))
		}
	}
	problems = append(problems, m.tablesDeclared()...)
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("stack %s: %w", g.Stack, err)
	}
	e := &Estimate{Stack: g.Stack, Regions: m.regions, FixedOnly: in.Profile == nil, Lines: m.lines}
	slices.SortFunc(e.Lines, func(a, b Line) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.URN, b.URN), cmp.Compare(a.Dimension, b.Dimension))
	})
	for _, l := range e.Lines {
		if l.Kind == Fixed {
			e.Fixed += l.USD
		} else {
			e.Usage += l.USD
		}
	}
	e.Total = e.Fixed + e.Usage
	if in.Profile != nil {
		e.MonthlyOrders = in.Profile.MonthlyOrders
		e.PerThousandOrders = e.Total / in.Profile.MonthlyOrders * 1000
	}
	e.Notes = slices.Sorted(maps.Keys(m.notes))
	e.Unpriced = m.unpriced
	return e, nil
}

// Unpriced reports every resource type of g that has no pricer and is not listed free.
func Unpriced(g *engine.Graph) error {
	missing := map[string]string{}
	for _, r := range g.Resources {
		if _, free := FreeReason(r.Type); free {
			continue
		}
		if _, ok := pricers[r.Type]; !ok {
			missing[r.Type] = r.URN
		}
	}
	var problems []error
	for _, t := range slices.Sorted(maps.Keys(missing)) {
		problems = append(problems, fmt.Errorf("resource type %s (e.g. %s) has no price and is not listed free: add a pricer or a free reason in cost/types.go", t, missing[t]))
	}
	if len(problems) > 0 {
		return fmt.Errorf("stack %s: %w", g.Stack, errors.Join(problems...))
	}
	return nil
}

// model is the working state of one estimate.
type model struct {
	g       *engine.Graph
	in      Inputs
	regions []string
	writer  string
	lines   []Line
	notes   map[string]bool

	// Traffic, filled by traffic() when a profile is given.
	apiRequests map[string]float64            // by region
	invocations map[string]map[string]float64 // region → service → invocations
	gbSeconds   map[string]map[string]float64 // region → service → GB-seconds per MB of memory
	reads       map[string]map[string]float64 // region → table → read units
	writes      map[string]map[string]float64 // region → table → write units
	unpriced    []string                      // usage the inputs cannot price, said loudly
}

// graphRegions are the regions resources were declared in, sorted.
func graphRegions(g *engine.Graph) []string {
	var out []string
	for _, r := range g.Resources {
		if r.Region != "" && !slices.Contains(out, r.Region) {
			out = append(out, r.Region)
		}
	}
	slices.Sort(out)
	return out
}

func (m *model) writerRegion() string {
	for _, r := range m.g.Resources {
		if r.Type == tableType {
			return r.Region
		}
	}
	if slices.Contains(m.regions, ReferenceRegion) || len(m.regions) == 0 {
		return ReferenceRegion
	}
	return m.regions[0]
}

// add prices quantity of a dimension for resource r, charged in region.
func (m *model) add(r engine.GraphResource, region, service, dimension string, kind Kind, quantity float64) error {
	if quantity == 0 {
		return nil
	}
	p, fallback, err := m.in.Book.Lookup(service, dimension, region)
	if err != nil {
		return err
	}
	if fallback {
		m.notes[fmt.Sprintf("%s is priced at %s rates: the price book has no %s entries (refresh it with -refresh-prices)", region, ReferenceRegion, region)] = true
	}
	m.lines = append(m.lines, Line{
		Region: region, Service: service, Type: r.Type, Name: r.Name, URN: r.URN,
		Dimension: dimension, Kind: kind, Quantity: quantity, Unit: p.Unit, USD: p.Cost(quantity),
	})
	return nil
}

func (m *model) note(format string, args ...any) { m.notes[fmt.Sprintf(format, args...)] = true }

// traffic turns the profile and the measured capacity into requests, invocations, compute and
// DynamoDB units per region. Requests enter through the regions that have an API, split by the
// profile's shares; reads are served by the table copy in the request's region, and writes of a
// service with WriterRegionWrites land in the writer region.
func (m *model) traffic() error {
	p := m.in.Profile
	var apiRegions []string
	for _, r := range m.g.Resources {
		if r.Type == restAPIType && !slices.Contains(apiRegions, r.Region) {
			apiRegions = append(apiRegions, r.Region)
		}
	}
	slices.Sort(apiRegions)
	shares, err := p.shares(apiRegions)
	if err != nil {
		return err
	}
	m.apiRequests = map[string]float64{}
	m.invocations, m.gbSeconds = nested(), nested()
	m.reads, m.writes = nested(), nested()
	volume := p.routeVolume()
	var untimed []string
	for _, route := range routes.All() {
		key := RouteKey(route)
		v, ok := volume[key]
		if !ok {
			return fmt.Errorf("%s: the traffic profile has no figure for route %s: add one in cost/profile.go", ProfileKey, key)
		}
		if v == 0 {
			continue
		}
		rc, ok := chargedCapacity(m.in.Capacity, key)
		if !ok {
			return fmt.Errorf("capacity: route %s gets %s requests a month but %s has no measurement for it", key, thousands(v), capacity.Path)
		}
		if !rc.HasDuration {
			untimed = append(untimed, key)
		}
		svc, ok := iam.Get(route.Function)
		if !ok {
			return fmt.Errorf("route %s: no service %s", key, route.Function)
		}
		readTables, writeTables := tablesOf(svc)
		for _, region := range apiRegions {
			n := v * shares[region]
			m.apiRequests[region] += n
			add2(m.invocations, region, svc.Name, n)
			if rc.HasDuration {
				// Lambda bills duration rounded up to the millisecond.
				add2(m.gbSeconds, region, svc.Name, n*math.Ceil(rc.DurationMs)/1000/1024)
			}
			writeRegion := region
			if svc.WriterRegionWrites {
				writeRegion = m.writer
			}
			// The benchmark measures a request's units in total, not per table: they are shared
			// evenly between the tables the service reads (writes). Totals are as measured.
			for _, t := range readTables {
				add2(m.reads, region, t, n*rc.ReadUnits/float64(len(readTables)))
			}
			for _, t := range writeTables {
				add2(m.writes, writeRegion, t, n*rc.WriteUnits/float64(len(writeTables)))
			}
		}
	}
	if len(untimed) > 0 {
		m.unpriced = append(m.unpriced, fmt.Sprintf("Lambda compute (GB-seconds): %s records no durationMs for %s",
			capacity.Path, strings.Join(untimed, ", ")))
	}
	m.note("DynamoDB units are measured per request in total; the split between a service's tables is even, not measured")
	m.note("each route is charged its most expensive measured scenario (an upper bound)")
	m.note("replicated writes are charged the measured write units (transactional writes count double there, so this is an upper bound)")
	return nil
}

// tablesDeclared reports traffic on a table the graph has no resource for: it would go unpriced.
func (m *model) tablesDeclared() []error {
	declared := map[string]bool{}
	for _, r := range m.g.Resources {
		if r.Type == tableType {
			if logical, ok := logicalTable(nameOf(r)); ok {
				declared[logical] = true
			}
		}
	}
	var problems []error
	for _, units := range []map[string]map[string]float64{m.reads, m.writes} {
		for _, region := range slices.Sorted(maps.Keys(units)) {
			for _, table := range slices.Sorted(maps.Keys(units[region])) {
				if units[region][table] > 0 && !declared[table] {
					problems = append(problems, fmt.Errorf("routes use table %s, which the stack does not declare: its units cannot be priced", table))
				}
			}
		}
	}
	return problems
}

// tablesOf lists the tables a service reads and the tables it writes, from package iam.
func tablesOf(svc iam.Service) (reads, writes []string) {
	for _, access := range svc.Tables {
		for _, a := range access.Actions {
			switch strings.TrimPrefix(a, "dynamodb:") {
			case "GetItem", "BatchGetItem", "Query", "Scan":
				if !slices.Contains(reads, access.Table) {
					reads = append(reads, access.Table)
				}
			case "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem":
				if !slices.Contains(writes, access.Table) {
					writes = append(writes, access.Table)
				}
			}
		}
	}
	return reads, writes
}

func nested() map[string]map[string]float64 {
	return map[string]map[string]float64{}
}

func add2(m map[string]map[string]float64, a, b string, v float64) {
	if m[a] == nil {
		m[a] = map[string]float64{}
	}
	m[a][b] += v
}

// logicalTable is the schema name of a physical table name (shopstack-<stack>-<logical>).
func logicalTable(physical string) (string, bool) {
	for _, t := range schema.Tables() {
		if strings.HasSuffix(physical, "-"+t.Name) || physical == t.Name {
			return t.Name, true
		}
	}
	return "", false
}
