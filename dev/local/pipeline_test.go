package local_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/local"
	"shopstack/functions/lib/pipeline"
	"shopstack/functions/lib/shop"
)

// TestPipeline starts the platform and checks, over HTTP as a frontend would, that a checkout
// shows exactly one order confirmation in the log and a cancel exactly one cancellation, and a
// sale below a product's threshold one stock alert; then that the pipeline stops with it.
func TestPipeline(t *testing.T) {
	logs := &lockedBuffer{}
	ctx := context.Background()
	p, err := local.Start(ctx, local.Options{Addr: "127.0.0.1:0", Log: slog.New(slog.NewJSONHandler(logs, nil))})
	require.NoError(t, err)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = p.Stop(context.Background())
		}
	})
	c := &client{t: t, base: p.URL}
	alice := map[string]string{local.DevUserHeader: "alice"}

	// seed-cookbook starts at 3, below its threshold of 5: already low, so no alert. Take the
	// go book (10, threshold 2) to 1 for a crossing.
	c.json("PUT", "carts/pipeline-cart/items/seed-kettle", alice, `{"quantity":1}`, 200, nil)
	c.json("PUT", "carts/pipeline-cart/items/seed-go-book", alice, `{"quantity":9}`, 200, nil)
	var order shop.Order
	c.json("POST", "orders", map[string]string{local.DevUserHeader: "alice", "Idempotency-Key": "pipeline-1"}, `{"cartId":"pipeline-cart"}`, 201, &order)

	placed := waitForOne(t, logs, func(n notification) bool {
		return n.Consumer == "notifications" && n.EventType == pipeline.TypeOrderPlaced && n.OrderID == order.ID
	})
	assert.Equal(t, "customer-notifications", placed.Topic)
	assert.Equal(t, "Order "+order.ID+" confirmed", placed.Subject)
	assert.Equal(t, "alice", placed.Attributes["customerId"])
	low := waitForOne(t, logs, func(n notification) bool {
		return n.Consumer == "stock-alerts" && n.EventType == pipeline.TypeStockLow && n.ProductID == "seed-go-book"
	})
	assert.Equal(t, "admin-alerts", low.Topic)

	c.json("POST", "orders/"+order.ID+"/cancel", alice, nil, 200, nil)
	waitForOne(t, logs, func(n notification) bool {
		return n.Consumer == "notifications" && n.EventType == pipeline.TypeOrderCancelled && n.OrderID == order.ID
	})
	assert.Len(t, notifications(logs, func(n notification) bool { return n.OrderID == order.ID }), 2, "one confirmation, one cancellation:\n%s", logs)
	assert.Len(t, notifications(logs, func(n notification) bool { return n.ProductID != "" }), 1, "the restock and the seeded cookbook raise no alert")
	assert.NotContains(t, logs.String(), `"level":"ERROR"`)

	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, p.Stop(stopCtx))
	stopped = true
	n := len(logs.String())
	time.Sleep(3 * local.PollInterval)
	assert.Len(t, logs.String(), n, "nothing logs after Stop")
}

// notification is a "msg":"notification" log line of the local pipeline.
type notification struct {
	Msg        string            `json:"msg"`
	Consumer   string            `json:"function"`
	Topic      string            `json:"topic"`
	EventType  string            `json:"eventType"`
	Subject    string            `json:"subject"`
	OrderID    string            `json:"orderId"`
	ProductID  string            `json:"productId"`
	Attributes map[string]string `json:"attributes"`
}

// notifications returns the notification lines logged so far that match.
func notifications(logs *lockedBuffer, match func(notification) bool) []notification {
	var out []notification
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var n notification
		if json.Unmarshal(sc.Bytes(), &n) == nil && n.Msg == "notification" && match(n) {
			out = append(out, n)
		}
	}
	return out
}

// waitForOne polls the log for up to 10 s until a matching notification appears, then waits
// a few more polls of the pipeline and checks there is exactly one.
func waitForOne(t *testing.T, logs *lockedBuffer, match func(notification) bool) notification {
	t.Helper()
	require.Eventually(t, func() bool { return len(notifications(logs, match)) > 0 }, 10*time.Second, 50*time.Millisecond,
		"no notification in the log:\n%s", logs)
	time.Sleep(3 * local.PollInterval)
	got := notifications(logs, match)
	require.Len(t, got, 1, "exactly one notification:\n%s", logs)
	return got[0]
}
