package stacks

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlarmsArgs is one region's alarm topic, its dashboard, and the alarms on what no regional
// component owns: the region's copies of the global tables (Data declares them once, from the
// data region, before any region's topic exists) and their replication.
type AlarmsArgs struct {
	Region   string
	Settings AlarmSettings
	// Functions are the physical names of every Lambda function in the region, and APIName the
	// REST API's, for the dashboard.
	Functions []string
	APIName   string
	// Tables are the physical names of the table copies in this region.
	Tables []string
	// ReplicatedOnly are more table copies whose replication is alarmed here; their requests are
	// alarmed by their user (the event pipeline's ledger).
	ReplicatedOnly []string
	// ReplicaRegions are the regions this region's table copies replicate to.
	ReplicaRegions []string
	Tags           pulumi.StringMap
}

// Alarms is one region's alarm topic, its dashboard and its table alarms. Every other alarm is
// declared by the component that owns what it watches, under that component, with Spec.
type Alarms struct {
	pulumi.ResourceState

	Topic *sns.Topic
	// Spec is what an owner needs to declare its alarms in this region.
	Spec *AlarmSpec
}

// Alarm is one alarm on a metric (or on the sum of one metric over several dimension sets)
// against a threshold.
type Alarm struct {
	Name        string // logical name; the AWS name is the stack's physical name of it
	Description string
	Namespace   string
	Metric      string
	Dimensions  []pulumi.StringMap // one: a plain metric; several: an alarm on their sum
	Statistic   string             // Sum, Average, Minimum, Maximum, or a percentile such as p99
	Threshold   float64
	Below       bool   // alarm when the value falls below the threshold (default: at or above)
	Missing     string // how missing data counts: notBreaching, breaching, ignore, missing
}

// AlarmSpec is what a component needs to alarm on what it owns in one region: the thresholds,
// the region's topic (told both ways) and the tags.
type AlarmSpec struct {
	Settings AlarmSettings
	topicArn pulumi.StringOutput
	tags     pulumi.StringMap
	// alarms is the region's Alarms, where every alarm lived before its owner declared it: an
	// alias to it keeps each moved alarm's URN, so a deployed stack updates it in place.
	alarms *Alarms
}

// dynamoOperations are the operations shopstack's code calls; DynamoDB publishes throttles and
// system errors per operation, so an alarm on a table sums them.
var dynamoOperations = []string{"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "TransactWriteItems"}

// NewAlarms declares the region's topic, its dashboard, and the alarms on every table copy and
// replica pair of the region.
func NewAlarms(ctx *pulumi.Context, name string, args *AlarmsArgs, opts ...pulumi.ResourceOption) (*Alarms, error) {
	a := &Alarms{}
	if err := ctx.RegisterComponentResource("shopstack:alarms:Alarms", name, a, opts...); err != nil {
		return nil, err
	}
	tags := withService(args.Tags, "operations")
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
	a.Spec = &AlarmSpec{Settings: args.Settings, topicArn: topic.Arn, tags: tags, alarms: a}
	if err := a.Spec.Declare(ctx, a, tableAlarms(name, args)); err != nil {
		return nil, fmt.Errorf("alarms %s: %w", name, err)
	}
	if err := a.dashboard(ctx, name, args); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{"topicArn": topic.Arn}); err != nil {
		return nil, fmt.Errorf("alarms %s: outputs: %w", name, err)
	}
	return a, nil
}

