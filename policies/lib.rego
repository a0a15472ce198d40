# METADATA
# title: shopstack guardrails
# description: >-
#   Rules every shopstack environment must meet before it is deployed. Resource rules
#   (deny_*, warn_*) see one resource; stack rules (stack_deny_*) see input.resources.
# scope: package
package shopstack

import rego.v1

# This file holds the helpers the rule files share; it declares no rule itself.

# resources_of_type lists the stack resources whose Pulumi type token is t (stack rules only).
resources_of_type(t) := [r | some r in input.resources; r.__type == t]

# filled holds for a value that is present and not empty. A value still unknown at preview
# time reaches the analyzer as an object, so it counts as filled.
filled(v) if {
	v != null
	v != ""
	v != {}
	v != []
}

# positive holds for a number greater than zero (a string never counts).
positive(n) if {
	is_number(n)
	n > 0
}

# as_list turns a value that may be a single item or a list (IAM Action, Resource,
# Statement) into a list.
as_list(x) := x if {
	is_array(x)
} else := [x]

# shown renders the value at path in obj for a message, or "unset" when it is missing.
shown(obj, path) := sprintf("%v", [object.get(obj, path, "unset")])

# tag_value is the value of tag key on r, from tags or (provider default tags) tagsAll.
tag_value(r, key) := r.tags[key]

tag_value(r, key) := r.tagsAll[key] if not r.tags[key]
