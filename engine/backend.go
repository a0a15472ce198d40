package engine

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/pkg/v3/resource/stack"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// organization is the organization the diy backend gives every stack (pkg/v3 backend/diy/state.go)
// and the one the Go SDK assumes when none is set (sdk/v3 go/pulumi/context.go, Organization).
const organization = "organization"

// selfBackend stands in for the CLI's backend client, which serves `pulumi:pulumi:StackReference`
// reads: GetStackOutputs returns the outputs of the named stack's root resource in that stack's
// last checkpoint (pkg/v3 backend/backend.go, backendClient.GetStackOutputs →
// Stack.SnapshotStackOutputs → resource/stack GetRootStackResource), empty for a stack that has
// none yet, and fails for a stack the backend does not know. The one stack this engine knows is
// the one it runs, whose last checkpoint is the snapshot the operation starts from. During an
// update the real checkpoint keeps the previous outputs until the program's end: the root stack's
// "same" step copies its old outputs (pkg/v3 resource/deploy/step.go, SameStep.Apply).
type selfBackend struct {
	name     string // organization/project/stack
	snapshot *deploy.Snapshot
}

func newSelfBackend(project, stackName string, snapshot *deploy.Snapshot) *selfBackend {
	return &selfBackend{name: fmt.Sprintf("%s/%s/%s", organization, project, stackName), snapshot: snapshot}
}

var _ deploy.BackendClient = (*selfBackend)(nil)

func (b *selfBackend) GetStackOutputs(_ context.Context, name string, _ func(error) error) (property.Map, error) {
	if name != b.name {
		return property.Map{}, fmt.Errorf("unknown stack %q", name)
	}
	root, err := stack.GetRootStackResource(b.snapshot)
	if err != nil || root == nil {
		return property.Map{}, err
	}
	return resource.FromResourcePropertyMap(root.Outputs), nil
}

// GetStackResourceOutputs serves the per-resource form of the same read, which shopstack does
// not use; it refuses rather than answer with less than the real backend would.
func (b *selfBackend) GetStackResourceOutputs(_ context.Context, name string) (property.Map, error) {
	return property.Map{}, fmt.Errorf("stack %q: resource outputs are not served by the offline engine", name)
}
