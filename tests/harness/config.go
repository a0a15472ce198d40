// Package harness runs the shopstack program under Pulumi mocks with a stack's real configuration
// and records every resource it registers, so tests, the offline plan, the policy evaluation and
// the cost preview all read one graph.
package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// Stacks lists the environments that have a Pulumi.<stack>.yaml under root, sorted.
func Stacks(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	var stacks []string
	for _, f := range files {
		base := filepath.Base(f)
		stacks = append(stacks, base[len("Pulumi."):len(base)-len(".yaml")])
	}
	sort.Strings(stacks)
	return stacks, nil
}

// LoadConfig reads Pulumi.yaml and Pulumi.<stack>.yaml with the Pulumi SDK's own loaders (so a file
// the CLI would reject fails here too), applies the project's declared defaults and checks each
// value against its declared type, as `pulumi up` does. The result is the program's config map,
// keyed "namespace:key", with objects and arrays as JSON.
func LoadConfig(root, stack string) (map[string]string, error) {
	project, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("load Pulumi.yaml: %w", err)
	}
	path := filepath.Join(root, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, project, path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", filepath.Base(path), err)
	}
	values, err := ps.Config.Decrypt(config.NopDecrypter)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		out[k.String()] = v
	}
	for name, decl := range project.Config {
		key, err := config.ParseKey(qualified(project.Name.String(), name))
		if err != nil {
			return nil, fmt.Errorf("Pulumi.yaml: config %s: %w", name, err)
		}
		if decl.Value != nil { // project-wide value such as pulumi:disable-default-providers
			if _, set := out[key.String()]; !set {
				if out[key.String()], err = encode(decl.Value); err != nil {
					return nil, err
				}
			}
			continue
		}
		v, set := ps.Config[key]
		if !set {
			if decl.Default == nil {
				continue // required and missing: the program reports it, naming the key
			}
			if out[key.String()], err = encode(decl.Default); err != nil {
				return nil, err
			}
			continue
		}
		if !decl.IsExplicitlyTyped() {
			continue
		}
		value, err := v.ToObject()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", filepath.Base(path), key, err)
		}
		if !workspace.ValidateConfigValue(decl.TypeName(), decl.Items, value) {
			return nil, fmt.Errorf("%s: %s: value %v is not of the type %s declared in Pulumi.yaml",
				filepath.Base(path), key, value, workspace.InferFullTypeName(decl.TypeName(), decl.Items))
		}
	}
	return out, nil
}

func qualified(project, name string) string {
	for _, c := range name {
		if c == ':' {
			return name
		}
	}
	return project + ":" + name
}

// encode renders a YAML default the way the CLI passes config to a program: strings as they are,
// everything else as JSON.
func encode(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}
