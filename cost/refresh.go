package cost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"
)

// priceQuery finds one dimension in the AWS Price List: the service code and the usage type
// (matched as a substring: other regions prefix it, e.g. USW2-).
type priceQuery struct{ serviceCode, usageType string }

// queries maps "service/dimension" to its Price List query. The usage types are the Price List's
// names as we know them; a dimension the API does not answer for is left as it is and reported.
var queries = map[string]priceQuery{
	"Lambda/arm64-compute":                    {"AWSLambda", "Lambda-GB-Second-ARM"},
	"Lambda/x86-compute":                      {"AWSLambda", "Lambda-GB-Second"},
	"Lambda/arm64-provisioned-concurrency":    {"AWSLambda", "Lambda-Provisioned-Concurrency-ARM"},
	"Lambda/x86-provisioned-concurrency":      {"AWSLambda", "Lambda-Provisioned-Concurrency"},
	"Lambda/requests":                         {"AWSLambda", "Request-ARM"},
	"API Gateway/rest-requests":               {"AmazonApiGateway", "ApiGatewayRequest"},
	"DynamoDB/write-request-units":            {"AmazonDynamoDB", "WriteRequestUnits"},
	"DynamoDB/read-request-units":             {"AmazonDynamoDB", "ReadRequestUnits"},
	"DynamoDB/replicated-write-request-units": {"AmazonDynamoDB", "ReplWriteRequestUnits"},
	"DynamoDB/storage":                        {"AmazonDynamoDB", "TimedStorage-ByteHrs"},
	"DynamoDB/pitr-storage":                   {"AmazonDynamoDB", "TimedPITRStorage-ByteHrs"},
	"KMS/customer-managed-key":                {"awskms", "KMS-Keys"},
	"KMS/requests":                            {"awskms", "KMS-Requests"},
	"CloudWatch/standard-alarm-metric":        {"AmazonCloudWatch", "CW:AlarmMonitorUsage"},
	"CloudWatch/high-resolution-alarm-metric": {"AmazonCloudWatch", "CW:HighResAlarmMonitorUsage"},
	"CloudWatch/dashboard":                    {"AmazonCloudWatch", "DashboardsUsageHour"},
	"CloudWatch/logs-ingested":                {"AmazonCloudWatch", "DataProcessing-Bytes"},
	"CloudWatch/logs-stored":                  {"AmazonCloudWatch", "TimedStorage-ByteHrs"},
	"SNS/email-notifications":                 {"AmazonSNS", "DeliveryAttempts-SMTP"},
	"Cognito/essentials-mau":                  {"AmazonCognito", "CognitoUserPoolsMAU"},
	"X-Ray/traces-recorded":                   {"AWSXRay", "XRay-TracesStored"},
	"WAF/web-acl":                             {"awswaf", "WebACL"},
	"WAF/rule":                                {"awswaf", "Rule"},
	"WAF/requests":                            {"awswaf", "Request"},
	"Route 53/hosted-zone":                    {"AmazonRoute53", "HostedZone"},
	"Route 53/health-check":                   {"AmazonRoute53", "Health-Check-AWS"},
	"Route 53/health-check-optional-feature":  {"AmazonRoute53", "Health-Check-Option-AWS"},
	"Route 53/latency-queries":                {"AmazonRoute53", "LBR-Queries"},
	"Route 53/standard-queries":               {"AmazonRoute53", "DNS-Queries"},
	"SQS/standard-requests":                   {"AWSQueueService", "Requests-Tier1"},
	"SQS/fifo-requests":                       {"AWSQueueService", "Requests-FIFO-Tier1"},
	"EventBridge/custom-events":               {"AWSEvents", "Event-64K-Chunks"},
	"EventBridge/archive-processed":           {"AWSEvents", "ArchivedEvents-Bytes"},
	"EventBridge/archive-stored":              {"AWSEvents", "TimedStorage-ByteHrs"},
}

// RefreshBook rewrites the price book at path with the first-tier on-demand price of each entry
// from the AWS Price List API (credentials from the usual AWS chain). Entries the API does not
// answer for unambiguously keep their figure and are listed on log; the command fails if none
// could be refreshed. Tests never call it: they read the committed book.
func RefreshBook(ctx context.Context, path string, log io.Writer) error {
	book, err := LoadBook(path)
	if err != nil {
		return err
	}
	// The Price List API is served from us-east-1 (and a few others), whatever region is priced.
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"))
	if err != nil {
		return fmt.Errorf("refresh prices: %w", err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return fmt.Errorf("refresh prices: no AWS credentials (the committed %s is unchanged): %w", path, err)
	}
	client := pricing.NewFromConfig(cfg)
	today := time.Now().UTC().Format(time.DateOnly)
	refreshed := 0
	for i, e := range book.Entries {
		q, ok := queries[e.Service+"/"+e.Dimension]
		if !ok {
			fmt.Fprintf(log, "refresh prices: %s %s: no Price List query; kept\n", e.Service, e.Dimension)
			continue
		}
		unit, err := firstTier(ctx, client, q, e.Region)
		if err != nil {
			fmt.Fprintf(log, "refresh prices: %s %s in %s: %v; kept\n", e.Service, e.Dimension, e.Region, err)
			continue
		}
		// Storage is listed per GB-month under ByteHrs usage types; other figures per unit.
		book.Entries[i].USD = unit * e.Per
		book.Entries[i].Read = today
		book.Entries[i].Basis = "AWS Price List API (pricing:GetProducts " + q.serviceCode + " " + q.usageType + ")"
		refreshed++
	}
	if refreshed == 0 {
		return errors.New("refresh prices: the Price List API answered for no entry; the book is unchanged")
	}
	data, err := json.MarshalIndent(book, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "refresh prices: %d of %d entries refreshed in %s\n", refreshed, len(book.Entries), path)
	return nil
}

// firstTier is the USD price per unit of the first tier (beginRange 0) of the one product that
// matches q in region.
func firstTier(ctx context.Context, client *pricing.Client, q priceQuery, region string) (float64, error) {
	out, err := client.GetProducts(ctx, &pricing.GetProductsInput{
		ServiceCode: aws.String(q.serviceCode),
		Filters: []types.Filter{
			{Type: types.FilterTypeTermMatch, Field: aws.String("regionCode"), Value: aws.String(region)},
			{Type: types.FilterTypeContains, Field: aws.String("usagetype"), Value: aws.String(q.usageType)},
		},
		MaxResults: aws.Int32(10),
	})
	if err != nil {
		return 0, err
	}
	var prices []float64
	for _, doc := range out.PriceList {
		var p struct {
			Terms struct {
				OnDemand map[string]struct {
					PriceDimensions map[string]struct {
						BeginRange   string            `json:"beginRange"`
						PricePerUnit map[string]string `json:"pricePerUnit"`
					} `json:"priceDimensions"`
				} `json:"OnDemand"`
			} `json:"terms"`
		}
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return 0, err
		}
		for _, term := range p.Terms.OnDemand {
			for _, d := range term.PriceDimensions {
				if d.BeginRange != "0" {
					continue
				}
				v, err := strconv.ParseFloat(d.PricePerUnit["USD"], 64)
				if err != nil {
					return 0, fmt.Errorf("price %q: %w", d.PricePerUnit["USD"], err)
				}
				prices = append(prices, v)
			}
		}
	}
	switch {
	case len(prices) == 0:
		return 0, errors.New("no product matched")
	case len(prices) > 1:
		return 0, fmt.Errorf("%d products matched; the usage type is ambiguous", len(prices))
	}
	return prices[0], nil
}