// tableAlarms are the throttles and system errors of every table copy of the region, summed over
// the operations, and the replication latency of every copy to every other region.
func tableAlarms(name string, args *AlarmsArgs) []Alarm {
	var alarms []Alarm
	for _, table := range args.Tables {
		var perOperation []pulumi.StringMap
		for _, op := range dynamoOperations {
			perOperation = append(perOperation, pulumi.StringMap{"TableName": pulumi.String(table), "Operation": pulumi.String(op)})
		}
		alarms = append(alarms,
			Alarm{Name: name + "-" + table + "-throttled", Description: "table requests throttled", Namespace: "AWS/DynamoDB", Metric: "ThrottledRequests",
				Dimensions: perOperation, Statistic: "Sum", Threshold: 1, Missing: "notBreaching"},
			Alarm{Name: name + "-" + table + "-system-errors", Description: "DynamoDB system errors", Namespace: "AWS/DynamoDB", Metric: "SystemErrors",
				Dimensions: perOperation, Statistic: "Sum", Threshold: 1, Missing: "notBreaching"})
	}
	for _, table := range append(slices.Clone(args.Tables), args.ReplicatedOnly...) {
		for _, receiving := range args.ReplicaRegions {
			// No writes means no samples: keep the last state rather than guess.
			alarms = append(alarms, Alarm{Name: name + "-" + table + "-replication-" + receiving, Description: "replication latency to " + receiving,
				Namespace: "AWS/DynamoDB", Metric: "ReplicationLatency",
				Dimensions: []pulumi.StringMap{{"TableName": pulumi.String(table), "ReceivingRegion": pulumi.String(receiving)}},
				Statistic:  "Average", Threshold: float64(args.Settings.ReplicationLatencyMs), Missing: "ignore"})
		}
	}
	return alarms
}

// Declare creates each alarm under owner, the component that owns what it watches. opts may add
// a provider: an alarm lives in the spec's region, whatever the owner's.
func (s *AlarmSpec) Declare(ctx *pulumi.Context, owner pulumi.Resource, alarms []Alarm, opts ...pulumi.ResourceOption) error {
	for _, alarm := range alarms {
		options := append([]pulumi.ResourceOption{pulumi.Parent(owner)}, opts...)
		if owner != pulumi.Resource(s.alarms) {
			options = append(options, pulumi.Aliases([]pulumi.Alias{{Parent: s.alarms}}))
		}
		if _, err := cloudwatch.NewMetricAlarm(ctx, alarm.Name, s.args(ctx, alarm), options...); err != nil {
			return fmt.Errorf("alarm %s: %w", alarm.Name, err)
		}
	}
	return nil
}

// args is the alarm as CloudWatch takes it: a plain metric for one dimension set, a SUM over
// metric queries for several. Every alarm tells the topic when it fires and when it recovers.
func (s *AlarmSpec) args(ctx *pulumi.Context, alarm Alarm) *cloudwatch.MetricAlarmArgs {
	comparison := "GreaterThanOrEqualToThreshold"
	if alarm.Below {
		comparison = "LessThanThreshold"
	}
	args := &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(physicalName(ctx, alarm.Name)),
		AlarmDescription:   pulumi.String(alarm.Description),
		ComparisonOperator: pulumi.String(comparison),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(alarm.Threshold),
		TreatMissingData:   pulumi.String(alarm.Missing),
		AlarmActions:       pulumi.Array{s.topicArn},
		OkActions:          pulumi.Array{s.topicArn},
		Tags:               s.tags,
	}
	if len(alarm.Dimensions) == 1 {
		args.Namespace = pulumi.String(alarm.Namespace)
		args.MetricName = pulumi.String(alarm.Metric)
		args.Dimensions = alarm.Dimensions[0]
		args.Period = pulumi.Int(300)
		if alarm.Statistic[0] == 'p' {
			args.ExtendedStatistic = pulumi.String(alarm.Statistic)
		} else {
			args.Statistic = pulumi.String(alarm.Statistic)
		}
		return args
	}
	queries := cloudwatch.MetricAlarmMetricQueryArray{}
	for i, dims := range alarm.Dimensions {
		queries = append(queries, cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.Sprintf("m%d", i),
			Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String(alarm.Namespace), MetricName: pulumi.String(alarm.Metric),
				Dimensions: dims, Period: pulumi.Int(300), Stat: pulumi.String(alarm.Statistic),
			},
		})
	}
	args.MetricQueries = append(queries, cloudwatch.MetricAlarmMetricQueryArgs{
		Id: pulumi.String("total"), Expression: pulumi.String("SUM(METRICS())"),
		Label: pulumi.String(alarm.Metric), ReturnData: pulumi.Bool(true),
	})
	return args
}

