package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPoliciesPassEveryStack: the policy pack, as the engine's analyzer, reports no violation at
// all — mandatory or advisory — on any environment's update from empty state.
func TestPoliciesPassEveryStack(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		var lines []string
		for _, v := range s.update.Violations {
			lines = append(lines, fmt.Sprintf("%s %s %s: %s", v.Level, v.Rule, v.URN, v.Message))
		}
		assert.Empty(t, s.update.Violations, "violations:\n%s", strings.Join(lines, "\n"))
	})
}
