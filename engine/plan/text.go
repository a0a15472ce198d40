package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"shopstack/engine"
)

// WriteText renders plans for people: per stack, first what `pulumi preview` prints (the engine's
// own display: the resource tree, policy violations, outputs and the "Resources:" summary), then
// the resources grouped by region and by the shopstack component they belong to, the counts by
// type, the outputs and the policy verdict. The summary after the display is sorted, so the same
// plans always give the same bytes there.
func WriteText(w io.Writer, plans []*Plan) error {
	for i, p := range plans {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if p.result != nil {
			if err := p.result.Display(w); err != nil {
				return err
			}
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		var b strings.Builder
		p.text(&b)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

func (p *Plan) text(b *strings.Builder) {
	var custom, components, providers int
	for _, r := range p.Resources {
		switch {
		case strings.HasPrefix(r.Type, "pulumi:providers:"):
			providers++
		case r.Custom:
			custom++
		default:
			components++
		}
	}
	fmt.Fprintf(b, "== plan %s\n", p.Stack)
	fmt.Fprintf(b, "regions: %s\n", strings.Join(p.Regions, ", "))
	fmt.Fprintf(b, "resources: %d (%d custom, %d components, %d providers)\n", len(p.Resources), custom, components, providers)

	b.WriteString("\ncounts by type:\n")
	for _, t := range p.Types {
		fmt.Fprintf(b, "  %4d  %s\n", t.Count, t.Type)
	}

	byRegion := map[string][]Resource{}
	for _, r := range p.Resources {
		byRegion[r.Region] = append(byRegion[r.Region], r)
	}
	for _, region := range slices.Sorted(maps.Keys(byRegion)) {
		rs := byRegion[region]
		label := region
		if label == "" {
			label = "(no region)"
		}
		alarms := 0
		for _, r := range rs {
			if r.Type == "aws:cloudwatch/metricAlarm:MetricAlarm" {
				alarms++
			}
		}
		fmt.Fprintf(b, "\nregion %s: %d resources, %d alarms\n", label, len(rs), alarms)
		groups := map[string][]Resource{}
		for _, r := range rs {
			key := p.groupLabel(r)
			groups[key] = append(groups[key], r)
		}
		// Resources outside every component first, then each component chain in order.
		keys := slices.SortedFunc(maps.Keys(groups), func(a, b string) int {
			return cmp.Or(cmp.Compare(boolInt(a != "stack"), boolInt(b != "stack")), cmp.Compare(a, b))
		})
		for _, key := range keys {
			fmt.Fprintf(b, "  [%s]\n", key)
			g := groups[key]
			slices.SortFunc(g, func(x, y Resource) int {
				return cmp.Or(cmp.Compare(x.Type, y.Type), cmp.Compare(x.Name, y.Name), cmp.Compare(x.URN, y.URN))
			})
			for _, r := range g {
				protect := ""
				if r.Protect {
					protect = " protected"
				}
				fmt.Fprintf(b, "    %s %s (%s)%s\n", r.Type, r.Name, p.label(r.Parent), protect)
			}
		}
	}

	b.WriteString("\noutputs:\n")
	if len(p.Outputs) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, k := range slices.Sorted(maps.Keys(p.Outputs)) {
		fmt.Fprintf(b, "  %s = %s\n", k, display(p.Outputs[k]))
	}

	b.WriteString("\npolicy verdicts:\n")
	if len(p.Policy.Violations) == 0 {
		b.WriteString("  (no violations)\n")
	}
	for _, v := range p.Policy.Violations {
		where := "stack"
		if r, ok := p.resource(v.URN); ok {
			where = r.Type + " " + r.Name
		} else if v.URN != "" {
			where = v.URN
		}
		fmt.Fprintf(b, "  %s %s: %s: %s\n", v.Level, v.Rule, where, v.Message)
	}
	fmt.Fprintf(b, "policies: %d mandatory, %d advisory\n", p.Policy.Mandatory, p.Policy.Advisory)
}

// groupLabel names the component chain a resource belongs to, e.g. "Region us-east-1 >
// Function us-east-1-counter"; "stack" for a resource outside every shopstack component.
func (p *Plan) groupLabel(r Resource) string {
	if len(r.Components) == 0 {
		return "stack"
	}
	parts := make([]string, len(r.Components))
	for i, urn := range r.Components {
		parts[i] = p.label(urn)
	}
	return strings.Join(parts, " > ")
}

// label is "Type name" for a resource of the plan, with the type's last segment only.
func (p *Plan) label(urn string) string {
	r, ok := p.resource(urn)
	if !ok {
		return "stack"
	}
	return shortType(r.Type) + " " + r.Name
}

// shortType is the last segment of a type token: "Function" for "aws:lambda/function:Function".
func shortType(t string) string {
	return t[strings.LastIndex(t, ":")+1:]
}

// display renders an output value on one line: strings as they are, unknown as "unknown",
// anything else as JSON (whose object keys are sorted).
func display(v any) string {
	switch v := v.(type) {
	case string:
		if v == engine.Unknown {
			return "unknown (known after deployment)"
		}
		return v
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.ReplaceAll(string(data), `"`+engine.Unknown+`"`, "unknown")
}

// WriteJSON renders plans for machines: {"stacks": [plan, ...]}, indented, keys sorted.
func WriteJSON(w io.Writer, plans []*Plan) error {
	if plans == nil {
		plans = []*Plan{}
	}
	data, err := json.MarshalIndent(struct {
		Stacks []*Plan `json:"stacks"`
	}{plans}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// ReadJSON parses what WriteJSON wrote.
func ReadJSON(data []byte) ([]*Plan, error) {
	var doc struct {
		Stacks []*Plan `json:"stacks"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("read plan JSON: %w", err)
	}
	return doc.Stacks, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