// FunctionAlarms are a function's Errors, Throttles and p99 Duration (near its timeout) alarms.
func (s *AlarmSpec) FunctionAlarms(name string, functionName pulumi.StringInput, timeoutSeconds int) []Alarm {
	dims := []pulumi.StringMap{{"FunctionName": functionName}}
	return []Alarm{
		{Name: name + "-errors", Description: "function errors", Namespace: "AWS/Lambda", Metric: "Errors", Dimensions: dims,
			Statistic: "Sum", Threshold: float64(s.Settings.FunctionErrors), Missing: "notBreaching"},
		{Name: name + "-throttles", Description: "function throttled: concurrency exhausted", Namespace: "AWS/Lambda", Metric: "Throttles", Dimensions: dims,
			Statistic: "Sum", Threshold: 1, Missing: "notBreaching"},
		{Name: name + "-duration-p99", Description: "p99 duration near the timeout", Namespace: "AWS/Lambda", Metric: "Duration", Dimensions: dims,
			Statistic: "p99", Threshold: float64(timeoutSeconds*1000) * float64(s.Settings.DurationPercentTimeout) / 100, Missing: "notBreaching"},
	}
}

// dashboard shows, for the region, what the alarms watch: every function, the API stage, the
// checkout table's throttles and the replication latency of every table copy.
func (a *Alarms) dashboard(ctx *pulumi.Context, name string, args *AlarmsArgs) error {
	var lambdaErrors, lambdaDuration, tableThrottles, replication [][]any
	for _, fn := range args.Functions {
		lambdaErrors = append(lambdaErrors, []any{"AWS/Lambda", "Errors", "FunctionName", fn})
		lambdaDuration = append(lambdaDuration, []any{"AWS/Lambda", "Duration", "FunctionName", fn, map[string]string{"stat": "p99"}})
	}
	apiErrors := [][]any{{"AWS/ApiGateway", "5XXError", "ApiName", args.APIName, "Stage", StageName}}
	apiLatency := [][]any{{"AWS/ApiGateway", "Latency", "ApiName", args.APIName, "Stage", StageName, map[string]string{"stat": "p99"}}}
	for _, table := range args.Tables {
		tableThrottles = append(tableThrottles, []any{"AWS/DynamoDB", "ThrottledRequests", "TableName", table, "Operation", "TransactWriteItems"})
		for _, to := range args.ReplicaRegions {
			replication = append(replication, []any{"AWS/DynamoDB", "ReplicationLatency", "TableName", table, "ReceivingRegion", to})
		}
	}
	widget := func(title string, metrics [][]any, x, y int) map[string]any {
		return map[string]any{"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
			"properties": map[string]any{"title": title, "region": args.Region, "metrics": metrics, "period": 300, "stat": "Sum"}}
	}
	widgets := []map[string]any{
		widget("Function errors", lambdaErrors, 0, 0), widget("Function duration p99", lambdaDuration, 12, 0),
		widget("API 5XX", apiErrors, 0, 6), widget("API latency p99", apiLatency, 12, 6),
		widget("Checkout throttles", tableThrottles, 0, 12),
	}
	if len(replication) > 0 {
		widgets = append(widgets, widget("Replication latency", replication, 12, 12))
	}
	body, err := json.Marshal(map[string]any{"widgets": widgets})
	if err != nil {
		return fmt.Errorf("alarms %s: dashboard: %w", name, err)
	}
	if _, err := cloudwatch.NewDashboard(ctx, name+"-dashboard", &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(physicalName(ctx, args.Region)),
		DashboardBody: pulumi.String(string(body)),
	}, pulumi.Parent(a)); err != nil {
		return fmt.Errorf("alarms %s: dashboard: %w", name, err)
	}
	return nil
}
