package stacks

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/contract/iam"
)

// ConcurrencySettings guard the functions' concurrency: a reserved share per function, and
// provisioned concurrency on checkout.
type ConcurrencySettings struct {
	Reserved    map[string]int // by function name
	Provisioned ProvisionedConcurrency
}

// ProvisionedConcurrency keeps checkout's live alias warm, scaled by target tracking. Max 0: off.
type ProvisionedConcurrency struct {
	Min               int `json:"min"`
	Max               int `json:"max"`
	TargetUtilization int `json:"targetUtilization"` // percent
}

// Enabled reports whether checkout gets provisioned concurrency.
func (p ProvisionedConcurrency) Enabled() bool { return p.Max > 0 }

func readConcurrencySettings(r *reader) ConcurrencySettings {
	c := ConcurrencySettings{Reserved: r.intMap("reservedConcurrency")}
	r.optionalObject("checkoutProvisionedConcurrency", &c.Provisioned)
	return c
}

// validate checks the reservations name functions and leave them able to run, and that checkout's
// provisioned concurrency fits its reservation.
func (c ConcurrencySettings) validate(bad func(key, format string, args ...any)) {
	functions := []string{"counter"}
	for _, s := range iam.All() {
		functions = append(functions, s.Name)
	}
	for _, fn := range slices.Sorted(maps.Keys(c.Reserved)) {
		if !slices.Contains(functions, fn) {
			bad("reservedConcurrency", "%q is not a function; use some of %v", fn, functions)
		}
		if n := c.Reserved[fn]; n < 1 {
			bad("reservedConcurrency", "%s: %d must be at least 1 (0 would stop the function)", fn, n)
		}
	}
	if p := c.Provisioned; p != (ProvisionedConcurrency{}) {
		key := "checkoutProvisionedConcurrency"
		if p.Min < 1 || p.Max < p.Min {
			bad(key, "min %d and max %d must satisfy 1 <= min <= max", p.Min, p.Max)
		}
		if p.TargetUtilization < 10 || p.TargetUtilization > 90 {
			bad(key, "targetUtilization %d is out of range; use 10 to 90 (percent)", p.TargetUtilization)
		}
		if reserved, ok := c.Reserved["checkout"]; ok && p.Max > reserved {
			bad(key, "max %d exceeds checkout's reserved concurrency %d; raise reservedConcurrency.checkout or lower max", p.Max, reserved)
		}
	}
}

// liveAlias is the alias the API invokes where a function has provisioned concurrency.
const liveAlias = "live"

// newProvisionedAlias points a "live" alias at the function's published version and keeps
// provisioned concurrency on it between min and max, tracking a target utilisation: checkout
// answers without cold starts under load and scales back when it is quiet. The alias alarms on
// invocations that spill over beyond what is provisioned.
func newProvisionedAlias(ctx *pulumi.Context, name string, fn *Function, p ProvisionedConcurrency, alarms *AlarmSpec, opts ...pulumi.ResourceOption) (*lambda.Alias, error) {
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
	if err := alarms.Declare(ctx, alias, []Alarm{{Name: name + "-spillover", Description: "checkout invocations beyond provisioned concurrency",
		Namespace: "AWS/Lambda", Metric: "ProvisionedConcurrencySpilloverInvocations",
		Dimensions: []pulumi.StringMap{{"FunctionName": fn.Name, "Resource": pulumi.Sprintf("%s:%s", fn.Name, alias.Name)}},
		Statistic:  "Sum", Threshold: 1, Missing: "notBreaching"}}); err != nil {
		return nil, fmt.Errorf("alias %s: %w", name, err)
	}
	return alias, nil
}
