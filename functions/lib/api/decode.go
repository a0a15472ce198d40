package api

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"shopstack/contract/routes"
	"shopstack/functions/lib/shop"
)

// MaxBodyBytes bounds a request body (contract/routes).
const MaxBodyBytes = routes.MaxBodyBytes

// Decode parses a JSON request body into a T: exactly one JSON object, no unknown
// fields, values of the declared types. Keys must match the json names exactly, as the
// OpenAPI document and API Gateway's validator require, where encoding/json alone would
// accept any case. Every failure is an EINVALID error whose message says what to fix.
// It does not apply the body type's Validate rules.
func Decode[T any](body string, base64Encoded bool) (T, error) {
	var v T
	if base64Encoded {
		if base64.StdEncoding.DecodedLen(len(body)) > MaxBodyBytes+3 {
			return v, tooLarge()
		}
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return v, shop.Errorf(shop.EINVALID, "request body is marked base64-encoded but is not valid base64")
		}
		body = string(b)
	}
	if len(body) > MaxBodyBytes {
		return v, tooLarge()
	}
	if strings.TrimSpace(body) == "" {
		return v, shop.Errorf(shop.EINVALID, "request body is empty; send a JSON object")
	}
	if strings.TrimSpace(body)[0] != '{' {
		return v, shop.Errorf(shop.EINVALID, "request body must be a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&v)
	if err != nil && notJSON(err) {
		return v, decodeError(err)
	}
	// The value is valid JSON now (encoding/json scans all of it before it unmarshals);
	// a wrong key goes before a type error, which would name the field it was taken for.
	if path, ok := checkKeys(body, reflect.TypeFor[T]()); !ok {
		return v, shop.Errorf(shop.EINVALID, "request body has unknown field %q", path)
	}
	if err != nil {
		return v, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, shop.Errorf(shop.EINVALID, "request body must contain a single JSON object and nothing after it")
	}
	return v, nil
}

// checkKeys walks the JSON value at the start of s, which must be valid JSON, beside the
// type t it decodes into, and returns the dotted path of the first object key that is not
// exactly the name of a field of its struct (ok false). It allocates only to unescape a
// key or to report one.
func checkKeys(s string, t reflect.Type) (path string, ok bool) {
	w := keyWalker{s: s}
	return w.value(planFor(t))
}

// keyPlan is what the key check needs of a Go type: the fields of a struct by exact
// name, the element of a map, slice or array. A nil plan, or one of another kind,
// skips the value: a scalar, an interface, or a type that decodes itself.
type keyPlan struct {
	kind   reflect.Kind
	fields map[string]*keyPlan
	elem   *keyPlan
}

// plans holds planFor's answer per request type: they are few, and reflection is slow.
var plans sync.Map

func planFor(t reflect.Type) *keyPlan {
	if p, ok := plans.Load(t); ok {
		return p.(*keyPlan)
	}
	p := buildPlan(t, map[reflect.Type]*keyPlan{})
	plans.Store(t, p)
	return p
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// buildPlan follows encoding/json's rules: pointers are followed, UnmarshalJSON and
// UnmarshalText decide for themselves, a field is named by its json tag, else by its Go
// name, and an untagged embedded struct promotes its fields.
func buildPlan(t reflect.Type, built map[reflect.Type]*keyPlan) *keyPlan {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if p, ok := built[t]; ok {
		return p // a recursive type
	}
	if pt := reflect.PointerTo(t); t.Kind() == reflect.Interface || pt.Implements(unmarshalerType) || pt.Implements(textUnmarshalerType) {
		return nil
	}
	p := &keyPlan{kind: t.Kind()}
	built[t] = p
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
		p.elem = buildPlan(t.Elem(), built)
	case reflect.Struct:
		p.fields = map[string]*keyPlan{}
		addFields(p.fields, t, built, map[reflect.Type]bool{})
	}
	return p
}

func addFields(fields map[string]*keyPlan, t reflect.Type, built map[reflect.Type]*keyPlan, embeddedIn map[reflect.Type]bool) {
	embeddedIn[t] = true
	var embedded []reflect.Type
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if ft := sf.Type; sf.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields[name] = buildPlan(sf.Type, built)
	}
	for _, e := range embedded {
		if embeddedIn[e] {
			continue
		}
		promoted := map[string]*keyPlan{}
		addFields(promoted, e, built, embeddedIn)
		for name, p := range promoted {
			if _, shadowed := fields[name]; !shadowed {
				fields[name] = p
			}
		}
	}
}

