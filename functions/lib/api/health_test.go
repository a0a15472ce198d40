package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

// TestHealthAnswersWhileTheTableDoes: 200 with the region when the table answers a read on
// DynamoDB Local, 503 when the table is gone.
func TestHealthAnswersWhileTheTableDoes(t *testing.T) {
	client := dynamolocal.Client(t)
	tables := dynamolocal.Tables(t, client)
	handler := func(tables map[string]string) *api.Handler {
		h, err := api.NewHealth(shop.NewHealth(store.New(client, client, tables).Products()), "eu-west-1", slog.New(slog.NewJSONHandler(io.Discard, nil)))
		require.NoError(t, err)
		return h
	}
	req := events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/health", Path: "/health"}

	resp, err := handler(tables).Handle(context.Background(), req)
	require.NoError(t, err)
	checkContract(t, req, resp)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	var body api.HealthStatus
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
	assert.Equal(t, api.HealthStatus{Status: "ok", Region: "eu-west-1"}, body)

	missing := map[string]string{}
	for logical, physical := range tables {
		missing[logical] = physical + "-deleted"
	}
	resp, err = handler(missing).Handle(context.Background(), req)
	require.NoError(t, err)
	checkContract(t, req, resp)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
	assert.Equal(t, api.HealthStatus{Status: "unavailable", Region: "eu-west-1"}, body)
}
