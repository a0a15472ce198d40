// Package coldstart measures the cold start of built function binaries the way Lambda starts
// them: a fresh process per sample, with Lambda's environment variables, against a stand-in of
// the Runtime API (RuntimeAPI). Init is process start to its first GET …/invocation/next; first
// invoke is that event's delivery to the function's answer. `make coldstart` (cmd/coldstart)
// compares every function with aws-lambda-go's hello world (./hello) built the same way.
package coldstart

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"time"
)

// Target is one binary to start and the event its first invocation carries.
type Target struct {
	Name   string
	Binary string
	Env    []string // the function's own variables, after Lambda's (LambdaEnv)
	Event  []byte
	// Check judges the first invocation's answer; nil accepts any answer that is not a
	// function error.
	Check func(Answer) error
}

// Sample is one cold start.
type Sample struct {
	Init   time.Duration // process start → first GET …/invocation/next
	Invoke time.Duration // event sent → response posted
}

// Result is every sample of one target.
type Result struct {
	Name    string
	Samples []Sample
}

// invokeTimeout is the first invocation's deadline (Lambda-Runtime-Deadline-Ms), the stack's
// default function timeout.
const invokeTimeout = 10 * time.Second

// Run starts every target n times, one process at a time, and returns their samples in the
// targets' order. It first starts each binary once untimed, so every one is read from the page
// cache, then runs n rounds visiting every target once, so load from neighbours on a shared
// machine falls on all targets alike. progress, when not nil, gets a dot per round.
func Run(ctx context.Context, targets []Target, n int, progress io.Writer) ([]Result, error) {
	results := make([]Result, len(targets))
	for i, t := range targets {
		results[i].Name = t.Name
		if _, err := Once(ctx, t); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	for round := 0; round < n; round++ {
		for k := range targets {
			i := (k + round) % len(targets) // rotate who goes first
			s, err := Once(ctx, targets[i])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", targets[i].Name, err)
			}
			results[i].Samples = append(results[i].Samples, s)
		}
		if progress != nil {
			fmt.Fprint(progress, ".")
		}
	}
	if progress != nil {
		fmt.Fprintln(progress)
	}
	return results, nil
}

// Once starts t's binary as a fresh process with its own Runtime API, delivers one event, and
// ends the process once it has answered.
func Once(ctx context.Context, t Target) (Sample, error) {
	api, err := StartRuntimeAPI(t.Event, "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		"arn:aws:lambda:"+Region+":123456789012:function:"+t.Name, invokeTimeout)
	if err != nil {
		return Sample{}, err
	}
	defer api.Close()
	cmd := exec.Command(t.Binary)
	cmd.Env = append(LambdaEnv(t.Name, api.Addr), t.Env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	ctx, cancel := context.WithTimeout(ctx, invokeTimeout+5*time.Second)
	defer cancel()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Sample{}, err
	}
	// exited is closed when the process ends; waitErr is then its exit status.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	next, sent, done, answer, err := api.Timings(ctx, exited)
	if err != nil {
		select {
		case <-exited:
			err = fmt.Errorf("%w (%v)", err, waitErr)
		default:
		}
		return Sample{}, fmt.Errorf("%w\n%s", err, logs.String())
	}
	if answer.ErrorType != "" {
		return Sample{}, fmt.Errorf("function error %s: %s\n%s", answer.ErrorType, answer.Body, logs.String())
	}
	if t.Check != nil {
		if err := t.Check(answer); err != nil {
			return Sample{}, fmt.Errorf("first invocation: %w\n%s", err, logs.String())
		}
	}
	return Sample{Init: next.Sub(start), Invoke: done.Sub(sent)}, nil
}

// Region is the region every measured function believes it runs in.
const Region = "us-east-1"

// LambdaEnv is the environment Lambda gives a provided.al2023 function's process: the defined
// runtime variables of "Using Lambda environment variables"
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// AWS_EXECUTION_ENV excepted (not set for OS-only runtimes), with placeholder credentials.
// Nothing of this machine's environment is passed on, so no local AWS profile or setting
// changes what a function does at start.
func LambdaEnv(function, runtimeAPI string) []string {
	return []string{
		"_HANDLER=bootstrap",
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_LAMBDA_FUNCTION_NAME=" + function,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + function,
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_ACCESS_KEY_ID=AKIDCOLDSTART",
		"AWS_SECRET_ACCESS_KEY=coldstart",
		"AWS_SESSION_TOKEN=coldstart",
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"LAMBDA_TASK_ROOT=/var/task",
		"LAMBDA_RUNTIME_DIR=/var/runtime",
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
	}
}

// Stats are the median and 90th percentile (nearest rank) of some durations.
type Stats struct{ P50, P90 time.Duration }

// Of returns the stats of ds.
func Of(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	p50 := s[(len(s)-1)/2]
	if len(s)%2 == 0 {
		p50 = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	rank := (len(s)*9 + 9) / 10 // ceil(0.9 n)
	return Stats{P50: p50, P90: s[rank-1]}
}

// Inits and Invokes return the samples' init and first-invoke durations.
func (r Result) Inits() []time.Duration {
	return r.pick(func(s Sample) time.Duration { return s.Init })
}
func (r Result) Invokes() []time.Duration {
	return r.pick(func(s Sample) time.Duration { return s.Invoke })
}

func (r Result) pick(f func(Sample) time.Duration) []time.Duration {
	out := make([]time.Duration, len(r.Samples))
	for i, s := range r.Samples {
		out[i] = f(s)
	}
	return out
}

// Report writes one line per result: init and first-invoke median and p90, and each median as
// a multiple of the baseline's (the result named baseline).
func Report(w io.Writer, results []Result, baseline string) error {
	var base Result
	for _, r := range results {
		if r.Name == baseline {
			base = r
		}
	}
	if base.Name == "" {
		return fmt.Errorf("no result for the baseline %q", baseline)
	}
	bi, bv := Of(base.Inits()), Of(base.Invokes())
	width := len("function")
	for _, r := range results {
		width = max(width, len(r.Name))
	}
	fmt.Fprintf(w, "%-*s %4s %10s %10s %8s %12s %12s %8s\n", width, "function", "n", "init p50", "init p90", "init ×", "invoke p50", "invoke p90", "invoke ×")
	for _, r := range results {
		i, v := Of(r.Inits()), Of(r.Invokes())
		fmt.Fprintf(w, "%-*s %4d %10s %10s %7.2f× %12s %12s %7.2f×\n", width, r.Name, len(r.Samples),
			ms(i.P50), ms(i.P90), float64(i.P50)/float64(bi.P50), ms(v.P50), ms(v.P90), float64(v.P50)/float64(bv.P50))
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
