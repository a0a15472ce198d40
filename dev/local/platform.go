// Package local runs the whole shopstack API on localhost, for frontend teams and tests:
// DynamoDB Local with the schema's tables and a sample catalog, the handlers of the
// functions behind the route table built as their Lambda mains build them, and an HTTP
// server that hands them the API Gateway REST events the deployed API would. cmd/dev and
// cmd/load are its mains.
package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"shopstack/contract/openapi"
	"shopstack/dev/docs"
	"shopstack/dev/dynamolocal"
	"shopstack/engine"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/serve"
	"shopstack/functions/lib/store"
	"shopstack/stacks"
)

// DefaultAddr is where make dev serves the API.
const DefaultAddr = "127.0.0.1:3001"

// Options configure Start.
type Options struct {
	// Addr is the listen address; it must be a loopback address, since the development
	// identity headers make anyone an admin. "" means DefaultAddr; port 0 picks a free one.
	Addr string
	// DynamoDBPort, when set, uses the DynamoDB Local already listening on 127.0.0.1:port
	// (its tables and data are kept); 0 starts one in memory on a free port.
	DynamoDBPort int
	// AllowedOrigins are the CORS origins, as shopstack:allowedOrigins of the dev stack.
	AllowedOrigins []string
	// FunctionTimeout is each invocation's time, as the deployed functions' timeout gives Lambda's
	// context its deadline; 0 means the dev stack's shopstack:functionTimeoutSeconds.
	FunctionTimeout time.Duration
	// Log receives the request logs, as JSON; nil discards them.
	Log *slog.Logger
}

// Platform is a running local API.
type Platform struct {
	URL              string            // base URL, ending in "/" like the stack's apiUrl
	DynamoDBEndpoint string            // where the tables are
	Tables           map[string]string // logical -> physical table names
	Seeded           int               // sample products added by this start

	dynamo   *dynamolocal.Server // nil when connected to a DynamoDB Local we did not start
	pipeline *Pipeline
	srv      *http.Server
	served   chan error
}

// Start brings the platform up: DynamoDB Local, tables, sample catalog, handlers, the event
// pipeline (StartPipeline), HTTP server. Whatever it started is stopped again if a later step
// fails.
func Start(ctx context.Context, opts Options) (_ *Platform, err error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	// Listen first: a busy port fails before DynamoDB Local spends seconds starting.
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("local: listen on %s: %w", addr, err)
	}
	p := &Platform{served: make(chan error, 1)}
	defer func() {
		if err == nil {
			return
		}
		_ = l.Close()
		if p.pipeline != nil {
			p.pipeline.Stop()
		}
		if p.dynamo != nil {
			p.dynamo.Stop()
		}
	}()
	if opts.DynamoDBPort > 0 {
		p.DynamoDBEndpoint = "http://127.0.0.1:" + strconv.Itoa(opts.DynamoDBPort)
	} else {
		if p.dynamo, err = dynamolocal.Start(ctx); err != nil {
			return nil, fmt.Errorf("local: start DynamoDB Local: %w", err)
		}
		p.DynamoDBEndpoint = p.dynamo.Endpoint
	}
	client := dynamoClient(p.DynamoDBEndpoint)
	if p.Tables, err = EnsureTables(ctx, client, TablePrefix); err != nil {
		return nil, fmt.Errorf("local: DynamoDB Local at %s: %w", p.DynamoDBEndpoint, err)
	}
	db := store.New(client, client, p.Tables)
	if p.Seeded, err = Seed(ctx, db.Products(), SampleCatalog()); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	handlers, err := Handlers(db, log)
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	timeout := opts.FunctionTimeout
	if timeout == 0 {
		root, err := dynamolocal.ModuleRoot()
		if err != nil {
			return nil, fmt.Errorf("local: %w", err)
		}
		if timeout, err = FunctionTimeout(root, "dev"); err != nil {
			return nil, fmt.Errorf("local: %w", err)
		}
	}
	server, err := NewServer(handlers, opts.AllowedOrigins, timeout, log)
	if err != nil {
		return nil, err
	}
	if p.pipeline, err = StartPipeline(client, p.Tables, log); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	p.URL = "http://" + l.Addr().String() + "/"
	p.srv = &http.Server{Handler: LoopbackHosts(docs.Serve(openapi.Serve(server))), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { p.served <- p.srv.Serve(l) }()
	return p, nil
}

