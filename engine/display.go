package engine

import (
	"bytes"
	"cmp"
	"io"
	"path/filepath"
	"slices"
	"strings"

	bdisplay "github.com/pulumi/pulumi/pkg/v3/backend/display"
	pengine "github.com/pulumi/pulumi/pkg/v3/engine"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// Display writes what `pulumi preview` (or `pulumi up`) prints for this result, non-interactively:
// the resource tree with each step, diagnostics, policy violations, outputs and the
// "Resources:" summary — pkg/v3's own display code, fed the engine's own events.
func (r *Result) Display(w io.Writer) error {
	var out bytes.Buffer
	if err := r.display(&out); err != nil {
		return err
	}
	// The local policy pack is shown by its path: relative to the project, the plan is the same
	// bytes on every machine.
	text := out.String()
	if r.root != "" {
		text = strings.ReplaceAll(text, r.root+string(filepath.Separator), "")
		text = strings.ReplaceAll(text, r.root, ".")
	}
	_, err := io.WriteString(w, text)
	return err
}

func (r *Result) display(w io.Writer) error {
	stack, err := tokens.ParseStackName(r.Stack)
	if err != nil {
		return err
	}
	events := make(chan pengine.Event)
	done := make(chan bool)
	op, kind := "update", apitype.UpdateUpdate
	if r.Preview {
		op, kind = "preview", apitype.PreviewUpdate
	}
	go bdisplay.ShowEvents(op, kind, stack, tokens.PackageName(Project), "", events, done, bdisplay.Options{
		Color:                colors.Never,
		ShowReplacementSteps: true,
		SuppressPermalink:    true,
		SuppressTimings:      true,
		SuppressProgress:     true,
		IsInteractive:        false,
		Type:                 bdisplay.DisplayProgress,
		DeterministicOutput:  true,
		Stdout:               w,
		Stderr:               w,
	}, r.Preview)
	for _, e := range inTreeOrder(r.Events) {
		events <- e
	}
	close(events)
	<-done
	return nil
}

// inTreeOrder puts the resource events in a deterministic order — parents before their children,
// siblings by URN — keeping every other event where it was. The engine runs steps in parallel, so
// the order it emits them in differs from run to run; a plan must give the same bytes each time.
func inTreeOrder(events []pengine.Event) []pengine.Event {
	parent := map[resource.URN]resource.URN{}
	var slots []int
	for i, e := range events {
		if m, ok := stepMetadata(e); ok {
			slots = append(slots, i)
			if state := m.Res; state != nil {
				parent[m.URN] = state.Parent
			}
		}
	}
	path := func(urn resource.URN) []string {
		var p []string
		for u, seen := urn, map[resource.URN]bool{}; u != "" && !seen[u]; u = parent[u] {
			seen[u] = true
			p = append(p, string(u))
		}
		slices.Reverse(p)
		return p
	}
	moved := make([]pengine.Event, len(slots))
	for i, at := range slots {
		moved[i] = events[at]
	}
	slices.SortStableFunc(moved, func(a, b pengine.Event) int {
		ma, _ := stepMetadata(a)
		mb, _ := stepMetadata(b)
		return cmp.Or(slices.Compare(path(ma.URN), path(mb.URN)), cmp.Compare(eventRank(a), eventRank(b)))
	})
	out := slices.Clone(events)
	for i, at := range slots {
		out[at] = moved[i]
	}
	return out
}

// stepMetadata is the step of a resource event.
func stepMetadata(e pengine.Event) (pengine.StepEventMetadata, bool) {
	switch p := e.Payload().(type) {
	case pengine.ResourcePreEventPayload:
		return p.Metadata, true
	case pengine.ResourceOutputsEventPayload:
		return p.Metadata, true
	}
	return pengine.StepEventMetadata{}, false
}

// eventRank keeps a resource's pre event before its outputs event.
func eventRank(e pengine.Event) int {
	if _, ok := e.Payload().(pengine.ResourceOutputsEventPayload); ok {
		return 1
	}
	return 0
}
