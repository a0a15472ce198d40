package api

import (
	"context"
	"log/slog"
	"net/http"

	"shopstack/contract/routes"
	"shopstack/functions/lib/shop"
)

// HealthStatus is the body of GET /health (contract/routes).
type HealthStatus = routes.HealthStatus

// NewHealth returns the handler of the health function, which reports for region.
func NewHealth(h *shop.Health, region string, log *slog.Logger) (*Handler, error) {
	return newHandler(routes.Health, log, map[string]endpoint{
		"GET /health": func(ctx context.Context, _ request) (result, error) {
			if err := h.Check(ctx); err != nil {
				log.WarnContext(ctx, "health check failed", "region", region, "error", err.Error())
				return result{status: http.StatusServiceUnavailable, body: HealthStatus{Status: "unavailable", Region: region}}, nil
			}
			return ok(HealthStatus{Status: "ok", Region: region}), nil
		},
	})
}
