package plan

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// Diagram is the architecture drawn from a plan: the resources a reader thinks in (APIs,
// functions, tables, replicas, queues, topics, alarms, keys) clustered by region, with an edge
// wherever one references another. IAM, log groups, providers and components are left out.
type Diagram struct {
	Stack    string
	Clusters []Cluster // sorted by region
	Edges    []Edge    // sorted
}

// Cluster is one region's nodes.
type Cluster struct {
	Region string
	Nodes  []Node // sorted by ID
}

// Node is one drawn resource, or a count of many of one kind.
type Node struct {
	ID    string
	Kind  string // "API", "Lambda", "Table", ...
	Label string
	Count int // > 1 for a node standing for several resources
}

// Edge points from a resource to one it references (API → function, function → table, alarm →
// topic) or, dashed, from a table to its replica. Label says what a function outside the writer
// region does with a table copy: "writes" to the writer region's, "reads" its own region's.
type Edge struct {
	From, To string
	Dashed   bool
	Label    string
}

// kinds maps the type tokens the diagram draws to the word it shows; other types stay hidden.
var kinds = map[string]string{
	"aws-apigateway:index:RestAPI":                 "API",
	"aws:apigatewayv2/api:Api":                     "API",
	"aws:lambda/function:Function":                 "Lambda",
	"aws:dynamodb/table:Table":                     "Table",
	"aws:dynamodb/tableReplica:TableReplica":       "Replica",
	"aws:cloudwatch/metricAlarm:MetricAlarm":       "Alarm",
	"aws:cloudwatch/compositeAlarm:CompositeAlarm": "Alarm",
	"aws:sns/topic:Topic":                          "Topic",
	"aws:sqs/queue:Queue":                          "Queue",
	"aws:kms/key:Key":                              "KMS key",
	"aws:cloudwatch/eventBus:EventBus":             "Event bus",
	"aws:cloudwatch/eventRule:EventRule":           "Event rule",
	"aws:scheduler/schedule:Schedule":              "Schedule",
	"aws:s3/bucketV2:BucketV2":                     "Bucket",
	"aws:s3/bucket:Bucket":                         "Bucket",
	"aws:cloudfront/distribution:Distribution":     "CDN",
	"aws:wafv2/webAcl:WebAcl":                      "WAF",
	"aws:cognito/userPool:UserPool":                "User pool",
	"aws:route53/record:Record":                    "DNS",
	"aws:route53/healthCheck:HealthCheck":          "Health check",
	"aws:apigateway/domainName:DomainName":         "Domain",
}

// consumers are the kinds a hidden wiring resource (event source mapping, permission,
// subscription, event target, web ACL association, base path mapping) delivers to: it becomes
// an edge from its other end to them.
var consumers = map[string]bool{"Lambda": true, "Queue": true, "API": true}

// notifies are the kinds a count node keeps its edges to: alarms → topics.
var notifies = map[string]bool{"Topic": true}

// collapse are the kinds drawn as one count node per region when a region has more than
// collapseOver of them.
var collapse = map[string]bool{"Alarm": true}

const collapseOver = 3

