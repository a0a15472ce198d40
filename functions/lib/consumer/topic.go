package consumer

import (
	"context"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"shopstack/functions/lib/pipeline"
)

// Publisher is the part of the SNS API a consumer calls; *sns.Client is one.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var _ Publisher = (*sns.Client)(nil)

// Topic is pipeline.Notifier on an SNS topic; the message attributes let subscriptions filter.
type Topic struct {
	Client Publisher
	Arn    string
}

var _ pipeline.Notifier = (*Topic)(nil)

// Notify implements pipeline.Notifier.
func (t *Topic) Notify(ctx context.Context, m pipeline.Message) error {
	attrs := map[string]snstypes.MessageAttributeValue{}
	for _, k := range slices.Sorted(maps.Keys(m.Attributes)) {
		attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(m.Attributes[k])}
	}
	_, err := t.Client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(t.Arn), Subject: aws.String(m.Subject), Message: aws.String(m.Body), MessageAttributes: attrs,
	})
	return err
}
