package cost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"

	"shopstack/contract/routes"
)

// DefaultCapacityPath is where the commerce benchmark records what each route consumed, relative
// to the project root (functions/lib/api's TestCapacityAndAccess -update writes it).
const DefaultCapacityPath = "functions/capacity.json"

// Capacity is the measured cost driver of every route: the DynamoDB capacity units one request
// consumed against DynamoDB Local (ReturnConsumedCapacity TOTAL), in one or more scenarios. The
// cost model reads it and never guesses these figures. The format is functions/lib/api's
// CapacityReport; durationMs is optional until the benchmark records it.
type Capacity struct {
	Source string        `json:"source"`
	Routes []Measurement `json:"routes"`
}

// Measurement is one request of one route in a stated scenario.
type Measurement struct {
	Method     string   `json:"method"`
	Path       string   `json:"path"`
	Function   string   `json:"function"`
	Scenario   string   `json:"scenario"`
	ReadUnits  float64  `json:"readCapacityUnits"`
	WriteUnits float64  `json:"writeCapacityUnits"`
	DurationMs *float64 `json:"durationMs,omitempty"` // handler duration; absent until measured
}

// routeCapacity is what the model charges per request of a route: the most expensive measured
// scenario for each figure (an upper bound: a replayed checkout costs less than a first one).
type routeCapacity struct {
	ReadUnits, WriteUnits float64
	DurationMs            float64
	HasDuration           bool
}

// LoadCapacity reads the benchmark's capacity file. A missing file is an error naming it: the
// usage part of the estimate is never made up.
func LoadCapacity(path string) (*Capacity, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: the commerce benchmark writes each route's measured DynamoDB "+
			"capacity there (go test ./functions/lib/api -run TestCapacityAndAccess -update); the cost preview prices "+
			"usage from those measurements and does not guess them. Use -fixed-only for the fixed costs alone", path)
	}
	if err != nil {
		return nil, fmt.Errorf("capacity: %w", err)
	}
	c, err := ParseCapacity(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseCapacity decodes and checks a capacity file: routes of the route table, measured by the
// function that serves them, with figures that are not negative. A route the profile sends
// traffic to must be measured; the model checks that.
func ParseCapacity(data []byte) (*Capacity, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Capacity
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("capacity: %w", err)
	}
	var problems []error
	for i, m := range c.Routes {
		key := m.Method + " " + m.Path
		route, ok := routeByKey(key)
		// A route the table does not have (yet, or any more: cost-diff prices an older program with
		// today's measurements) is ignored; a route with traffic and no measurement fails the model.
		switch {
		case ok && route.Function != m.Function:
			problems = append(problems, fmt.Errorf("capacity: routes[%d]: %s is served by %s, not %s", i, key, route.Function, m.Function))
		}
		if m.ReadUnits < 0 || m.WriteUnits < 0 || math.IsNaN(m.ReadUnits+m.WriteUnits) {
			problems = append(problems, fmt.Errorf("capacity: routes[%d]: %s: capacity units must not be negative", i, key))
		}
		if m.DurationMs != nil && !(*m.DurationMs > 0) {
			problems = append(problems, fmt.Errorf("capacity: routes[%d]: %s: durationMs must be positive", i, key))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	return &c, nil
}

// route is the charged capacity of one route, from its measured scenarios.
func (c *Capacity) route(key string) (routeCapacity, bool) {
	var rc routeCapacity
	found, timed := false, true
	for _, m := range c.Routes {
		if m.Method+" "+m.Path != key {
			continue
		}
		found = true
		rc.ReadUnits = math.Max(rc.ReadUnits, m.ReadUnits)
		rc.WriteUnits = math.Max(rc.WriteUnits, m.WriteUnits)
		if m.DurationMs == nil {
			timed = false
		} else {
			rc.DurationMs = math.Max(rc.DurationMs, *m.DurationMs)
		}
	}
	rc.HasDuration = found && timed
	return rc, found
}

func routeByKey(key string) (routes.Route, bool) {
	i := slices.IndexFunc(routes.All(), func(r routes.Route) bool { return RouteKey(r) == key })
	if i < 0 {
		return routes.Route{}, false
	}
	return routes.All()[i], true
}