// NewDiagram draws a plan.
func NewDiagram(p *Plan) *Diagram {
	refs := references(p)

	// Nodes: one per drawn resource, or one per (region, kind) for collapsed kinds.
	nodeOf := map[string]string{} // URN → node ID
	nodes := map[string]*Node{}
	region := map[string]string{} // node ID → region
	perKind := map[[2]string][]Resource{}
	for _, r := range p.Resources {
		if kind, ok := kinds[r.Type]; ok {
			perKind[[2]string{r.Region, kind}] = append(perKind[[2]string{r.Region, kind}], r)
		}
	}
	for key, rs := range perKind {
		reg, kind := key[0], key[1]
		if collapse[kind] && len(rs) > collapseOver {
			id := nodeID(kind, reg, "all")
			nodes[id] = &Node{ID: id, Kind: kind, Label: fmt.Sprintf("%d %ss", len(rs), strings.ToLower(kind)), Count: len(rs)}
			region[id] = reg
			for _, r := range rs {
				nodeOf[r.URN] = id
			}
			continue
		}
		for _, r := range rs {
			id := nodeID(kind, reg, r.Name)
			nodes[id] = &Node{ID: id, Kind: kind, Label: kind + " " + shortName(r.Name, reg), Count: 1}
			region[id] = reg
			nodeOf[r.URN] = id
		}
	}

	// Replicas declared inline on a table (replicas[].regionName) are drawn in their region, and
	// a reference between a table and another region goes to or from the replica there.
	replicaOf := map[[2]string]string{} // (table node, region) → replica node
	copyOf := map[[2]string]string{}    // (table's physical name, region) → table or replica node
	var dashed []Edge
	for _, r := range p.Resources {
		if kinds[r.Type] != "Table" {
			continue
		}
		physical, _ := r.Inputs["name"].(string)
		copyOf[[2]string{physical, r.Region}] = nodeOf[r.URN]
		list, _ := r.Inputs["replicas"].([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			reg, _ := m["regionName"].(string)
			if reg == "" {
				continue
			}
			id := nodeID("Replica", reg, r.Name)
			nodes[id] = &Node{ID: id, Kind: "Replica", Label: "Replica " + shortName(r.Name, r.Region), Count: 1}
			region[id] = reg
			replicaOf[[2]string{nodeOf[r.URN], reg}] = id
			copyOf[[2]string{physical, reg}] = id
			dashed = append(dashed, Edge{From: nodeOf[r.URN], To: id, Dashed: true})
		}
	}

	edges := map[Edge]bool{}
	add := func(e Edge) {
		if e.From == "" || e.To == "" || e.From == e.To {
			return
		}
		if !e.Dashed && region[e.From] != region[e.To] {
			if id, ok := replicaOf[[2]string{e.To, region[e.From]}]; ok {
				e.To = id
			} else if id, ok := replicaOf[[2]string{e.From, region[e.To]}]; ok {
				e.From = id
			}
		}
		// A count node stands for many resources: only where they notify is worth a line.
		if nodes[e.From].Count > 1 && !notifies[nodes[e.To].Kind] {
			return
		}
		edges[e] = true
	}
	for _, e := range dashed {
		add(e)
	}
	byURN := map[string]Resource{}
	for _, r := range p.Resources {
		byURN[r.URN] = r
	}
	// A component with one drawn resource (a Function's Lambda) is that resource: its role's
	// policy naming a table is the function's access to it. Its alarms watch that resource and
	// never stand for it.
	drawnChildren := map[string][]string{}
	for _, r := range p.Resources {
		if id, ok := nodeOf[r.URN]; ok && !collapse[kinds[r.Type]] {
			drawnChildren[r.Parent] = append(drawnChildren[r.Parent], id)
		}
	}
	for urn, ids := range drawnChildren {
		if _, ok := nodeOf[urn]; !ok && len(ids) == 1 && nodes[ids[0]].Count == 1 {
			nodeOf[urn] = ids[0]
		}
	}
	for _, r := range p.Resources {
		from, drawn := nodeOf[r.URN]
		if !drawn {
			// A component's own resources (the RestAPI's REST API, deployment and permissions)
			// speak for the component when it is drawn.
			for parent, ok := byURN[r.Parent]; ok && !drawn; parent, ok = byURN[parent.Parent] {
				from, drawn = nodeOf[parent.URN]
			}
		}
		targets := refs[r.URN]
		if drawn {
			granted := grantedCopies(r.Inputs, copyOf)
			for _, t := range targets {
				if len(granted) > 0 && nodes[nodeOf[t]] != nil && nodes[nodeOf[t]].Kind == "Table" {
					continue // the grants say which copies, below
				}
				add(Edge{From: from, To: nodeOf[t]})
			}
			remote := slices.ContainsFunc(granted, func(to string) bool { return region[to] != region[from] })
			for _, to := range granted {
				e := Edge{From: from, To: to}
				if remote {
					e.Label = "reads"
					if region[to] != region[from] {
						e.Label = "writes"
					}
				}
				edges[e] = true
			}
			continue
		}
		// A hidden resource wiring exactly one source to one consumer becomes that edge.
		var ends []string
		for _, t := range targets {
			if id, ok := nodeOf[t]; ok && !slices.Contains(ends, id) {
				ends = append(ends, id)
			}
		}
		if strings.HasPrefix(r.Type, "aws:iam/") || len(ends) != 2 {
			continue
		}
		a, b := ends[0], ends[1]
		switch ca, cb := consumers[nodes[a].Kind], consumers[nodes[b].Kind]; {
		case cb && !ca:
			add(Edge{From: a, To: b})
		case ca && !cb:
			add(Edge{From: b, To: a})
		}
	}

	// The SDK records, as a dependency of a component's output, everything the component's inputs
	// depended on: a WAF association that reads the API's stage would point at every function
	// behind it. An edge that another drawn edge already implies (A → B → C) says nothing more.
	var implied []Edge
	for e := range edges {
		if e.Dashed {
			continue
		}
		for b := range edges {
			if !b.Dashed && b.From == e.From && b.To != e.To && edges[Edge{From: b.To, To: e.To}] {
				implied = append(implied, e)
				break
			}
		}
	}
	for _, e := range implied {
		delete(edges, e)
	}

	d := &Diagram{Stack: p.Stack}
	byRegion := map[string][]Node{}
	for id, n := range nodes {
		byRegion[region[id]] = append(byRegion[region[id]], *n)
	}
	for _, reg := range slices.Sorted(maps.Keys(byRegion)) {
		ns := byRegion[reg]
		slices.SortFunc(ns, func(a, b Node) int { return cmp.Compare(a.ID, b.ID) })
		d.Clusters = append(d.Clusters, Cluster{Region: reg, Nodes: ns})
	}
	d.Edges = slices.SortedFunc(maps.Keys(edges), func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(boolInt(a.Dashed), boolInt(b.Dashed)), cmp.Compare(a.Label, b.Label))
	})
	return d
}

