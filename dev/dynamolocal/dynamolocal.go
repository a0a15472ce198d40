// Package dynamolocal runs one DynamoDB Local (the AWS jar, shipped in the npm package
// amplify-dynamodb-simulator) per test binary and creates the schema's tables in it
// under a unique prefix per test, so tests are independent.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { dynamolocal.Main(m) }
package dynamolocal

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"shopstack/contract/schema"
)

// DirEnv overrides where DynamoDBLocal.jar is looked for.
const DirEnv = "DYNAMODB_LOCAL_DIR"

// installHint tells a developer how to get what is missing.
const installHint = "run dev/dynamolocal/install.sh (the Makefile's test target does)"

// jarDir is the emulator folder inside the pinned npm package, relative to the module root.
const jarDir = "dev/dynamolocal/emulator/node_modules/amplify-dynamodb-simulator/emulator"

// Server is a running DynamoDB Local.
type Server struct {
	Endpoint string
	cmd      *exec.Cmd
	out      *tail
	done     chan struct{}
}

// Start launches DynamoDB Local in memory on a free port and waits until it answers.
func Start(ctx context.Context) (*Server, error) { return start(ctx) }

// start is Start with extra JVM flags.
func start(ctx context.Context, jvmFlags ...string) (*Server, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: java is not on PATH; install a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless) or %s", installHint)
	}
	dir, err := findJar()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: pick a port: %w", err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), out: &tail{}, done: make(chan struct{})}
	args := append([]string{"-Xms64m", "-Xmx512m", "-XX:+UseSerialGC"}, jvmFlags...)
	s.cmd = exec.Command(java, append(args,
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", "DynamoDBLocal.jar", "-inMemory", "-disableTelemetry", "-port", strconv.Itoa(port))...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	setDeathSignal(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamolocal: start %s: %w", java, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := s.wait(ctx, 60*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// wait polls ListTables until DynamoDB Local answers, the process dies or time runs out.
func (s *Server) wait(ctx context.Context, limit time.Duration) error {
	c := s.Client()
	deadline := time.Now().Add(limit)
	for {
		probe, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.ListTables(probe, &dynamodb.ListTablesInput{})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("dynamolocal: DynamoDB Local exited during start-up; its output:\n%s", s.out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dynamolocal: DynamoDB Local did not answer on %s within %s: %v; its output:\n%s", s.Endpoint, limit, err, s.out)
		}
	}
}

// Stop kills DynamoDB Local and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
}

// Client returns a DynamoDB client for the server with fixed local credentials.
func (s *Server) Client() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

// findJar returns the folder holding DynamoDBLocal.jar: $DYNAMODB_LOCAL_DIR, or the
// pinned npm package under the module root.
func findJar() (string, error) {
	dir := os.Getenv(DirEnv)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", fmt.Errorf("dynamolocal: %w", err)
		}
		dir = filepath.Join(root, jarDir)
	}
	if _, err := os.Stat(filepath.Join(dir, "DynamoDBLocal.jar")); err != nil {
		return "", fmt.Errorf("dynamolocal: DynamoDB Local is not installed: %s/DynamoDBLocal.jar is missing; %s", dir, installHint)
	}
	return dir, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; set " + DirEnv)
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the last 8 KiB of the server's output for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if n := len(t.buf) - 8<<10; n > 0 {
		t.buf = t.buf[n:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}

var shared *Server

// Main starts the shared server, runs the tests and stops it; a failure to start fails
// the binary with a message that says what to install. The server also dies with the
// test process if a test panics or times out (Linux parent-death signal).
func Main(m *testing.M) {
	flag.Parse()
	var jvmFlags []string
	if flag.Lookup("test.bench").Value.String() == "" {
		// Tests only: the JVM's quick C1 compiler, not the optimising C2. A test binary's
		// server lives for seconds, too short for C2 to win back its compile time (start-up
		// measured 5.2 -> 3.0 CPU-s); benchmarks keep the full JIT, at the speed they measure.
		jvmFlags = []string{"-XX:TieredStopAtLevel=1"}
	}
	s, err := start(context.Background(), jvmFlags...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

// Client returns a client of the server started by Main.
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	if shared == nil {
		t.Fatal("dynamolocal: no server; call dynamolocal.Main(m) from TestMain")
	}
	return shared.Client()
}

var tableSeq atomic.Int64

// Tables creates every table of schema.Tables() under a prefix unique to this test and
// returns logical -> physical names; the tables are deleted when the test ends.
func Tables(t testing.TB, c *dynamodb.Client) map[string]string {
	t.Helper()
	prefix := fmt.Sprintf("t%d-%s-", tableSeq.Add(1), sanitize(t.Name()))
	names, err := CreateTables(context.Background(), c, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, n := range names {
			_, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(n)})
		}
	})
	return names
}

func sanitize(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) > 150 {
		b = b[:150]
	}
	return string(b)
}

// CreateTables creates the schema's tables named prefix+logical name, on demand
// billing, with their indexes and TTL, and returns logical -> physical names.
func CreateTables(ctx context.Context, c *dynamodb.Client, prefix string) (map[string]string, error) {
	names := map[string]string{}
	for _, tb := range schema.Tables() {
		in := CreateTableInput(tb, prefix+tb.Name)
		if _, err := c.CreateTable(ctx, in); err != nil {
			return nil, fmt.Errorf("dynamolocal: create table %s: %w", *in.TableName, err)
		}
		if tb.TTLAttribute != "" {
			_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName:               in.TableName,
				TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(tb.TTLAttribute), Enabled: aws.Bool(true)},
			})
			if err != nil {
				return nil, fmt.Errorf("dynamolocal: enable TTL on %s: %w", *in.TableName, err)
			}
		}
		names[tb.Name] = *in.TableName
	}
	return names, nil
}

// CreateTableInput translates a schema table into the CreateTable request.
func CreateTableInput(tb schema.Table, name string) *dynamodb.CreateTableInput {
	attrs := map[string]types.ScalarAttributeType{}
	keys := func(hash schema.Attribute, rng *schema.Attribute) []types.KeySchemaElement {
		attrs[hash.Name] = types.ScalarAttributeType(hash.Type)
		ks := []types.KeySchemaElement{{AttributeName: aws.String(hash.Name), KeyType: types.KeyTypeHash}}
		if rng != nil {
			attrs[rng.Name] = types.ScalarAttributeType(rng.Type)
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(rng.Name), KeyType: types.KeyTypeRange})
		}
		return ks
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keys(tb.HashKey, tb.RangeKey),
	}
	for _, ix := range tb.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keys(ix.HashKey, ix.RangeKey),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	for _, n := range slices.Sorted(maps.Keys(attrs)) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: attrs[n]})
	}
	return in
}
