// Package apigatewayprovider is the stand-in for the aws-apigateway plugin (pulumi-aws-apigateway
// v2.6.1): a provider whose Construct of aws-apigateway:index:RestAPI registers, through the engine's
// resource monitor, the children the real component registers, with the inputs it gives them.
package apigatewayprovider

import (
	"context"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
)

// Name is the plugin's package name.
const Name = "aws-apigateway"

// Version is what github.com/pulumi/pulumi-aws-apigateway/sdk/v2 v2.6.1 requests.
var Version = semver.MustParse("2.6.1")

// New returns the stand-in provider.
func New() plugin.Provider {
	return &deploytest.Provider{
		Name:    Name,
		Package: Name,
		Version: Version,
		ConstructF: func(ctx context.Context, req plugin.ConstructRequest, mon *deploytest.ResourceMonitor) (plugin.ConstructResponse, error) {
			return construct(ctx, req, mon)
		},
	}
}
