package coldstart

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RuntimeAPI is a stand-in for the Lambda Runtime API (version 2018-06-01) serving one
// execution environment that receives one invocation. It models what AWS documents in
// "Using the Lambda runtime API for custom runtimes"
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), and nothing more:
//
//   - GET /2018-06-01/runtime/invocation/next answers the event as the body with the headers
//     Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms (Unix ms),
//     Lambda-Runtime-Invoked-Function-Arn and Lambda-Runtime-Trace-Id. Once the invocation is
//     answered, the next GET is held open ("do not set a timeout on the GET request as the
//     response may be delayed"), as Lambda holds it while no event waits.
//   - POST /2018-06-01/runtime/invocation/{AwsRequestId}/response and …/error answer
//     202 Accepted; an unknown request id, or a second answer to one, is 400 Bad Request; a
//     response over the 6 MB synchronous payload quota is 413 Payload Too Large.
//   - POST /2018-06-01/runtime/init/error answers 202 Accepted.
//
// Anything else is 404: the documented paths are all a runtime may call.
type RuntimeAPI struct {
	// Addr is host:port, the value of AWS_LAMBDA_RUNTIME_API for the function.
	Addr string

	event     []byte
	requestID string
	timeout   time.Duration
	arn       string
	srv       *http.Server

	mu       sync.Mutex
	answered bool
	// Fired once each: the first GET …/next, the invocation's answer, an init error.
	nextCh, doneCh chan time.Time
	sentAt         time.Time
	result         Answer
	initErr        chan string
}

// Answer is what the function sent for its invocation.
type Answer struct {
	Body      []byte
	ErrorType string // Lambda-Runtime-Function-Error-Type of an …/error post; "" for a response
}

// maxResponse is the synchronous invocation's response payload quota (6 MB), from
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html.
const maxResponse = 6 * 1024 * 1024

const apiPrefix = "/2018-06-01/runtime/"

// StartRuntimeAPI serves the stand-in on a free loopback port; the one invocation carries event
// under requestID for the function arn, with timeout as its deadline.
func StartRuntimeAPI(event []byte, requestID, arn string, timeout time.Duration) (*RuntimeAPI, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime api: listen: %w", err)
	}
	r := &RuntimeAPI{
		Addr: l.Addr().String(), event: event, requestID: requestID, arn: arn, timeout: timeout,
		nextCh: make(chan time.Time, 1), doneCh: make(chan time.Time, 1), initErr: make(chan string, 1),
	}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(l)
	return r, nil
}

// Close stops serving and releases a held GET.
func (r *RuntimeAPI) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		return r.srv.Close()
	}
	return nil
}

func (r *RuntimeAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	path, ok := strings.CutPrefix(req.URL.Path, apiPrefix)
	switch {
	case ok && path == "invocation/next" && req.Method == http.MethodGet:
		r.next(w, req, now)
	case ok && path == "init/error" && req.Method == http.MethodPost:
		body, _ := io.ReadAll(io.LimitReader(req.Body, maxResponse))
		select {
		case r.initErr <- string(body):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	case ok && strings.HasPrefix(path, "invocation/") && req.Method == http.MethodPost:
		id, kind, _ := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		if kind != "response" && kind != "error" {
			http.NotFound(w, req)
			return
		}
		r.answer(w, req, id, kind, now)
	default:
		http.NotFound(w, req)
	}
}

func (r *RuntimeAPI) next(w http.ResponseWriter, req *http.Request, now time.Time) {
	r.mu.Lock()
	first := r.sentAt.IsZero()
	if first {
		r.sentAt = time.Now()
	}
	r.mu.Unlock()
	if !first {
		// No second event: hold the request until the environment goes away.
		<-req.Context().Done()
		return
	}
	r.nextCh <- now
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", r.requestID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(r.timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", r.arn)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0")
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(r.event)
}

func (r *RuntimeAPI) answer(w http.ResponseWriter, req *http.Request, id, kind string, now time.Time) {
	body, err := io.ReadAll(io.LimitReader(req.Body, maxResponse+1))
	if err != nil {
		http.Error(w, `{"errorMessage":"unreadable body","errorType":"InvalidRequest"}`, http.StatusBadRequest)
		return
	}
	if len(body) > maxResponse {
		http.Error(w, `{"errorMessage":"response payload too large","errorType":"RequestEntityTooLarge"}`, http.StatusRequestEntityTooLarge)
		return
	}
	r.mu.Lock()
	ok := id == r.requestID && !r.sentAt.IsZero() && !r.answered
	if ok {
		r.answered = true
		r.result = Answer{Body: body}
		if kind == "error" {
			r.result.ErrorType = req.Header.Get("Lambda-Runtime-Function-Error-Type")
			if r.result.ErrorType == "" {
				r.result.ErrorType = "Unhandled"
			}
		}
	}
	r.mu.Unlock()
	if !ok {
		http.Error(w, `{"errorMessage":"invalid request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	r.doneCh <- now
}

// Timings waits for the first GET …/next and the invocation's answer and returns when each
// arrived and when the event was sent, the answer, or an error when the process reported an init
// error or ctx ended first.
func (r *RuntimeAPI) Timings(ctx context.Context, exited <-chan struct{}) (next, sent, done time.Time, a Answer, err error) {
	select {
	case next = <-r.nextCh:
	case msg := <-r.initErr:
		return next, sent, done, a, fmt.Errorf("init error: %s", msg)
	case <-exited:
		return next, sent, done, a, fmt.Errorf("process exited before asking for an event")
	case <-ctx.Done():
		return next, sent, done, a, ctx.Err()
	}
	select {
	case done = <-r.doneCh:
	case <-exited:
		return next, sent, done, a, fmt.Errorf("process exited during its invocation")
	case <-ctx.Done():
		return next, sent, done, a, ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return next, r.sentAt, done, r.result, nil
}
