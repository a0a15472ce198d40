package tests

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine"
	"shopstack/engine/awsprovider"
)

const (
	evComponentType   = "shopstack:events:Events"
	evBusType         = "aws:cloudwatch/eventBus:EventBus"
	evArchiveType     = "aws:cloudwatch/eventArchive:EventArchive"
	evRuleType        = "aws:cloudwatch/eventRule:EventRule"
	evTargetType      = "aws:cloudwatch/eventTarget:EventTarget"
	evQueueType       = "aws:sqs/queue:Queue"
	evQueuePolicyType = "aws:sqs/queuePolicy:QueuePolicy"
	evMappingType     = "aws:lambda/eventSourceMapping:EventSourceMapping"
	evAlarmType       = "aws:cloudwatch/metricAlarm:MetricAlarm"
	evTopicType       = "aws:sns/topic:Topic"
)

// expectedStreamFilters are the stream records the publisher is invoked for, written out here.
var expectedStreamFilters = map[string][]any{
	"orders": {
		map[string]any{"pattern": `{"eventName":["INSERT"],"dynamodb":{"NewImage":{"status":{"S":["placed"]}}}}`},
		map[string]any{"pattern": `{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"status":{"S":["cancelled"]}}}}`},
	},
	"products": {map[string]any{"pattern": `{"eventName":["MODIFY"]}`}},
}

// expectedConsumers: the event types each consumer's rule matches and the topic it publishes to.
var expectedConsumers = map[string]struct {
	types []any
	topic string
}{
	"notifications": {types: []any{"OrderPlaced", "OrderCancelled"}, topic: "customer-notifications"},
	"stock-alerts":  {types: []any{"StockLow"}, topic: "admin-alerts"},
}

func arnOf(t *testing.T, g *engine.Graph, typ, name string) string {
	t.Helper()
	r, err := g.Named(typ, name)
	require.NoError(t, err)
	arn, _ := r.State["arn"].(string)
	require.NotEmpty(t, arn, "%s %s has an arn", typ, name)
	return arn
}

// TestEventsActiveInTheWriterRegionOnly: every region has the whole pipeline, in that region, and
// only the writer region's publisher reads the streams (of its own copy of each table): one
// active publisher, however many regions, since every copy's stream carries every write.
func TestEventsActiveInTheWriterRegionOnly(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		g := s.graph
		regions := s.regions(t)
		writer := regions[0]
		assert.Len(t, g.OfType(evBusType), len(regions), "a pipeline per region")
		assert.Len(t, g.OfType(evMappingType), 4*len(regions), "two stream mappings and two queue mappings per region")
		for _, region := range regions {
			component, err := g.Named(evComponentType, region+"-events")
			require.NoError(t, err)
			assert.Equal(t, region, component.Region)
			for _, typ := range []string{evBusType, evArchiveType, evRuleType, evTargetType, evQueueType, evQueuePolicyType, evMappingType} {
				for _, r := range g.OfType(typ) {
					if descendsFrom(g, r, component.URN) {
						assert.Equal(t, region, r.Region, "%s %s is in its pipeline's region", typ, r.Name)
					}
				}
			}
			for _, table := range []string{"orders", "products"} {
				m, err := g.Named(evMappingType, region+"-events-"+table+"-stream")
				require.NoError(t, err)
				assert.Equal(t, region == writer, m.Inputs["enabled"], "%s: only the writer's publisher reads", m.Name)
				arn, _ := m.Inputs["eventSourceArn"].(string)
				assert.True(t, strings.HasPrefix(arn, "arn:aws:dynamodb:"+region+":"), "%s reads its own region's stream: %s", m.Name, arn)
			}
		}
	})
}

func descendsFrom(g *engine.Graph, r engine.GraphResource, ancestor string) bool {
	for r.Parent != "" {
		if r.Parent == ancestor {
			return true
		}
		parent, ok := g.ByURN(r.Parent)
		if !ok {
			return false
		}
		r = parent
	}
	return false
}

func TestEventBusAndArchive(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		ev := s.regions(t)[0] + "-" // the writer region's pipeline
		g := s.graph
		bus, err := g.Named(evBusType, ev+"events-bus")
		require.NoError(t, err)
		assert.Equal(t, "shopstack-"+s.name+"-events", bus.Inputs["name"])
		archive, err := g.Named(evArchiveType, ev+"events-archive")
		require.NoError(t, err)
		assert.Equal(t, bus.State["arn"], archive.Inputs["eventSourceArn"])
		assert.Equal(t, float64(s.configInt(t, "eventArchiveRetentionDays")), archive.Inputs["retentionDays"])
		assert.Nil(t, archive.Inputs["eventPattern"], "the archive keeps every event")
	})
}

