// Package store is the DynamoDB adapter of the shop domain: it implements the
// shop ports with aws-sdk-go-v2, attributevalue and expression.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"shopstack/contract"
	"shopstack/contract/iam"
	"shopstack/contract/schema"
	"shopstack/functions/lib/awsenv"
	"shopstack/functions/lib/shop"
)

// Client is the part of the DynamoDB API the store calls; *dynamodb.Client is one,
// and tests wrap it to record calls and consumed capacity.
type Client interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ Client = (*dynamodb.Client)(nil)

// DB holds the clients and physical table names shared by Products, Carts and Orders.
// Reads go to reader (the local region). Writes, and the Fresh reads a conditional
// write depends on, go to writer (the writer region); both are the same client when
// the function runs in the writer region.
type DB struct {
	reader, writer Client
	tables         map[string]string // logical -> physical
}

// New returns a DB over the clients; tables maps logical names (package schema) to
// physical table names.
func New(reader, writer Client, tables map[string]string) *DB {
	return &DB{reader: reader, writer: writer, tables: tables}
}

// Open builds the DB a Lambda function needs from its environment: the AWS configuration
// Lambda sets (package awsenv), WRITER_REGION for writes, and one <TABLE>_TABLE variable per table the service
// uses (package services). It names every missing variable at once.
func Open(ctx context.Context, service string) (*DB, error) {
	svc, ok := iam.Get(service)
	if !ok {
		return nil, fmt.Errorf("open store: unknown service %q", service)
	}
	tables := map[string]string{}
	var errs []error
	for _, ta := range svc.Tables {
		name := os.Getenv(schema.EnvVar(ta.Table))
		if name == "" {
			errs = append(errs, fmt.Errorf("environment variable %s (physical name of table %q) is not set", schema.EnvVar(ta.Table), ta.Table))
		}
		tables[ta.Table] = name
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("open store for %s: %w", service, err)
	}
	cfg, err := awsenv.Config("DynamoDB")
	if err != nil {
		return nil, fmt.Errorf("open store for %s: %w", service, err)
	}
	reader := dynamodb.NewFromConfig(cfg, WithRetryPolicy)
	writer := reader
	if wr := os.Getenv(contract.WriterRegionEnv); wr != "" && wr != cfg.Region {
		writer = dynamodb.NewFromConfig(cfg, WithRetryPolicy, func(o *dynamodb.Options) { o.Region = wr })
	}
	return New(reader, writer, tables), nil
}

// Products returns the product store.
func (db *DB) Products() *Products { return &Products{db} }

// Carts returns the cart store.
func (db *DB) Carts() *Carts { return &Carts{db} }

// Orders returns the order and idempotency store.
func (db *DB) Orders() *Orders { return &Orders{db} }

func (db *DB) table(logical string) *string { return aws.String(db.tables[logical]) }

// client returns where a read of the given consistency is served.
func (db *DB) client(c shop.Consistency) Client {
	if c == shop.Fresh {
		return db.writer
	}
	return db.reader
}

// timeLayout is fixed-width RFC 3339, so stored times sort as strings.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// throttled lists the error codes that mean "retry later", surfaced as 503.
var throttled = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"TransactionInProgressException":         true,
}

// fail wraps an AWS error with the operation and says what the caller may do about it:
// the request's deadline passing is ETIMEOUT (504); throttling, DynamoDB's 5xx, a connection
// refused, reset or cut mid-answer, and retries the policy ran out of or the retry quota
// refused are EUNAVAILABLE (503). Both are worth retrying later, with the same
// Idempotency-Key for a checkout, whose transaction may have committed. Everything else stays
// internal (500).
func fail(op string, err error) error {
	err = fmt.Errorf("%s: %w", op, err)
	if errors.Is(err, context.DeadlineExceeded) {
		return &shop.Error{Code: shop.ETIMEOUT, Message: "the database did not answer in time; retry shortly", Err: err}
	}
	if transient(err) {
		return &shop.Error{Code: shop.EUNAVAILABLE, Message: "the database is busy or unreachable; retry shortly", Err: err}
	}
	return err
}

// transient reports whether err is one the retry policy retries (or would, had it attempts
// or quota left): the SDK wraps such an error in MaxAttemptsError once attempts run out, and
// returns QuotaExceededError when the retry quota is spent.
func transient(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && throttled[ae.ErrorCode()] {
		return true
	}
	var maxAttempts *retry.MaxAttemptsError
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &maxAttempts) || errors.As(err, &quota) || cutAnswer(err) == aws.TrueTernary {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}
