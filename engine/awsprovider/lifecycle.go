package awsprovider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// diff compares old and new checked inputs. A change to a ForceNew attribute replaces
// (replaceOnChange). The bridge replaces delete-first when the program names the resource itself:
// a second resource of the same name cannot exist beside the first (pulumi-terraform-bridge
// schema.go nameRequiresDeleteBeforeReplace). A change of the provider's defaultTags changes
// tagsAll, which Terraform's tags CustomizeDiff (verify.SetTagsDiff) turns into an update.
func (p *provider) diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	req.Type = typeOf(req.URN, req.Type)
	t, ok := sdkTypes[req.Type]
	if !ok {
		return plugin.DiffResponse{}, fmt.Errorf("unrecognized resource type (Diff): %s", req.URN)
	}
	d := diffInputs(req.OldInputs, req.NewInputs, req.IgnoreChanges)
	for _, key := range replaceOnChange[req.Type] {
		if _, changed := d.changed[key]; changed {
			d.replace = append(d.replace, key)
		}
	}
	if _, hasTagsAll := t.outputs()["tagsAll"]; hasTagsAll && !req.NewInputs.Get("tags").HasComputed() {
		if old := req.OldOutputs.Get("tagsAll"); !old.Equals(p.tagsAll(req.NewInputs)) {
			d.changed["tagsAll"] = plugin.DiffUpdate
		}
	}
	res := d.result(namedByProgram(req.Type, t, req.NewInputs))
	for _, key := range replaceOnChange[req.Type] {
		if !slices.Contains(d.replace, key) {
			res.StableKeys = append(res.StableKeys, resource.PropertyKey(key))
		}
	}
	return res, nil
}

// namedByProgram reports whether the program, not the autonamer, set the physical name.
func namedByProgram(typ tokens.Type, t sdkType, inputs property.Map) bool {
	rule := autonameFor(typ, t)
	if rule == nil {
		return false
	}
	v, ok := inputs.GetOk(rule.property)
	return ok && !v.IsNull() && !wasDefaulted(inputs, rule.property)
}

// create makes the resource. In a preview the bridged provider plans with Terraform, which cannot
// know what AWS will compute: every computed output is unknown. Otherwise the outputs are the
// inputs plus what AWS returns, synthesised deterministically.
func (p *provider) create(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	req.Type = typeOf(req.URN, req.Type)
	t, inputs, err := terraformInputs("Create", req.URN, req.Type, req.Properties, req.Preview)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	if req.Preview {
		outs := p.plannedOutputs(t, inputs)
		if req.Type == dynamoTableType {
			outs = outs.Set("replicas", replicaOutputs(stringOf(inputs.Get("name")), inputs.Get("replicas"), property.Value{}, true))
		}
		return plugin.CreateResponse{Properties: outs}, nil
	}
	if p.region == "" {
		return plugin.CreateResponse{}, errors.New("the provider has no region: Configure was not given one")
	}
	r := newFacts(req.URN, req.Type, p.region, inputs, "")
	id, outs, err := p.outputs(t, r)
	if err != nil {
		return plugin.CreateResponse{}, fmt.Errorf("create %s: %w", req.URN, err)
	}
	return plugin.CreateResponse{ID: resource.ID(id), Properties: outs, Status: resource.StatusOK}, nil
}

// plannedOutputs is a preview's view of a new resource: the inputs, tagsAll if the tags are known,
// and every other computed output unknown.
func (p *provider) plannedOutputs(t sdkType, inputs property.Map) property.Map {
	outs := maps.Clone(inputs.AsMap())
	if outs == nil {
		outs = map[string]property.Value{}
	}
	for name, computed := range t.outputs() {
		if _, set := outs[name]; set || !computed {
			continue
		}
		outs[name] = property.New(property.Computed)
	}
	outs["id"] = property.New(property.Computed)
	if _, hasTagsAll := t.outputs()["tagsAll"]; hasTagsAll && !inputs.Get("tags").HasComputed() {
		outs["tagsAll"] = p.tagsAll(inputs)
	}
	return property.NewMap(outs)
}

// update changes the resource in place: the id and what AWS computed stay; inputs and what derives
// from them are refreshed.
func (p *provider) update(_ context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	req.Type = typeOf(req.URN, req.Type)
	t, inputs, err := terraformInputs("Update", req.URN, req.Type, req.NewInputs, req.Preview)
	if err != nil {
		return plugin.UpdateResponse{}, err
	}
	if req.Preview {
		outs := maps.Clone(req.OldOutputs.AsMap())
		if outs == nil {
			outs = map[string]property.Value{}
		}
		for k, v := range p.plannedOutputs(t, inputs).All {
			if !v.IsComputed() || outs[k].IsNull() {
				outs[k] = v
			}
		}
		// An input the program no longer sets is planned away (Terraform plans an optional
		// attribute the configuration dropped as empty), not kept from the old state.
		for _, k := range t.inputs() {
			if _, set := inputs.GetOk(k); !set {
				if _, had := req.OldInputs.GetOk(k); had {
					outs[k] = property.New(property.Null)
				}
			}
		}
		if req.Type == dynamoTableType {
			outs["replicas"] = replicaOutputs(stringOf(inputs.Get("name")), inputs.Get("replicas"), req.OldOutputs.Get("replicas"), true)
		}
		return plugin.UpdateResponse{Properties: property.NewMap(outs), Status: resource.StatusOK}, nil
	}
	r := newFacts(req.URN, req.Type, p.region, inputs, string(req.ID))
	r.old = req.OldOutputs
	_, outs, err := p.outputs(t, r)
	if err != nil {
		return plugin.UpdateResponse{}, fmt.Errorf("update %s: %w", req.URN, err)
	}
	return plugin.UpdateResponse{Properties: outs, Status: resource.StatusOK}, nil
}