// Handlers builds the handler of every function that serves routes over db with the wiring its
// Lambda main uses (serve.Handlers), keyed by function name; each logs with its name. The health
// function reports region "local".
func Handlers(db *store.DB, log *slog.Logger) (map[string]*api.Handler, error) {
	hs := map[string]*api.Handler{}
	var errs []error
	for name, newHandler := range serve.Handlers {
		h, err := newHandler(db, Stage, log.With("function", name))
		hs[name] = h
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("build handlers: %w", err)
	}
	return hs, nil
}

// Stop shuts the HTTP server down, letting requests in flight finish until ctx ends, stops
// the event pipeline after its poll in progress, and stops DynamoDB Local if Start started it,
// waiting for its process to exit.
func (p *Platform) Stop(ctx context.Context) error {
	err := p.srv.Shutdown(ctx)
	if serr := <-p.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	p.pipeline.Stop()
	if p.dynamo != nil {
		p.dynamo.Stop()
	}
	if err != nil {
		return fmt.Errorf("local: stop: %w", err)
	}
	return nil
}

// DynamoDBPID is the process id of the DynamoDB Local that Start started; 0 when it
// connected to one instead.
func (p *Platform) DynamoDBPID() int {
	if p.dynamo == nil {
		return 0
	}
	return p.dynamo.PID()
}

// Outputs is the local stand-in for `pulumi stack output --json`: the same keys
// (stacks.OutputKeys), with the API at this server and "local" where AWS has an id.
func (p *Platform) Outputs() map[string]any {
	return map[string]any{
		stacks.OutputAPIURL:              p.URL,
		stacks.OutputAPIURLs:             map[string]string{Stage: p.URL},
		stacks.OutputRegion:              Stage,
		stacks.OutputWriterRegion:        Stage,
		stacks.OutputUserPoolID:          "local",
		stacks.OutputUserPoolClientID:    "local",
		stacks.OutputUserPoolRegion:      Stage,
		stacks.OutputCounterFunctionName: "counter",
		stacks.OutputCounterFunctionArn:  "arn:aws:lambda:local:000000000000:function:counter",
	}
}

// WriteOutputs writes outputs as indented JSON to path, creating its folder, and returns
// the JSON.
func WriteOutputs(path string, outputs map[string]any) ([]byte, error) {
	b, err := json.MarshalIndent(outputs, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	b = append(b, '\n')
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}
	return b, nil
}

// AllowedOrigins reads shopstack:allowedOrigins of a stack (Pulumi.<stack>.yaml under
// root, with Pulumi.yaml's default) through the stack's validated config, as the deployed
// functions get them.
func AllowedOrigins(root, stack string) ([]string, error) {
	c, err := engine.StackConfig(root, stack)
	if err != nil {
		return nil, fmt.Errorf("allowed origins: %w", err)
	}
	return c.AllowedOrigins, nil
}

// FunctionTimeout reads shopstack:functionTimeoutSeconds of a stack (Pulumi.<stack>.yaml under
// root, with Pulumi.yaml's default) through the stack's validated config: the timeout the
// deployed functions get.
func FunctionTimeout(root, stack string) (time.Duration, error) {
	c, err := engine.StackConfig(root, stack)
	if err != nil {
		return 0, fmt.Errorf("function timeout: %w", err)
	}
	return time.Duration(c.Function.TimeoutSeconds) * time.Second, nil
}

// dynamoClient returns a client of the DynamoDB Local at endpoint, with the fixed
// credentials it accepts.
func dynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	}, store.WithRetryPolicy)
}

// IsLoopbackHost reports whether host names this machine's loopback: localhost, 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// checkLoopback refuses to listen beyond this machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("local: address %q: %w", addr, err)
	}
	if !IsLoopbackHost(host) {
		return fmt.Errorf("local: address %q is not a loopback address; the development headers grant any identity, so the local API only listens on 127.0.0.1 or ::1", addr)
	}
	return nil
}