// grantedCopies are the table copies a role policy grants, as drawn nodes: every copy of a global
// table derives from the one table's ARN, so the dependency graph cannot say which region a
// function calls; its policy's ARNs (arn:aws:dynamodb:<region>:<account>:table/<name>) can.
// Indexes and streams are the same copy.
func grantedCopies(inputs map[string]any, copyOf map[[2]string]string) []string {
	doc, _ := inputs["policy"].(string)
	var policy struct {
		Statement []struct {
			Resource any
		}
	}
	if doc == "" || json.Unmarshal([]byte(doc), &policy) != nil {
		return nil
	}
	found := map[string]bool{}
	for _, s := range policy.Statement {
		arns, _ := s.Resource.([]any)
		if arn, ok := s.Resource.(string); ok {
			arns = []any{arn}
		}
		for _, a := range arns {
			arn, _ := a.(string)
			parts := strings.SplitN(arn, ":", 6)
			if len(parts) < 6 || parts[2] != "dynamodb" {
				continue
			}
			name, ok := strings.CutPrefix(parts[5], "table/")
			name, _, _ = strings.Cut(name, "/")
			if id := copyOf[[2]string{name, parts[3]}]; ok && id != "" {
				found[id] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(found))
}

// shortName drops the region prefix that per-region logical names carry: the cluster says it.
func shortName(name, region string) string {
	if short, ok := strings.CutPrefix(name, region+"-"); ok && region != "" && short != "" {
		return short
	}
	return name
}

// nodeID is a stable identifier Mermaid and DOT both accept.
func nodeID(kind, region, name string) string {
	var b strings.Builder
	for _, s := range []string{kind, region, name} {
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("_")
		}
		for _, c := range strings.ToLower(s) {
			if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
				b.WriteRune(c)
			} else {
				b.WriteRune('_')
			}
		}
	}
	return b.String()
}

