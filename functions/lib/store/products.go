package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"shopstack/contract/schema"
	"shopstack/functions/lib/backoff"
	"shopstack/functions/lib/shop"
)

// Products stores the catalog in the products table.
type Products struct{ db *DB }

var _ shop.ProductStore = (*Products)(nil)

// productItem is a product as stored. stock and lowStockThreshold are numbers the
// stream consumers of a later issue read.
type productItem struct {
	ProductID         string `dynamodbav:"productId"`
	Name              string `dynamodbav:"name"`
	Description       string `dynamodbav:"description,omitempty"`
	Category          string `dynamodbav:"category"`
	PriceAmount       int64  `dynamodbav:"priceAmount"`
	Currency          string `dynamodbav:"currency"`
	Stock             int    `dynamodbav:"stock"`
	LowStockThreshold int    `dynamodbav:"lowStockThreshold"`
	CreatedAt         string `dynamodbav:"createdAt"`
	UpdatedAt         string `dynamodbav:"updatedAt"`
}

func toProductItem(p shop.Product) productItem {
	return productItem{
		ProductID: p.ID, Name: p.Name, Description: p.Description, Category: p.Category,
		PriceAmount: p.Price.Amount, Currency: p.Price.Currency, Stock: p.Stock,
		LowStockThreshold: p.LowStockThreshold, CreatedAt: formatTime(p.CreatedAt), UpdatedAt: formatTime(p.UpdatedAt),
	}
}

func (it productItem) product() shop.Product {
	return shop.Product{
		ID: it.ProductID, Name: it.Name, Description: it.Description, Category: it.Category,
		Price: shop.Money{Amount: it.PriceAmount, Currency: it.Currency}, Stock: it.Stock,
		LowStockThreshold: it.LowStockThreshold, CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt),
	}
}

func productKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"productId": &types.AttributeValueMemberS{Value: id}}
}

func unmarshalProduct(av map[string]types.AttributeValue) (shop.Product, error) {
	var it productItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shop.Product{}, fmt.Errorf("unmarshal product: %w", err)
	}
	return it.product(), nil
}

func notFound(what, id string) error { return shop.Errorf(shop.ENOTFOUND, "%s %s not found", what, id) }

// Product implements shop.ProductStore.
func (s *Products) Product(ctx context.Context, id string, c shop.Consistency) (shop.Product, error) {
	out, err := s.db.client(c).GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.db.table(schema.Products), Key: productKey(id), ConsistentRead: aws.Bool(c == shop.Fresh),
	})
	if err != nil {
		return shop.Product{}, fail("get product "+id, err)
	}
	if out.Item == nil {
		return shop.Product{}, notFound("product", id)
	}
	return unmarshalProduct(out.Item)
}

// ProductsByID implements shop.ProductStore with BatchGetItem, retrying unprocessed keys.
func (s *Products) ProductsByID(ctx context.Context, ids []string, c shop.Consistency) (map[string]shop.Product, error) {
	found := make(map[string]shop.Product, len(ids))
	for start := 0; start < len(ids); start += 100 {
		keys := make([]map[string]types.AttributeValue, 0, 100)
		for _, id := range ids[start:min(start+100, len(ids))] {
			keys = append(keys, productKey(id))
		}
		table := s.db.tables[schema.Products]
		req := map[string]types.KeysAndAttributes{table: {Keys: keys, ConsistentRead: aws.Bool(c == shop.Fresh)}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				if err := backoff.Sleep(ctx, retryDelay(attempt)); err != nil {
					return nil, fail("get products", err)
				}
			}
			out, err := s.db.client(c).BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fail("get products", err)
			}
			for _, av := range out.Responses[table] {
				p, err := unmarshalProduct(av)
				if err != nil {
					return nil, err
				}
				found[p.ID] = p
			}
			req = out.UnprocessedKeys
		}
	}
	return found, nil
}

// ListProducts implements shop.ProductStore: a Scan for all products, a Query of the
// category index for one category.
func (s *Products) ListProducts(ctx context.Context, q shop.ProductQuery) (shop.ProductPage, error) {
	var items []map[string]types.AttributeValue
	var last map[string]types.AttributeValue
	if q.Category == "" {
		start, err := decodeCursor(q.Cursor, []string{"productId"}, nil)
		if err != nil {
			return shop.ProductPage{}, err
		}
		out, err := s.db.reader.Scan(ctx, &dynamodb.ScanInput{
			TableName: s.db.table(schema.Products), Limit: aws.Int32(int32(q.Limit)), ExclusiveStartKey: start,
		})
		if err != nil {
			return shop.ProductPage{}, fail("list products", err)
		}
		items, last = out.Items, out.LastEvaluatedKey
	} else {
		start, err := decodeCursor(q.Cursor, []string{"category", "productId"}, map[string]string{"category": q.Category})
		if err != nil {
			return shop.ProductPage{}, err
		}
		expr, err := expression.NewBuilder().WithKeyCondition(expression.Key("category").Equal(expression.Value(q.Category))).Build()
		if err != nil {
			return shop.ProductPage{}, fmt.Errorf("list products: %w", err)
		}
		out, err := s.db.reader.Query(ctx, &dynamodb.QueryInput{
			TableName: s.db.table(schema.Products), IndexName: aws.String(schema.ProductsByCategory),
			KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
			Limit: aws.Int32(int32(q.Limit)), ExclusiveStartKey: start,
		})
		if err != nil {
			return shop.ProductPage{}, fail("list products in "+q.Category, err)
		}
		items, last = out.Items, out.LastEvaluatedKey
	}
	page := shop.ProductPage{Products: make([]shop.Product, 0, len(items)), NextCursor: encodeCursor(last)}
	for _, av := range items {
		p, err := unmarshalProduct(av)
		if err != nil {
			return shop.ProductPage{}, err
		}
		page.Products = append(page.Products, p)
	}
	return page, nil
}