func TestStreamMappings(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		ev := s.regions(t)[0] + "-" // the writer region's pipeline
		g := s.graph
		publisher := arnOf(t, g, lambdaType, ev+"events-publisher")
		failures := arnOf(t, g, evQueueType, ev+"events-publisher-failures")
		for table, filters := range expectedStreamFilters {
			t.Run(table, func(t *testing.T) {
				m, err := g.Named(evMappingType, ev+"events-"+table+"-stream")
				require.NoError(t, err)
				tbl, err := g.Named(tableType, "data-"+table)
				require.NoError(t, err)
				in := m.Inputs
				assert.Equal(t, tbl.State["streamArn"], in["eventSourceArn"])
				assert.Equal(t, publisher, in["functionName"])
				assert.Equal(t, "LATEST", in["startingPosition"])
				assert.Equal(t, float64(s.configInt(t, "eventBatchSize")), in["batchSize"])
				assert.Equal(t, float64(s.configInt(t, "eventMaxRetries")), in["maximumRetryAttempts"])
				assert.Equal(t, true, in["bisectBatchOnFunctionError"])
				assert.Equal(t, []any{"ReportBatchItemFailures"}, in["functionResponseTypes"])
				assert.Equal(t, map[string]any{"onFailure": map[string]any{"destinationArn": failures}}, in["destinationConfig"])
				assert.Equal(t, map[string]any{"filters": filters}, in["filterCriteria"])
			})
		}
		failuresQueue, err := g.Named(evQueueType, ev+"events-publisher-failures")
		require.NoError(t, err)
		assert.Equal(t, true, failuresQueue.Inputs["sqsManagedSseEnabled"])
		assert.Nil(t, failuresQueue.Inputs["redrivePolicy"], "the on-failure queue is itself the end of the line")
	})
}

func TestConsumers(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		ev := s.regions(t)[0] + "-" // the writer region's pipeline
		g := s.graph
		bus, err := g.Named(evBusType, ev+"events-bus")
		require.NoError(t, err)
		for name, want := range expectedConsumers {
			t.Run(name, func(t *testing.T) {
				base := ev + "events-" + name
				rule, err := g.Named(evRuleType, base+"-rule")
				require.NoError(t, err)
				assert.Equal(t, bus.State["name"], rule.Inputs["eventBusName"])
				var pattern map[string]any
				require.NoError(t, json.Unmarshal([]byte(rule.Inputs["eventPattern"].(string)), &pattern))
				assert.Equal(t, map[string]any{"source": []any{"shopstack.shop"}, "detail-type": want.types}, pattern)

				queue, err := g.Named(evQueueType, base+"-queue")
				require.NoError(t, err)
				dlq, err := g.Named(evQueueType, base+"-dlq")
				require.NoError(t, err)
				target, err := g.Named(evTargetType, base+"-target")
				require.NoError(t, err)
				assert.Equal(t, queue.State["arn"], target.Inputs["arn"])
				assert.Equal(t, rule.State["name"], target.Inputs["rule"])
				assert.Equal(t, bus.State["name"], target.Inputs["eventBusName"])
				// An event the rule cannot deliver to the queue goes to the consumer's DLQ, which
				// lets that rule alone send to it.
				assert.Equal(t, map[string]any{"arn": dlq.State["arn"]}, target.Inputs["deadLetterConfig"])
				dlqPolicy, err := g.Named(evQueuePolicyType, base+"-dlq-policy")
				require.NoError(t, err)
				assert.Equal(t, dlq.State["url"], dlqPolicy.Inputs["queueUrl"])
				var dlqDoc map[string]any
				require.NoError(t, json.Unmarshal([]byte(dlqPolicy.Inputs["policy"].(string)), &dlqDoc))
				require.Len(t, dlqDoc["Statement"].([]any), 1)
				dst := dlqDoc["Statement"].([]any)[0].(map[string]any)
				assert.Equal(t, dlq.State["arn"], dst["Resource"])
				assert.Equal(t, map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.State["arn"]}}, dst["Condition"])

				assert.Equal(t, true, queue.Inputs["sqsManagedSseEnabled"])
				assert.Equal(t, true, dlq.Inputs["sqsManagedSseEnabled"])
				assert.Equal(t, float64(6*s.configInt(t, "functionTimeoutSeconds")), queue.Inputs["visibilityTimeoutSeconds"])
				var redrive map[string]any
				require.NoError(t, json.Unmarshal([]byte(queue.Inputs["redrivePolicy"].(string)), &redrive))
				assert.Equal(t, map[string]any{"deadLetterTargetArn": dlq.State["arn"], "maxReceiveCount": float64(s.configInt(t, "eventMaxReceiveCount"))}, redrive)
				assert.Nil(t, dlq.Inputs["redrivePolicy"])
				assert.Equal(t, float64(14*24*3600), dlq.Inputs["messageRetentionSeconds"])

				policy, err := g.Named(evQueuePolicyType, base+"-queue-policy")
				require.NoError(t, err)
				assert.Equal(t, queue.State["url"], policy.Inputs["queueUrl"])
				var doc map[string]any
				require.NoError(t, json.Unmarshal([]byte(policy.Inputs["policy"].(string)), &doc))
				statements := doc["Statement"].([]any)
				require.Len(t, statements, 1, "one statement: only the rule may send")
				st := statements[0].(map[string]any)
				assert.Equal(t, "Allow", st["Effect"])
				assert.Equal(t, map[string]any{"Service": "events.amazonaws.com"}, st["Principal"])
				assert.Equal(t, "sqs:SendMessage", st["Action"])
				assert.Equal(t, queue.State["arn"], st["Resource"])
				assert.Equal(t, map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.State["arn"]}}, st["Condition"])

				mapping, err := g.Named(evMappingType, base+"-mapping")
				require.NoError(t, err)
				fn := arnOf(t, g, lambdaType, base)
				assert.Equal(t, queue.State["arn"], mapping.Inputs["eventSourceArn"])
				assert.Equal(t, fn, mapping.Inputs["functionName"])
				assert.Equal(t, []any{"ReportBatchItemFailures"}, mapping.Inputs["functionResponseTypes"])
				assert.Nil(t, mapping.Inputs["startingPosition"], "a queue mapping has no starting position")
				assert.Nil(t, mapping.Inputs["destinationConfig"], "failed messages go to the queue's dead-letter queue")

				lambdaFn, err := g.Named(lambdaType, base)
				require.NoError(t, err)
				env := lambdaFn.Inputs["environment"].(map[string]any)["variables"].(map[string]any)
				assert.Equal(t, map[string]any{
					"PROCESSEDEVENTS_TABLE": "shopstack-" + s.name + "-processedEvents",
					"TOPIC_ARN":             arnOf(t, g, evTopicType, ev+"events-"+map[string]string{"customer-notifications": "customer-topic", "admin-alerts": "admin-topic"}[want.topic]),
				}, env)
			})
		}
	})
}

