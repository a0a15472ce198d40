package stacks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/lambdabuild"
)

// Artifacts are the built function archives, by function folder name.
type Artifacts map[string]lambdabuild.Artifact

var (
	builtMu sync.Mutex
	built   = map[string]Artifacts{} // by module root
)

// BuildFunctions builds every function under functions/ for Lambda, passing each step to
// progress (nil for none). The program calls it itself, so `pulumi up` needs no separate build
// step; unchanged functions come from the builder's cache. A process that runs the program
// several times (the offline engine's plans and tests) builds once: the sources do not change
// under a running process, and a later call reports each function as that build left it.
func BuildFunctions(ctx context.Context, progress func(line string)) (Artifacts, error) {
	builder, err := lambdabuild.New(".", lambdabuild.Lambda)
	if err != nil {
		return nil, fmt.Errorf("build functions: %w", err)
	}
	builder.Progress = progress
	builtMu.Lock()
	defer builtMu.Unlock()
	if a, ok := built[builder.Root]; ok {
		for _, name := range a.Names() {
			if progress != nil {
				progress(a[name].Status())
			}
		}
		return a, nil
	}
	arts, err := builder.BuildAll(ctx)
	if err != nil {
		return nil, err
	}
	artifacts := make(Artifacts, len(arts))
	for _, art := range arts {
		artifacts[art.Name] = art
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
