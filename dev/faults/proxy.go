// Package faults is test support for fault injection between the functions and DynamoDB
// Local: a Toxiproxy proxy run in-process on loopback, with Toxiproxy's own toxics (latency,
// timeout, reset_peer, limit_data, slicer) and a down state, and a Transport that answers
// with the AWS errors a proxy cannot fake (throttling, DynamoDB's 500, transaction
// conflicts). Tests, make chaos and the load tools use it; the functions never import it.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Proxy is one Toxiproxy proxy in this process: clients connect to Addr, it connects to the
// upstream and passes the bytes through its toxics.
type Proxy struct {
	Addr string // host:port on 127.0.0.1

	mu    sync.Mutex
	proxy *toxiproxy.Proxy
}

// Start starts a proxy on a free port of 127.0.0.1 in front of upstream (host:port, loopback).
func Start(upstream string) (*Proxy, error) {
	host, _, err := net.SplitHostPort(upstream)
	if err != nil {
		return nil, fmt.Errorf("faults: upstream %q: %w", upstream, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("faults: upstream %s is not a loopback address", upstream)
	}
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(server, "dynamodb", "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("faults: start proxy: %w", err)
	}
	return &Proxy{Addr: p.Listen, proxy: p}, nil
}

// Endpoint is the proxy's address as an HTTP endpoint for an SDK client.
func (p *Proxy) Endpoint() string { return "http://" + p.Addr }

// Toxic is one of Toxiproxy's toxics, as its HTTP API takes it: Type is "latency", "timeout",
// "reset_peer", "limit_data", "slicer", "bandwidth" or "slow_close"; Stream is "upstream"
// (client to DynamoDB) or "downstream" (DynamoDB's answers); Toxicity is the share of
// connections it affects (0 means all).
type Toxic struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Stream     string         `json:"stream"`
	Toxicity   float32        `json:"toxicity"`
	Attributes map[string]any `json:"attributes"`
}

// Latency delays every chunk of DynamoDB's answers by ms ± jitter milliseconds.
func Latency(ms, jitter int) Toxic {
	return Toxic{Name: "latency", Type: "latency", Stream: "downstream", Attributes: map[string]any{"latency": ms, "jitter": jitter}}
}

// Timeout swallows what the client sends, so no answer comes, and closes the connection after
// ms milliseconds (never, for 0): a DynamoDB that stops answering.
func Timeout(ms int) Toxic {
	return Toxic{Name: "timeout", Type: "timeout", Stream: "upstream", Attributes: map[string]any{"timeout": ms}}
}

// ResetPeer resets the connection (TCP RST) ms milliseconds after DynamoDB starts answering: the
// request was received and carried out, its answer is lost.
func ResetPeer(ms int) Toxic {
	return Toxic{Name: "reset_peer", Type: "reset_peer", Stream: "downstream", Attributes: map[string]any{"timeout": ms}}
}

// LimitData closes the connection once n bytes of answers have passed: cut mid-answer.
func LimitData(n int) Toxic {
	return Toxic{Name: "limit_data", Type: "limit_data", Stream: "downstream", Attributes: map[string]any{"bytes": n}}
}

// Slicer cuts DynamoDB's answers into chunks of about size bytes, delayed by delayMicros each.
func Slicer(size, delayMicros int) Toxic {
	return Toxic{Name: "slicer", Type: "slicer", Stream: "downstream", Attributes: map[string]any{"average_size": size, "size_variation": size / 2, "delay": delayMicros}}
}

// Add adds a toxic to the proxy, to its open connections and to new ones.
func (p *Proxy) Add(t Toxic) error {
	if t.Toxicity == 0 {
		t.Toxicity = 1
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if _, err := p.proxy.Toxics.AddToxicJson(bytes.NewReader(b)); err != nil {
		return fmt.Errorf("faults: add toxic %s: %w", t.Name, err)
	}
	return nil
}

// Remove removes the toxic of that name.
func (p *Proxy) Remove(name string) error {
	if err := p.proxy.Toxics.RemoveToxic(context.Background(), name); err != nil {
		return fmt.Errorf("faults: remove toxic %s: %w", name, err)
	}
	return nil
}

// Clear removes every toxic.
func (p *Proxy) Clear() { p.proxy.Toxics.ResetToxics(context.Background()) }

// Down stops the proxy: its open connections are closed and new ones are refused, as if
// DynamoDB were unreachable.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.proxy.Stop()
}

// Up starts the proxy again on the same address.
func (p *Proxy) Up() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proxy.Enabled {
		return nil
	}
	if err := p.proxy.Start(); err != nil {
		return fmt.Errorf("faults: restart proxy on %s: %w", p.Addr, err)
	}
	return nil
}

// Close stops the proxy for good.
func (p *Proxy) Close() { p.Down() }
