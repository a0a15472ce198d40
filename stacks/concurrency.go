package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// liveAlias is the alias the API invokes where a function has provisioned concurrency.
const liveAlias = "live"

// newProvisionedAlias points a "live" alias at the function's published version and keeps
// provisioned concurrency on it between min and max, tracking a target utilisation: checkout
// answers without cold starts under load and scales back when it is quiet.
func newProvisionedAlias(ctx *pulumi.Context, name string, fn *Function, p ProvisionedConcurrency, opts ...pulumi.ResourceOption) (*lambda.Alias, error) {
	alias, err := lambda.NewAlias(ctx, name+"-live", &lambda.AliasArgs{
		Name:            pulumi.String(liveAlias),
		FunctionName:    fn.Name,
		FunctionVersion: fn.Lambda.Version,
		Description:     pulumi.String("Invoked by the API; carries provisioned concurrency"),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("alias %s: %w", name, err)
	}
	target, err := appautoscaling.NewTarget(ctx, name+"-scaling", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("lambda"),
		ScalableDimension: pulumi.String("lambda:function:ProvisionedConcurrency"),
		ResourceId:        pulumi.Sprintf("function:%s:%s", fn.Name, alias.Name),
		MinCapacity:       pulumi.Int(p.Min),
		MaxCapacity:       pulumi.Int(p.Max),
	}, pulumi.Parent(alias))
	if err != nil {
		return nil, fmt.Errorf("alias %s: scaling target: %w", name, err)
	}
	if _, err := appautoscaling.NewPolicy(ctx, name+"-scaling-policy", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			TargetValue: pulumi.Float64(float64(p.TargetUtilization) / 100),
			PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("LambdaProvisionedConcurrencyUtilization"),
			},
		},
	}, pulumi.Parent(target)); err != nil {
		return nil, fmt.Errorf("alias %s: scaling policy: %w", name, err)
	}
	return alias, nil
}
