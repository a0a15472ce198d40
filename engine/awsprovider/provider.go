// Package awsprovider is a stand-in for the pulumi-aws 6.83.4 resource provider (a Terraform-bridged
// provider), for running shopstack on Pulumi's real engine where the real plugin cannot be
// downloaded. Every behaviour follows pulumi-aws, the Terraform bridge, terraform-provider-aws or
// AWS's documentation, and says which; README.md lists them.
package awsprovider

import (
	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
)

// Name is the plugin name the engine loads this provider under.
const Name = "aws"

// Version is the plugin version the pulumi-aws Go SDK v6.83.4 asks the engine for.
var Version = semver.MustParse("6.83.4")

// Account is the AWS account id every ARN carries.
const Account = "123456789012"

// provider is one configured instance; the engine makes one per provider resource (one per
// region in shopstack). Configure writes its fields once, before any resource call reads them.
type provider struct {
	region      string
	defaultTags map[string]string
}

// New returns a fresh, unconfigured provider.
func New() plugin.Provider {
	p := &provider{}
	return &deploytest.Provider{
		Name:         Name,
		Package:      Name,
		Version:      Version,
		CheckConfigF: p.checkConfig,
		DiffConfigF:  p.diffConfig,
		ConfigureF:   p.configure,
		CheckF:       p.check,
		DiffF:        p.diff,
		CreateF:      p.create,
		UpdateF:      p.update,
		DeleteF:      p.delete,
		ReadF:        p.read,
		InvokeF:      p.invoke,
	}
}
