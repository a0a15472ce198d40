package coldstart

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"shopstack/contract/schema"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/consumer"
	"shopstack/functions/lib/cors"
	"shopstack/lambdabuild"
)

// Measure builds every function and the baselines (Baselines) for this machine with the
// functions' flags, starts DynamoDB Local with the schema's tables for the functions' first reads,
// and writes the report of n cold starts per binary to w (progress to progress). base, when not
// "", is the root of a second source tree (another commit of this module): its functions are
// built the same way and started in the same rounds, reported as "<name>@base".
func Measure(ctx context.Context, dir, base string, n int, w, progress io.Writer) error {
	builder, err := lambdabuild.New(dir, lambdabuild.Host)
	if err != nil {
		return err
	}
	names, err := builder.Functions(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "building %d functions and %d baselines for %s/%s\n", len(names), len(Baselines), lambdabuild.Host.GOOS, lambdabuild.Host.GOARCH)
	binaries := map[string]string{}
	for _, b := range Baselines {
		binaries[b] = filepath.Join(builder.Root, ".build", "coldstart", b)
		if err := builder.BuildMain(ctx, "./dev/coldstart/"+b, binaries[b]); err != nil {
			return err
		}
	}
	for _, name := range names {
		art, err := builder.Build(ctx, name)
		if err != nil {
			return err
		}
		binaries[name] = art.Binary
	}
	measured := append(slices.Clone(Baselines), names...)
	if base != "" {
		baseNames, err := buildBase(ctx, base, binaries, progress)
		if err != nil {
			return err
		}
		measured = append(measured, baseNames...)
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
	for _, name := range measured {
		event, check, err := FirstEvent(strings.TrimSuffix(name, baseSuffix), tables[schema.Products])
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

// baseSuffix marks a function of the base tree in results.
const baseSuffix = "@base"

// buildBase builds every function of the source tree at root with the same builder, adds their
// binaries to binaries as "<name>@base" and returns those names.
func buildBase(ctx context.Context, root string, binaries map[string]string, progress io.Writer) ([]string, error) {
	builder, err := lambdabuild.New(root, lambdabuild.Host)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	names, err := builder.Functions(ctx)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	fmt.Fprintf(progress, "building %d functions of the base tree %s\n", len(names), builder.Root)
	var out []string
	for _, name := range names {
		// The list is this tree's (contract.Lambdas): a function renamed or added since the base
		// has no folder there.
		if _, err := os.Stat(filepath.Join(root, "functions", name, "main.go")); err != nil {
			fmt.Fprintf(progress, "base: no functions/%s; measured in this tree only\n", name)
			continue
		}
		art, err := builder.Build(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("base: %w", err)
		}
		binaries[name+baseSuffix] = art.Binary
		out = append(out, name+baseSuffix)
	}
	return out, nil
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
