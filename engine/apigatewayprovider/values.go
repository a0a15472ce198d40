package apigatewayprovider

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// toJSON is a property value as the component's JavaScript sees it once its Outputs resolve: maps
// become objects with sorted keys (the Node runtime reads the protobuf Struct's map in sorted
// order), unknowns stay unknown. Dependencies and secrecy are not part of the value; see flow.
func toJSON(v property.Value) (any, error) {
	switch {
	case v.IsComputed():
		return unknown, nil
	case v.IsNull():
		return nil, nil
	case v.IsString():
		return v.AsString(), nil
	case v.IsNumber():
		return v.AsNumber(), nil
	case v.IsBool():
		return v.AsBool(), nil
	case v.IsArray():
		out := []any{}
		for _, e := range v.AsArray().All {
			j, err := toJSON(e)
			if err != nil {
				return nil, err
			}
			out = append(out, j)
		}
		return out, nil
	case v.IsMap():
		out := newObject()
		var err error
		v.AsMap().AllStable(func(k string, e property.Value) bool {
			var j any
			if j, err = toJSON(e); err != nil {
				err = fmt.Errorf("%s: %w", k, err)
				return false
			}
			out.set(k, j)
			return true
		})
		return out, err
	case v.IsResourceReference():
		return nil, fmt.Errorf("a resource (%s) where the stand-in models only plain values", v.AsResourceReference().URN)
	default:
		return nil, fmt.Errorf("an asset or archive where the stand-in models only plain values")
	}
}

// hasUnknown reports whether v holds an unknown value outside resource references: a reference
// whose id is unknown still names its resource, which is all the component reads from it.
func hasUnknown(v property.Value) bool {
	switch {
	case v.IsComputed():
		return true
	case v.IsArray():
		for _, e := range v.AsArray().All {
			if hasUnknown(e) {
				return true
			}
		}
	case v.IsMap():
		for _, e := range v.AsMap().All {
			if hasUnknown(e) {
				return true
			}
		}
	}
	return false
}

// flow records what values flowing into a result carry besides their value: the resources they
// depend on and whether any is secret. A result built from them inherits both, as an Output built
// with pulumi.all/interpolate does.
type flow struct {
	deps   []resource.URN
	secret bool
}

// add records v and everything in it, including resources it references (serializing a resource
// makes it a dependency of the property).
func (f *flow) add(v property.Value) {
	f.deps = append(f.deps, v.Dependencies()...)
	if v.Secret() {
		f.secret = true
	}
	switch {
	case v.IsArray():
		for _, e := range v.AsArray().All {
			f.add(e)
		}
	case v.IsMap():
		for _, e := range v.AsMap().All {
			f.add(e)
		}
	case v.IsResourceReference():
		f.deps = append(f.deps, v.AsResourceReference().URN)
	}
}

func (f *flow) addURN(urns ...resource.URN) { f.deps = append(f.deps, urns...) }

func (f *flow) merge(o flow) {
	f.deps = append(f.deps, o.deps...)
	f.secret = f.secret || o.secret
}

// urns is the sorted, distinct dependencies.
func (f *flow) urns() []resource.URN {
	out := slices.Clone(f.deps)
	slices.Sort(out)
	return slices.Compact(out)
}

// stripDeps is v without the dependencies the SDK attached to it (a custom resource's inputs carry
// them beside the value, as property dependencies), keeping secrecy.
func stripDeps(v property.Value) property.Value {
	switch {
	case v.IsArray():
		arr := v.AsArray().AsSlice()
		out := make([]property.Value, len(arr))
		for i, e := range arr {
			out[i] = stripDeps(e)
		}
		v = property.WithGoValue(v, out)
	case v.IsMap():
		m := v.AsMap().AsMap()
		out := make(map[string]property.Value, len(m))
		for k, e := range m {
			out[k] = stripDeps(e)
		}
		v = property.WithGoValue(v, out)
	}
	return v.WithDependencies(nil)
}

// childInputs are a child resource's inputs with their property dependencies.
type childInputs struct {
	props map[string]property.Value
	deps  map[resource.PropertyKey][]resource.URN
	all   flow
}

func newChildInputs() *childInputs {
	return &childInputs{props: map[string]property.Value{}, deps: map[resource.PropertyKey][]resource.URN{}}
}

// set sets key to v; extra are further dependencies of the value (the resources a computed value
// came from).
func (c *childInputs) set(key string, v property.Value, extra ...resource.URN) {
	var f flow
	f.add(v)
	f.addURN(extra...)
	c.props[key] = stripDeps(v)
	if urns := f.urns(); len(urns) > 0 {
		c.deps[resource.PropertyKey(key)] = urns
	}
	c.all.merge(f)
}

func (c *childInputs) propertyMap() resource.PropertyMap {
	return resource.ToResourcePropertyMap(property.NewMap(c.props))
}

// stringValue is a property value for a string the component computed, or unknown.
func stringValue(s any, secret bool) property.Value {
	v := property.New(property.Computed)
	if str, ok := s.(string); ok {
		v = property.New(str)
	}
	return v.WithSecret(secret)
}

// ref is a reference to a custom resource, as the Node SDK serializes a resource in an input.
func ref(urn resource.URN, id resource.ID) property.Value {
	idv := property.New(property.Computed)
	if id != "" {
		idv = property.New(string(id))
	}
	return property.New(property.NewResourceReference(urn, idv, ""))
}