// delete removes nothing: there is no AWS behind the stand-in.
func (p *provider) delete(context.Context, plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	return plugin.DeleteResponse{Status: resource.StatusOK}, nil
}

// read returns the recorded state unchanged: with no AWS behind it, nothing drifts.
func (p *provider) read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	return plugin.ReadResponse{
		ReadResult: plugin.ReadResult{ID: req.ID, Inputs: &req.Inputs, Outputs: &req.State},
		Status:     resource.StatusOK,
	}, nil
}

// tagsAll is the resource's tags over the provider's default tags (terraform-provider-aws
// internal/tags: DefaultTagsConfig.MergeTags; resource tags win).
func (p *provider) tagsAll(inputs property.Map) property.Value {
	merged := map[string]property.Value{}
	for k, v := range p.defaultTags {
		merged[k] = property.New(v)
	}
	if tags := inputs.Get("tags"); tags.IsMap() {
		for k, v := range tags.AsMap().All {
			merged[k] = v
		}
	}
	return property.New(property.NewMap(merged))
}

// terraformInputs are a resource's inputs as the bridge hands them to Terraform for op (Create or
// Update): its type's SDK schema, references turned into ids (one with no id refused outside a
// preview) and the bridge's own __defaults bookkeeping dropped.
func terraformInputs(op string, urn resource.URN, typ tokens.Type, props property.Map, preview bool) (sdkType, property.Map, error) {
	t, ok := sdkTypes[typ]
	if !ok {
		return sdkType{}, property.Map{}, fmt.Errorf("unrecognized resource type (%s): %s", op, typ)
	}
	if ref, ok := idlessReference(property.New(props)); ok && !preview {
		return sdkType{}, property.Map{}, fmt.Errorf("%s %s: an input names %s by a reference with no id", strings.ToLower(op), urn, ref)
	}
	return t, mapReferencesAsIDs(props.Delete(defaultsKey)), nil
}

// referencesAsIDs turns every resource reference among a resource's inputs into that resource's
// id, as the bridge does when it hands inputs to Terraform (pulumi-terraform-bridge
// MakeTerraformInputs: "a resource reference is converted to its ID"): what a bridged resource
// outputs for such a property is the id string, which is what the SDK's typed outputs (for
// example Stage.restApi, a StringOutput) expect. An id not yet known stays unknown.
func referencesAsIDs(v property.Value) property.Value {
	switch {
	case v.IsResourceReference():
		id := v.AsResourceReference().ID
		if id.IsNull() || (id.IsString() && id.AsString() == "") {
			id = property.New(property.Computed)
		}
		return id.WithSecret(v.Secret() || id.Secret())
	case v.IsArray():
		items := v.AsArray().AsSlice()
		out := make([]property.Value, len(items))
		for i, e := range items {
			out[i] = referencesAsIDs(e)
		}
		return property.New(property.NewArray(out)).WithSecret(v.Secret())
	case v.IsMap():
		return property.New(mapReferencesAsIDs(v.AsMap())).WithSecret(v.Secret())
	}
	return v
}

func mapReferencesAsIDs(m property.Map) property.Map {
	out := make(map[string]property.Value, m.Len())
	for k, v := range m.All {
		out[k] = referencesAsIDs(v)
	}
	return property.NewMap(out)
}

// idlessReference finds a resource reference with no id among inputs: a component reference, as
// the Go SDK sends back a reference a transform passed through (sdk/go/pulumi/rpc.go). Terraform
// needs the id of the resource an attribute names; the stand-in refuses rather than guess what
// the bridge makes of it.
func idlessReference(v property.Value) (string, bool) {
	switch {
	case v.IsResourceReference():
		ref := v.AsResourceReference()
		if ref.ID.IsNull() {
			return string(ref.URN), true
		}
	case v.IsArray():
		for _, e := range v.AsArray().AsSlice() {
			if urn, ok := idlessReference(e); ok {
				return urn, true
			}
		}
	case v.IsMap():
		for _, e := range v.AsMap().All {
			if urn, ok := idlessReference(e); ok {
				return urn, true
			}
		}
	}
	return "", false
}
