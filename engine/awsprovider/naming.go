package awsprovider

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// autoname is how pulumi-aws fills a type's physical name when the program leaves it unset:
// "<logical name>-<7 hex>", at most maxLength characters (the bridge's AutoName; it fails rather
// than truncate when the logical name is too long), then transformed.
type autoname struct {
	property  string
	maxLength int
	// transform runs on the generated name (pulumi-aws AutoNameOptions.PostTransform).
	transform func(name string, inputs property.Map) string
}

// defaultAutoname applies to every type with a `name` input: pulumi-aws
// provider/autonaming.go setAutonaming(255, "-").
var defaultAutoname = autoname{property: "name", maxLength: 255}

// autonames are pulumi-aws's per-type overrides of defaultAutoname (pulumi-aws provider resource
// overrides, the `Fields` entries built with tfbridge.AutoName / AutoNameWithCustomOptions). A nil
// entry means the type's name is never generated.
var autonames = map[tokens.Type]*autoname{
	"aws:lambda/function:Function":           {property: "name", maxLength: 64},
	"aws:iam/role:Role":                      {property: "name", maxLength: 64},
	"aws:cloudwatch/eventRule:EventRule":     {property: "name", maxLength: 64},
	"aws:cloudwatch/metricAlarm:MetricAlarm": {property: "name", maxLength: 255},
	"aws:cloudwatch/eventTarget:EventTarget": {property: "targetId", maxLength: 255},
	"aws:lambda/permission:Permission":       {property: "statementId", maxLength: 100},
	"aws:sqs/queue:Queue":                    {property: "name", maxLength: 80, transform: fifoSuffix("fifoQueue")},
	"aws:sns/topic:Topic":                    {property: "name", maxLength: 80, transform: fifoSuffix("fifoTopic")},
	// KMS alias names must start with "alias/" (AWS KMS API CreateAlias).
	"aws:kms/alias:Alias": {property: "name", maxLength: 238, transform: func(name string, _ property.Map) string {
		return "alias/" + name
	}},
	// "Do not autoname Route53 records, as the name of these is actually the true domain name".
	"aws:route53/record:Record": nil,
}

// fifoSuffix appends ".fifo" when the flag input is true: FIFO queue and topic names must end so.
func fifoSuffix(flag string) func(string, property.Map) string {
	return func(name string, inputs property.Map) string {
		if v := inputs.Get(flag); v.IsBool() && v.AsBool() {
			return name + ".fifo"
		}
		return name
	}
}

// autonameFor is the type's autoname rule, or nil when pulumi-aws generates no name for it.
func autonameFor(typ tokens.Type, t sdkType) *autoname {
	if rule, ok := autonames[typ]; ok {
		return rule
	}
	if _, ok := fieldType(t.inputType(), defaultAutoname.property); ok {
		return &defaultAutoname
	}
	return nil
}

// prefixedSuffixLength is what Terraform appends to a `namePrefix` to make the name
// (terraform-plugin-sdk helper/id.UniqueIDSuffixLength).
const prefixedSuffixLength = 26

// nameLimit is the longest physical name AWS accepts for a type, in the named property.
type nameLimit struct {
	property string
	max      int
	source   string
}

// nameLimits are AWS's name length limits for the types shopstack names. The real provider rejects
// a longer name in Check (terraform-provider-aws validation) or AWS rejects it at create; either
// way the update fails, so the stand-in rejects it in Check.
var nameLimits = map[tokens.Type]nameLimit{
	"aws:lambda/function:Function":              {"name", 64, "AWS Lambda API CreateFunction: FunctionName, name only, 1-64 characters"},
	"aws:lambda/alias:Alias":                    {"name", 128, "AWS Lambda API CreateAlias: Name 1-128 characters"},
	"aws:lambda/permission:Permission":          {"statementId", 100, "AWS Lambda API AddPermission: StatementId 1-100 characters"},
	"aws:iam/role:Role":                         {"name", 64, "IAM quotas: role name 64 characters"},
	"aws:iam/policy:Policy":                     {"name", 128, "IAM quotas: policy name 128 characters"},
	"aws:iam/rolePolicy:RolePolicy":             {"name", 128, "IAM quotas: inline policy name 128 characters"},
	"aws:sqs/queue:Queue":                       {"name", 80, "Amazon SQS quotas: queue name up to 80 characters, .fifo included"},
	"aws:sns/topic:Topic":                       {"name", 256, "Amazon SNS API CreateTopic: Name up to 256 characters"},
	"aws:dynamodb/table:Table":                  {"name", 255, "DynamoDB API CreateTable: TableName 3-255 characters"},
	"aws:cloudwatch/metricAlarm:MetricAlarm":    {"name", 255, "CloudWatch API PutMetricAlarm: AlarmName 1-255 characters"},
	"aws:cloudwatch/dashboard:Dashboard":        {"dashboardName", 255, "CloudWatch API PutDashboard: DashboardName up to 255 characters"},
	"aws:cloudwatch/logGroup:LogGroup":          {"name", 512, "CloudWatch Logs API CreateLogGroup: logGroupName 1-512 characters"},
	"aws:cloudwatch/eventRule:EventRule":        {"name", 64, "EventBridge API PutRule: Name 1-64 characters"},
	"aws:cloudwatch/eventBus:EventBus":          {"name", 256, "EventBridge API CreateEventBus: Name 1-256 characters"},
	"aws:cloudwatch/eventTarget:EventTarget":    {"targetId", 64, "EventBridge API PutTargets: Target Id 1-64 characters"},
	"aws:cloudwatch/eventArchive:EventArchive":  {"name", 48, "EventBridge API CreateArchive: ArchiveName 1-48 characters"},
	"aws:cognito/userPool:UserPool":             {"name", 128, "Cognito API CreateUserPool: PoolName 1-128 characters"},
	"aws:cognito/userPoolClient:UserPoolClient": {"name", 128, "Cognito API CreateUserPoolClient: ClientName 1-128 characters"},
	"aws:cognito/userGroup:UserGroup":           {"name", 128, "Cognito API CreateGroup: GroupName 1-128 characters"},
	"aws:kms/alias:Alias":                       {"name", 256, "AWS KMS API CreateAlias: AliasName 1-256 characters"},
	"aws:appautoscaling/policy:Policy":          {"name", 256, "Application Auto Scaling API PutScalingPolicy: PolicyName 1-256 characters"},
	"aws:wafv2/webAcl:WebAcl":                   {"name", 128, "AWS WAFV2 API CreateWebACL: Name 1-128 characters"},
}
