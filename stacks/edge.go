package stacks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EdgeSettings configure the front door.
type EdgeSettings struct {
	Domain          *Domain // nil: no DNS part; clients use the regional URLs
	WAFRateLimit    int     // requests per client IP per 5 minutes
	WAFBlockedAlarm int
}

// Domain is the one name clients use, routed to the nearest healthy region.
type Domain struct {
	Name         string `json:"name"`
	HostedZoneID string `json:"hostedZoneId"`
}

// healthCheckMetricsRegion is where Route 53 publishes health-check metrics, whatever the
// region of the endpoint checked.
const healthCheckMetricsRegion = "us-east-1"

func readEdgeSettings(r *reader) EdgeSettings {
	e := EdgeSettings{
		WAFRateLimit:    r.int("wafRateLimit"),
		WAFBlockedAlarm: r.int("alarmWafBlockedRequests"),
	}
	// Pulumi.yaml defaults domain to {}: the CLI requires a value for every typed key without a
	// default, and {} (no name, no zone) reads as "no front door".
	var d Domain
	if r.optionalObject("domain", &d) && d != (Domain{}) {
		e.Domain = &d
	}
	return e
}

var (
	hostnamePattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	zoneIDPattern   = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
)

func (e EdgeSettings) validate(bad func(key, format string, args ...any), regions []string) {
	if d := e.Domain; d != nil {
		if !hostnamePattern.MatchString(d.Name) {
			bad("domain", "name %q is not a hostname; use lower-case labels such as api.shop.example.com", d.Name)
		}
		if !zoneIDPattern.MatchString(d.HostedZoneID) {
			bad("domain", "hostedZoneId %q is not a Route 53 hosted zone id; use the id shown by `aws route53 list-hosted-zones`, such as Z0123456789ABCDEFGHIJ", d.HostedZoneID)
		}
		if !slices.Contains(regions, healthCheckMetricsRegion) {
			bad("domain", "needs %s among the regions: Route 53 publishes health-check metrics only there", healthCheckMetricsRegion)
		}
	}
	if e.WAFRateLimit < 10 || e.WAFRateLimit > 2000000000 {
		bad("wafRateLimit", "%d is out of range; use 10 to 2000000000 requests per 5 minutes", e.WAFRateLimit)
	}
	if e.WAFBlockedAlarm < 1 {
		bad("alarmWafBlockedRequests", "%d must be a positive integer", e.WAFBlockedAlarm)
	}
}

// EdgeArgs declares one region's edge: WAF on the stage and, with a domain, the regional custom
// domain, its certificate, a health check and a latency record.
type EdgeArgs struct {
	Region   string
	API      *API
	Settings EdgeSettings
	Alarms   *AlarmSpec // the region's: the edge declares its web ACL's alarm with it
	// ValidationRecord is the DNS record proving the domain to ACM. ACM asks for the same record in
	// every region, so the first region creates it and the others wait on it.
	ValidationRecord *route53.Record
	Tags             pulumi.StringMap
}

// Edge is what stands between the internet and one region's API.
type Edge struct {
	pulumi.ResourceState

	WebACL           *wafv2.WebAcl
	HealthCheck      *route53.HealthCheck // nil without a domain
	ValidationRecord *route53.Record      // nil without a domain
}

