package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Renders are what each consumer of contract.Consumers, by name, makes of an event: the one
// wiring its Lambda main and make dev's in-process pipeline share.
var Renders = map[string]Render{
	"notifications": CustomerNotification,
	"stock-alerts":  StockAlert,
}

// CustomerNotification renders OrderPlaced as an order confirmation and OrderCancelled as a
// cancellation notice for the customer-notification topic; the customer attribute lets a
// delivery service subscribe per customer. Other events are ignored.
func CustomerNotification(ev Event) (Message, bool, error) {
	var orderID, verb, customer string
	var supersedes []string
	switch d := ev.Detail.(type) {
	case *OrderPlaced:
		orderID, verb, customer = d.OrderID, " confirmed", d.CustomerID
	case *OrderCancelled:
		orderID, verb, customer = d.OrderID, " cancelled", d.CustomerID
		// A confirmation arriving after the cancellation would tell the customer the opposite.
		supersedes = []string{placedEventID(d.OrderID)}
	default:
		return Message{}, false, nil
	}
	m, ok, err := message(ev, subject("Order ", orderID, verb), map[string]string{"eventType": ev.Type, "customerId": customer})
	m.Supersedes = supersedes
	return m, ok, err
}

// StockAlert renders StockLow for the admin topic; other events are ignored.
func StockAlert(ev Event) (Message, bool, error) {
	d, ok := ev.Detail.(*StockLow)
	if !ok {
		return Message{}, false, nil
	}
	suffix := fmt.Sprintf(" (%s) has %d left, threshold %d", d.ProductID, d.Stock, d.Threshold)
	return message(ev, subject("Low stock: ", d.Name, suffix), map[string]string{"eventType": ev.Type, "productId": d.ProductID})
}

// maxSubjectBytes keeps a subject under SNS's limit of "less than 100 characters" however
// SNS counts them: 99 bytes are at most 99 characters.
const maxSubjectBytes = 99

// subject builds an SNS subject from a fixed prefix and suffix around text from outside
// (a product name). SNS refuses subjects with line breaks, control characters or invalid
// UTF-8, and any of 100 characters or more: text is cleaned (clean) and, when the whole is
// too long, shortened at a rune boundary with "...", so the suffix (which names the product)
// survives. Should prefix and suffix alone be too long, the whole is shortened.
func subject(prefix, text, suffix string) string {
	prefix, text, suffix = clean(prefix), strings.TrimSpace(clean(text)), clean(suffix)
	if len(prefix)+len(text)+len(suffix) <= maxSubjectBytes {
		return prefix + text + suffix
	}
	if room := maxSubjectBytes - len(prefix) - len(suffix) - len("..."); room > 0 {
		return prefix + truncate(text, room) + "..." + suffix
	}
	return truncate(prefix+text+suffix, maxSubjectBytes-len("...")) + "..."
}

// clean makes text fit for one line of a subject: invalid UTF-8, control characters (C0,
// DEL, C1), other spaces, line and paragraph separators and bidi controls (which can make
// an alert read backwards) become one space each run.
func clean(text string) string {
	var b strings.Builder
	space := false
	for _, r := range text {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.In(r, unicode.Zl, unicode.Zp, unicode.Bidi_Control) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// truncate shortens s to at most n bytes without splitting a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// message carries the event itself as the body, so subscribers get every field.
func message(ev Event, subject string, attrs map[string]string) (Message, bool, error) {
	body, err := json.Marshal(map[string]any{"type": ev.Type, "detail": ev.Detail})
	if err != nil {
		return Message{}, false, fmt.Errorf("render %s: %w", ev.Type, err)
	}
	return Message{Subject: subject, Body: string(body), Attributes: attrs}, true, nil
}
