package stacks

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlarmsArgs lists what one region's alarms watch.
type AlarmsArgs struct {
	Region    string
	Settings  AlarmSettings
	Functions []*Function
	APIs      []*API
	// Tables are the physical names of the table copies in this region.
	Tables []string
	// ReplicatedOnly are more table copies whose replication is alarmed here; their requests are
	// alarmed by their user (the event pipeline's ledger).
	ReplicatedOnly []string
	// ReplicaRegions are the regions this region's table copies replicate to.
	ReplicaRegions []string
	Tags           pulumi.StringMap
}

// Alarms is one region's alarm topic, its alarms and its dashboard.
type Alarms struct {
	pulumi.ResourceState

	Topic  *sns.Topic
	Alarms []*cloudwatch.MetricAlarm

	settings AlarmSettings
	tags     pulumi.StringMap
}

// dynamoOperations are the operations shopstack's code calls; DynamoDB publishes throttles and
// system errors per operation, so an alarm on a table sums them.
var dynamoOperations = []string{"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "TransactWriteItems"}

// alarmSpec is one alarm: a metric (or a sum of metrics over dimension sets) against a threshold.
type alarmSpec struct {
	suffix      string
	description string
	namespace   string
	metric      string
	dimensions  []pulumi.StringMap // one: a plain metric; several: an alarm on their sum
	statistic   string             // Sum, Average, Maximum, or a percentile such as p99
	threshold   float64
	below       bool   // alarm when the value falls below the threshold (default: at or above)
	missing     string // how missing data counts: notBreaching, breaching, ignore, missing
}

// NewAlarms declares the region's topic and, for every function, API stage, table copy and replica
// pair, the alarms that say it is failing. Every alarm notifies the topic, both ways.
func NewAlarms(ctx *pulumi.Context, name string, args *AlarmsArgs, opts ...pulumi.ResourceOption) (*Alarms, error) {
	a := &Alarms{}
	if err := ctx.RegisterComponentResource("shopstack:alarms:Alarms", name, a, opts...); err != nil {
		return nil, err
	}
	tags := withService(args.Tags, "operations")
	a.tags = tags
	// The topic is not KMS-encrypted: CloudWatch cannot publish with the AWS-managed SNS key, and
	// alarm notifications carry no customer data.
	topic, err := sns.NewTopic(ctx, name+"-topic", &sns.TopicArgs{
		Name: pulumi.String(physicalName(ctx, "alarms")),
		Tags: tags,
	}, pulumi.Parent(a))
	if err != nil {
		return nil, fmt.Errorf("alarms %s: topic: %w", name, err)
	}
	for i, email := range args.Settings.Emails {
		if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-email-%d", name, i), &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(email),
		}, pulumi.Parent(topic)); err != nil {
			return nil, fmt.Errorf("alarms %s: subscription %d: %w", name, i, err)
		}
	}
	a.Topic = topic

	a.settings = args.Settings
	if err := a.WatchFunctions(ctx, args.Functions...); err != nil {
		return nil, fmt.Errorf("alarms %s: %w", name, err)
	}
	s := args.Settings
	for _, api := range args.APIs {
		dims := []pulumi.StringMap{{"ApiName": api.Name, "Stage": api.StageName}}
		for _, spec := range []alarmSpec{
			{suffix: "5xx", description: "API stage 5XX responses", namespace: "AWS/ApiGateway", metric: "5XXError", dimensions: dims,
				statistic: "Sum", threshold: float64(s.API5xxErrors), missing: "notBreaching"},
			{suffix: "latency-p99", description: "API stage p99 latency", namespace: "AWS/ApiGateway", metric: "Latency", dimensions: dims,
				statistic: "p99", threshold: float64(s.APILatencyP99Ms), missing: "notBreaching"},
		} {
			if err := a.add(ctx, api.logicalName+"-"+spec.suffix, spec, topic); err != nil {
				return nil, fmt.Errorf("alarms %s: %w", name, err)
			}
		}
	}
	for _, table := range args.Tables {
		var perOperation []pulumi.StringMap
		for _, op := range dynamoOperations {
			perOperation = append(perOperation, pulumi.StringMap{"TableName": pulumi.String(table), "Operation": pulumi.String(op)})
		}
		for _, spec := range []alarmSpec{
			{suffix: "throttled", description: "table requests throttled", namespace: "AWS/DynamoDB", metric: "ThrottledRequests", dimensions: perOperation,
				statistic: "Sum", threshold: 1, missing: "notBreaching"},
			{suffix: "system-errors", description: "DynamoDB system errors", namespace: "AWS/DynamoDB", metric: "SystemErrors", dimensions: perOperation,
				statistic: "Sum", threshold: 1, missing: "notBreaching"},
		} {
			if err := a.add(ctx, name+"-"+table+"-"+spec.suffix, spec, topic); err != nil {
				return nil, fmt.Errorf("alarms %s: %w", name, err)
			}
		}
	}
	for _, table := range append(slices.Clone(args.Tables), args.ReplicatedOnly...) {
		for _, receiving := range args.ReplicaRegions {
			// No writes means no samples: keep the last state rather than guess.
			spec := alarmSpec{suffix: "replication-" + receiving, description: "replication latency to " + receiving, namespace: "AWS/DynamoDB", metric: "ReplicationLatency",
				dimensions: []pulumi.StringMap{{"TableName": pulumi.String(table), "ReceivingRegion": pulumi.String(receiving)}},
				statistic:  "Average", threshold: float64(s.ReplicationLatencyMs), missing: "ignore"}
			if err := a.add(ctx, name+"-"+table+"-"+spec.suffix, spec, topic); err != nil {
				return nil, fmt.Errorf("alarms %s: %w", name, err)
			}
		}
	}
	if err := a.dashboard(ctx, name, args); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{"topicArn": topic.Arn}); err != nil {
		return nil, fmt.Errorf("alarms %s: outputs: %w", name, err)
	}
	return a, nil
}

