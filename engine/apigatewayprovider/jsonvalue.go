package apigatewayprovider

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // the component names and versions with a SHA-1 prefix; not a security use
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// The component builds its definition as a JavaScript object and serializes it with JSON.stringify
// once every Output in it has resolved. The values here are that object: string, float64, bool, nil
// (JSON null), []any, *object, or unknown (an Output that is unknown during a preview). A key that
// JavaScript would hold as undefined is simply not set: JSON.stringify drops it.

// object is a JSON object that keeps JavaScript's key order: first assignment decides a key's
// position; assigning again replaces the value in place.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

func (o *object) set(key string, v any) *object {
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
	return o
}

func (o *object) get(key string) (any, bool) {
	v, ok := o.vals[key]
	return v, ok
}

// child returns the object under key, creating it when absent (the component's `x = x || {}`).
func (o *object) child(key string) *object {
	if c, ok := o.vals[key].(*object); ok {
		return c
	}
	c := newObject()
	o.set(key, c)
	return c
}

// unknownValue is a value that is not known yet: during a preview, an output of a resource the
// deployment has not created.
type unknownValue struct{}

var unknown any = unknownValue{}

// isKnown reports whether v, and everything in it, is known.
func isKnown(v any) bool {
	switch v := v.(type) {
	case unknownValue:
		return false
	case []any:
		for _, e := range v {
			if !isKnown(e) {
				return false
			}
		}
	case *object:
		for _, k := range v.keys {
			if !isKnown(v.vals[k]) {
				return false
			}
		}
	}
	return true
}

// stringify is JSON.stringify of v; ok is false when v holds an unknown (a preview's Output of it
// is unknown too).
func stringify(v any) (s string, ok bool, err error) {
	if !isKnown(v) {
		return "", false, nil
	}
	var buf bytes.Buffer
	if err := encode(&buf, v); err != nil {
		return "", false, err
	}
	return buf.String(), true, nil
}

func encode(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case float64:
		// JSON.stringify writes NaN and the infinities as null; integers without a fraction.
		if math.IsNaN(v) || math.IsInf(v, 0) {
			buf.WriteString("null")
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.Write(b)
	case string:
		return encodeString(buf, v)
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encode(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case *object:
		buf.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeString(buf, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := encode(buf, v.vals[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("definition: no JSON form for %T", v)
	}
	return nil
}

// encodeString writes s as JSON.stringify does: unlike Go's default, '<', '>' and '&' stay as they
// are. (Go still escapes U+2028 and U+2029, which JSON.stringify leaves; both parse the same.)
func encodeString(buf *bytes.Buffer, s string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}

// sha1hash is the component's short hash (apigateway/utils.ts, sha1hash): the first 8 hex digits of
// the SHA-1 of s. It names Lambda permissions and versions deployments.
func sha1hash(s string) string {
	sum := sha1.Sum([]byte(s)) //nolint:gosec // see import
	return hex.EncodeToString(sum[:])[:8]
}
