package cost

import (
	"fmt"
	"math"
	"strings"

	"shopstack/engine"
)

// Type tokens the pricers read.
const (
	restAPIType      = "aws-apigateway:index:RestAPI"
	tableType        = "aws:dynamodb/table:Table"
	functionType     = "aws:lambda/function:Function"
	latencyRecordKey = "latencyRoutingPolicies"
)

// gib is the gigabyte AWS bills logs and archives in.
const gib = 1 << 30

// pricer adds the lines of one resource.
type pricer func(m *model, r engine.GraphResource) error

// pricers price every type that costs money. A type absent here must be in free.
var pricers = map[string]pricer{
	"aws:appautoscaling/target:Target":            priceScalingTarget,
	functionType:                                  priceFunction,
	restAPIType:                                   priceRestAPI,
	tableType:                                     priceTable,
	"aws:kms/key:Key":                             priceKey,
	"aws:cloudwatch/metricAlarm:MetricAlarm":      priceAlarm,
	"aws:cloudwatch/dashboard:Dashboard":          fixed("CloudWatch", "dashboard", 1),
	"aws:cloudwatch/logGroup:LogGroup":            priceLogGroup,
	"aws:sns/topicSubscription:TopicSubscription": priceSubscription,
	"aws:cognito/userPool:UserPool":               priceUserPool,
	"aws:wafv2/webAcl:WebAcl":                     priceWebACL,
	"aws:route53/zone:Zone":                       fixed("Route 53", "hosted-zone", 1),
	"aws:route53/healthCheck:HealthCheck":         priceHealthCheck,
	"aws:route53/record:Record":                   priceRecord,
	"aws:sqs/queue:Queue":                         priceQueue,
	"aws:cloudwatch/eventBus:EventBus":            priceEventBus,
	"aws:cloudwatch/eventArchive:EventArchive":    priceArchive,
}

// free lists the types that cost nothing by themselves, and why.
var free = map[string]string{
	"aws:lambda/alias:Alias":                                          "aliases are free; provisioned concurrency is priced on its scaling target",
	"aws:iam/role:Role":                                               "IAM is free",
	"aws:iam/rolePolicy:RolePolicy":                                   "IAM is free",
	"aws:iam/policy:Policy":                                           "IAM is free",
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":               "IAM is free",
	"aws:kms/alias:Alias":                                             "aliases are free; the key is priced",
	"aws:cognito/userPoolClient:UserPoolClient":                       "priced per monthly active user on the user pool",
	"aws:cognito/userGroup:UserGroup":                                 "priced per monthly active user on the user pool",
	"aws:apigateway/account:Account":                                  "account settings are free",
	"aws:apigateway/methodSettings:MethodSettings":                    "stage settings are free; requests are priced on the RestAPI",
	"aws:apigateway/domainName:DomainName":                            "custom domain names are free",
	"aws:apigateway/basePathMapping:BasePathMapping":                  "custom domain mappings are free",
	"aws:sns/topic:Topic":                                             "alarm publishes are negligible; deliveries are priced on the subscriptions",
	"aws:sns/topicPolicy:TopicPolicy":                                 "policies are free",
	"aws:lambda/permission:Permission":                                "permissions are free",
	"aws:lambda/eventSourceMapping:EventSourceMapping":                "mappings are free; the invocations and the queue requests are priced",
	"aws:acm/certificate:Certificate":                                 "public ACM certificates are free",
	"aws:acm/certificateValidation:CertificateValidation":             "validation is free; the DNS record is in the zone",
	"aws:wafv2/webAclAssociation:WebAclAssociation":                   "associations are free; the web ACL is priced",
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "logging config is free; its log group is priced",
	"aws:wafv2/ipSet:IpSet":                                           "IP sets are free",
	"aws:wafv2/ruleGroup:RuleGroup":                                   "a rule group is charged as a rule of the web ACL that uses it",
	"aws:sqs/queuePolicy:QueuePolicy":                                 "policies are free",
	"aws:sqs/redrivePolicy:RedrivePolicy":                             "policies are free",
	"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":                   "policies are free",
	"aws:cloudwatch/eventRule:EventRule":                              "rules are free; events are priced on the bus",
	"aws:cloudwatch/eventTarget:EventTarget":                          "targets are free; deliveries are priced where they land",
	"aws:cloudwatch/eventBusPolicy:EventBusPolicy":                    "policies are free",
	"aws:appautoscaling/target:Target":                                "Application Auto Scaling is free",
	"aws:appautoscaling/policy:Policy":                                "Application Auto Scaling is free",
	"aws:route53/healthCheckAlarm:HealthCheckAlarm":                   "priced as a CloudWatch alarm where declared",
	"pulumi:pulumi:StackReference":                                    "a read of the stack's own outputs from the Pulumi backend, not an AWS resource",
}

