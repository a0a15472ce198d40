package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

// An unexpected AWS error (here: the table does not exist) is a 500 that shows only the
// request id, and the cause is logged as JSON with that id.
func TestUnexpectedAWSErrorIs500(t *testing.T) {
	var logs strings.Builder
	db := store.New(dynamolocal.Client(t), dynamolocal.Client(t), map[string]string{"products": "no-such-table"})
	h, err := api.NewCatalog(shop.NewCatalog(db.Products()), slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	req, _ := request(t, "GET", "/products/p1", anon, "")
	resp, err := h.Handle(context.Background(), req)
	require.NoError(t, err)
	checkContract(t, req, resp)
	assert.Equal(t, 500, resp.StatusCode)
	var body api.ErrorBody
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
	assert.Equal(t, "internal", body.Error.Code)
	assert.Equal(t, "internal error (request id "+req.RequestContext.RequestID+")", body.Error.Message)
	assert.NotContains(t, resp.Body, "no-such-table", "AWS details stay in the logs")

	var logged map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "log line %q is not JSON", sc.Text())
		if line["level"] == "ERROR" {
			logged = line
		}
	}
	require.NotNil(t, logged, logs.String())
	assert.Equal(t, req.RequestContext.RequestID, logged["requestId"])
	assert.Equal(t, 500.0, logged["status"])
	assert.Contains(t, logged["error"], "ResourceNotFoundException")
}

func TestUnknownRouteIs404(t *testing.T) {
	f := newFixture(t)
	for fn, h := range f.handlers {
		req, _ := request(t, "GET", "/products", anon, "")
		req.Resource, req.HTTPMethod = "/nowhere", "PATCH"
		resp, err := h.Handle(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, 404, resp.StatusCode, fn)
		assert.Contains(t, resp.Body, `"code":"not_found"`)
	}
	// A route of another function is not served by this one.
	req, _ := request(t, "GET", "/orders", alice, "")
	resp, _ := f.handlers["catalog"].Handle(context.Background(), req)
	assert.Equal(t, 404, resp.StatusCode)
}
