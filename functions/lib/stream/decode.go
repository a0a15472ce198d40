package stream

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"shopstack/functions/lib/pipeline"
)

// The item formats below are the store's (functions/lib/store): the images in a stream record are
// items as stored. The DynamoDB Local tests write through the store, so a drift fails there.

type orderItem struct {
	OrderID     string `json:"orderId"`
	OwnerID     string `json:"ownerId"`
	Status      string `json:"status"`
	TotalAmount int64  `json:"totalAmount"`
	Currency    string `json:"currency"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
	Lines       []struct {
		ProductID   string `json:"productId"`
		Name        string `json:"name"`
		Quantity    int    `json:"quantity"`
		PriceAmount int64  `json:"priceAmount"`
	} `json:"lines"`
}

type productItem struct {
	ProductID         string `json:"productId"`
	Name              string `json:"name"`
	Stock             int    `json:"stock"`
	LowStockThreshold int    `json:"lowStockThreshold"`
	UpdatedAt         string `json:"updatedAt"`
}

func decodeOrder(b []byte) (*pipeline.OrderImage, error) {
	var it orderItem
	if err := json.Unmarshal(b, &it); err != nil {
		return nil, fmt.Errorf("order image: %w", err)
	}
	if it.OrderID == "" {
		return nil, fmt.Errorf("order image has no orderId")
	}
	o := &pipeline.OrderImage{
		ID: it.OrderID, OwnerID: it.OwnerID, Status: it.Status,
		Total:     pipeline.Amount{Amount: it.TotalAmount, Currency: it.Currency},
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt), Lines: []pipeline.Line{},
	}
	for _, l := range it.Lines {
		o.Lines = append(o.Lines, pipeline.Line{ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity,
			UnitPrice: pipeline.Amount{Amount: l.PriceAmount, Currency: it.Currency}})
	}
	return o, nil
}

func decodeProduct(b []byte) (*pipeline.ProductImage, error) {
	var it productItem
	if err := json.Unmarshal(b, &it); err != nil {
		return nil, fmt.Errorf("product image: %w", err)
	}
	if it.ProductID == "" {
		return nil, fmt.Errorf("product image has no productId")
	}
	return &pipeline.ProductImage{ID: it.ProductID, Name: it.Name, Stock: it.Stock, LowStockThreshold: it.LowStockThreshold, UpdatedAt: parseTime(it.UpdatedAt)}, nil
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// decodeImages decodes a record's old and new images (either may be absent: nil).
func decodeImages[T any](r events.DynamoDBEventRecord, decode func([]byte) (*T, error)) (old, new *T, err error) {
	image := func(av map[string]events.DynamoDBAttributeValue) (*T, error) {
		if len(av) == 0 {
			return nil, nil
		}
		b, err := json.Marshal(plainMap(av))
		if err != nil {
			return nil, err
		}
		return decode(b)
	}
	if old, err = image(r.Change.OldImage); err != nil {
		return nil, nil, fmt.Errorf("old image: %w", err)
	}
	if new, err = image(r.Change.NewImage); err != nil {
		return nil, nil, fmt.Errorf("new image: %w", err)
	}
	return old, new, nil
}

// plain turns a DynamoDB attribute value into the JSON value it stands for; numbers keep their
// decimal text, so integers decode exactly.
func plain(av events.DynamoDBAttributeValue) any {
	switch av.DataType() {
	case events.DataTypeString:
		return av.String()
	case events.DataTypeNumber:
		return json.Number(av.Number())
	case events.DataTypeBoolean:
		return av.Boolean()
	case events.DataTypeMap:
		return plainMap(av.Map())
	case events.DataTypeList:
		l := make([]any, 0, len(av.List()))
		for _, v := range av.List() {
			l = append(l, plain(v))
		}
		return l
	case events.DataTypeStringSet:
		return av.StringSet()
	}
	return nil // null, binary and number sets: the shop stores none the pipeline reads
}

func plainMap(m map[string]events.DynamoDBAttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = plain(v)
	}
	return out
}
