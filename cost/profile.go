package cost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"shopstack/contract/routes"
	"shopstack/contract/schema"
	"shopstack/stacks"
)

// ProfileKey is the config key holding the traffic profile (declared in Pulumi.yaml).
const ProfileKey = "shopstack:trafficProfile"

// Profile is an environment's assumed monthly traffic. Names follow Infracost's usage file where it
// has the same figure (storage_gb, pitr_backup_storage_gb, monthly_latency_based_queries…).
type Profile struct {
	MonthlyOrders float64 `json:"monthly_orders"`

	// Requests per order, each for one route of the API.
	ProductListsPerOrder  float64 `json:"product_lists_per_order"` // GET /products
	ProductViewsPerOrder  float64 `json:"product_views_per_order"` // GET /products/{productId}
	CartReadsPerOrder     float64 `json:"cart_reads_per_order"`    // GET /carts/{cartId}
	CartWritesPerOrder    float64 `json:"cart_writes_per_order"`   // PUT /carts/{cartId}/items/{productId}
	CartRemovalsPerOrder  float64 `json:"cart_removals_per_order"` // DELETE /carts/{cartId}/items/{productId}
	OrderListsPerOrder    float64 `json:"order_lists_per_order"`   // GET /orders
	OrderReadsPerOrder    float64 `json:"order_reads_per_order"`   // GET /orders/{orderId}
	CancellationsPerOrder float64 `json:"cancellations_per_order"` // POST /orders/{orderId}/cancel
	MonthlyProductWrites  float64 `json:"monthly_product_writes"`  // POST and PUT /products…
	MonthlyStockUpdates   float64 `json:"monthly_stock_updates"`   // POST /products/{productId}/stock
	// GET /health, all regions together: Route 53 health checkers probe each region's API.
	MonthlyHealthCheckRequests float64 `json:"monthly_health_check_requests"`

	// DynamoDB, per logical table.
	StorageGB           map[string]float64 `json:"storage_gb"`
	PITRBackupStorageGB map[string]float64 `json:"pitr_backup_storage_gb"`

	MonthlyActiveUsers         float64 `json:"monthly_active_users"`          // Cognito
	LogBytesPerRequest         float64 `json:"log_bytes_per_request"`         // Lambda logs per invocation
	AccessLogBytesPerRequest   float64 `json:"access_log_bytes_per_request"`  // API access log line
	XRaySamplingRate           float64 `json:"xray_sampling_rate"`            // fraction of requests traced
	MonthlyAlarmNotifications  float64 `json:"monthly_alarm_notifications"`   // per alarm topic
	MonthlyKMSRequestsPerKey   float64 `json:"monthly_kms_requests_per_key"`  // DynamoDB's data-key calls
	MonthlyLatencyBasedQueries float64 `json:"monthly_latency_based_queries"` // Route 53, whole domain
	EventsPerOrder             float64 `json:"events_per_order"`              // order pipeline events
	AverageEventBytes          float64 `json:"average_event_bytes"`

	// RegionShares splits requests between regions (fractions summing to 1); empty means evenly.
	RegionShares map[string]float64 `json:"region_shares"`
}

// routeVolume maps each route to its monthly request count under the profile.
func (p Profile) routeVolume() map[string]float64 {
	o := p.MonthlyOrders
	return map[string]float64{
		"GET /products":                            o * p.ProductListsPerOrder,
		"GET /products/{productId}":                o * p.ProductViewsPerOrder,
		"POST /products":                           p.MonthlyProductWrites / 2,
		"PUT /products/{productId}":                p.MonthlyProductWrites / 2,
		"POST /products/{productId}/stock":         p.MonthlyStockUpdates,
		"GET /carts/{cartId}":                      o * p.CartReadsPerOrder,
		"PUT /carts/{cartId}/items/{productId}":    o * p.CartWritesPerOrder,
		"DELETE /carts/{cartId}/items/{productId}": o * p.CartRemovalsPerOrder,
		"POST /orders":                             o,
		"GET /orders":                              o * p.OrderListsPerOrder,
		"GET /orders/{orderId}":                    o * p.OrderReadsPerOrder,
		"POST /orders/{orderId}/cancel":            o * p.CancellationsPerOrder,
		"GET /health":                              p.MonthlyHealthCheckRequests,
	}
}

// RouteKey names a route as "METHOD /path".
func RouteKey(r routes.Route) string { return r.Method + " " + r.Path }

// Scaled returns the profile with every volume (orders, monthly counts, stored GB, users,
// queries) multiplied by k; ratios, sizes and shares are unchanged.
func (p Profile) Scaled(k float64) Profile {
	s := p
	s.MonthlyOrders *= k
	s.MonthlyProductWrites *= k
	s.MonthlyStockUpdates *= k
	s.MonthlyHealthCheckRequests *= k
	s.StorageGB = scaleMap(p.StorageGB, k)
	s.PITRBackupStorageGB = scaleMap(p.PITRBackupStorageGB, k)
	s.MonthlyActiveUsers *= k
	s.MonthlyAlarmNotifications *= k
	s.MonthlyKMSRequestsPerKey *= k
	s.MonthlyLatencyBasedQueries *= k
	return s
}

func scaleMap(m map[string]float64, k float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for key, v := range m {
		out[key] = v * k
	}
	return out
}

// ProfileFromConfig reads the traffic profile of a stack's config (engine.StackConfig) and
// validates it.
func ProfileFromConfig(c stacks.Config) (Profile, error) {
	if c.TrafficProfile == nil {
		return Profile{}, fmt.Errorf("%s: is not set; declare it in Pulumi.yaml (with a default) and set it in Pulumi.<stack>.yaml", ProfileKey)
	}
	return ParseProfile(c.TrafficProfile)
}

