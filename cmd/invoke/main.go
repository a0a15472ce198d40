// Command invoke builds a function for this machine and invokes the built binary through the Lambda
// Runtime API, printing the result on its last line as `aws lambda invoke` would write it.
//
//	go run ./cmd/invoke -fn counter -payload '{"number": 10}'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"shopstack/dev/localinvoke"
	"shopstack/lambdabuild"
)

func main() {
	fn := flag.String("fn", "counter", "function folder under functions/")
	payload := flag.String("payload", "{}", "JSON payload")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *fn, []byte(*payload)); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, fn string, payload []byte) error {
	builder, err := lambdabuild.New(".", lambdabuild.Host)
	if err != nil {
		return err
	}
	art, err := builder.Build(ctx, fn)
	if err != nil {
		return err
	}
	rie, err := localinvoke.RIEPath(ctx, builder.Root)
	if err != nil {
		return err
	}
	emu, err := localinvoke.Start(ctx, rie, art.Binary, nil)
	if err != nil {
		return err
	}
	defer emu.Stop()
	result, err := emu.Invoke(ctx, payload)
	var fnErr *localinvoke.FunctionError
	if errors.As(err, &fnErr) {
		// Print the error document as Lambda returns it, then fail like a FunctionError would.
		fmt.Printf(`{"errorType":%q,"errorMessage":%q}`+"\n", fnErr.Type, fnErr.Message)
		return fmt.Errorf("function error %s", fnErr.Type)
	}
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", result)
	return nil
}