// NewEdge declares the region's web ACL and, when a domain is configured, its share of the front door.
func NewEdge(ctx *pulumi.Context, name string, args *EdgeArgs, opts ...pulumi.ResourceOption) (*Edge, error) {
	e := &Edge{}
	if err := ctx.RegisterComponentResource("shopstack:edge:Edge", name, e, opts...); err != nil {
		return nil, err
	}
	tags := withService(args.Tags, "edge")
	aclName := physicalName(ctx, "api")
	rules, err := webACLRules(args.Settings.WAFRateLimit)
	if err != nil {
		return nil, fmt.Errorf("edge %s: %w", name, err)
	}
	acl, err := wafv2.NewWebAcl(ctx, name+"-waf", &wafv2.WebAclArgs{
		Name:          pulumi.String(aclName),
		Scope:         pulumi.String("REGIONAL"),
		DefaultAction: &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		RuleJson:      pulumi.String(rules),
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{
			CloudwatchMetricsEnabled: pulumi.Bool(true), SampledRequestsEnabled: pulumi.Bool(true), MetricName: pulumi.String(aclName),
		},
		Tags: tags,
	}, pulumi.Parent(e))
	if err != nil {
		return nil, fmt.Errorf("edge %s: web acl: %w", name, err)
	}
	// The association names the stage, which exists once the RestAPI component is done.
	if _, err := wafv2.NewWebAclAssociation(ctx, name+"-waf-stage", &wafv2.WebAclAssociationArgs{
		ResourceArn: pulumi.Sprintf("arn:aws:apigateway:%s::/restapis/%s/stages/%s", args.Region, args.API.RestAPIID, args.API.StageName),
		WebAclArn:   acl.Arn,
	}, pulumi.Parent(acl), pulumi.DependsOn([]pulumi.Resource{args.API.RestAPI})); err != nil {
		return nil, fmt.Errorf("edge %s: web acl association: %w", name, err)
	}
	e.WebACL = acl
	if err := args.Alarms.Declare(ctx, e, []Alarm{{Name: name + "-waf-blocked", Description: "WAF blocked requests spike",
		Namespace: "AWS/WAFV2", Metric: "BlockedRequests",
		Dimensions: []pulumi.StringMap{{"WebACL": pulumi.String(aclName), "Region": pulumi.String(args.Region), "Rule": pulumi.String("ALL")}},
		Statistic:  "Sum", Threshold: float64(args.Settings.WAFBlockedAlarm), Missing: "notBreaching"}}); err != nil {
		return nil, fmt.Errorf("edge %s: %w", name, err)
	}

	if d := args.Settings.Domain; d != nil {
		if err := e.frontDoor(ctx, name, d, args, tags); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(e, pulumi.Map{"webAclArn": acl.Arn}); err != nil {
		return nil, fmt.Errorf("edge %s: outputs: %w", name, err)
	}
	return e, nil
}

// frontDoor declares the validated certificate, the regional custom domain on it, the health
// check on this region's own API hostname and the latency record that drops the region when the
// check fails.
func (e *Edge) frontDoor(ctx *pulumi.Context, name string, d *Domain, args *EdgeArgs, tags pulumi.StringMap) error {
	validation, err := e.certificate(ctx, name, d, args.ValidationRecord, tags)
	if err != nil {
		return err
	}
	domain, err := apigateway.NewDomainName(ctx, name+"-domain", &apigateway.DomainNameArgs{
		DomainName:             pulumi.String(d.Name),
		RegionalCertificateArn: validation.CertificateArn,
		EndpointConfiguration:  &apigateway.DomainNameEndpointConfigurationArgs{Types: pulumi.String("REGIONAL")},
		SecurityPolicy:         pulumi.String("TLS_1_2"),
		Tags:                   tags,
	}, pulumi.Parent(e))
	if err != nil {
		return fmt.Errorf("edge %s: domain name: %w", name, err)
	}
	if _, err := apigateway.NewBasePathMapping(ctx, name+"-mapping", &apigateway.BasePathMappingArgs{
		DomainName: domain.DomainName,
		RestApi:    args.API.RestAPIID,
		StageName:  args.API.StageName,
	}, pulumi.Parent(domain), pulumi.DependsOn([]pulumi.Resource{args.API.RestAPI})); err != nil {
		return fmt.Errorf("edge %s: base path mapping: %w", name, err)
	}
	if e.HealthCheck, err = e.healthCheck(ctx, name, args, tags); err != nil {
		return err
	}
	if _, err := route53.NewRecord(ctx, name+"-latency", &route53.RecordArgs{
		ZoneId:        pulumi.String(d.HostedZoneID),
		Name:          pulumi.String(d.Name),
		Type:          pulumi.String("A"),
		SetIdentifier: pulumi.String(args.Region),
		HealthCheckId: e.HealthCheck.ID(),
		LatencyRoutingPolicies: route53.RecordLatencyRoutingPolicyArray{
			route53.RecordLatencyRoutingPolicyArgs{Region: pulumi.String(args.Region)},
		},
		Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
			Name:                 domain.RegionalDomainName,
			ZoneId:               domain.RegionalZoneId,
			EvaluateTargetHealth: pulumi.Bool(true),
		}},
	}, pulumi.Parent(domain)); err != nil {
		return fmt.Errorf("edge %s: latency record: %w", name, err)
	}
	return nil
}

// certificate declares the domain's certificate and its DNS validation: with the validation
// record another region already created (ACM asks every region for the same one), or a new one.
func (e *Edge) certificate(ctx *pulumi.Context, name string, d *Domain, record *route53.Record, tags pulumi.StringMap) (*acm.CertificateValidation, error) {
	cert, err := acm.NewCertificate(ctx, name+"-cert", &acm.CertificateArgs{
		DomainName:       pulumi.String(d.Name),
		ValidationMethod: pulumi.String("DNS"),
		Tags:             tags,
	}, pulumi.Parent(e))
	if err != nil {
		return nil, fmt.Errorf("edge %s: certificate: %w", name, err)
	}
	if record == nil {
		option := cert.DomainValidationOptions.Index(pulumi.Int(0))
		record, err = route53.NewRecord(ctx, name+"-cert-validation", &route53.RecordArgs{
			ZoneId:  pulumi.String(d.HostedZoneID),
			Name:    option.ResourceRecordName().Elem(),
			Type:    option.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{option.ResourceRecordValue().Elem()},
			Ttl:     pulumi.Int(300),
			// Another stack or a rerun may already hold the same record: it is identical, take it over.
			AllowOverwrite: pulumi.Bool(true),
		}, pulumi.Parent(cert))
		if err != nil {
			return nil, fmt.Errorf("edge %s: validation record: %w", name, err)
		}
	}
	e.ValidationRecord = record
	validation, err := acm.NewCertificateValidation(ctx, name+"-cert-validated", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, pulumi.Parent(cert))
	if err != nil {
		return nil, fmt.Errorf("edge %s: certificate validation: %w", name, err)
	}
	return validation, nil
}

