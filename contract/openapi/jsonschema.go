package openapi

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Schema is the subset of JSON Schema that both OpenAPI 3.0 and API Gateway's draft-4
// models accept. Its JSON encoding is deterministic: fields in declaration order, map keys
// sorted.
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Title                string             `json:"title,omitempty"`
	Description          string             `json:"description,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *bool              `json:"additionalProperties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Minimum              *int64             `json:"minimum,omitempty"`
	Maximum              *int64             `json:"maximum,omitempty"`
	MinLength            *int               `json:"minLength,omitempty"`
	MaxLength            *int               `json:"maxLength,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	Not                  *Schema            `json:"not,omitempty"`
}

var (
	timeType = reflect.TypeFor[time.Time]()
	closed   = false
)

// field is one JSON property of a struct.
type field struct {
	name      string
	typ       reflect.Type
	omitEmpty bool
}

// fields lists the JSON properties of struct type t the way encoding/json sees them.
func fields(t reflect.Type) []field {
	var fs []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fs = append(fs, field{name: name, typ: f.Type, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	return fs
}

// responses reflects response types into components: every named struct becomes a
// component referenced by $ref; every property is required unless it is omitempty; no
// other property is allowed, so a handler that adds a field breaks the contract tests
// until the document says so.
type responses struct {
	components map[string]*Schema
	owners     map[string]reflect.Type
}

func (r *responses) schema(t reflect.Type) (*Schema, error) {
	if enum, ok := enums[t]; ok {
		return &Schema{Type: "string", Enum: enum}, nil
	}
	switch {
	case t == timeType:
		return &Schema{Type: "string", Format: "date-time"}, nil
	case t.Kind() == reflect.Pointer:
		return r.schema(t.Elem())
	case t.Kind() == reflect.String:
		return &Schema{Type: "string"}, nil
	case t.Kind() == reflect.Bool:
		return &Schema{Type: "boolean"}, nil
	case isInt(t):
		return &Schema{Type: "integer"}, nil
	case t.Kind() == reflect.Slice:
		items, err := r.schema(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Schema{Type: "array", Items: items}, nil
	case t.Kind() == reflect.Struct && t.Name() != "":
		return r.component(t)
	}
	return nil, fmt.Errorf("response type %s: no schema for kind %s", t, t.Kind())
}

func (r *responses) component(t reflect.Type) (*Schema, error) {
	ref := &Schema{Ref: "#/components/schemas/" + t.Name()}
	if owner, ok := r.owners[t.Name()]; ok {
		if owner != t {
			return nil, fmt.Errorf("schema name %s: both %s and %s", t.Name(), owner, t)
		}
		return ref, nil
	}
	r.owners[t.Name()] = t
	s := &Schema{Type: "object", Properties: map[string]*Schema{}, AdditionalProperties: &closed, Description: descriptions[t]}
	for _, f := range fields(t) {
		p, err := r.schema(f.typ)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name(), f.name, err)
		}
		s.Properties[f.name] = p
		if !f.omitEmpty {
			s.Required = append(s.Required, f.name)
		}
	}
	r.components[t.Name()] = s
	return ref, nil
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// requestSchema reflects a request body type into a self-contained schema (no $ref, as
// API Gateway models need) with the bounds of bodyRules. Every property must have a rule,
// so a new request field cannot reach the document without its bounds.
func requestSchema(t reflect.Type, prefix string) (*Schema, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("request body %s: a JSON object must be a struct, not %s", t, t.Kind())
	}
	s := &Schema{Type: "object", Properties: map[string]*Schema{}, AdditionalProperties: &closed}
	for _, f := range fields(t) {
		path := prefix + f.name
		rule, ok := bodyRules[path]
		if !ok {
			return nil, fmt.Errorf("request body %s: field %q has no rule in bodyRules", t, path)
		}
		ft := f.typ
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		var p *Schema
		switch {
		case ft.Kind() == reflect.Struct:
			nested, err := requestSchema(ft, path+".")
			if err != nil {
				return nil, err
			}
			p = nested
		case ft.Kind() == reflect.String:
			p = &Schema{Type: "string"}
		case isInt(ft):
			p = &Schema{Type: "integer"}
		case ft.Kind() == reflect.Bool:
			p = &Schema{Type: "boolean"}
		default:
			return nil, fmt.Errorf("request body %s: field %q: no schema for kind %s", t, path, ft.Kind())
		}
		if err := rule.apply(p); err != nil {
			return nil, fmt.Errorf("request body %s: field %q: %w", t, path, err)
		}
		s.Properties[f.name] = p
		if rule.required {
			s.Required = append(s.Required, f.name)
		}
	}
	return s, nil
}