// FreeReason says why a type costs nothing, and whether it is listed free. Providers and shopstack's
// own components are free; a component's children are priced one by one.
func FreeReason(typ string) (string, bool) {
	switch {
	case strings.HasPrefix(typ, "pulumi:providers:"):
		return "providers are not deployed", true
	case strings.HasPrefix(typ, "shopstack:"):
		return "shopstack components group resources priced one by one", true
	}
	reason, ok := free[typ]
	return reason, ok
}

func fixed(service, dimension string, quantity float64) pricer {
	return func(m *model, r engine.GraphResource) error {
		return m.add(r, r.Region, service, dimension, Fixed, quantity)
	}
}

// priceFunction: requests and GB-seconds from the routes the function serves, and the X-Ray traces
// of the requests sampled when tracing is active. A function no route reaches (the counter) has no
// modelled traffic.
func priceFunction(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil {
		return nil
	}
	svc := serviceOf(r)
	inv := m.invocations[r.Region][svc]
	if inv == 0 {
		m.note("%s in %s: no route reaches it, so no traffic is modelled for it", nameOf(r), r.Region)
		return nil
	}
	memory := number(r.Inputs["memorySize"], 128)
	dimension := "x86-compute"
	if archs, _ := r.Inputs["architectures"].([]any); len(archs) > 0 && archs[0] == "arm64" {
		dimension = "arm64-compute"
	}
	if err := m.add(r, r.Region, "Lambda", "requests", Usage, inv); err != nil {
		return err
	}
	if err := m.add(r, r.Region, "Lambda", dimension, Usage, m.gbSeconds[r.Region][svc]*memory); err != nil {
		return err
	}
	if tc, _ := r.Inputs["tracingConfig"].(map[string]any); tc != nil && tc["mode"] == "Active" {
		return m.add(r, r.Region, "X-Ray", "traces-recorded", Usage, inv*m.in.Profile.XRaySamplingRate)
	}
	return nil
}

// serviceOf is the shopstack service a function runs: its service tag, else its name's last part.
func serviceOf(r engine.GraphResource) string {
	if tags, _ := r.Inputs["tags"].(map[string]any); tags != nil {
		if s, ok := tags["service"].(string); ok {
			return s
		}
	}
	name := nameOf(r)
	return name[strings.LastIndex(name, "-")+1:]
}

func nameOf(r engine.GraphResource) string {
	if n, ok := r.Inputs["name"].(string); ok && n != "" {
		return n
	}
	return r.Name
}

func number(v any, otherwise float64) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return otherwise
}

func priceRestAPI(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil {
		return nil
	}
	return m.add(r, r.Region, "API Gateway", "rest-requests", Usage, m.apiRequests[r.Region])
}