// healthCheck targets this region's own execute-api hostname, not the shared name: the shared
// name resolves to whichever region is healthy, which would hide this one's failure.
func (e *Edge) healthCheck(ctx *pulumi.Context, name string, args *EdgeArgs, tags pulumi.StringMap) (*route53.HealthCheck, error) {
	check, err := route53.NewHealthCheck(ctx, name+"-health", &route53.HealthCheckArgs{
		Type:             pulumi.String("HTTPS"),
		Fqdn:             pulumi.Sprintf("%s.execute-api.%s.amazonaws.com", args.API.RestAPIID, args.Region),
		Port:             pulumi.Int(443),
		ResourcePath:     pulumi.Sprintf("/%s/health", args.API.StageName),
		RequestInterval:  pulumi.Int(30),
		FailureThreshold: pulumi.Int(3),
		MeasureLatency:   pulumi.Bool(true),
		ReferenceName:    pulumi.String(args.Region),
		Tags:             tags,
	}, pulumi.Parent(e))
	if err != nil {
		return nil, fmt.Errorf("edge %s: health check: %w", name, err)
	}
	return check, nil
}

// HealthCheckAlarms are the alarms on the region's health check (none without a domain). They
// belong to healthCheckMetricsRegion's alarms, the one region where Route 53 publishes
// HealthCheckStatus; an owner in this region would straddle two regions.
func (e *Edge) HealthCheckAlarms(region string) []Alarm {
	if e.HealthCheck == nil {
		return nil
	}
	// HealthCheckStatus is 1 when healthy: alarm when its minimum drops below 1.
	return []Alarm{{Name: region + "-health-check", Description: "region " + region + " fails its health check",
		Namespace: "AWS/Route53", Metric: "HealthCheckStatus",
		Dimensions: []pulumi.StringMap{{"HealthCheckId": e.HealthCheck.ID().ToStringOutput()}},
		Statistic:  "Minimum", Threshold: 1, Below: true, Missing: "breaching"}}
}

// wafRule is one rule of the web ACL in the WAFv2 JSON rule format.
type wafRule struct {
	Name             string         `json:"Name"`
	Priority         int            `json:"Priority"`
	Statement        map[string]any `json:"Statement"`
	Action           map[string]any `json:"Action,omitempty"`
	OverrideAction   map[string]any `json:"OverrideAction,omitempty"`
	VisibilityConfig map[string]any `json:"VisibilityConfig"`
}

// healthCheckPath is the one path Route 53's health checkers request: the health route on the
// stage's own execute-api hostname (frontDoor's health check).
const healthCheckPath = "/" + StageName + "/health"

// healthCheckRateLimit is the per-IP limit on healthCheckPath per 5 minutes. A checker requests it
// once per request interval (30 s) from each of its IPs, 10 times per window; 300 leaves it 30
// times that and still caps what anyone else can send there.
const healthCheckRateLimit = 300

// webACLRules: the AWS managed common and known-bad-inputs rule groups and two per-IP rate limits.
// The exact path Route 53's checkers request has its own generous limit, so they are never the
// ones the general limit blocks; everything else, including any other path ending in /health,
// falls under the general limit. The match is byte for byte with no transformation: an encoded or
// differently cased variant is not the health path and is limited like any other.
func webACLRules(rateLimit int) (string, error) {
	visibility := func(metric string) map[string]any {
		return map[string]any{"CloudWatchMetricsEnabled": true, "SampledRequestsEnabled": true, "MetricName": metric}
	}
	managed := func(name string, priority int) wafRule {
		return wafRule{Name: name, Priority: priority,
			Statement:      map[string]any{"ManagedRuleGroupStatement": map[string]any{"VendorName": "AWS", "Name": name}},
			OverrideAction: map[string]any{"None": map[string]any{}}, VisibilityConfig: visibility(name)}
	}
	healthPath := map[string]any{"ByteMatchStatement": map[string]any{
		"SearchString": healthCheckPath, "PositionalConstraint": "EXACTLY",
		"FieldToMatch":        map[string]any{"UriPath": map[string]any{}},
		"TextTransformations": []map[string]any{{"Priority": 0, "Type": "NONE"}},
	}}
	rate := func(name string, priority, limit int, scope map[string]any) wafRule {
		return wafRule{Name: name, Priority: priority, Action: map[string]any{"Block": map[string]any{}}, VisibilityConfig: visibility(name),
			Statement: map[string]any{"RateBasedStatement": map[string]any{"Limit": limit, "AggregateKeyType": "IP", "ScopeDownStatement": scope}}}
	}
	rules := []wafRule{
		managed("AWSManagedRulesCommonRuleSet", 10),
		managed("AWSManagedRulesKnownBadInputsRuleSet", 20),
		rate("RateLimitPerClientIP", 30, rateLimit, map[string]any{"NotStatement": map[string]any{"Statement": healthPath}}),
		rate("RateLimitHealthCheck", 40, healthCheckRateLimit, healthPath),
	}
	b, err := json.Marshal(rules)
	if err != nil {
		return "", fmt.Errorf("web acl rules: %w", err)
	}
	return string(b), nil
}
