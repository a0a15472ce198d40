package pipeline

import (
	"encoding/json"
	"fmt"
)

// CustomerNotification renders OrderPlaced as an order confirmation and OrderCancelled as a
// cancellation notice for the customer-notification topic; the customer attribute lets a
// delivery service subscribe per customer. Other events are ignored.
func CustomerNotification(ev Event) (Message, bool, error) {
	var subject, customer string
	switch d := ev.Detail.(type) {
	case *OrderPlaced:
		subject, customer = "Order "+d.OrderID+" confirmed", d.CustomerID
	case *OrderCancelled:
		subject, customer = "Order "+d.OrderID+" cancelled", d.CustomerID
	default:
		return Message{}, false, nil
	}
	return message(ev, subject, map[string]string{"eventType": ev.Type, "customerId": customer})
}

// StockAlert renders StockLow for the admin topic; other events are ignored.
func StockAlert(ev Event) (Message, bool, error) {
	d, ok := ev.Detail.(*StockLow)
	if !ok {
		return Message{}, false, nil
	}
	subject := fmt.Sprintf("Low stock: %s (%s) has %d left, threshold %d", d.Name, d.ProductID, d.Stock, d.Threshold)
	return message(ev, subject, map[string]string{"eventType": ev.Type, "productId": d.ProductID})
}

// message carries the event itself as the body, so subscribers get every field.
func message(ev Event, subject string, attrs map[string]string) (Message, bool, error) {
	body, err := json.Marshal(map[string]any{"type": ev.Type, "detail": ev.Detail})
	if err != nil {
		return Message{}, false, fmt.Errorf("render %s: %w", ev.Type, err)
	}
	if len(subject) > 100 { // SNS subjects are at most 100 characters
		subject = subject[:97] + "..."
	}
	return Message{Subject: subject, Body: string(body), Attributes: attrs}, true, nil
}