// priceTable: each copy (the table in its region and every replica) serves the reads made in its
// region, the writes landing there, the replicated writes of every other copy's writes, and stores
// the whole table (and its PITR backup when enabled).
func priceTable(m *model, r engine.GraphResource) error {
	copies := map[string]bool{r.Region: truthy(r.Inputs["pointInTimeRecovery"], "enabled")}
	order := []string{r.Region}
	replicas, _ := r.Inputs["replicas"].([]any)
	for _, rep := range replicas {
		rm, _ := rep.(map[string]any)
		region, _ := rm["regionName"].(string)
		if region == "" {
			return fmt.Errorf("a replica has no regionName")
		}
		pitr, _ := rm["pointInTimeRecovery"].(bool)
		copies[region] = pitr
		order = append(order, region)
	}
	if m.in.Profile == nil {
		return nil
	}
	p := m.in.Profile
	logical, ok := logicalTable(nameOf(r))
	if !ok {
		// A table outside package schema (the event pipeline's): no route measures its requests.
		logical = nameOf(r)[strings.LastIndex(nameOf(r), "-")+1:]
		m.unpriced = append(m.unpriced, fmt.Sprintf("DynamoDB requests on %s: no measured route uses it", logical))
	}
	if _, ok := p.StorageGB[logical]; !ok {
		return fmt.Errorf("%s.storage_gb has no figure for table %s: add one (and to pitr_backup_storage_gb)", ProfileKey, logical)
	}
	if _, ok := p.PITRBackupStorageGB[logical]; !ok && copies[r.Region] {
		return fmt.Errorf("%s.pitr_backup_storage_gb has no figure for table %s: add one", ProfileKey, logical)
	}
	for _, region := range order {
		reads := m.reads[region][logical]
		writes := m.writes[region][logical]
		var replicated float64
		for _, other := range order {
			if other != region {
				replicated += m.writes[other][logical]
			}
		}
		for _, l := range []struct {
			dimension string
			quantity  float64
		}{
			{"read-request-units", reads},
			{"write-request-units", writes},
			{"replicated-write-request-units", replicated},
			{"storage", p.StorageGB[logical]},
		} {
			if err := m.add(r, region, "DynamoDB", l.dimension, Usage, l.quantity); err != nil {
				return err
			}
		}
		if copies[region] {
			if err := m.add(r, region, "DynamoDB", "pitr-storage", Usage, p.PITRBackupStorageGB[logical]); err != nil {
				return err
			}
		}
	}
	for region := range m.reads {
		if _, ok := copies[region]; !ok && m.reads[region][logical] > 0 {
			return fmt.Errorf("reads of %s are made in %s, where the table has no copy", logical, region)
		}
	}
	return nil
}

func truthy(v any, key string) bool {
	if mm, ok := v.(map[string]any); ok {
		b, _ := mm[key].(bool)
		return b
	}
	return false
}

func priceKey(m *model, r engine.GraphResource) error {
	if err := m.add(r, r.Region, "KMS", "customer-managed-key", Fixed, 1); err != nil {
		return err
	}
	if m.in.Profile == nil {
		return nil
	}
	return m.add(r, r.Region, "KMS", "requests", Usage, m.in.Profile.MonthlyKMSRequestsPerKey)
}

// priceAlarm charges each metric an alarm evaluates: one, or each metric of a metric-math alarm.
func priceAlarm(m *model, r engine.GraphResource) error {
	metrics := 1.0
	period := number(r.Inputs["period"], 60)
	if qs, ok := r.Inputs["metricQueries"].([]any); ok && len(qs) > 0 {
		metrics = 0
		for _, q := range qs {
			qm, _ := q.(map[string]any)
			if metric, ok := qm["metric"].(map[string]any); ok {
				metrics++
				period = math.Min(period, number(metric["period"], 60))
			}
		}
	}
	dimension := "standard-alarm-metric"
	if period < 60 {
		dimension = "high-resolution-alarm-metric"
	}
	return m.add(r, r.Region, "CloudWatch", dimension, Fixed, metrics)
}

