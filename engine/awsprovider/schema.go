package awsprovider

import (
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cognito"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// argsType is what every pulumi-aws SDK Args value offers: the plain struct behind it, whose fields
// carry `pulumi:"name"` tags naming exactly the inputs the provider's schema declares.
type argsType interface{ ElementType() reflect.Type }

// sdkType pairs a resource type's SDK Args (its inputs) with its SDK resource struct (its outputs).
type sdkType struct {
	args     argsType
	resource any
}

// sdkTypes covers every aws type shopstack registers: the stacks' own (grep stacks/*.go for
// `.New…(`) and the children pulumi-aws-apigateway's RestAPI creates (RestApi, Deployment, Stage,
// lambda Permissions; authorizers, validators, responses and models when the stand-in
// component creates them as resources). A type missing here is rejected by Check.
var sdkTypes = map[tokens.Type]sdkType{
	"aws:acm/certificate:Certificate":                     {acm.CertificateArgs{}, acm.Certificate{}},
	"aws:acm/certificateValidation:CertificateValidation": {acm.CertificateValidationArgs{}, acm.CertificateValidation{}},
	"aws:apigateway/account:Account":                      {apigateway.AccountArgs{}, apigateway.Account{}},
	"aws:apigateway/authorizer:Authorizer":                {apigateway.AuthorizerArgs{}, apigateway.Authorizer{}},
	"aws:apigateway/basePathMapping:BasePathMapping":      {apigateway.BasePathMappingArgs{}, apigateway.BasePathMapping{}},
	"aws:apigateway/deployment:Deployment":                {apigateway.DeploymentArgs{}, apigateway.Deployment{}},
	"aws:apigateway/domainName:DomainName":                {apigateway.DomainNameArgs{}, apigateway.DomainName{}},
	"aws:apigateway/methodSettings:MethodSettings":        {apigateway.MethodSettingsArgs{}, apigateway.MethodSettings{}},
	"aws:apigateway/model:Model":                          {apigateway.ModelArgs{}, apigateway.Model{}},
	"aws:apigateway/requestValidator:RequestValidator":    {apigateway.RequestValidatorArgs{}, apigateway.RequestValidator{}},
	"aws:apigateway/response:Response":                    {apigateway.ResponseArgs{}, apigateway.Response{}},
	"aws:apigateway/restApi:RestApi":                      {apigateway.RestApiArgs{}, apigateway.RestApi{}},
	"aws:apigateway/stage:Stage":                          {apigateway.StageArgs{}, apigateway.Stage{}},
	"aws:appautoscaling/policy:Policy":                    {appautoscaling.PolicyArgs{}, appautoscaling.Policy{}},
	"aws:appautoscaling/target:Target":                    {appautoscaling.TargetArgs{}, appautoscaling.Target{}},
	"aws:cloudwatch/dashboard:Dashboard":                  {cloudwatch.DashboardArgs{}, cloudwatch.Dashboard{}},
	"aws:cloudwatch/eventArchive:EventArchive":            {cloudwatch.EventArchiveArgs{}, cloudwatch.EventArchive{}},
	"aws:cloudwatch/eventBus:EventBus":                    {cloudwatch.EventBusArgs{}, cloudwatch.EventBus{}},
	"aws:cloudwatch/eventRule:EventRule":                  {cloudwatch.EventRuleArgs{}, cloudwatch.EventRule{}},
	"aws:cloudwatch/eventTarget:EventTarget":              {cloudwatch.EventTargetArgs{}, cloudwatch.EventTarget{}},
	"aws:cloudwatch/logGroup:LogGroup":                    {cloudwatch.LogGroupArgs{}, cloudwatch.LogGroup{}},
	"aws:cloudwatch/metricAlarm:MetricAlarm":              {cloudwatch.MetricAlarmArgs{}, cloudwatch.MetricAlarm{}},
	"aws:cognito/userGroup:UserGroup":                     {cognito.UserGroupArgs{}, cognito.UserGroup{}},
	"aws:cognito/userPool:UserPool":                       {cognito.UserPoolArgs{}, cognito.UserPool{}},
	"aws:cognito/userPoolClient:UserPoolClient":           {cognito.UserPoolClientArgs{}, cognito.UserPoolClient{}},
	"aws:dynamodb/table:Table":                            {dynamodb.TableArgs{}, dynamodb.Table{}},
	"aws:iam/policy:Policy":                               {iam.PolicyArgs{}, iam.Policy{}},
	"aws:iam/role:Role":                                   {iam.RoleArgs{}, iam.Role{}},
	"aws:iam/rolePolicy:RolePolicy":                       {iam.RolePolicyArgs{}, iam.RolePolicy{}},
	"aws:kms/alias:Alias":                                 {kms.AliasArgs{}, kms.Alias{}},
	"aws:kms/key:Key":                                     {kms.KeyArgs{}, kms.Key{}},
	"aws:lambda/alias:Alias":                              {lambda.AliasArgs{}, lambda.Alias{}},
	"aws:lambda/eventSourceMapping:EventSourceMapping":    {lambda.EventSourceMappingArgs{}, lambda.EventSourceMapping{}},
	"aws:lambda/function:Function":                        {lambda.FunctionArgs{}, lambda.Function{}},
	"aws:lambda/permission:Permission":                    {lambda.PermissionArgs{}, lambda.Permission{}},
	"aws:route53/healthCheck:HealthCheck":                 {route53.HealthCheckArgs{}, route53.HealthCheck{}},
	"aws:route53/record:Record":                           {route53.RecordArgs{}, route53.Record{}},
	"aws:sns/topic:Topic":                                 {sns.TopicArgs{}, sns.Topic{}},
	"aws:sns/topicSubscription:TopicSubscription":         {sns.TopicSubscriptionArgs{}, sns.TopicSubscription{}},
	"aws:sqs/queue:Queue":                                 {sqs.QueueArgs{}, sqs.Queue{}},
	"aws:sqs/queuePolicy:QueuePolicy":                     {sqs.QueuePolicyArgs{}, sqs.QueuePolicy{}},
	"aws:wafv2/webAcl:WebAcl":                             {wafv2.WebAclArgs{}, wafv2.WebAcl{}},
	"aws:wafv2/webAclAssociation:WebAclAssociation":       {wafv2.WebAclAssociationArgs{}, wafv2.WebAclAssociation{}},
}

// providerConfig is the provider's own inputs (region, defaultTags, …), as the SDK declares them.
var providerConfig argsType = aws.ProviderArgs{}

// inputType is the plain struct type of a type's inputs.
func (t sdkType) inputType() reflect.Type { return t.args.ElementType() }

// inputs lists a type's declared input property names.
func (t sdkType) inputs() []string { return taggedFields(t.inputType()) }

// outputs lists the type's output properties with whether the provider always computes a value for
// them. The SDK's generator makes an output a non-pointer Output (StringOutput rather than
// StringPtrOutput) when the schema lists it as required, which for a Terraform-bridged provider
// means Terraform computes it when the program leaves it unset (tfgen marks Computed attributes
// required in outputs).
func (t sdkType) outputs() map[string]bool {
	out := map[string]bool{}
	rt := reflect.TypeOf(t.resource)
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, ok := pulumiTag(f)
		if !ok {
			continue
		}
		out[name] = !strings.Contains(f.Type.Name(), "Ptr")
	}
	return out
}

// taggedFields lists the `pulumi:"…"` names of a struct type's fields, sorted.
func taggedFields(t reflect.Type) []string {
	t = elem(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		if name, ok := pulumiTag(t.Field(i)); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// fieldType is the Go type of a struct type's field with the given pulumi name.
func fieldType(t reflect.Type, name string) (reflect.Type, bool) {
	t = elem(t)
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for i := range t.NumField() {
		if n, ok := pulumiTag(t.Field(i)); ok && n == name {
			return t.Field(i).Type, true
		}
	}
	return nil, false
}

func pulumiTag(f reflect.StructField) (string, bool) {
	tag, ok := f.Tag.Lookup("pulumi")
	if !ok || tag == "" {
		return "", false
	}
	return strings.Split(tag, ",")[0], true
}

// elem strips pointers.
func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