// references is the engine's dependency graph: for every resource, the resources whose outputs
// flow into its inputs (property dependencies). Parent links are not references.
func references(p *Plan) map[string][]string {
	out := map[string][]string{}
	for _, r := range p.Resources {
		found := map[string]bool{}
		for _, d := range r.Dependencies {
			found[d] = true
		}
		delete(found, r.URN)
		if len(found) > 0 {
			out[r.URN] = slices.Sorted(maps.Keys(found))
		}
	}
	return out
}

func isIdentChar(c byte) bool {
	return c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// Mermaid renders the diagram as a Mermaid flowchart, one subgraph per region.
func (d *Diagram) Mermaid() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%%%% shopstack %s architecture, generated by `make diagram STACK=%s` from the offline plan\n", d.Stack, d.Stack)
	b.WriteString("flowchart LR\n")
	for _, c := range d.Clusters {
		name := c.Region
		if name == "" {
			name = "global"
		}
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", nodeID("region", name, ""), mermaidText(name))
		for _, n := range c.Nodes {
			fmt.Fprintf(&b, "    %s%s\n", n.ID, mermaidShape(n))
		}
		b.WriteString("  end\n")
	}
	for _, e := range d.Edges {
		arrow := "-->"
		if e.Dashed {
			arrow = "-.->"
		}
		if e.Label != "" {
			arrow += "|" + mermaidText(e.Label) + "|"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", e.From, arrow, e.To)
	}
	return b.String()
}

func mermaidShape(n Node) string {
	text := `"` + mermaidText(n.Label) + `"`
	switch n.Kind {
	case "Table", "Replica":
		return "[(" + text + ")]"
	case "Lambda":
		return "(" + text + ")"
	case "API":
		return "[/" + text + "/]"
	case "Alarm":
		return "{{" + text + "}}"
	case "Topic", "Queue", "Event bus":
		return ">" + text + "]"
	}
	return "[" + text + "]"
}

// mermaidText escapes a label for a quoted Mermaid string.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}

// DOT renders the diagram for Graphviz, one cluster per region.
func (d *Diagram) DOT() string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", strconv.Quote("shopstack-"+d.Stack))
	b.WriteString("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [color=\"#555555\"];\n")
	for i, c := range d.Clusters {
		name := c.Region
		if name == "" {
			name = "global"
		}
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s;\n    style=rounded;\n", i, strconv.Quote(name))
		for _, n := range c.Nodes {
			fmt.Fprintf(&b, "    %s [label=%s, shape=%s];\n", n.ID, strconv.Quote(n.Label), dotShape(n.Kind))
		}
		b.WriteString("  }\n")
	}
	for _, e := range d.Edges {
		style := ""
		switch {
		case e.Dashed:
			style = " [style=dashed]"
		case e.Label != "":
			style = " [label=" + strconv.Quote(e.Label) + "]"
		}
		fmt.Fprintf(&b, "  %s -> %s%s;\n", e.From, e.To, style)
	}
	b.WriteString("}\n")
	return b.String()
}

func dotShape(kind string) string {
	switch kind {
	case "Table", "Replica":
		return "cylinder"
	case "Lambda":
		return "box, style=rounded"
	case "API":
		return "parallelogram"
	case "Alarm":
		return "hexagon"
	case "Topic", "Queue", "Event bus":
		return "cds"
	}
	return "box"
}

// SVG renders the diagram with Graphviz: dot is the path of its dot command.
func (d *Diagram) SVG(ctx context.Context, dot string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, dot, "-Tsvg")
	cmd.Stdin = strings.NewReader(d.DOT())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dot -Tsvg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
