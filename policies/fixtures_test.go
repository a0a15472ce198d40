package policies_test

import (
	"fmt"
	"strings"

	"shopstack/policies"
)

// The fixtures are small compliant resources; a case breaks one with a change.

type change func(p map[string]any)

// set returns a change that sets the value at a dotted path, creating objects on the way.
func set(path string, v any) change {
	return func(p map[string]any) {
		keys := strings.Split(path, ".")
		for _, k := range keys[:len(keys)-1] {
			next, ok := p[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				p[k] = next
			}
			p = next
		}
		p[keys[len(keys)-1]] = v
	}
}

// unset returns a change that deletes the value at a dotted path.
func unset(path string) change {
	return func(p map[string]any) {
		keys := strings.Split(path, ".")
		for _, k := range keys[:len(keys)-1] {
			next, ok := p[k].(map[string]any)
			if !ok {
				return
			}
			p = next
		}
		delete(p, keys[len(keys)-1])
	}
}

func resource(typ, name string, props map[string]any, changes ...change) policies.AnalyzedResource {
	for _, c := range changes {
		c(props)
	}
	return policies.AnalyzedResource{Type: typ, Name: name, URN: urn(typ, name), Properties: props}
}

func urn(typ, name string) string {
	return fmt.Sprintf("urn:pulumi:test::shopstack::%s::%s", typ, name)
}

func tags() map[string]any {
	return map[string]any{"environment": "dev", "service": "shop"}
}

func function(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:lambda/function:Function", name, map[string]any{
		"name":          name,
		"architectures": []any{"arm64"},
		"runtime":       "provided.al2023",
		"handler":       "bootstrap",
		"memorySize":    512.0,
		"tracingConfig": map[string]any{"mode": "Active"},
		"loggingConfig": map[string]any{"logFormat": "JSON", "logGroup": "/aws/lambda/" + name},
		"tags":          tags(),
	}, changes...)
}

func logGroup(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:cloudwatch/logGroup:LogGroup", name+"-logs", map[string]any{
		"name":            "/aws/lambda/" + name,
		"retentionInDays": 30.0,
		"tags":            tags(),
	}, changes...)
}

func errorsAlarm(fn string, changes ...change) policies.AnalyzedResource {
	return resource("aws:cloudwatch/metricAlarm:MetricAlarm", fn+"-errors", map[string]any{
		"namespace":          "AWS/Lambda",
		"metricName":         "Errors",
		"comparisonOperator": "GreaterThanThreshold",
		"threshold":          0.0,
		"evaluationPeriods":  1.0,
		"period":             60.0,
		"statistic":          "Sum",
		"dimensions":         map[string]any{"FunctionName": fn},
		"tags":               tags(),
	}, changes...)
}

func table(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:dynamodb/table:Table", name, map[string]any{
		"name":                      name,
		"billingMode":               "PAY_PER_REQUEST",
		"hashKey":                   "pk",
		"pointInTimeRecovery":       map[string]any{"enabled": true},
		"serverSideEncryption":      map[string]any{"enabled": true, "kmsKeyArn": "arn:aws:kms:eu-west-1:111111111111:key/data"},
		"deletionProtectionEnabled": false,
		"tags":                      tags(),
	}, changes...)
}

func replica(region string) map[string]any {
	return map[string]any{
		"regionName":          region,
		"pointInTimeRecovery": true,
		"kmsKeyArn":           "arn:aws:kms:" + region + ":111111111111:key/data",
	}
}

func latencyAlarm(tableName, region string, changes ...change) policies.AnalyzedResource {
	return resource("aws:cloudwatch/metricAlarm:MetricAlarm", tableName+"-"+region+"-latency", map[string]any{
		"namespace":  "AWS/DynamoDB",
		"metricName": "ReplicationLatency",
		"dimensions": map[string]any{"TableName": tableName, "ReceivingRegion": region},
		"tags":       tags(),
	}, changes...)
}

