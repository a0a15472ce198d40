// Command shopstack is the Pulumi program: `pulumi up -s <env>` deploys one environment.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/stacks"
)

func main() {
	pulumi.Run(stacks.Run)
}