// priceLogGroup: a function's log group ingests log_bytes_per_request per invocation, an API access
// log group access_log_bytes_per_request per request; stored data is what the retention keeps
// (uncompressed, so an upper bound).
func priceLogGroup(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil {
		return nil
	}
	p := m.in.Profile
	name := nameOf(r)
	var bytes float64
	switch {
	case strings.HasPrefix(name, "/aws/lambda/"):
		fn := strings.TrimPrefix(name, "/aws/lambda/")
		for _, f := range m.g.Resources {
			if f.Type == functionType && f.Region == r.Region && nameOf(f) == fn {
				bytes = m.invocations[r.Region][serviceOf(f)] * p.LogBytesPerRequest
			}
		}
	case strings.HasPrefix(name, "/aws/apigateway/") && strings.HasSuffix(name, "/access"):
		bytes = m.apiRequests[r.Region] * p.AccessLogBytesPerRequest
	default:
		m.note("log group %s in %s: nothing modelled writes to it", name, r.Region)
		return nil
	}
	ingested := bytes / gib
	if err := m.add(r, r.Region, "CloudWatch", "logs-ingested", Usage, ingested); err != nil {
		return err
	}
	days := number(r.Inputs["retentionInDays"], 0)
	if days == 0 {
		days = 365
		m.note("log group %s in %s never expires: a year of logs is priced as stored", name, r.Region)
	}
	return m.add(r, r.Region, "CloudWatch", "logs-stored", Usage, ingested*days/30)
}

func priceSubscription(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil {
		return nil
	}
	switch r.Inputs["protocol"] {
	case "email", "email-json":
		return m.add(r, r.Region, "SNS", "email-notifications", Usage, m.in.Profile.MonthlyAlarmNotifications)
	}
	return nil // deliveries to Lambda and SQS are free
}

func priceUserPool(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil {
		return nil
	}
	return m.add(r, r.Region, "Cognito", "essentials-mau", Usage, m.in.Profile.MonthlyActiveUsers)
}

// priceWebACL: the ACL, each rule, and every request it inspects: a regional ACL sees its region's
// API requests, a CloudFront one every request.
func priceWebACL(m *model, r engine.GraphResource) error {
	if err := m.add(r, r.Region, "WAF", "web-acl", Fixed, 1); err != nil {
		return err
	}
	rules, _ := r.Inputs["rules"].([]any)
	if err := m.add(r, r.Region, "WAF", "rule", Fixed, float64(len(rules))); err != nil {
		return err
	}
	if m.in.Profile == nil {
		return nil
	}
	requests := m.apiRequests[r.Region]
	if r.Inputs["scope"] == "CLOUDFRONT" {
		requests = 0
		for _, n := range m.apiRequests {
			requests += n
		}
	}
	return m.add(r, r.Region, "WAF", "requests", Usage, requests)
}

// priceHealthCheck: the check and each optional feature it uses.
func priceHealthCheck(m *model, r engine.GraphResource) error {
	if err := m.add(r, r.Region, "Route 53", "health-check", Fixed, 1); err != nil {
		return err
	}
	typ, _ := r.Inputs["type"].(string)
	features := 0.0
	if strings.HasPrefix(typ, "HTTPS") {
		features++
	}
	if strings.HasSuffix(typ, "_STR_MATCH") {
		features++
	}
	if number(r.Inputs["requestInterval"], 30) == 10 {
		features++
	}
	if b, _ := r.Inputs["measureLatency"].(bool); b {
		features++
	}
	return m.add(r, r.Region, "Route 53", "health-check-optional-feature", Fixed, features)
}

// priceRecord: latency-routed records share the profile's latency-based queries; queries to alias
// records that point at AWS resources (API Gateway, CloudFront, load balancers) are free.
func priceRecord(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil || r.Inputs[latencyRecordKey] == nil {
		return nil
	}
	if aliases, _ := r.Inputs["aliases"].([]any); len(aliases) > 0 {
		m.note("Route 53 latency records are aliases to AWS resources: their queries are free")
		return nil
	}
	var latency float64
	for _, o := range m.g.Resources {
		if o.Type == r.Type && o.Inputs[latencyRecordKey] != nil {
			if aliases, _ := o.Inputs["aliases"].([]any); len(aliases) == 0 {
				latency++
			}
		}
	}
	return m.add(r, r.Region, "Route 53", "latency-queries", Usage, m.in.Profile.MonthlyLatencyBasedQueries/latency)
}

