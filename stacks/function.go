package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FunctionArgs declares one Lambda function.
type FunctionArgs struct {
	// FunctionName is the physical Lambda name; its log group is /aws/lambda/<FunctionName>.
	FunctionName     string
	Archive          pulumi.Archive // the builder's zip holding bootstrap
	Settings         FunctionSettings
	LogRetentionDays int
	Environment      pulumi.StringMap
	// Permissions are the statements the code needs beyond writing its own logs and traces.
	Permissions []Statement
	Tags        pulumi.StringMap
	// ReservedConcurrency caps (and guarantees) the function's concurrency; 0 leaves it unreserved.
	ReservedConcurrency int
	// Publish publishes a version on every code change, for an alias to point at.
	Publish bool
	// Alarms is the region's alarm spec: the function declares its own alarms with it.
	Alarms *AlarmSpec
	// FormerName is the component's name in an earlier layout, if it had another: its role
	// policy, named after the function rather than its parent role, keeps its URN by it.
	FormerName string
}

// Function is a Lambda function with its own role and log group.
type Function struct {
	pulumi.ResourceState

	Lambda   *lambda.Function
	Role     *iam.Role
	LogGroup *cloudwatch.LogGroup
	Name     pulumi.StringOutput
	Arn      pulumi.StringOutput
}

// xrayWriteActions have no resource-level permissions: AWS only accepts "*" for them.
var xrayWriteActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}

// NewFunction declares a role only Lambda can assume, with exactly the permissions the function
// needs; a log group with the configured retention; and the function on provided.al2023 / arm64.
func NewFunction(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error) {
	if args.Alarms == nil {
		return nil, fmt.Errorf("function %s: no alarm spec: every function is alarmed", name)
	}
	f := &Function{}
	if err := ctx.RegisterComponentResource("shopstack:function:Function", name, f, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(f)

	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + args.FunctionName),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		Tags:            args.Tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("function %s: log group: %w", name, err)
	}

	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(lambdaAssumeRolePolicy),
		Description:      pulumi.String("Execution role of " + args.FunctionName),
		Tags:             args.Tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("function %s: role: %w", name, err)
	}
	statements := append([]Statement{
		{Sid: "WriteOwnLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s:*", logGroup.Arn)}},
		{Sid: "WriteTraces", Actions: xrayWriteActions, Resources: pulumi.StringArray{pulumi.String("*")}},
	}, args.Permissions...)
	policyOpts := []pulumi.ResourceOption{pulumi.Parent(role)}
	if args.FormerName != "" {
		policyOpts = append(policyOpts, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(args.FormerName + "-policy")}}))
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: PolicyDocument(statements),
	}, policyOpts...)
	if err != nil {
		return nil, fmt.Errorf("function %s: role policy: %w", name, err)
	}

	var environment lambda.FunctionEnvironmentPtrInput
	if len(args.Environment) > 0 {
		environment = &lambda.FunctionEnvironmentArgs{Variables: args.Environment}
	}
	reserved := -1 // Lambda's "unreserved"
	if args.ReservedConcurrency > 0 {
		reserved = args.ReservedConcurrency
	}
	fn, err := lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Name:          pulumi.String(args.FunctionName),
		Runtime:       pulumi.String("provided.al2023"),
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Handler:       pulumi.String("bootstrap"),
		Code:          args.Archive,
		Role:          role.Arn,
		MemorySize:    pulumi.Int(args.Settings.MemoryMB),
		Timeout:       pulumi.Int(args.Settings.TimeoutSeconds),
		TracingConfig: &lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("JSON"),
			LogGroup:  logGroup.Name,
		},
		Environment:                  environment,
		Publish:                      pulumi.Bool(args.Publish),
		ReservedConcurrentExecutions: pulumi.Int(reserved),
		Tags:                         args.Tags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{policy, logGroup}))
	if err != nil {
		return nil, fmt.Errorf("function %s: lambda: %w", name, err)
	}

	f.Lambda, f.Role, f.LogGroup = fn, role, logGroup
	f.Name, f.Arn = fn.Name, fn.Arn
	if err := args.Alarms.Declare(ctx, f, args.Alarms.FunctionAlarms(name, fn.Name, args.Settings.TimeoutSeconds)); err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(f, pulumi.Map{"name": fn.Name, "arn": fn.Arn}); err != nil {
		return nil, fmt.Errorf("function %s: outputs: %w", name, err)
	}
	return f, nil
}