// WatchFunctions adds the Errors, Throttles and p99 Duration alarms for functions declared after
// the region's alarms, such as the event pipeline's.
func (a *Alarms) WatchFunctions(ctx *pulumi.Context, functions ...*Function) error {
	s := a.settings
	for _, f := range functions {
		dims := []pulumi.StringMap{{"FunctionName": f.Name}}
		timeoutMs := float64(f.TimeoutSeconds * 1000)
		for _, spec := range []alarmSpec{
			{suffix: "errors", description: "function errors", namespace: "AWS/Lambda", metric: "Errors", dimensions: dims,
				statistic: "Sum", threshold: float64(s.FunctionErrors), missing: "notBreaching"},
			{suffix: "throttles", description: "function throttled: concurrency exhausted", namespace: "AWS/Lambda", metric: "Throttles", dimensions: dims,
				statistic: "Sum", threshold: 1, missing: "notBreaching"},
			{suffix: "duration-p99", description: "p99 duration near the timeout", namespace: "AWS/Lambda", metric: "Duration", dimensions: dims,
				statistic: "p99", threshold: timeoutMs * float64(s.DurationPercentTimeout) / 100, missing: "notBreaching"},
		} {
			if err := a.add(ctx, f.logicalName+"-"+spec.suffix, spec, a.Topic); err != nil {
				return err
			}
		}
	}
	return nil
}

// Watch adds one alarm on a single metric, notifying the region's topic: for resources other
// components own (queues, stream mappings, health checks, web ACLs).
func (a *Alarms) Watch(ctx *pulumi.Context, name, description, namespace, metric string, dimensions pulumi.StringMap, statistic string, threshold float64, missing string) error {
	return a.add(ctx, name, alarmSpec{description: description, namespace: namespace, metric: metric,
		dimensions: []pulumi.StringMap{dimensions}, statistic: statistic, threshold: threshold, missing: missing}, a.Topic)
}

// WatchBelow is Watch for metrics that are bad when low, such as a health check's status.
func (a *Alarms) WatchBelow(ctx *pulumi.Context, name, description, namespace, metric string, dimensions pulumi.StringMap, statistic string, threshold float64, missing string) error {
	return a.add(ctx, name, alarmSpec{description: description, namespace: namespace, metric: metric, below: true,
		dimensions: []pulumi.StringMap{dimensions}, statistic: statistic, threshold: threshold, missing: missing}, a.Topic)
}

func comparison(below bool) string {
	if below {
		return "LessThanThreshold"
	}
	return "GreaterThanOrEqualToThreshold"
}

