// Command dev serves the whole shopstack API on localhost for frontend teams: DynamoDB Local
// with the tables and a sample catalog, the Lambda handlers behind the route table, CORS as
// the dev stack allows, and the stack outputs in .build/local/outputs.json. Ctrl-C stops it.
//
//	make dev    # go run ./cmd/dev -port 3001
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"shopstack/dev/dynamolocal"
	"shopstack/dev/local"
)

func main() {
	port := flag.Int("port", 3001, "port of the API on 127.0.0.1 (0 picks a free one)")
	dynamoPort := flag.Int("dynamodb-port", 0, "use the DynamoDB Local already on 127.0.0.1:<port> instead of starting one in memory")
	stack := flag.String("stack", "dev", "stack whose shopstack:allowedOrigins the CORS rules follow")
	outputs := flag.String("outputs", ".build/local/outputs.json", "where to write the stack outputs JSON, relative to the module root")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, *port, *dynamoPort, *stack, *outputs); err != nil {
		log.Error("dev", "error", err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, port, dynamoPort int, stack, outputs string) error {
	root, err := dynamolocal.ModuleRoot()
	if err != nil {
		return err
	}
	origins, err := local.AllowedOrigins(root, stack)
	if err != nil {
		return err
	}
	p, err := local.Start(ctx, local.Options{
		Addr: "127.0.0.1:" + strconv.Itoa(port), DynamoDBPort: dynamoPort, AllowedOrigins: origins, Log: log,
	})
	if err != nil {
		return err
	}
	out, err := local.WriteOutputs(filepath.Join(root, outputs), p.Outputs())
	if err == nil {
		log.Info("ready", "apiUrl", p.URL, "dynamodb", p.DynamoDBEndpoint, "seededProducts", p.Seeded,
			"allowedOrigins", origins, "outputs", filepath.Join(root, outputs),
			"devHeaders", local.DevUserHeader+": <sub>, "+local.DevGroupsHeader+": admin")
		fmt.Print(string(out))
		<-ctx.Done()
		log.Info("stopping")
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := p.Stop(stopCtx); serr != nil {
		return serr
	}
	log.Info("stopped")
	return err
}