func kmsKey(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:kms/key:Key", name, map[string]any{
		"enableKeyRotation": true,
		"tags":              tags(),
	}, changes...)
}

// iamPolicy is a policy resource of typ ("aws:iam/rolePolicy:RolePolicy" or
// "aws:iam/policy:Policy") whose policy property is the JSON text of doc, as Pulumi records it.
func iamPolicy(typ, name, doc string) policies.AnalyzedResource {
	return resource(typ, name, map[string]any{"policy": doc})
}

const scopedPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:eu-west-1:111111111111:table/orders"},
 {"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords"],"Resource":"*"}]}`

func stage(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:apigateway/stage:Stage", name, map[string]any{
		"stageName":         "v1",
		"restApi":           "api-id",
		"accessLogSettings": map[string]any{"destinationArn": "arn:aws:logs:eu-west-1:111111111111:log-group:api", "format": "$context.requestId"},
		"tags":              tags(),
	}, changes...)
}

// restAPI is the aws-apigateway component with its inputs; restAPIOutputs (preview_test.go)
// gives it the outputs stack rules see.
func restAPI(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws-apigateway:index:RestAPI", name, map[string]any{"stageName": "v1"}, changes...)
}

func methodSettings(stageName string, changes ...change) policies.AnalyzedResource {
	return resource("aws:apigateway/methodSettings:MethodSettings", stageName+"-throttle", map[string]any{
		"restApi":    "api-id",
		"stageName":  stageName,
		"methodPath": "*/*",
		"settings":   map[string]any{"throttlingRateLimit": 100.0, "throttlingBurstLimit": 50.0},
	}, changes...)
}

// compliantGraph is a small stack that every rule accepts: one service of each kind the pack knows.
func compliantGraph() []policies.AnalyzedResource {
	return []policies.AnalyzedResource{
		kmsKey("data-key"),
		table("orders", set("replicas", []any{replica("us-east-1"), replica("ap-southeast-1")})),
		latencyAlarm("orders", "us-east-1"),
		latencyAlarm("orders", "ap-southeast-1"),
		function("checkout"),
		logGroup("checkout"),
		errorsAlarm("checkout"),
		resource("aws:iam/role:Role", "checkout-role", map[string]any{"tags": tags()}),
		iamPolicy("aws:iam/rolePolicy:RolePolicy", "checkout-policy", scopedPolicy),
		iamPolicy("aws:iam/policy:Policy", "metrics", `{"Statement":{"Effect":"Allow","Action":"cloudwatch:PutMetricData","Resource":"*"}}`),
		restAPIOutputs("api"),
		methodSettings("v1"),
		stage("api-stage"),
		association("api-stage-waf", "/stages/v1"),
		resource("aws:sns/topic:Topic", "alerts", map[string]any{"tags": tags()}),
	}
}

// syntheticGraph builds about n resources of compliant services, for the benchmark.
func syntheticGraph(n int) []policies.AnalyzedResource {
	var out []policies.AnalyzedResource
	for i := 0; len(out) < n; i++ {
		fn := fmt.Sprintf("fn-%03d", i)
		out = append(out,
			function(fn), logGroup(fn), errorsAlarm(fn),
			resource("aws:iam/role:Role", fn+"-role", map[string]any{"tags": tags()}),
			iamPolicy("aws:iam/rolePolicy:RolePolicy", fn+"-policy", scopedPolicy),
		)
		if i%5 == 0 {
			tbl := fmt.Sprintf("table-%03d", i)
			out = append(out,
				kmsKey(tbl+"-key"),
				table(tbl, set("replicas", []any{replica("us-east-1"), replica("ap-southeast-1")})),
				latencyAlarm(tbl, "us-east-1"), latencyAlarm(tbl, "ap-southeast-1"),
			)
		}
		if i%10 == 0 {
			st := fmt.Sprintf("s%03d", i)
			out = append(out, stage("api-"+st, set("stageName", st)), methodSettings(st), association("api-"+st+"-waf", "/stages/"+st))
		}
	}
	return out
}
