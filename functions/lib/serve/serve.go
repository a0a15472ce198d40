// Package serve runs an API handler as a Lambda function: the one place where a service's main
// opens its store, wraps the handler with the stack's CORS origins and starts the runtime, so each
// functions/<name>/main.go only says which handler it serves.
package serve

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"shopstack/functions/lib/api"
	"shopstack/functions/lib/cors"
	"shopstack/functions/lib/store"
)

// NewHandler builds a service's handler on its store.
type NewHandler func(db *store.DB, log *slog.Logger) (*api.Handler, error)

// Lambda serves the handler of service until the runtime stops. A function that cannot start
// (missing environment, bad AWS config) logs why as JSON and exits, so Lambda reports an init error.
func Lambda(service string, newHandler NewHandler) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	db, err := store.Open(context.Background(), service)
	if err != nil {
		log.Error("start "+service, "error", err.Error())
		os.Exit(1)
	}
	h, err := newHandler(db, log)
	if err != nil {
		log.Error("start "+service, "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(cors.Wrap(h.Handle, cors.ParseOrigins(os.Getenv(cors.EnvVar))))
}