// keyWalker is a cursor over valid JSON that reads only as much as the key check needs.
type keyWalker struct {
	s string
	i int
}

func (w *keyWalker) value(p *keyPlan) (string, bool) {
	w.space()
	switch {
	case p == nil || w.i >= len(w.s):
	case w.s[w.i] == '{' && (p.kind == reflect.Struct || p.kind == reflect.Map):
		return w.object(p)
	case w.s[w.i] == '[' && (p.kind == reflect.Slice || p.kind == reflect.Array):
		w.i++
		for w.space(); w.i < len(w.s) && w.s[w.i] != ']'; w.space() {
			if path, ok := w.value(p.elem); !ok {
				return path, false
			}
			if w.space(); w.i < len(w.s) && w.s[w.i] == ',' {
				w.i++
			}
		}
		w.i++
		return "", true
	}
	w.skip() // a scalar, a self-decoding type, or a type error encoding/json reports
	return "", true
}

func (w *keyWalker) object(p *keyPlan) (string, bool) {
	w.i++
	for w.space(); w.i < len(w.s) && w.s[w.i] == '"'; w.space() {
		key := w.key()
		if w.space(); w.i < len(w.s) && w.s[w.i] == ':' {
			w.i++
		}
		vp := p.elem
		if p.kind == reflect.Struct {
			var known bool
			if vp, known = p.fields[key]; !known {
				return key, false
			}
		}
		if path, ok := w.value(vp); !ok {
			return key + "." + path, false
		}
		if w.space(); w.i < len(w.s) && w.s[w.i] == ',' {
			w.i++
		}
	}
	w.i++ // '}'
	return "", true
}

// key reads an object key as encoding/json decodes it.
func (w *keyWalker) key() string {
	start := w.i
	w.skipString()
	raw := w.s[start+1 : max(start+1, w.i-1)]
	if strings.IndexByte(raw, '\\') < 0 && utf8.ValidString(raw) {
		return raw
	}
	var k string
	if json.Unmarshal([]byte(w.s[start:w.i]), &k) != nil {
		return raw
	}
	return k
}

func (w *keyWalker) skipString() {
	for w.i++; w.i < len(w.s); w.i++ {
		switch w.s[w.i] {
		case '\\':
			w.i++
		case '"':
			w.i++
			return
		}
	}
}

// skip moves past one value of any kind.
func (w *keyWalker) skip() {
	for depth := 0; w.i < len(w.s); {
		switch w.s[w.i] {
		case '"':
			w.skipString()
		case '{', '[':
			depth++
			w.i++
			continue
		case '}', ']':
			if depth == 0 {
				return
			}
			depth--
			w.i++
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return
			}
			w.i++
			continue
		default:
			w.i++
			continue
		}
		if depth == 0 {
			return
		}
	}
}

func (w *keyWalker) space() {
	for w.i < len(w.s) && (w.s[w.i] == ' ' || w.s[w.i] == '\t' || w.s[w.i] == '\n' || w.s[w.i] == '\r') {
		w.i++
	}
}

// notJSON reports whether encoding/json failed on the syntax, before it unmarshalled.
func notJSON(err error) bool {
	var syntax *json.SyntaxError
	return errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF)
}

func tooLarge() error {
	return shop.Errorf(shop.EINVALID, "request body is larger than %d bytes", MaxBodyBytes)
}

// decodeError explains an encoding/json error in terms of the request.
func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return shop.Errorf(shop.EINVALID, "request body is not valid JSON: %s at byte %d", strings.TrimPrefix(syntax.Error(), "invalid character "), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return shop.Errorf(shop.EINVALID, "request body is not valid JSON: it ends early")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return shop.Errorf(shop.EINVALID, "request body must be a JSON object")
		}
		return shop.Errorf(shop.EINVALID, "field %q must be %s (got %s)", typ.Field, kindName(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return shop.Errorf(shop.EINVALID, "request body has unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return shop.Errorf(shop.EINVALID, "request body is not valid JSON")
}

func kindName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case kind == "string":
		return "a string"
	case kind == "struct", kind == "map":
		return "an object"
	case kind == "slice", kind == "array":
		return "an array"
	case kind == "bool":
		return "true or false"
	case kind == "ptr":
		return "a value of another type"
	}
	return "of another type"
}

// queryInt parses an optional integer query parameter; 0 when absent.
func queryInt(q map[string]string, name string) (int, error) {
	s, ok := q[name]
	if !ok || s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, shop.Errorf(shop.EINVALID, "query parameter %s must be a positive integer", name)
	}
	return n, nil
}
