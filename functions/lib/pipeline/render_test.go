package pipeline

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract"
)

// snsAccepts is what SNS's Publish requires of a subject (API reference, PublishInput.Subject):
// UTF-8 text with no line breaks or control characters, less than 100 characters long. Whether
// SNS counts characters or bytes is not stated, so this stand-in counts bytes, the stricter
// reading; it also refuses bidi controls, which would make an admin misread the alert.
func snsAccepts(t *testing.T, s string) {
	t.Helper()
	require.True(t, utf8.ValidString(s), "subject %q is not valid UTF-8", s)
	assert.NotEmpty(t, strings.TrimSpace(s), "empty subject")
	assert.Less(t, len(s), 100, "subject %q is %d bytes", s, len(s))
	for _, r := range s {
		assert.False(t, unicode.IsControl(r) || r == '\u2028' || r == '\u2029', "subject %q holds control or line-break character %U", s, r)
		assert.False(t, isBidiControl(r), "subject %q holds bidi control %U", s, r)
	}
}

func isBidiControl(r rune) bool {
	return r == '\u061c' || r == '\u200e' || r == '\u200f' || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// TestStockAlertSubjects: whatever a product's name holds (names stored before validation
// refused such characters included), the alert's subject is one SNS accepts and still names
// the product.
func TestStockAlertSubjects(t *testing.T) {
	for name, product := range map[string]string{
		"plain":               "Teapot",
		"newline":             "Tea\npot",
		"carriage return":     "Tea\r\npot",
		"tab":                 "Tea\tpot",
		"NUL and DEL":         "Tea\x00pot\x7f",
		"C1 next line":        "Tea\u0085pot",
		"C1 CSI":              "Tea\u009b31mpot",
		"line separator":      "Tea\u2028pot",
		"right-to-left":       "\u202eTeapot",
		"isolates":            "\u2066Tea\u2069pot\u200f",
		"invalid UTF-8":       "Tea\xffpot",
		"long ASCII":          strings.Repeat("Teapot ", 40),
		"long two-byte runes": strings.Repeat("é", 200),
		"long three-byte":     strings.Repeat("茶", 200),
		"long four-byte":      strings.Repeat("🫖", 200),
		"only controls":       "\n\t\u202e",
	} {
		t.Run(name, func(t *testing.T) {
			ev := Event{Type: TypeStockLow, Detail: &StockLow{EventID: "e1", ProductID: "seed-teapot", Name: product, Stock: 4, Threshold: 5}}
			m, ok, err := StockAlert(ev)
			require.NoError(t, err)
			require.True(t, ok)
			snsAccepts(t, m.Subject)
			assert.Contains(t, m.Subject, "seed-teapot", "the subject names the product")
			assert.Contains(t, m.Subject, "4 left", "the subject says how many are left")
		})
	}
	m, _, _ := StockAlert(Event{Type: TypeStockLow, Detail: &StockLow{EventID: "e1", ProductID: "p1", Name: "Teapot", Stock: 4, Threshold: 5}})
	assert.Equal(t, "Low stock: Teapot (p1) has 4 left, threshold 5", m.Subject, "a plain name is unchanged")
}

// TestOrderSubjects: order subjects hold an id the shop generated, but are held to the
// same rules, including the longest id a path accepts.
func TestOrderSubjects(t *testing.T) {
	for _, id := range []string{"o1", strings.Repeat("a", 64)} {
		m, ok, err := CustomerNotification(Event{Type: TypeOrderPlaced, Detail: &OrderPlaced{EventID: "e", OrderID: id}})
		require.NoError(t, err)
		require.True(t, ok)
		snsAccepts(t, m.Subject)
	}
}

// Every consumer the stack declares has its rendering, and nothing else does: a consumer without
// one would fail its Lambda's init and make dev's pipeline.
func TestRendersCoverEveryConsumer(t *testing.T) {
	var names []string
	for _, c := range contract.Consumers {
		names = append(names, c.Name)
		assert.Contains(t, contract.Lambdas, c.Name)
	}
	var rendered []string
	for name := range Renders {
		rendered = append(rendered, name)
	}
	assert.ElementsMatch(t, names, rendered)
}
