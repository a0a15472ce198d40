package worktree

import (
	"maps"
	"slices"
)

// Pair is one key's value on each side of a base-versus-head comparison. A side without the key
// holds T's zero value and its In flag is false: only in head is added, only in base is removed.
type Pair[T any] struct {
	Key            string
	Base, Head     T
	InBase, InHead bool
}

// Match pairs base's and head's values by key, sorted by key.
func Match[T any](base, head map[string]T) []Pair[T] {
	keys := slices.Collect(maps.Keys(base))
	for k := range head {
		if _, ok := base[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]Pair[T], 0, len(keys))
	for _, k := range keys {
		b, inBase := base[k]
		h, inHead := head[k]
		out = append(out, Pair[T]{Key: k, Base: b, Head: h, InBase: inBase, InHead: inHead})
	}
	return out
}

// MatchBy is Match of two lists, each item keyed by key(item) (a stack's results by its name);
// of two items with one key, the later counts.
func MatchBy[T any](base, head []T, key func(T) string) []Pair[T] {
	index := func(items []T) map[string]T {
		m := make(map[string]T, len(items))
		for _, it := range items {
			m[key(it)] = it
		}
		return m
	}
	return Match(index(base), index(head))
}
