package cost

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/capacity"
	"shopstack/contract/routes"
	"shopstack/contract/schema"
	"shopstack/engine"
)

func testBook(t *testing.T) *Book {
	t.Helper()
	b, err := LoadBook(filepath.Join("prices.json"))
	require.NoError(t, err)
	return b
}

// testProfile: a million orders a month, each one checkout and nothing else, 1,000 users, 10 GB
// of orders (and its PITR backup), exactly 1 GiB of function logs over the million requests.
func testProfile() Profile {
	zero := func() map[string]float64 {
		m := map[string]float64{}
		for _, t := range schema.Tables() {
			m[t.Name] = 0
		}
		return m
	}
	storage, pitr := zero(), zero()
	storage["orders"], pitr["orders"] = 10, 10
	return Profile{
		MonthlyOrders:            1_000_000,
		StorageGB:                storage,
		PITRBackupStorageGB:      pitr,
		MonthlyActiveUsers:       1000,
		LogBytesPerRequest:       1073.741824, // × 1,000,000 = 2^30 bytes
		XRaySamplingRate:         0.05,
		MonthlyKMSRequestsPerKey: 100_000,
	}
}

// testCapacity: checkout reads 4 and writes 24 units in 99.2 ms (billed 100 ms); every other
// route is measured at nothing (and gets no traffic from testProfile anyway).
func testCapacity() *capacity.Report {
	c := &capacity.Report{Source: "hand-built"}
	for _, r := range routes.All() {
		d := 1.0
		m := capacity.Measurement{Method: r.Method, Path: r.Path, Function: r.Function, Scenario: "test", DurationMs: &d}
		if RouteKey(r) == "POST /orders" {
			d := 99.2
			m.ReadUnits, m.WriteUnits, m.DurationMs = 4, 24, &d
		}
		c.Routes = append(c.Routes, m)
	}
	return c
}

// testGraph is one region's worth of shopstack, with each table replicated to replicaRegions,
// which also get their own key, alarm and dashboard (their fixed costs) but no API.
func testGraph(replicaRegions ...string) *engine.Graph {
	g := &engine.Graph{Stack: "test"}
	res := func(typ, name, region string, inputs map[string]any) {
		g.Resources = append(g.Resources, engine.GraphResource{
			Type: typ, Name: name, URN: "urn:pulumi:test::shopstack::" + typ + "::" + name, Region: region, Custom: true, Inputs: inputs,
		})
	}
	regional := func(region string) {
		res("pulumi:providers:aws", "aws-"+region, region, map[string]any{"region": region})
		res("aws:kms/key:Key", "key-"+region, region, map[string]any{})
		res("aws:kms/alias:Alias", "alias-"+region, region, map[string]any{})
		res("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-"+region, region, map[string]any{"period": 300.0})
		res("aws:cloudwatch/dashboard:Dashboard", "dashboard-"+region, region, map[string]any{})
	}
	regional("us-east-1")
	for _, r := range replicaRegions {
		regional(r)
	}
	res("shopstack:data:Data", "data", "us-east-1", nil)
	for _, t := range schema.Tables() {
		var replicas []any
		for _, r := range replicaRegions {
			replicas = append(replicas, map[string]any{"regionName": r, "pointInTimeRecovery": true})
		}
		res("aws:dynamodb/table:Table", "data-"+t.Name, "us-east-1", map[string]any{
			"name": "shopstack-test-" + t.Name, "pointInTimeRecovery": map[string]any{"enabled": true}, "replicas": replicas,
		})
	}
	res("aws:cognito/userPool:UserPool", "users", "us-east-1", map[string]any{})
	res("aws-apigateway:index:RestAPI", "api", "us-east-1", map[string]any{})
	res("aws:lambda/function:Function", "checkout", "us-east-1", map[string]any{
		"name": "shopstack-test-checkout", "memorySize": 1024.0, "architectures": []any{"arm64"},
		"tags": map[string]any{"service": "checkout"}, "tracingConfig": map[string]any{"mode": "Active"},
	})
	res("aws:cloudwatch/logGroup:LogGroup", "checkout-logs", "us-east-1", map[string]any{
		"name": "/aws/lambda/shopstack-test-checkout", "retentionInDays": 30.0,
	})
	return g
}

