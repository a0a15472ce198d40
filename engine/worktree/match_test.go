package worktree_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"shopstack/engine/worktree"
)

func TestMatchBy(t *testing.T) {
	type result struct{ stack, value string }
	stack := func(r result) string { return r.stack }
	base := []result{{"prod", "b-prod"}, {"dev", "b-dev"}, {"old", "b-old"}}
	head := []result{{"staging", "h-staging"}, {"dev", "h-dev"}, {"prod", "h-prod"}}

	got := worktree.MatchBy(base, head, stack)

	assert.Equal(t, []worktree.Pair[result]{
		{Key: "dev", Base: result{"dev", "b-dev"}, Head: result{"dev", "h-dev"}, InBase: true, InHead: true},
		{Key: "old", Base: result{"old", "b-old"}, InBase: true},
		{Key: "prod", Base: result{"prod", "b-prod"}, Head: result{"prod", "h-prod"}, InBase: true, InHead: true},
		{Key: "staging", Head: result{"staging", "h-staging"}, InHead: true},
	}, got, "sorted by key: removed (base only), added (head only) and both")
	assert.Empty(t, worktree.MatchBy(nil, nil, stack))
}

func TestMatchKeepsZeroValues(t *testing.T) {
	got := worktree.Match(map[string]any{"a": nil}, map[string]any{"b": 0})
	assert.Equal(t, []worktree.Pair[any]{
		{Key: "a", InBase: true},
		{Key: "b", Head: 0, InHead: true},
	}, got, "a key present with a zero value is still present")
}
