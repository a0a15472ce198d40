package shop

import (
	"crypto/rand"
	"encoding/hex"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength bounds every identifier that comes from outside.
const MaxIDLength = 64

// NewID returns a random 32-character identifier for products and orders.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id is a usable identifier: 1–64 characters of
// letters, digits, '-' and '_'. IDs are opaque otherwise.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// CheckID returns an EINVALID error naming what when id is not a ValidID.
func CheckID(what, id string) error {
	if !ValidID(id) {
		return Errorf(EINVALID, "%s must be 1 to %d characters of letters, digits, '-' or '_'", what, MaxIDLength)
	}
	return nil
}

// Text kinds for checkText.
const (
	oneLine   = false // a name: no line breaks or tabs
	multiLine = true  // a description: newlines and tabs allowed
)

// checkText validates a free-text field: valid UTF-8, between min and max characters, no
// control characters (C0 but newline and tab in multi-line text, DEL, C1), no line or
// paragraph separators in one-line text, and no bidi controls, which make text display in
// another order than it reads (unicode.Bidi_Control).
func checkText(field, s string, min, max int, lines bool) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s must be valid UTF-8", field)
	}
	n := utf8.RuneCountInString(s)
	if n < min || n > max {
		if min > 0 {
			return Errorf(EINVALID, "%s must be %d to %d characters", field, min, max)
		}
		return Errorf(EINVALID, "%s must be at most %d characters", field, max)
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if !lines {
				return Errorf(EINVALID, "%s must be one line: no newlines, tabs or other control characters", field)
			}
		case r < 0x20 || r >= 0x7f && r <= 0x9f || r == utf8.RuneError:
			return Errorf(EINVALID, "%s must not contain control characters", field)
		case r == '\u2028' || r == '\u2029':
			if !lines {
				return Errorf(EINVALID, "%s must be one line: no line or paragraph separators", field)
			}
		case unicode.Is(unicode.Bidi_Control, r):
			return Errorf(EINVALID, "%s must not contain bidi control characters (U+%04X)", field, r)
		}
	}
	return nil
}
