package tests

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine"
)

const (
	alarmType = "aws:cloudwatch/metricAlarm:MetricAlarm"
	topicType = "aws:sns/topic:Topic"
)

// watched is an alarm's metric and the dimension values it watches: for metric-math alarms every
// queried metric counts.
type watched struct{ namespace, metric string }

func alarmMetrics(a engine.GraphResource) map[watched][]map[string]any {
	out := map[watched][]map[string]any{}
	if ns, ok := a.Inputs["namespace"].(string); ok {
		dims, _ := a.Inputs["dimensions"].(map[string]any)
		w := watched{ns, a.Inputs["metricName"].(string)}
		out[w] = append(out[w], dims)
	}
	for _, raw := range asList(a.Inputs["metricQueries"]) {
		q := raw.(map[string]any)
		m, ok := q["metric"].(map[string]any)
		if !ok {
			continue
		}
		dims, _ := m["dimensions"].(map[string]any)
		w := watched{m["namespace"].(string), m["metricName"].(string)}
		out[w] = append(out[w], dims)
	}
	return out
}

// TestAlarmCoverage walks the recorded graph: every Lambda, API stage, table copy and replica pair
// has each of its alarms, and every alarm notifies (and reports OK to) its own region's topic.
// A function, table or region added without alarms fails here.
func TestAlarmCoverage(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		g := s.graph
		topics := map[string]string{} // region -> topic ARN
		for _, topic := range g.OfType(topicType) {
			if topic.Name == topic.Region+"-alarms-topic" {
				topics[topic.Region] = topic.State["arn"].(string)
			}
		}
		regions := s.regions(t)
		require.Len(t, topics, len(regions), "one alarm topic per region")

		// has reports whether region has an alarm on metric whose dimensions include dims.
		has := func(region string, w watched, dims map[string]any) bool {
			for _, a := range g.OfType(alarmType) {
				if a.Region != region {
					continue
				}
				for _, got := range alarmMetrics(a)[w] {
					match := true
					for k, v := range dims {
						if got[k] != v {
							match = false
						}
					}
					if match {
						return true
					}
				}
			}
			return false
		}
		for _, fn := range g.OfType(lambdaType) {
			for _, metric := range []string{"Errors", "Throttles", "Duration"} {
				assert.True(t, has(fn.Region, watched{"AWS/Lambda", metric}, map[string]any{"FunctionName": fn.Inputs["name"]}),
					"%s has a %s alarm in %s", fn.Name, metric, fn.Region)
			}
		}
		stages := g.OfType("aws:apigateway/stage:Stage")
		assert.Len(t, stages, len(g.OfType(restAPIType)), "each RestAPI has its stage")
		for _, stage := range stages {
			for _, metric := range []string{"5XXError", "Latency"} {
				assert.True(t, has(stage.Region, watched{"AWS/ApiGateway", metric}, map[string]any{"Stage": stage.Inputs["stageName"]}),
					"stage %s has a %s alarm", stage.Name, metric)
			}
		}
		for _, table := range g.OfType(tableType) {
			name := table.Inputs["name"]
			copies := []string{table.Region} // the primary copy and every replica
			for _, raw := range asList(table.Inputs["replicas"]) {
				copies = append(copies, raw.(map[string]any)["regionName"].(string))
			}
			for _, region := range copies {
				for _, metric := range []string{"ThrottledRequests", "SystemErrors"} {
					assert.True(t, has(region, watched{"AWS/DynamoDB", metric}, map[string]any{"TableName": name}),
						"%s in %s has a %s alarm", name, region, metric)
				}
				for _, receiving := range copies {
					if receiving == region {
						continue
					}
					assert.True(t, has(region, watched{"AWS/DynamoDB", "ReplicationLatency"}, map[string]any{"TableName": name, "ReceivingRegion": receiving}),
						"replication %s %s→%s has an alarm", name, region, receiving)
				}
			}
		}
		for _, a := range g.OfType(alarmType) {
			want := []any{topics[a.Region]}
			assert.Equal(t, want, a.Inputs["alarmActions"], "alarm %s notifies its region's topic", a.Name)
			assert.Equal(t, want, a.Inputs["okActions"], "alarm %s reports recovery", a.Name)
			assert.Contains(t, []any{"notBreaching", "ignore", "breaching", "missing"}, a.Inputs["treatMissingData"])
		}
		dashboards := map[string]int{}
		for _, d := range g.OfType("aws:cloudwatch/dashboard:Dashboard") {
			dashboards[d.Region]++
		}
		for _, region := range regions {
			assert.Equal(t, 1, dashboards[region], "one dashboard in %s", region)
		}
	})
}

// TestAlarmThresholdsFromConfig checks the configured thresholds reach the alarms.
func TestAlarmThresholdsFromConfig(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		writer := s.regions(t)[0]
		for suffix, want := range map[string]float64{
			writer + "-counter-errors":       float64(s.configInt(t, "alarmFunctionErrors")),
			writer + "-counter-duration-p99": float64(s.configInt(t, "functionTimeoutSeconds")*1000*s.configInt(t, "alarmDurationPercentOfTimeout")) / 100,
			writer + "-api-5xx":              float64(s.configInt(t, "alarmApi5xxErrors")),
			writer + "-api-latency-p99":      float64(s.configInt(t, "alarmApiLatencyP99Ms")),
		} {
			a, err := s.graph.Named(alarmType, suffix)
			require.NoError(t, err)
			assert.Equal(t, want, a.Inputs["threshold"], fmt.Sprintf("threshold of %s", suffix))
		}
		emails := 0
		for _, sub := range s.graph.OfType("aws:sns/topicSubscription:TopicSubscription") {
			assert.Equal(t, "email", sub.Inputs["protocol"])
			emails++
		}
		assert.Equal(t, len(s.regions(t))*countJSONList(t, s.config["shopstack:alarmEmails"]), emails, "each address subscribed in each region")
	})
}

// TestDashboardShowsEveryFunction: each region's dashboard graphs the errors and p99 duration of
// every Lambda function of that region, the event pipeline's too (they are declared after the
// region's alarms, and were once left off).
func TestDashboardShowsEveryFunction(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		for _, d := range s.graph.OfType("aws:cloudwatch/dashboard:Dashboard") {
			var want []string
			for _, fn := range s.graph.OfType(lambdaType) {
				if fn.Region == d.Region {
					want = append(want, fn.Inputs["name"].(string))
				}
			}
			require.NotEmpty(t, want)
			var body struct {
				Widgets []struct {
					Properties struct {
						Title   string
						Metrics [][]any
					}
				}
			}
			require.NoError(t, json.Unmarshal([]byte(d.Inputs["dashboardBody"].(string)), &body))
			graphed := map[string][]string{}
			for _, w := range body.Widgets {
				for _, m := range w.Properties.Metrics {
					if m[0] == "AWS/Lambda" && m[2] == "FunctionName" {
						graphed[w.Properties.Title] = append(graphed[w.Properties.Title], m[3].(string))
					}
				}
			}
			for _, title := range []string{"Function errors", "Function duration p99"} {
				assert.ElementsMatch(t, want, graphed[title], "%s: %q shows every function of %s", d.Name, title, d.Region)
			}
		}
	})
}