func (a *Alarms) add(ctx *pulumi.Context, name string, spec alarmSpec, topic *sns.Topic) error {
	args := &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(physicalName(ctx, name)),
		AlarmDescription:   pulumi.String(spec.description),
		ComparisonOperator: pulumi.String(comparison(spec.below)),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(spec.threshold),
		TreatMissingData:   pulumi.String(spec.missing),
		AlarmActions:       pulumi.Array{topic.Arn},
		OkActions:          pulumi.Array{topic.Arn},
		Tags:               a.tags,
	}
	if len(spec.dimensions) == 1 {
		args.Namespace = pulumi.String(spec.namespace)
		args.MetricName = pulumi.String(spec.metric)
		args.Dimensions = spec.dimensions[0]
		args.Period = pulumi.Int(300)
		if spec.statistic[0] == 'p' {
			args.ExtendedStatistic = pulumi.String(spec.statistic)
		} else {
			args.Statistic = pulumi.String(spec.statistic)
		}
	} else {
		queries := cloudwatch.MetricAlarmMetricQueryArray{}
		for i, dims := range spec.dimensions {
			queries = append(queries, cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.Sprintf("m%d", i),
				Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
					Namespace: pulumi.String(spec.namespace), MetricName: pulumi.String(spec.metric),
					Dimensions: dims, Period: pulumi.Int(300), Stat: pulumi.String(spec.statistic),
				},
			})
		}
		queries = append(queries, cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.String("total"), Expression: pulumi.String("SUM(METRICS())"),
			Label: pulumi.String(spec.metric), ReturnData: pulumi.Bool(true),
		})
		args.MetricQueries = queries
	}
	alarm, err := cloudwatch.NewMetricAlarm(ctx, name, args, pulumi.Parent(a))
	if err != nil {
		return fmt.Errorf("alarm %s: %w", name, err)
	}
	a.Alarms = append(a.Alarms, alarm)
	return nil
}

// dashboard shows, for the region, what the alarms watch.
func (a *Alarms) dashboard(ctx *pulumi.Context, name string, args *AlarmsArgs) error {
	var fnNames pulumi.StringArray
	for _, f := range args.Functions {
		fnNames = append(fnNames, f.Name)
	}
	var apiNames pulumi.StringArray
	for _, api := range args.APIs {
		apiNames = append(apiNames, api.Name)
	}
	body := pulumi.All(fnNames, apiNames).ApplyT(func(v []any) (string, error) {
		region := args.Region
		var lambdaErrors, lambdaDuration, apiErrors, apiLatency, tableThrottles, replication [][]any
		for _, fn := range v[0].([]string) {
			lambdaErrors = append(lambdaErrors, []any{"AWS/Lambda", "Errors", "FunctionName", fn})
			lambdaDuration = append(lambdaDuration, []any{"AWS/Lambda", "Duration", "FunctionName", fn, map[string]string{"stat": "p99"}})
		}
		for _, api := range v[1].([]string) {
			apiErrors = append(apiErrors, []any{"AWS/ApiGateway", "5XXError", "ApiName", api, "Stage", StageName})
			apiLatency = append(apiLatency, []any{"AWS/ApiGateway", "Latency", "ApiName", api, "Stage", StageName, map[string]string{"stat": "p99"}})
		}
		for _, table := range args.Tables {
			tableThrottles = append(tableThrottles, []any{"AWS/DynamoDB", "ThrottledRequests", "TableName", table, "Operation", "TransactWriteItems"})
			for _, to := range args.ReplicaRegions {
				replication = append(replication, []any{"AWS/DynamoDB", "ReplicationLatency", "TableName", table, "ReceivingRegion", to})
			}
		}
		widget := func(title string, metrics [][]any, x, y int) map[string]any {
			return map[string]any{"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
				"properties": map[string]any{"title": title, "region": region, "metrics": metrics, "period": 300, "stat": "Sum"}}
		}
		widgets := []map[string]any{
			widget("Function errors", lambdaErrors, 0, 0), widget("Function duration p99", lambdaDuration, 12, 0),
			widget("API 5XX", apiErrors, 0, 6), widget("API latency p99", apiLatency, 12, 6),
			widget("Checkout throttles", tableThrottles, 0, 12),
		}
		if len(replication) > 0 {
			widgets = append(widgets, widget("Replication latency", replication, 12, 12))
		}
		b, err := json.Marshal(map[string]any{"widgets": widgets})
		return string(b), err
	}).(pulumi.StringOutput)
	if _, err := cloudwatch.NewDashboard(ctx, name+"-dashboard", &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(physicalName(ctx, args.Region)),
		DashboardBody: body,
	}, pulumi.Parent(a)); err != nil {
		return fmt.Errorf("alarms %s: dashboard: %w", name, err)
	}
	return nil
}
