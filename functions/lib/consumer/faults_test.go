package consumer_test

import (
	"bytes"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/dynamolocal"
	"shopstack/dev/faults"
	"shopstack/functions/lib/consumer"
	"shopstack/functions/lib/pipeline"
)

// newFaultFixture is newFixture with the ledger's calls going through a faults.Transport and an
// in-process Toxiproxy to DynamoDB Local.
func newFaultFixture(t *testing.T) (*fixture, *faults.Proxy, *faults.Transport) {
	raw := dynamolocal.Client(t)
	u, err := url.Parse(*raw.Options().BaseEndpoint)
	require.NoError(t, err)
	proxy, err := faults.Start(u.Host)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	rt := &faults.Transport{}
	f := &fixture{topic: &fakeSNS{}, now: time.Now().UTC(), logs: &bytes.Buffer{}}
	f.handler = &consumer.Handler{
		Consumer: &pipeline.Consumer{
			Name:     "notifications",
			Ledger:   &consumer.Ledger{Client: faults.Client(proxy.Endpoint(), rt), Table: ledgerTable(t, raw), Now: func() time.Time { return f.now }},
			Notifier: &consumer.Topic{Client: f.topic, Arn: "arn:aws:sns:us-east-1:1:topic"},
			Render:   pipeline.CustomerNotification,
		},
		Log:   slog.New(slog.NewJSONHandler(f.logs, nil)),
		Lease: 30 * time.Second,
	}
	return f, proxy, rt
}

// The ledger's table unreachable: the whole batch fails and is retried; nothing is notified
// until it recovers, then each event once, and a further redelivery notifies nothing.
func TestFaultLedgerUnreachable(t *testing.T) {
	f, proxy, _ := newFaultFixture(t)
	batch := []string{"m1", "m2", "m3"}
	m1 := message(t, "m1", pipeline.TypeOrderPlaced, placed("e1", "o1"))
	m2 := message(t, "m2", pipeline.TypeOrderPlaced, placed("e2", "o2"))
	m3 := message(t, "m3", pipeline.TypeOrderPlaced, placed("e3", "o3"))

	proxy.Down()
	assert.Equal(t, batch, f.handle(t, m1, m2, m3), "every message fails: SQS keeps them")
	assert.Equal(t, 0, f.topic.count(), "nothing notified")

	require.NoError(t, proxy.Up())
	assert.Empty(t, f.handle(t, m1, m2, m3))
	assert.Equal(t, 3, f.topic.count(), "each once after recovery")
	assert.Empty(t, f.handle(t, m1, m2, m3))
	assert.Equal(t, 3, f.topic.count(), "a redelivery notifies nothing")
}

// The ledger cannot mark an event done after its notification went out (DynamoDB's 500 on
// every attempt of the UpdateItem): the message is not reported failed, since SQS would deliver
// it again and, once the claim expired, it would be notified a second time.
func TestFaultNotifiedButNotMarkedDone(t *testing.T) {
	f, _, rt := newFaultFixture(t)
	rt.Add(faults.Rule{Operation: "UpdateItem", Error: faults.InternalServerError})
	m1 := message(t, "m1", pipeline.TypeOrderPlaced, placed("e1", "o1"))
	assert.Empty(t, f.handle(t, m1), "not redelivered")
	assert.Equal(t, 1, f.topic.count())
	assert.Contains(t, f.logs.String(), "not marked done")
}