func estimate(t *testing.T, g *engine.Graph, p Profile) *Estimate {
	t.Helper()
	e, err := New(g, Inputs{Book: testBook(t), Profile: &p, Capacity: testCapacity()})
	require.NoError(t, err)
	return e
}

func TestEstimateOneRegion(t *testing.T) {
	e := estimate(t, testGraph(), testProfile())
	// Worked out from prices.json (us-east-1), 1,000,000 checkouts:
	//   fixed: KMS key $1 + alarm $0.10 + dashboard $3                                 = $4.10
	//   API Gateway 1M × $3.50/M                                                      = $3.50
	//   Lambda requests 1M × $0.20/M                                                  = $0.20
	//   Lambda arm64 1M × 0.100 s × 1 GB = 100,000 GB-s × $0.0000133334               = $1.33334
	//   X-Ray 5% of 1M = 50,000 traces × $5/M                                         = $0.25
	//   DynamoDB reads 4 × 1M = 4M RRU × $0.125/M                                     = $0.50
	//   DynamoDB writes 24 × 1M = 24M WRU × $0.625/M                                  = $15.00
	//   DynamoDB orders storage 10 GB × $0.25 + PITR 10 GB × $0.20                    = $4.50
	//   KMS requests 100,000 × $0.03/10,000                                           = $0.30
	//   logs 1 GB ingested × $0.50 + stored 1 GB × 30/30 months × $0.03               = $0.53
	//   Cognito 1,000 MAU × $0.015                                                    = $15.00
	//   usage = 3.50+0.20+1.33334+0.25+0.50+15.00+4.50+0.30+0.53+15.00                = $41.11334
	//   total = 4.10 + 41.11334 = $45.21334; per 1,000 orders $0.04521334
	assert.InDelta(t, 4.10, e.Fixed, 1e-9)
	assert.InDelta(t, 41.11334, e.Usage, 1e-9)
	assert.InDelta(t, 45.21334, e.Total, 1e-9)
	assert.InDelta(t, 0.04521334, e.PerThousandOrders, 1e-12)
	assert.Empty(t, e.Unpriced)

	byService := map[string]float64{}
	for _, s := range e.ByService() {
		byService[s.Key] = s.Total
	}
	assert.InDelta(t, 0.50+15.00+4.50, byService["DynamoDB"], 1e-9)
	assert.InDelta(t, 1.30, byService["KMS"], 1e-9)
	assert.InDelta(t, 15.00, byService["Cognito"], 1e-9)
}

func TestDoublingTrafficDoublesUsageOnly(t *testing.T) {
	for _, replicas := range [][]string{nil, {"us-west-2", "eu-west-1"}} {
		t.Run(fmt.Sprint(len(replicas), " replicas"), func(t *testing.T) {
			one := estimate(t, testGraph(replicas...), testProfile())
			two := estimate(t, testGraph(replicas...), testProfile().Scaled(2))
			require.Positive(t, one.Usage)
			assert.InDelta(t, 2*one.Usage, two.Usage, 1e-9)
			assert.InDelta(t, one.Fixed, two.Fixed, 1e-12)
			assert.InDelta(t, one.PerThousandOrders-one.Fixed/one.MonthlyOrders*1000+one.Fixed/two.MonthlyOrders*1000,
				two.PerThousandOrders, 1e-9, "usage per order is unchanged; fixed per order halves")
		})
	}
}

