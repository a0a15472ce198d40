// Package serve wires the API functions: how each one's handler is built over its store (the one
// wiring the Lambda mains and make dev's platform share) and how a main runs it on Lambda, opening
// its store, wrapping it with the stack's CORS origins and starting the runtime.
package serve

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"shopstack/contract/routes"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/cors"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

// NewHandler builds a function's handler on its store; region is where it runs (health reports it).
type NewHandler func(db *store.DB, region string, log *slog.Logger) (*api.Handler, error)

// Handlers are the API functions of the route table (routes.Catalog ...), by name.
var Handlers = map[string]NewHandler{
	routes.Catalog: func(db *store.DB, _ string, log *slog.Logger) (*api.Handler, error) {
		return api.NewCatalog(shop.NewCatalog(db.Products()), log)
	},
	routes.Cart: func(db *store.DB, _ string, log *slog.Logger) (*api.Handler, error) {
		return api.NewCart(shop.NewCarts(db.Carts(), db.Products()), log)
	},
	routes.Checkout: func(db *store.DB, _ string, log *slog.Logger) (*api.Handler, error) {
		return api.NewCheckout(shop.NewCheckout(db.Carts(), db.Products(), db.Orders()), log)
	},
	routes.Orders: func(db *store.DB, _ string, log *slog.Logger) (*api.Handler, error) {
		return api.NewOrders(shop.NewOrders(db.Orders()), log)
	},
	routes.Health: func(db *store.DB, region string, log *slog.Logger) (*api.Handler, error) {
		return api.NewHealth(shop.NewHealth(db.Products()), region, log)
	},
}

// Lambda serves the handler of the API function name until the runtime stops. A function that
// cannot start (unknown name, missing environment, bad AWS config) logs why as JSON and exits, so
// Lambda reports an init error.
func Lambda(name string) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	fail := func(err string) {
		log.Error("start "+name, "error", err)
		os.Exit(1)
	}
	newHandler, ok := Handlers[name]
	if !ok {
		fail("no API function of that name in serve.Handlers")
	}
	db, err := store.Open(context.Background(), name)
	if err != nil {
		fail(err.Error())
	}
	h, err := newHandler(db, os.Getenv("AWS_REGION"), log)
	if err != nil {
		fail(err.Error())
	}
	lambda.Start(cors.Wrap(h.Handle, cors.ParseOrigins(os.Getenv(cors.EnvVar))))
}