// priceQueue: each order event sent, received and deleted once (three requests) on every queue of
// the writer region, where orders are written; a dead-letter queue (one another queue's redrive
// policy names) normally receives nothing.
func priceQueue(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil || r.Region != m.writer || isDeadLetter(m, r) {
		return nil
	}
	dimension := "standard-requests"
	if b, _ := r.Inputs["fifoQueue"].(bool); b {
		dimension = "fifo-requests"
	}
	p := m.in.Profile
	return m.add(r, r.Region, "SQS", dimension, Usage, 3*p.MonthlyOrders*p.EventsPerOrder)
}

func isDeadLetter(m *model, q engine.GraphResource) bool {
	name := nameOf(q)
	for _, o := range m.g.Resources {
		if o.URN == q.URN || (o.Type != q.Type && o.Type != "aws:sqs/redrivePolicy:RedrivePolicy") {
			continue
		}
		if policy, ok := o.Inputs["redrivePolicy"].(string); ok && strings.Contains(policy, ":"+name+`"`) {
			return true
		}
	}
	return false
}

// priceEventBus: a custom bus of the writer region receives the order events.
func priceEventBus(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil || r.Region != m.writer {
		return nil
	}
	return m.add(r, r.Region, "EventBridge", "custom-events", Usage, m.in.Profile.MonthlyOrders*m.in.Profile.EventsPerOrder)
}

// priceArchive: the archive of the writer region processes every order event and keeps it for its
// retention (a year when it keeps events forever).
func priceArchive(m *model, r engine.GraphResource) error {
	if m.in.Profile == nil || r.Region != m.writer {
		return nil
	}
	p := m.in.Profile
	gb := p.MonthlyOrders * p.EventsPerOrder * p.AverageEventBytes / gib
	if err := m.add(r, r.Region, "EventBridge", "archive-processed", Usage, gb); err != nil {
		return err
	}
	days := number(r.Inputs["retentionDays"], 0)
	if days == 0 {
		days = 365
		m.note("event archive %s keeps events forever: a year of events is priced as stored", r.Name)
	}
	return m.add(r, r.Region, "EventBridge", "archive-stored", Usage, gb*days/30)
}

// secondsPerMonth is the 730-hour month AWS prices monthly figures in.
const secondsPerMonth = 730 * 3600

// priceScalingTarget: a Lambda provisioned-concurrency target keeps at least its minimum capacity
// warm all month (memory × seconds); other scaling targets cost nothing by themselves.
func priceScalingTarget(m *model, r engine.GraphResource) error {
	if r.Inputs["scalableDimension"] != "lambda:function:ProvisionedConcurrency" {
		return nil
	}
	id, _ := r.Inputs["resourceId"].(string) // function:<name>:<alias>
	parts := strings.Split(id, ":")
	if len(parts) != 3 {
		return fmt.Errorf("provisioned concurrency target: resourceId %q is not function:<name>:<alias>", id)
	}
	for _, f := range m.g.Resources {
		if f.Type != functionType || f.Region != r.Region || nameOf(f) != parts[1] {
			continue
		}
		dimension := "x86-provisioned-concurrency"
		if archs, _ := f.Inputs["architectures"].([]any); len(archs) > 0 && archs[0] == "arm64" {
			dimension = "arm64-provisioned-concurrency"
		}
		gb := number(f.Inputs["memorySize"], 128) / 1024
		return m.add(r, r.Region, "Lambda", dimension, Fixed, number(r.Inputs["minCapacity"], 0)*gb*secondsPerMonth)
	}
	return fmt.Errorf("provisioned concurrency target: no function %s in %s", parts[1], r.Region)
}
