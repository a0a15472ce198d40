// Package capacity is the format of functions/capacity.json, the contract between the functions'
// measurement and the cost model: functions/lib/api's TestCapacityAndAccess writes what each
// route's request consumed against DynamoDB Local, and the cost preview prices usage from it.
package capacity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"shopstack/contract/routes"
)

// Path is the file, relative to the project root.
const Path = "functions/capacity.json"

// Report is the whole file: the measured cost drivers of every route, in one or more scenarios,
// and how they were produced.
type Report struct {
	Source string        `json:"source"`
	Routes []Measurement `json:"routes"`
}

// Measurement is one request of one route in a stated scenario: the DynamoDB capacity units it
// consumed (ReturnConsumedCapacity TOTAL) and how long its handler ran.
type Measurement struct {
	Method     string   `json:"method"`
	Path       string   `json:"path"`
	Function   string   `json:"function"`
	Scenario   string   `json:"scenario"`
	ReadUnits  float64  `json:"readCapacityUnits"`
	WriteUnits float64  `json:"writeCapacityUnits"`
	DurationMs *float64 `json:"durationMs,omitempty"` // handler duration; absent until measured
}

// Marshal is the file's bytes: indented JSON and a final newline.
func (r Report) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Parse decodes and checks a report: no unknown fields, routes of the route table measured by
// the function that serves them, figures that are not negative. A route the table does not have
// (yet, or any more: cost-diff prices an older program with today's measurements) is kept.
func Parse(data []byte) (*Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("capacity: %w", err)
	}
	var problems []error
	for i, m := range r.Routes {
		key := m.Method + " " + m.Path
		all := routes.All()
		if j := slices.IndexFunc(all, func(rt routes.Route) bool { return rt.Method == m.Method && rt.Path == m.Path }); j >= 0 && all[j].Function != m.Function {
			problems = append(problems, fmt.Errorf("capacity: routes[%d]: %s is served by %s, not %s", i, key, all[j].Function, m.Function))
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
	return &r, nil
}
