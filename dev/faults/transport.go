package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"shopstack/functions/lib/store"
)

// AWS error codes the Transport answers with, as DynamoDB sends them.
const (
	ProvisionedThroughputExceeded = "ProvisionedThroughputExceededException"
	Throttling                    = "ThrottlingException"
	InternalServerError           = "InternalServerError"
	// TransactionConflict cancels a TransactWriteItems because another transaction holds one
	// of its items: a TransactionCanceledException whose first reason is TransactionConflict.
	TransactionConflict = "TransactionConflict"
)

// Rule is one fault of a Transport: which requests it hits and what it does to them.
type Rule struct {
	Operation string  // DynamoDB operation, e.g. "TransactWriteItems"; "" hits every one
	Times     int     // how many requests it hits; 0 means no limit
	Rate      float64 // the share of matching requests it hits; 0 means all
	// Error is the AWS error code answered instead of sending the request on.
	Error string
	// Around, when set instead, wraps sending the request: a test adds a toxic to the proxy
	// for exactly this request, say.
	Around func(send func() (*http.Response, error)) (*http.Response, error)
}

// Transport is an http.RoundTripper for the SDK's DynamoDB client that applies its rules to
// the requests it passes to Base and counts every request (each SDK attempt) per operation.
type Transport struct {
	Base http.RoundTripper // nil means a transport of its own, like http.DefaultTransport

	mu       sync.Mutex
	rules    []*Rule
	requests map[string]int
	injected map[string]int
}

// Add adds a rule; the first matching rule with hits left applies.
func (t *Transport) Add(r Rule) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rules = append(t.rules, &r)
}

// Clear removes every rule.
func (t *Transport) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rules = nil
}

// Requests is how many requests (SDK attempts) of the operation reached the Transport.
func (t *Transport) Requests(op string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests[op]
}

// Injected is how many requests of the operation a rule hit.
func (t *Transport) Injected(op string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.injected[op]
}

// Operation is the DynamoDB operation of a request, from its X-Amz-Target header.
func Operation(req *http.Request) string {
	target := req.Header.Get("X-Amz-Target")
	return target[strings.LastIndexByte(target, '.')+1:]
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := Operation(req)
	rule, base := t.match(op)
	send := func() (*http.Response, error) { return base.RoundTrip(req) }
	switch {
	case rule == nil:
		return send()
	case rule.Around != nil:
		return rule.Around(send)
	default:
		return awsError(req, rule.Error)
	}
}

// match counts the request and returns the rule that hits it, if any, and the base transport.
func (t *Transport) match(op string) (*Rule, http.RoundTripper) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.requests == nil {
		t.requests, t.injected = map[string]int{}, map[string]int{}
	}
	if t.Base == nil {
		t.Base = http.DefaultTransport.(*http.Transport).Clone()
	}
	t.requests[op]++
	for i, r := range t.rules {
		if r.Operation != "" && r.Operation != op || r.Rate > 0 && rand.Float64() >= r.Rate {
			continue
		}
		if r.Times > 0 {
			if r.Times--; r.Times == 0 {
				t.rules = append(t.rules[:i:i], t.rules[i+1:]...)
			}
		}
		t.injected[op]++
		return r, t.Base
	}
	return nil, t.Base
}

// awsError answers req with the error DynamoDB sends for code (AWS JSON 1.0 protocol).
func awsError(req *http.Request, code string) (*http.Response, error) {
	status, typ := http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#"+code
	body := map[string]any{"message": "injected by faults.Transport"}
	switch code {
	case InternalServerError:
		status = http.StatusInternalServerError
	case Throttling:
		typ = "com.amazon.coral.availability#ThrottlingException"
	case TransactionConflict:
		n, err := transactItems(req)
		if err != nil {
			return nil, err
		}
		reasons := []map[string]string{{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}}
		for range n - 1 {
			reasons = append(reasons, map[string]string{"Code": "None"})
		}
		typ = "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
		body["CancellationReasons"] = reasons
		body["message"] = "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]"
	}
	body["__type"] = typ
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type":     {"application/x-amz-json-1.0"},
			"X-Amzn-Requestid": {"faults-" + code},
		},
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)), Request: req,
	}, nil
}

// transactItems counts the items of a TransactWriteItems request, leaving its body readable.
func transactItems(req *http.Request) (int, error) {
	if req.Body == nil {
		return 0, fmt.Errorf("faults: %s without a body", Operation(req))
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return 0, err
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	var in struct{ TransactItems []json.RawMessage }
	if err := json.Unmarshal(b, &in); err != nil {
		return 0, fmt.Errorf("faults: %s body: %w", Operation(req), err)
	}
	return max(len(in.TransactItems), 1), nil
}

// Client returns a DynamoDB client of the endpoint with the functions' retry policy
// (store.WithRetryPolicy) whose requests go through rt (nil: a transport of its own, straight
// to the endpoint).
func Client(endpoint string, rt http.RoundTripper) *dynamodb.Client {
	if rt == nil {
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   &http.Client{Transport: rt},
	}, store.WithRetryPolicy)
}

// Server is a Transport served over HTTP on loopback, in front of an endpoint: for programs
// whose DynamoDB client cannot be given a Transport, such as the local platform.
type Server struct {
	Addr string // host:port on 127.0.0.1
	srv  *http.Server
}

// Serve serves t as a reverse proxy to endpoint (an http URL) on a free port of 127.0.0.1.
func Serve(t *Transport, endpoint string) (*Server, error) {
	target, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("faults: endpoint %q: %w", endpoint, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faults: listen: %w", err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target); r.Out.Host = target.Host },
		Transport: t,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	s := &Server{Addr: l.Addr().String(), srv: &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }
