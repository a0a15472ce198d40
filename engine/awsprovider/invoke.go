package awsprovider

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// invocation is one data source the stand-in answers: its SDK Args (for the accepted arguments)
// and its answer for this provider's region.
type invocation struct {
	args   reflect.Type
	answer func(p *provider, args property.Map) (map[string]any, error)
}

// invocations are the account-level data sources a program asks a Pulumi AWS provider first. The
// identity is the stand-in's own: there are no credentials behind it.
var invocations = map[tokens.ModuleMember]invocation{
	"aws:index/getCallerIdentity:getCallerIdentity": {reflect.TypeOf(aws.GetCallerIdentityArgs{}), func(*provider, property.Map) (map[string]any, error) {
		return map[string]any{"accountId": Account, "id": Account, "userId": "AIDASTANDIN",
			"arn": "arn:aws:iam::" + Account + ":user/shopstack-engine"}, nil
	}},
	"aws:index/getPartition:getPartition": {reflect.TypeOf(aws.GetPartitionArgs{}), func(*provider, property.Map) (map[string]any, error) {
		return map[string]any{"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}, nil
	}},
	"aws:index/getRegion:getRegion": {reflect.TypeOf(aws.GetRegionArgs{}), func(p *provider, args property.Map) (map[string]any, error) {
		region := p.region
		if v := args.Get("name"); v.IsString() {
			region = v.AsString()
		}
		description, ok := regionDescriptions[region]
		if !ok {
			// The real data source fails when no region matches.
			return nil, fmt.Errorf("getRegion: no region %q is known to the stand-in", region)
		}
		return map[string]any{"id": region, "name": region, "description": description,
			"endpoint": "ec2." + region + ".amazonaws.com"}, nil
	}},
}

// invoke answers a data source call, rejecting unknown functions and undeclared arguments.
func (p *provider) invoke(_ context.Context, req plugin.InvokeRequest) (plugin.InvokeResponse, error) {
	inv, ok := invocations[req.Tok]
	if !ok {
		return plugin.InvokeResponse{}, fmt.Errorf("unrecognized data function (Invoke): %s", req.Tok)
	}
	declared := taggedFields(inv.args)
	var failures []plugin.CheckFailure
	for key := range req.Args.AllStable {
		if !slices.Contains(declared, key) {
			failures = append(failures, plugin.CheckFailure{Property: resource.PropertyKey(key), Reason: "Invalid or unknown key"})
		}
	}
	if len(failures) > 0 {
		return plugin.InvokeResponse{Failures: failures}, nil
	}
	answer, err := inv.answer(p, req.Args)
	if err != nil {
		return plugin.InvokeResponse{}, err
	}
	return plugin.InvokeResponse{Properties: toValue(answer).AsMap()}, nil
}

// regionDescriptions are the region names AWS gives (AWS General Reference, Regions).
var regionDescriptions = map[string]string{
	"us-east-1":      "US East (N. Virginia)",
	"us-east-2":      "US East (Ohio)",
	"us-west-1":      "US West (N. California)",
	"us-west-2":      "US West (Oregon)",
	"ca-central-1":   "Canada (Central)",
	"eu-west-1":      "Europe (Ireland)",
	"eu-west-2":      "Europe (London)",
	"eu-west-3":      "Europe (Paris)",
	"eu-central-1":   "Europe (Frankfurt)",
	"eu-north-1":     "Europe (Stockholm)",
	"ap-northeast-1": "Asia Pacific (Tokyo)",
	"ap-northeast-2": "Asia Pacific (Seoul)",
	"ap-southeast-1": "Asia Pacific (Singapore)",
	"ap-southeast-2": "Asia Pacific (Sydney)",
	"ap-south-1":     "Asia Pacific (Mumbai)",
	"sa-east-1":      "South America (Sao Paulo)",
}
