package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	pworkspace "github.com/pulumi/pulumi/pkg/v3/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/esc"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"shopstack/stacks"
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

// SelectStacks is the one stack asked for, checked to have a stack file, or every environment
// when stack is empty.
func SelectStacks(root, stack string) ([]string, error) {
	names, err := Stacks(root)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no Pulumi.<stack>.yaml in " + root)
	}
	if stack == "" {
		return names, nil
	}
	if !slices.Contains(names, stack) {
		return nil, fmt.Errorf("stack %s: no Pulumi.%s.yaml; the environments are %v", stack, stack, names)
	}
	return []string{stack}, nil
}

// LoadConfig reads Pulumi.yaml and Pulumi.<stack>.yaml with the SDK's workspace loaders and merges
// and validates them with pkg/v3's ValidateStackConfigAndApplyProjectConfig: the check the CLI runs
// before it starts any program. A required key the stack file omits, or a value of the wrong type,
// fails here with Pulumi's own message.
func LoadConfig(root, stack string) (*workspace.Project, config.Map, error) {
	project, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return nil, nil, fmt.Errorf("load Pulumi.yaml: %w", err)
	}
	path := filepath.Join(root, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, project, path)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", filepath.Base(path), err)
	}
	cfg := ps.Config
	if cfg == nil {
		cfg = config.Map{}
	}
	if err := ValidateConfig(stack, project, cfg); err != nil {
		return nil, nil, err
	}
	return project, cfg, nil
}

// StackConfig is a stack's typed configuration as the program reads it: the stack files loaded
// and checked as the CLI does (LoadConfig), then parsed and validated by the program's own rules
// (stacks.ParseConfig). The cost preview and the dev tools take a stack's config from here.
func StackConfig(root, stack string) (stacks.Config, error) {
	_, cfg, err := LoadConfig(root, stack)
	if err != nil {
		return stacks.Config{}, err
	}
	values, err := ProgramConfig(cfg)
	if err != nil {
		return stacks.Config{}, fmt.Errorf("stack %s: %w", stack, err)
	}
	c, err := stacks.ParseConfig(values)
	if err != nil {
		return stacks.Config{}, fmt.Errorf("stack %s: %w", stack, err)
	}
	return c, nil
}

// ValidateConfig merges the project's declared defaults and values into cfg and checks every
// declared key's presence and type, exactly as the CLI does (pkg/v3 workspace).
func ValidateConfig(stack string, project *workspace.Project, cfg config.Map) error {
	if err := pworkspace.ValidateStackConfigAndApplyProjectConfig(context.Background(), stack, project,
		esc.Value{}, cfg, config.NopEncrypter, config.NopDecrypter); err != nil {
		return fmt.Errorf("stack %s: %w", stack, err)
	}
	return nil
}

// ProgramConfig is cfg as the program receives it: "namespace:key" → value, objects and arrays
// as JSON.
func ProgramConfig(cfg config.Map) (map[string]string, error) {
	values, err := cfg.Decrypt(config.NopDecrypter)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		out[k.String()] = v
	}
	return out, nil
}

// SetConfig sets key ("namespace:key") in cfg to value as a stack file would hold it: strings,
// integers, booleans, and lists or objects (as JSON objects).
func SetConfig(cfg config.Map, key string, value any) error {
	k, err := config.ParseKey(key)
	if err != nil {
		return err
	}
	switch v := value.(type) {
	case string:
		cfg[k] = config.NewValue(v)
	case int:
		cfg[k] = config.NewTypedValue(strconv.Itoa(v), config.TypeInt)
	case bool:
		cfg[k] = config.NewTypedValue(strconv.FormatBool(v), config.TypeBool)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("config %s: %w", key, err)
		}
		cfg[k] = config.NewObjectValue(string(b))
	}
	return nil
}
