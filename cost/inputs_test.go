package cost

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/capacity"
)

func TestParseProfileNamesEveryProblem(t *testing.T) {
	good, err := json.Marshal(testProfile())
	require.NoError(t, err)
	p, err := ParseProfile(good)
	require.NoError(t, err)
	assert.Equal(t, 1_000_000.0, p.MonthlyOrders)

	var fields map[string]any
	require.NoError(t, json.Unmarshal(good, &fields))
	delete(fields, "monthly_active_users")
	fields["monthly_ordes"] = 5
	fields["xray_sampling_rate"] = 2
	fields["storage_gb"] = map[string]any{"orders": 1}
	bad, _ := json.Marshal(fields)
	_, err = ParseProfile(bad)
	require.Error(t, err)
	for _, want := range []string{
		"shopstack:trafficProfile.monthly_active_users: is required",
		"shopstack:trafficProfile.monthly_ordes: is not a traffic profile field",
	} {
		assert.Contains(t, err.Error(), want)
	}

	fields["monthly_active_users"] = 1
	delete(fields, "monthly_ordes")
	bad, _ = json.Marshal(fields)
	_, err = ParseProfile(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "xray_sampling_rate: 2 is out of range")
	assert.Contains(t, err.Error(), `storage_gb: has no figure for table "products"`)

	_, err = ParseProfile([]byte(`{"monthly_orders": "many"}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "shopstack:trafficProfile.monthly_orders: must be a float64")
}

func TestRouteVolumeCoversEveryRoute(t *testing.T) {
	c := testCapacity()
	v := testProfile().routeVolume()
	assert.Len(t, v, len(c.Routes))
	for _, m := range c.Routes {
		assert.Contains(t, v, m.Method+" "+m.Path)
	}
}

func TestLoadCapacity(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadCapacity(filepath.Join(dir, "capacity.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "capacity.json does not exist")

	data, err := json.Marshal(testCapacity())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "capacity.json"), data, 0o644))
	c, err := LoadCapacity(filepath.Join(dir, "capacity.json"))
	require.NoError(t, err)
	assert.Equal(t, testCapacity(), c)

	c.Routes = c.Routes[1:]
	c.Routes[0].Function = "orders"
	data, _ = json.Marshal(c)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "capacity.json"), data, 0o644))
	_, err = LoadCapacity(filepath.Join(dir, "capacity.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not orders", "the file is checked as contract/capacity parses it")
}

func TestCommittedCapacityLoads(t *testing.T) {
	if _, err := os.Stat("../" + capacity.Path); err != nil {
		t.Skip("no measured capacity yet:", err)
	}
	c, err := LoadCapacity("../" + capacity.Path)
	require.NoError(t, err)
	rc, ok := chargedCapacity(c, "POST /orders")
	require.True(t, ok)
	assert.Positive(t, rc.WriteUnits)
}

func TestBookCoversEveryPricedDimension(t *testing.T) {
	b := testBook(t)
	for _, e := range b.Entries {
		assert.Equal(t, ReferenceRegion, e.Region)
		assert.Contains(t, queries, e.Service+"/"+e.Dimension, "the refresh command has a Price List query for every entry")
	}
	for key := range queries {
		found := false
		for _, e := range b.Entries {
			found = found || e.Service+"/"+e.Dimension == key
		}
		assert.True(t, found, "query %s has a book entry", key)
	}
	_, _, err := b.Lookup("DynamoDB", "storage", "ap-south-1")
	require.NoError(t, err)
	_, _, err = b.Lookup("DynamoDB", "no-such-dimension", "us-east-1")
	require.Error(t, err)
}
