package serve

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"shopstack/contract"
	"shopstack/contract/routes"
)

// Every function the route table names has its wiring here and is a Lambda, and nothing else is
// wired: a route to an unwired function would fail its Lambda's init and make dev's start.
func TestHandlersWireEveryRoutedFunction(t *testing.T) {
	var routed []string
	for _, r := range routes.All() {
		if !slices.Contains(routed, r.Function) {
			routed = append(routed, r.Function)
		}
	}
	var wired []string
	for name := range Handlers {
		wired = append(wired, name)
	}
	assert.ElementsMatch(t, routed, wired)
	for _, name := range wired {
		assert.Contains(t, contract.Lambdas, name)
	}
}
