package stacks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// previousDeployment is the logical name of the stack reference by which the program reads its own
// stack's last outputs.
const previousDeployment = "previous-deployment"

// ReplicaTables is, by region, the tables that have a replica there: every configured region but
// the data region (which holds the tables themselves) has one of each.
func (c Config) ReplicaTables(tables []string) map[string][]string {
	out := map[string][]string{}
	for _, region := range c.Regions {
		if region != c.DataRegion() {
			out[region] = slices.Sorted(slices.Values(tables))
		}
	}
	return out
}

// ValidateReplicaRemoval reports every region that held replicas in the previous deployment
// (previous, by region, the tables replicated there) and is no longer configured, unless
// allowReplicaRemoval lists it: dropping it deletes those replicas and the data in them.
func (c Config) ValidateReplicaRemoval(previous map[string][]string) error {
	var problems []string
	for _, region := range slices.Sorted(maps.Keys(previous)) {
		if slices.Contains(c.Regions, region) || slices.Contains(c.AllowReplicaRemoval, region) {
			continue
		}
		problems = append(problems, fmt.Sprintf("%s:allowReplicaRemoval: region %s holds replicas of the tables %s, "+
			"which removing it from %s:regions deletes; list %s in %s:allowReplicaRemoval to delete them, or keep it in the regions",
			configNamespace, region, strings.Join(previous[region], ", "), configNamespace, region, configNamespace))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("invalid stack config:\n%s", strings.Join(problems, "\n"))
}

// previousReplicaTables reads the replicaTables output of this stack's last deployment through a
// stack reference to the stack itself: the backend serves a stack reference from the named stack's
// last checkpoint (pkg/v3 backend/backend.go, backendClient.GetStackOutputs), which during this
// update still holds the previous outputs (the stack's own outputs are replaced only when the
// program ends). A first deployment has no outputs, hence nothing to remove.
func previousReplicaTables(ctx *pulumi.Context) (map[string][]string, error) {
	self := fmt.Sprintf("%s/%s/%s", ctx.Organization(), ctx.Project(), ctx.Stack())
	ref, err := pulumi.NewStackReference(ctx, previousDeployment, &pulumi.StackReferenceArgs{Name: pulumi.String(self)})
	if err != nil {
		return nil, fmt.Errorf("stack reference %s: %w", self, err)
	}
	details, err := ref.GetOutputDetails(OutputReplicaTables)
	if err != nil {
		return nil, fmt.Errorf("stack reference %s: output %s: %w", self, OutputReplicaTables, err)
	}
	raw, ok := details.Value.(map[string]any)
	if details.Value != nil && !ok {
		return nil, fmt.Errorf("stack reference %s: output %s is %T, want a map of region to tables", self, OutputReplicaTables, details.Value)
	}
	out := map[string][]string{}
	for region, v := range raw {
		tables, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("stack reference %s: output %s[%s] is %T, want a list of tables", self, OutputReplicaTables, region, v)
		}
		for _, t := range tables {
			name, ok := t.(string)
			if !ok {
				return nil, fmt.Errorf("stack reference %s: output %s[%s] holds %T, want table names", self, OutputReplicaTables, region, t)
			}
			out[region] = append(out[region], name)
		}
	}
	return out, nil
}