func TestProcessedEventsTable(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		g := s.graph
		writer := s.regions(t)[0]
		tbl, err := g.Named(tableType, "data-processedEvents")
		require.NoError(t, err)
		var writerKey string
		for _, k := range g.OfType(keyType) {
			if k.Region == writer {
				writerKey = k.State["arn"].(string)
			}
		}
		in := tbl.Inputs
		assert.Equal(t, writer, tbl.Region)
		assert.Equal(t, "eventKey", in["hashKey"])
		assert.Equal(t, map[string]any{"attributeName": "expiresAt", "enabled": true}, in["ttl"])
		assert.Equal(t, map[string]any{"enabled": true}, in["pointInTimeRecovery"])
		assert.Equal(t, map[string]any{"enabled": true, "kmsKeyArn": writerKey}, in["serverSideEncryption"])
		assert.Len(t, asList(in["replicas"]), len(s.regions(t))-1, "a global table: every region's consumers share the ledger, which survives a move of the pipeline")
	})
}

// TestEventPermissions: each event function's policy holds exactly the statements the issue
// allows, on exactly its own resources.
func TestEventPermissions(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		ev := s.regions(t)[0] + "-" // the writer region's pipeline
		g := s.graph
		writer := s.regions(t)[0]
		var writerKey string
		for _, k := range g.OfType(keyType) {
			if k.Region == writer {
				writerKey = k.State["arn"].(string)
			}
		}
		streamArn := func(table string) any {
			r, err := g.Named(tableType, "data-"+table)
			require.NoError(t, err)
			return r.State["arn"].(string) + "/stream/*"
		}
		processed := arnOf(t, g, tableType, "data-processedEvents")
		want := map[string]map[string][2]any{
			ev + "events-publisher": {
				"ReadStreams":  {[]any{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}, []any{streamArn("orders"), streamArn("products")}},
				"StreamKey":    {[]any{"kms:Decrypt"}, []any{writerKey}},
				"PutEvents":    {[]any{"events:PutEvents"}, []any{arnOf(t, g, evBusType, ev+"events-bus")}},
				"SendFailures": {[]any{"sqs:SendMessage"}, []any{arnOf(t, g, evQueueType, ev+"events-publisher-failures")}},
			},
		}
		for name, c := range expectedConsumers {
			topic := map[string]string{"customer-notifications": ev + "events-customer-topic", "admin-alerts": ev + "events-admin-topic"}[c.topic]
			want[ev+"events-"+name] = map[string][2]any{
				"ConsumeQueue":    {[]any{"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}, []any{arnOf(t, g, evQueueType, ev+"events-"+name+"-queue")}},
				"Publish":         {[]any{"sns:Publish"}, []any{arnOf(t, g, evTopicType, topic)}},
				"ProcessedEvents": {[]any{"dynamodb:PutItem", "dynamodb:UpdateItem"}, []any{processed}},
				"TableKeys":       {[]any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}, []any{writerKey}},
			}
		}
		for fn, statements := range want {
			t.Run(fn, func(t *testing.T) {
				role, err := g.Named(roleType, fn+"-role")
				require.NoError(t, err)
				children := g.Children(role.URN)
				require.Len(t, children, 1)
				doc := parsePolicy(t, children[0].Inputs["policy"])
				logs := arnOf(t, g, logGroupType, fn+"-logs")
				statements["WriteOwnLogs"] = [2]any{[]any{"logs:CreateLogStream", "logs:PutLogEvents"}, []any{logs + ":*"}}
				statements["WriteTraces"] = [2]any{[]any{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, []any{"*"}}
				got := map[string][2]any{}
				for _, st := range doc.Statement {
					assert.Equal(t, "Allow", st.Effect)
					got[st.Sid] = [2]any{st.Action, st.Resource}
				}
				assert.Equal(t, statements, got)
			})
		}
	})
}

