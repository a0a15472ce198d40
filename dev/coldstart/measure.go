package coldstart

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"shopstack/contract/schema"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/consumer"
	"shopstack/functions/lib/cors"
	"shopstack/lambdabuild"
)

// Measure builds every function and the hello world for this machine with the functions' flags,
// starts DynamoDB Local with the schema's tables for the functions' first reads, and writes the
// report of n cold starts per binary to w (progress to progress).
func Measure(ctx context.Context, dir string, n int, w, progress io.Writer) error {
	builder, err := lambdabuild.New(dir, lambdabuild.Host)
	if err != nil {
		return err
	}
	names, err := builder.Functions(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "building %d functions and %s for %s/%s\n", len(names), Hello, lambdabuild.Host.GOOS, lambdabuild.Host.GOARCH)
	binaries := map[string]string{Hello: filepath.Join(builder.Root, ".build", "coldstart", Hello)}
	if err := builder.BuildMain(ctx, "./dev/coldstart/"+Hello, binaries[Hello]); err != nil {
		return err
	}
	for _, name := range names {
		art, err := builder.Build(ctx, name)
		if err != nil {
			return err
		}
		binaries[name] = art.Binary
	}
	fmt.Fprintln(progress, "starting DynamoDB Local")
	db, err := dynamolocal.Start(ctx)
	if err != nil {
		return err
	}
	defer db.Stop()
	tables, err := dynamolocal.CreateTables(ctx, db.Client(), "coldstart-")
	if err != nil {
		return err
	}
	env := FunctionEnv(tables, db.Endpoint)
	var targets []Target
	for _, name := range append([]string{Hello}, names...) {
		event, check, err := FirstEvent(name, tables[schema.Products])
		if err != nil {
			return err
		}
		targets = append(targets, Target{Name: name, Binary: binaries[name], Env: env, Event: event, Check: check})
	}
	fmt.Fprintf(progress, "%d cold starts of each of %d binaries, one process at a time\n", n, len(targets))
	results, err := Run(ctx, targets, n, progress)
	if err != nil {
		return err
	}
	return Report(w, results, Hello)
}

// FunctionEnv is what the stack sets for the functions (every table's name, the writer region,
// CORS origins, the pipeline's topic, bus and queue), with DynamoDB at endpoint. Every other AWS
// service is pointed at a closed loopback port, so nothing a function does leaves this machine.
// The credentials are dynamolocal's: DynamoDB Local keeps one database per access key.
func FunctionEnv(tables map[string]string, endpoint string) []string {
	env := []string{
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_ENDPOINT_URL=http://127.0.0.1:9",
		"AWS_ENDPOINT_URL_DYNAMODB=" + endpoint,
		"WRITER_REGION=" + Region,
		cors.EnvVar + "=http://localhost:3000",
		consumer.TopicEnv + "=arn:aws:sns:" + Region + ":123456789012:coldstart",
		"EVENT_BUS_NAME=coldstart",
		schema.FailuresQueueEnv + "=http://127.0.0.1:9/123456789012/coldstart-failures",
	}
	for _, t := range schema.Tables() {
		env = append(env, schema.EnvVar(t.Name)+"="+tables[t.Name])
	}
	// The ledger is not created: the consumers' first events are ones they skip unread.
	for _, t := range schema.EventTables() {
		env = append(env, schema.EnvVar(t.Name)+"=coldstart-"+t.Name)
	}
	return env
}
