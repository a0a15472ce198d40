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

# unknown holds for a value the engine does not know yet: in a preview, one computed from a
# resource not yet created. The analyzer passes Pulumi's Computed placeholder, which reaches
# Rego as {"Element": {"V": ""}} whatever the value's type. A rule that meets one cannot judge
# the value and stays silent.
unknown(v) if v == {"Element": {"V": ""}}

# unknown_at holds when the value at path in obj, or an object on the way to it, is unknown.
unknown_at(obj, _) if unknown(obj)

unknown_at(obj, path) if {
	some i in numbers.range(1, count(path))
	unknown(object.get(obj, array.slice(path, 0, i), null))
}

# at is the value at path in obj: the unknown placeholder when it or an object on the way to it
# is unknown, null when it is missing.
at(obj, path) := {"Element": {"V": ""}} if {
	unknown_at(obj, path)
} else := object.get(obj, path, null)

# may_equal holds when a and b are equal, or one is not yet known and may turn out equal.
may_equal(a, b) if a == b

may_equal(a, _) if unknown(a)

may_equal(_, b) if unknown(b)

# filled holds for a known value that is present and not empty.
filled(v) if {
	v != null
	v != ""
	v != {}
	v != []
	not unknown(v)
}

# positive holds for a number greater than zero (a string never counts).
positive(n) if {
	is_number(n)
	n > 0
}

# may_be_positive holds for a positive number or a value not yet known.
may_be_positive(n) if positive(n)

may_be_positive(n) if unknown(n)

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

# tag_unknown holds when tag key of r is not known yet, in tags or in tagsAll.
tag_unknown(r, key) if unknown_at(r, ["tags", key])

tag_unknown(r, key) if unknown_at(r, ["tagsAll", key])