// CreateProduct implements shop.ProductStore. A product already stored exactly as p is this
// write's own: the SDK retried it after its answer was lost, and it is not a conflict.
func (s *Products) CreateProduct(ctx context.Context, p shop.Product) error {
	item := toProductItem(p)
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("create product %s: %w", p.ID, err)
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("productId"))).Build()
	if err != nil {
		return fmt.Errorf("create product %s: %w", p.ID, err)
	}
	_, err = s.db.writer.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.db.table(schema.Products), Item: av,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		var old productItem
		if attributevalue.UnmarshalMap(ccf.Item, &old) == nil && reflect.DeepEqual(old, item) {
			return nil
		}
		return shop.Errorf(shop.ECONFLICT, "product %s already exists", p.ID)
	}
	if err != nil {
		return fail("create product "+p.ID, err)
	}
	return nil
}

// UpdateProduct implements shop.ProductStore; it never touches stock, currency or
// createdAt, and is conditioned on the stored currency being p's, so a currency change
// is refused atomically.
func (s *Products) UpdateProduct(ctx context.Context, p shop.Product) (shop.Product, error) {
	upd := expression.Set(expression.Name("name"), expression.Value(p.Name)).
		Set(expression.Name("category"), expression.Value(p.Category)).
		Set(expression.Name("priceAmount"), expression.Value(p.Price.Amount)).
		Set(expression.Name("lowStockThreshold"), expression.Value(p.LowStockThreshold)).
		Set(expression.Name("updatedAt"), expression.Value(formatTime(p.UpdatedAt)))
	if p.Description == "" {
		upd = upd.Remove(expression.Name("description"))
	} else {
		upd = upd.Set(expression.Name("description"), expression.Value(p.Description))
	}
	cond := expression.AttributeExists(expression.Name("productId")).
		And(expression.Name("currency").Equal(expression.Value(p.Price.Currency)))
	return s.update(ctx, "update product "+p.ID, p.ID, upd, cond, func(old shop.Product) error {
		return shop.CurrencyChange(p.ID, old.Price.Currency, p.Price.Currency)
	})
}

// AdjustStock implements shop.ProductStore: one conditional UpdateItem, so concurrent
// adjustments, checkouts and cancels never drive stock below zero or above shop.MaxStock.
func (s *Products) AdjustStock(ctx context.Context, id string, delta int, at time.Time) (shop.Product, error) {
	upd := expression.Set(expression.Name("stock"), expression.Name("stock").Plus(expression.Value(delta))).
		Set(expression.Name("updatedAt"), expression.Value(formatTime(at)))
	cond := expression.AttributeExists(expression.Name("productId"))
	if delta < 0 {
		cond = cond.And(expression.Name("stock").GreaterThanEqual(expression.Value(-delta)))
	} else {
		cond = cond.And(expression.Name("stock").LessThanEqual(expression.Value(shop.MaxStock - delta)))
	}
	return s.update(ctx, "adjust stock of "+id, id, upd, cond, func(old shop.Product) error {
		if delta > 0 {
			return shop.Errorf(shop.ECONFLICT, "stock of product %s is %d; it cannot go up by %d, above %d", id, old.Stock, delta, shop.MaxStock)
		}
		return shop.Errorf(shop.ECONFLICT, "stock of product %s is %d; it cannot go down by %d", id, old.Stock, -delta)
	})
}

// update runs a conditional UpdateItem returning the new product. When the condition
// fails, a missing item is ENOTFOUND and an existing one is explained by conflict.
func (s *Products) update(ctx context.Context, op, id string, upd expression.UpdateBuilder, cond expression.ConditionBuilder, conflict func(old shop.Product) error) (shop.Product, error) {
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return shop.Product{}, fmt.Errorf("%s: %w", op, err)
	}
	out, err := s.db.writer.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.db.table(schema.Products), Key: productKey(id),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValues: types.ReturnValueAllNew, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if ccf.Item == nil || conflict == nil {
			return shop.Product{}, notFound("product", id)
		}
		old, uerr := unmarshalProduct(ccf.Item)
		if uerr != nil {
			return shop.Product{}, uerr
		}
		return shop.Product{}, conflict(old)
	}
	if err != nil {
		return shop.Product{}, fail(op, err)
	}
	return unmarshalProduct(out.Attributes)
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