func TestAddingARegion(t *testing.T) {
	one := estimate(t, testGraph(), testProfile())
	two := estimate(t, testGraph("us-west-2"), testProfile())
	// us-west-2 adds its fixed costs: key $1 + alarm $0.10 + dashboard $3 = $4.10; and usage: the
	// replicated writes 24M rWRU × $0.625/M = $15.00, the replica's storage and PITR $4.50 and
	// its key's requests $0.30. Requests still enter through us-east-1 (us-west-2 has no API).
	assert.InDelta(t, 4.10, two.Fixed-one.Fixed, 1e-9)
	assert.InDelta(t, 15.00+4.50+0.30, two.Usage-one.Usage, 1e-9)
	var replicated float64
	for _, l := range two.Lines {
		if l.Dimension == "replicated-write-request-units" {
			assert.Equal(t, "us-west-2", l.Region)
			replicated += l.Quantity
		}
	}
	assert.InDelta(t, 24_000_000, replicated, 1e-6)

	three := estimate(t, testGraph("us-west-2", "eu-west-1"), testProfile())
	// eu-west-1 has no entries in the book: priced at us-east-1 rates, and said so.
	assert.InDelta(t, 2*4.10, three.Fixed-one.Fixed, 1e-9)
	assert.InDelta(t, 2*(15.00+4.50+0.30), three.Usage-one.Usage, 1e-9)
	assert.Contains(t, strings.Join(three.Notes, "\n"), "eu-west-1 is priced at us-east-1 rates")
}

func TestUnpricedTypeFails(t *testing.T) {
	g := testGraph()
	g.Resources = append(g.Resources, engine.GraphResource{Type: "aws:rds/instance:Instance", Name: "db", URN: "urn:db", Region: "us-east-1", Custom: true})
	_, err := New(g, Inputs{Book: testBook(t)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aws:rds/instance:Instance")
	assert.Contains(t, err.Error(), "no price and is not listed free")
}

func TestFixedOnlyNeedsNoTraffic(t *testing.T) {
	e, err := New(testGraph("us-west-2"), Inputs{Book: testBook(t)})
	require.NoError(t, err)
	assert.True(t, e.FixedOnly)
	assert.InDelta(t, 8.20, e.Total, 1e-9)
	assert.Zero(t, e.Usage)
}

func TestMissingDurationIsUnpricedNotGuessed(t *testing.T) {
	c := testCapacity()
	for i := range c.Routes {
		c.Routes[i].DurationMs = nil
	}
	p := testProfile()
	e, err := New(testGraph(), Inputs{Book: testBook(t), Profile: &p, Capacity: c})
	require.NoError(t, err)
	assert.InDelta(t, 41.11334-1.33334, e.Usage, 1e-9)
	require.Len(t, e.Unpriced, 1)
	assert.Contains(t, e.Unpriced[0], "POST /orders")
}

func TestOutputIsDeterministic(t *testing.T) {
	var first string
	for i := range 5 {
		var text, js strings.Builder
		e := estimate(t, testGraph("us-west-2", "eu-west-1"), testProfile())
		require.NoError(t, WriteText(&text, []*Estimate{e}))
		require.NoError(t, WriteJSON(&js, []*Estimate{e}))
		if i == 0 {
			first = text.String() + js.String()
			assert.Contains(t, text.String(), "per 1,000 orders")
			var back map[string]any
			require.NoError(t, json.Unmarshal([]byte(js.String()), &back))
			continue
		}
		assert.Equal(t, first, text.String()+js.String())
	}
}

func TestDiff(t *testing.T) {
	one := estimate(t, testGraph(), testProfile())
	two := estimate(t, testGraph("us-west-2"), testProfile())
	d := Diff([]*Estimate{one}, []*Estimate{two})
	require.Len(t, d, 1)
	assert.InDelta(t, 4.10+15.00+4.50+0.30, d[0].Delta, 1e-9)
	var sum float64
	for _, r := range d[0].Resources {
		sum += r.Delta
	}
	assert.InDelta(t, d[0].Delta, sum, 1e-9, "the changed resources account for the whole difference")
	var out strings.Builder
	require.NoError(t, WriteDiff(&out, "main", d))
	assert.Contains(t, out.String(), "+$23.90")
}
