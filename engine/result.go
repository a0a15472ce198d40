package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	pengine "github.com/pulumi/pulumi/pkg/v3/engine"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Result is what one engine operation did or, for a preview, would do.
type Result struct {
	Stack   string
	Preview bool
	// Steps are the engine's steps in the order it began them (ResourcePreEvent), with the
	// properties that caused each update or replacement.
	Steps []Step
	// Graph is every resource the program registered, with its inputs and (known) outputs, and
	// the stack's outputs; it holds no deleted resource.
	Graph *Graph
	// Violations are the policy analyzer's diagnostics as the engine reported them.
	Violations []Violation
	// Errors are the error diagnostics the engine reported (a program's or a provider's failure).
	Errors []string
	// Events are the engine's events, for the display.
	Events []pengine.Event
	// Snapshot is the state after an update; nil after a preview.
	Snapshot *deploy.Snapshot

	root string // the project folder, absolute: the display names it relative
}

// Step is one engine step.
type Step struct {
	Op   string // create, update, replace, delete, same, create-replacement, delete-replaced, read…
	URN  string
	Type string
	// Keys caused a replacement; Diffs are every property that differs.
	Keys, Diffs []string
}

// Violation is one policy diagnostic.
type Violation struct {
	Rule    string
	Level   string // mandatory, advisory
	URN     string // "" for a stack rule
	Message string
}

// Mandatory lists the violations that block a deployment.
func (r *Result) Mandatory() []Violation {
	var out []Violation
	for _, v := range r.Violations {
		if v.Level == string(apitype.Mandatory) {
			out = append(out, v)
		}
	}
	return out
}

// StepsOf lists the steps of one operation, e.g. "replace".
func (r *Result) StepsOf(op string) []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.Op == op {
			out = append(out, s)
		}
	}
	return out
}

// Changes are the steps that are neither "same" nor "read", keyed by op: a read changes nothing
// (every run reads the stack's own previous outputs, stacks/replicas.go).
func (r *Result) Changes() map[string][]Step {
	out := map[string][]Step{}
	for _, s := range r.Steps {
		if s.Op != string(deploy.OpSame) && s.Op != string(deploy.OpRead) {
			out[s.Op] = append(out[s.Op], s)
		}
	}
	return out
}

// newResult reads the engine's events (and, after an update, its snapshot) into a Result.
func newResult(stack string, preview bool, events []pengine.Event, snap *deploy.Snapshot) (*Result, error) {
	r := &Result{Stack: stack, Preview: preview, Events: events, Snapshot: snap}
	states := map[resource.URN]*pengineState{}
	var order []resource.URN
	for _, e := range events {
		switch p := e.Payload().(type) {
		case pengine.ResourcePreEventPayload:
			m := p.Metadata
			r.Steps = append(r.Steps, Step{Op: string(m.Op), URN: string(m.URN), Type: string(m.Type), Keys: keys(m.Keys), Diffs: keys(m.Diffs)})
			if m.New != nil && m.New.State != nil && m.Op != deploy.OpDelete && m.Op != deploy.OpDeleteReplaced && m.Op != deploy.OpDiscardReplaced && m.Op != deploy.OpReadDiscard {
				if _, seen := states[m.URN]; !seen {
					order = append(order, m.URN)
				}
				states[m.URN] = &pengineState{state: m.New.State.Copy()}
			}
		case pengine.ResourceOutputsEventPayload:
			m := p.Metadata
			if m.New != nil && m.New.State != nil {
				if st, ok := states[m.URN]; ok {
					st.state = m.New.State.Copy()
				}
			}
		case pengine.DiagEventPayload:
			if p.Severity == diag.Error {
				r.Errors = append(r.Errors, strings.TrimSpace(colors.Never.Colorize(p.Message)))
			}
		case pengine.PolicyViolationEventPayload:
			r.Violations = append(r.Violations, Violation{
				Rule: p.PolicyName, Level: string(p.EnforcementLevel), URN: string(p.ResourceURN), Message: strings.TrimSpace(colors.Never.Colorize(p.Message)),
			})
		}
	}
	if snap != nil {
		// After an update the snapshot is the truth: outputs as the providers returned them.
		states, order = map[resource.URN]*pengineState{}, nil
		for _, s := range snap.Resources {
			if s.Delete {
				continue
			}
			states[s.URN] = &pengineState{state: s}
			order = append(order, s.URN)
		}
	}
	g, err := newGraph(stack, order, states)
	if err != nil {
		return nil, err
	}
	r.Graph = g
	slices.SortFunc(r.Violations, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.URN, b.URN), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
	return r, nil
}

func keys(ks []resource.PropertyKey) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// Unknown stands for a value only a deployment knows.
const Unknown = "<unknown>"

// Plain turns a property map into JSON-like Go values: secrets are unwrapped, unknowns become
// Unknown, resource references their URN and archives their file name and digest.
func Plain(props resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		out := make([]any, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			out[i] = plainValue(e)
		}
		return out
	case v.IsObject():
		return Plain(v.ObjectValue())
	case v.IsSecret():
		return plainValue(v.SecretValue().Element)
	case v.IsComputed():
		return Unknown
	case v.IsOutput():
		if !v.OutputValue().Known {
			return Unknown
		}
		return plainValue(v.OutputValue().Element)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		a := v.AssetValue()
		return map[string]any{"asset": a.Path + a.URI, "hash": a.Hash}
	case v.IsArchive():
		// The archive's bytes, not its path, identify the code: paths differ between machines.
		a := v.ArchiveValue()
		return map[string]any{"archive": filepath.Base(a.Path), "sha256": fileSHA256(a.Path)}
	}
	return fmt.Sprint(v)
}

// fileSums are the digests fileSHA256 computed, by path, size and modification time: a plan
// meets each function archive once per function and region in every stack, and reading and
// hashing them again was a quarter of a warm plan's time.
var fileSums sync.Map

func fileSHA256(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return Unknown
	}
	key := fmt.Sprintf("%s\x00%d\x00%d", path, info.Size(), info.ModTime().UnixNano())
	if sum, ok := fileSums.Load(key); ok {
		return sum.(string)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Unknown
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	fileSums.Store(key, digest)
	return digest
}