// ParseProfile decodes a profile object. Every field is required and unknown fields are rejected,
// so a typo cannot silently price nothing; every problem is reported at once, naming its field.
func ParseProfile(data []byte) (Profile, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return Profile{}, fmt.Errorf("%s: must be an object: %w", ProfileKey, err)
	}
	var problems []error
	bad := func(field, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s.%s: %s", ProfileKey, field, fmt.Sprintf(format, args...)))
	}
	known := profileFields()
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(known, name) {
			bad(name, "is not a traffic profile field; use one of %s", strings.Join(known, ", "))
		}
	}
	for _, name := range known {
		if _, ok := fields[name]; !ok && name != "region_shares" {
			bad(name, "is required")
		}
	}
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&p); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			bad(typeErr.Field, "must be a %s", typeErr.Type)
		} else {
			bad("", "%v", err)
		}
		return Profile{}, errors.Join(problems...)
	}
	if err := errors.Join(problems...); err != nil {
		return Profile{}, err
	}
	return p, p.Validate()
}

// profileFields are the JSON names of Profile's fields, in declaration order.
func profileFields() []string {
	b, _ := json.Marshal(Profile{})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return slices.Sorted(maps.Keys(m))
}

// Validate reports every figure outside its range, each naming its field.
func (p Profile) Validate() error {
	var problems []error
	bad := func(field, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s.%s: %s", ProfileKey, field, fmt.Sprintf(format, args...)))
	}
	nonNegative := map[string]float64{
		"monthly_orders": p.MonthlyOrders, "product_lists_per_order": p.ProductListsPerOrder,
		"product_views_per_order": p.ProductViewsPerOrder, "cart_reads_per_order": p.CartReadsPerOrder,
		"cart_writes_per_order": p.CartWritesPerOrder, "cart_removals_per_order": p.CartRemovalsPerOrder,
		"order_lists_per_order": p.OrderListsPerOrder, "order_reads_per_order": p.OrderReadsPerOrder,
		"cancellations_per_order": p.CancellationsPerOrder, "monthly_product_writes": p.MonthlyProductWrites,
		"monthly_stock_updates":         p.MonthlyStockUpdates,
		"monthly_health_check_requests": p.MonthlyHealthCheckRequests, "monthly_active_users": p.MonthlyActiveUsers,
		"log_bytes_per_request": p.LogBytesPerRequest, "access_log_bytes_per_request": p.AccessLogBytesPerRequest,
		"monthly_alarm_notifications": p.MonthlyAlarmNotifications, "monthly_kms_requests_per_key": p.MonthlyKMSRequestsPerKey,
		"monthly_latency_based_queries": p.MonthlyLatencyBasedQueries, "events_per_order": p.EventsPerOrder,
		"average_event_bytes": p.AverageEventBytes,
	}
	for _, key := range slices.Sorted(maps.Keys(nonNegative)) {
		if v := nonNegative[key]; v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			bad(key, "%v must be a finite number, zero or more", v)
		}
	}
	if p.MonthlyOrders <= 0 {
		bad("monthly_orders", "%v must be positive: the cost per 1,000 orders divides by it", p.MonthlyOrders)
	}
	if p.XRaySamplingRate < 0 || p.XRaySamplingRate > 1 {
		bad("xray_sampling_rate", "%v is out of range; use a fraction from 0 to 1", p.XRaySamplingRate)
	}
	tables := map[string]map[string]float64{
		"storage_gb": p.StorageGB, "pitr_backup_storage_gb": p.PITRBackupStorageGB,
	}
	var names []string
	for _, t := range schema.Tables() {
		names = append(names, t.Name)
	}
	for _, key := range slices.Sorted(maps.Keys(tables)) {
		m := tables[key]
		for _, name := range names {
			if _, ok := m[name]; !ok {
				bad(key, "has no figure for table %q; give one for each of %s", name, strings.Join(names, ", "))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(m)) {
			// Tables outside package schema (the event pipeline's) may be listed too.
			if v := m[name]; v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				bad(key, "%s: %v must be a finite number, zero or more", name, v)
			}
		}
	}
	if len(p.RegionShares) > 0 {
		sum := 0.0
		for _, region := range slices.Sorted(maps.Keys(p.RegionShares)) {
			v := p.RegionShares[region]
			if v < 0 || v > 1 {
				bad("region_shares", "%s: %v is out of range; use a fraction from 0 to 1", region, v)
			}
			sum += v
		}
		if math.Abs(sum-1) > 1e-9 {
			bad("region_shares", "the shares sum to %v; they must sum to 1 (or leave region_shares empty to split evenly)", sum)
		}
	}
	return errors.Join(problems...)
}

// shares returns each region's fraction of requests: the profile's, checked against the stack's
// regions, or an even split.
func (p Profile) shares(regions []string) (map[string]float64, error) {
	out := map[string]float64{}
	if len(p.RegionShares) == 0 {
		for _, r := range regions {
			out[r] = 1 / float64(len(regions))
		}
		return out, nil
	}
	for _, r := range slices.Sorted(maps.Keys(p.RegionShares)) {
		if !slices.Contains(regions, r) {
			return nil, fmt.Errorf("%s.region_shares: %s is not one of the stack's regions %s", ProfileKey, r, strings.Join(regions, ", "))
		}
	}
	for _, r := range regions {
		out[r] = p.RegionShares[r]
	}
	return out, nil
}