// TestEventAlarms: every dead-letter queue, the publisher's iterator age and every event function's
// errors are alarmed, to the writer region's topic.
func TestEventAlarms(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		ev := s.regions(t)[0] + "-" // the writer region's pipeline
		g := s.graph
		writer := s.regions(t)[0]
		topic := arnOf(t, g, evTopicType, writer+"-alarms-topic")
		alarmed := func(namespace, metric, dim, value string) *engine.GraphResource {
			for _, a := range g.OfType(evAlarmType) {
				dims, _ := a.Inputs["dimensions"].(map[string]any)
				// Every region has its pipeline, of the same names: the writer's, in the writer region.
				if a.Inputs["namespace"] == namespace && a.Inputs["metricName"] == metric && dims[dim] == value && a.Region == writer {
					return &a
				}
			}
			return nil
		}
		for _, q := range []string{ev + "events-publisher-failures", ev + "events-notifications-dlq", ev + "events-stock-alerts-dlq"} {
			queue, err := g.Named(evQueueType, q)
			require.NoError(t, err)
			a := alarmed("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue.State["name"].(string))
			if assert.NotNil(t, a, "dead-letter queue %s is alarmed", q) {
				assert.Equal(t, 1.0, a.Inputs["threshold"])
				assert.Equal(t, "GreaterThanOrEqualToThreshold", a.Inputs["comparisonOperator"])
				assert.Equal(t, []any{topic}, a.Inputs["alarmActions"])
				assert.Equal(t, writer, a.Region)
			}
		}
		for _, m := range g.OfType(evMappingType) {
			if m.Inputs["startingPosition"] == nil || m.Region != writer {
				continue
			}
			fnName := strings.TrimPrefix(m.Inputs["functionName"].(string), fmt.Sprintf("arn:aws:lambda:%s:%s:function:", writer, awsprovider.Account))
			a := alarmed("AWS/Lambda", "IteratorAge", "FunctionName", fnName)
			if assert.NotNil(t, a, "stream mapping %s has an iterator age alarm", m.Name) {
				assert.Equal(t, float64(s.configInt(t, "alarmIteratorAgeMs")), a.Inputs["threshold"])
				assert.Equal(t, []any{topic}, a.Inputs["alarmActions"])
			}
		}
		for _, metric := range []string{"ThrottledRequests", "SystemErrors"} {
			for _, op := range []string{"PutItem", "UpdateItem"} {
				found := false
				for _, a := range g.OfType(evAlarmType) {
					dims, _ := a.Inputs["dimensions"].(map[string]any)
					found = found || a.Inputs["metricName"] == metric && dims["Operation"] == op && dims["TableName"] == "shopstack-"+s.name+"-processedEvents" && a.Region == writer
				}
				assert.True(t, found, "processed-events %s %s is alarmed", op, metric)
			}
		}
		for _, fn := range []string{"publisher", "notifications", "stock-alerts"} {
			a := alarmed("AWS/Lambda", "Errors", "FunctionName", "shopstack-"+s.name+"-"+fn)
			if assert.NotNil(t, a, "%s errors are alarmed", fn) {
				assert.Equal(t, []any{topic}, a.Inputs["alarmActions"])
			}
		}
	})
}
