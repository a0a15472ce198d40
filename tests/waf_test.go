package tests

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wafRequest is what the web ACL's statements look at here: the URI path as WAF sees it on a
// regional API stage (the stage's own hostname includes the stage, /v1/…; the custom domain's
// base path mapping serves the same routes without it).
type wafRequest struct{ path string }

// wafMatch evaluates one WAFv2 statement (the JSON rule format) on a request, for the statement
// types the web ACL's rate rules use; any other is an error, so a rule edited to use one fails
// here rather than being judged wrongly. Semantics from the AWS WAF Developer Guide:
//   - ByteMatchStatement: the search string compared with the transformed field, by
//     PositionalConstraint EXACTLY, STARTS_WITH, ENDS_WITH or CONTAINS ("String match rule
//     statement"); FieldToMatch UriPath is the path without the query string ("Request
//     components"); TextTransformations apply in Priority order ("Text transformations"):
//     NONE, LOWERCASE, URL_DECODE here.
//   - NotStatement negates, AndStatement/OrStatement combine ("Logical rule statements").
//   - RateBasedStatement counts a request only when its ScopeDownStatement, if any, matches
//     ("Rate-based rule statement").
func wafMatch(stmt map[string]any, r wafRequest) (bool, error) {
	switch {
	case stmt["ByteMatchStatement"] != nil:
		b := stmt["ByteMatchStatement"].(map[string]any)
		field, ok := b["FieldToMatch"].(map[string]any)
		if _, uri := field["UriPath"]; !ok || !uri || len(field) != 1 {
			return false, fmt.Errorf("byte match on %v: only UriPath is modeled", field)
		}
		value := r.path
		transforms, _ := b["TextTransformations"].([]any)
		for priority := 0; priority <= len(transforms); priority++ {
			for _, tr := range transforms {
				tt := tr.(map[string]any)
				if int(tt["Priority"].(float64)) != priority {
					continue
				}
				switch tt["Type"] {
				case "NONE":
				case "LOWERCASE":
					value = strings.ToLower(value)
				case "URL_DECODE":
					if d, err := url.PathUnescape(value); err == nil {
						value = d
					}
				default:
					return false, fmt.Errorf("text transformation %v is not modeled", tt["Type"])
				}
			}
		}
		search := b["SearchString"].(string)
		switch b["PositionalConstraint"] {
		case "EXACTLY":
			return value == search, nil
		case "STARTS_WITH":
			return strings.HasPrefix(value, search), nil
		case "ENDS_WITH":
			return strings.HasSuffix(value, search), nil
		case "CONTAINS":
			return strings.Contains(value, search), nil
		}
		return false, fmt.Errorf("positional constraint %v is not modeled", b["PositionalConstraint"])
	case stmt["NotStatement"] != nil:
		m, err := wafMatch(stmt["NotStatement"].(map[string]any)["Statement"].(map[string]any), r)
		return !m, err
	case stmt["AndStatement"] != nil, stmt["OrStatement"] != nil:
		and := stmt["AndStatement"] != nil
		group := stmt["OrStatement"]
		if and {
			group = stmt["AndStatement"]
		}
		for _, s := range group.(map[string]any)["Statements"].([]any) {
			m, err := wafMatch(s.(map[string]any), r)
			if err != nil {
				return false, err
			}
			if m != and {
				return m, nil
			}
		}
		return and, nil
	}
	return false, fmt.Errorf("statement %v is not modeled", stmt)
}

// rateLimits are the limits of the rate-based rules that count a request: the rules whose
// scope-down statement matches it.
func rateLimits(t *testing.T, ruleJSON string, r wafRequest) map[string]float64 {
	t.Helper()
	var rules []struct {
		Name      string
		Statement map[string]any
		Action    map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(ruleJSON), &rules))
	out := map[string]float64{}
	for _, rule := range rules {
		rate, ok := rule.Statement["RateBasedStatement"].(map[string]any)
		if !ok {
			continue
		}
		require.Contains(t, rule.Action, "Block", "rate rule %s blocks", rule.Name)
		require.Equal(t, "IP", rate["AggregateKeyType"], "rate rule %s counts per client IP", rule.Name)
		counted := true
		if scope, ok := rate["ScopeDownStatement"].(map[string]any); ok {
			var err error
			counted, err = wafMatch(scope, r)
			require.NoError(t, err, "rule %s", rule.Name)
		}
		if counted {
			out[rule.Name] = rate["Limit"].(float64)
		}
	}
	return out
}

// TestWAFRateLimitsEveryPath sends the web ACL's rules the paths that must and must not be
// exempt from the general per-IP rate limit. Only the exact path Route 53's health checkers
// request (/v1/health on the stage's own hostname) is exempt, and it has its own, more generous,
// per-IP limit: nothing is unlimited, and a path merely ending in /health is limited like any
// other. Generous means room for the checkers: each requests the path once per request interval
// (30 s) from each of its IPs, 10 requests per 5-minute window, so the health limit allows ten
// times that.
func TestWAFRateLimitsEveryPath(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		general := float64(s.configInt(t, "wafRateLimit"))
		for _, region := range s.regions(t) {
			acl, err := s.graph.Named(webACLType, region+"-edge-waf")
			require.NoError(t, err)
			rules := acl.Inputs["ruleJson"].(string)
			limited := []string{
				"/v1/products", "/v1/products/health", "/v1/orders/health", "/v1/x/health", "/health",
				"/v1/health/", "/v1/HEALTH", "/v1//health", "/v1/%68ealth", "/v1/products/p1/health",
			}
			for _, path := range limited {
				limits := rateLimits(t, rules, wafRequest{path: path})
				assert.Equal(t, map[string]float64{"RateLimitPerClientIP": general}, limits, "%s %s is rate limited like any path", region, path)
			}
			limits := rateLimits(t, rules, wafRequest{path: "/v1/health"})
			assert.NotContains(t, limits, "RateLimitPerClientIP", "%s: Route 53's checkers are not blocked by the general limit", region)
			require.Len(t, limits, 1, "%s: /v1/health has its own rate limit, %v", region, limits)
			for name, limit := range limits {
				assert.GreaterOrEqual(t, limit, float64(100), "%s: %s leaves the health checkers ten times what they send", region, name)
			}
		}
	})
}
