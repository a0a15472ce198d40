// Package localinvoke runs a built function binary under the AWS Lambda Runtime Interface Emulator
// (the same Runtime API the Lambda service speaks) and invokes it, as `aws lambda invoke` would.
package localinvoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// invocationsPath is the emulator's invoke endpoint, the Lambda Invoke API path for one function.
const invocationsPath = "/2015-03-31/functions/function/invocations"

// Emulator is a running Runtime Interface Emulator hosting one bootstrap binary.
type Emulator struct {
	cmd  *exec.Cmd
	url  string
	logs bytes.Buffer
	done chan error
}

// FunctionError is what an invocation returns when the function itself failed: the body Lambda
// returns with the X-Amz-Function-Error header.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// RIEPath returns the emulator binary, built by the go command from the module's tool directive.
func RIEPath(ctx context.Context, moduleRoot string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "-n", "aws-lambda-rie")
	cmd.Dir = moduleRoot
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locate aws-lambda-rie (go tool): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Start launches the emulator with bootstrap on free loopback ports and waits until it accepts
// connections. env is added to the function's environment.
func Start(ctx context.Context, rie, bootstrap string, env []string) (*Emulator, error) {
	invokeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	e := &Emulator{url: "http://" + invokeAddr + invocationsPath, done: make(chan error, 1)}
	e.cmd = exec.Command(rie, "--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", runtimeAddr, bootstrap)
	e.cmd.Env = append(os.Environ(), env...)
	e.cmd.Stdout, e.cmd.Stderr = &e.logs, &e.logs
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	go func() { e.done <- e.cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", invokeAddr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return e, nil
		}
		select {
		case err := <-e.done:
			return nil, fmt.Errorf("emulator exited before serving: %v\n%s", err, e.logs.String())
		case <-ctx.Done():
			e.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("emulator did not listen on %s within 10s\n%s", invokeAddr, e.logs.String())
		}
	}
}

// Invoke sends one payload and returns the function's result bytes, or a *FunctionError when the
// function returned an error.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke: read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("invoke: emulator answered %s: %s", resp.Status, body)
	}
	// The emulator answers 200 for function errors too; like the Lambda service it marks them with
	// an errorType, which a function's own result never has at the top level.
	var fnErr FunctionError
	if json.Unmarshal(body, &fnErr) == nil && fnErr.Type != "" {
		return nil, &fnErr
	}
	return body, nil
}

// Logs returns what the emulator and the function printed so far.
func (e *Emulator) Logs() string { return e.logs.String() }

// Stop ends the emulator and the function process.
func (e *Emulator) Stop() error {
	if e.cmd.Process == nil {
		return nil
	}
	_ = e.cmd.Process.Signal(os.Interrupt)
	select {
	case <-e.done:
	case <-time.After(3 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
	return nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
