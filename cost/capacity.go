package cost

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"

	"shopstack/contract/capacity"
)

// routeCapacity is what the model charges per request of a route: the most expensive measured
// scenario for each figure (an upper bound: a replayed checkout costs less than a first one).
type routeCapacity struct {
	ReadUnits, WriteUnits float64
	DurationMs            float64
	HasDuration           bool
}

// LoadCapacity reads the benchmark's capacity file (contract/capacity). A missing file is an error
// naming it: the usage part of the estimate is never made up.
func LoadCapacity(path string) (*capacity.Report, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: the commerce benchmark writes each route's measured DynamoDB "+
			"capacity there (go test ./functions/lib/api -run TestCapacityAndAccess -update); the cost preview prices "+
			"usage from those measurements and does not guess them. Use -fixed-only for the fixed costs alone", path)
	}
	if err != nil {
		return nil, fmt.Errorf("capacity: %w", err)
	}
	c, err := capacity.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// chargedCapacity is the charged capacity of one route ("METHOD /path"), from its measured
// scenarios; a route with traffic and no measurement fails the model.
func chargedCapacity(c *capacity.Report, key string) (routeCapacity, bool) {
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
