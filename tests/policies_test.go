package tests

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// topicWarning is the one advisory rule the environments may trip: it reports a real gap (events
// published that nobody reads) that only a product decision closes — who subscribes to the
// customer notifications, which addresses get stock alerts — so it is reported, not blocked.
const topicWarning = "stack_warn_sns_topic_without_subscriber"

// TestPoliciesPassEveryStack: the policy pack, as the engine's analyzer, reports no mandatory
// violation on any environment's update from empty state, and no advisory but the topics nobody
// reads: exactly those, so a new advisory (or one of these closed) shows here.
func TestPoliciesPassEveryStack(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		var lines []string
		var warned []string
		for _, v := range s.update.Violations {
			if v.Level == "advisory" && v.Rule == topicWarning {
				name, _, ok := strings.Cut(strings.TrimPrefix(v.Message, `SNS topic "`), `"`)
				require.True(t, ok, v.Message)
				warned = append(warned, name)
				continue
			}
			lines = append(lines, fmt.Sprintf("%s %s %s: %s", v.Level, v.Rule, v.URN, v.Message))
		}
		assert.Empty(t, lines, "violations:\n%s", strings.Join(lines, "\n"))

		// Each region's event pipeline (active in the writer region, standing by elsewhere) has a
		// customer topic with no subscriber anywhere and an admin topic with one per
		// stockAlertEmails address; each region's alarm topic has one per alarmEmails address.
		var want []string
		for _, region := range s.regions(t) {
			want = append(want, region+"-events-customer-topic")
			if emails(t, s, "stockAlertEmails") == 0 {
				want = append(want, region+"-events-admin-topic")
			}
			if emails(t, s, "alarmEmails") == 0 {
				want = append(want, region+"-alarms-topic")
			}
		}
		slices.Sort(want)
		slices.Sort(warned)
		assert.Equal(t, want, warned, "the topics nobody reads are reported")
	})
}

func emails(t *testing.T, s stackRun, key string) int {
	t.Helper()
	raw := s.config["shopstack:"+key]
	if raw == "" {
		return 0
	}
	var list []string
	require.NoError(t, json.Unmarshal([]byte(raw), &list))
	return len(list)
}
