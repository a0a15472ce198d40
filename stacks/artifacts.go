package stacks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/functions/build"
)

// Artifacts are the built function archives, by function folder name.
type Artifacts map[string]build.Artifact

var (
	builtMu sync.Mutex
	built   = map[string]Artifacts{} // by module root
)

// BuildFunctions builds every function under functions/ for Lambda. The program calls it itself,
// so `pulumi up` needs no separate build step; unchanged functions come from the builder's cache.
// A process that runs the program several times (the offline engine's plans and tests) builds
// once: the sources do not change under a running process.
func BuildFunctions(ctx context.Context) (Artifacts, error) {
	builder, err := build.New(".", build.Lambda)
	if err != nil {
		return nil, fmt.Errorf("build functions: %w", err)
	}
	builtMu.Lock()
	defer builtMu.Unlock()
	if a, ok := built[builder.Root]; ok {
		return a, nil
	}
	names, err := builder.Functions(ctx)
	if err != nil {
		return nil, err
	}
	artifacts := make(Artifacts, len(names))
	for _, name := range names {
		art, err := builder.Build(ctx, name)
		if err != nil {
			return nil, err
		}
		artifacts[name] = art
	}
	built[builder.Root] = artifacts
	return artifacts, nil
}

// Archive returns the deployment archive of a function folder.
func (a Artifacts) Archive(name string) (pulumi.Archive, error) {
	art, ok := a[name]
	if !ok {
		return nil, fmt.Errorf("no built function %q under functions/", name)
	}
	return pulumi.NewFileArchive(art.Archive), nil
}

// Names returns the function names in order.
func (a Artifacts) Names() []string {
	return slices.Sorted(maps.Keys(a))
}
