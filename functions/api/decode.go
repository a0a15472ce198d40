package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"shopstack/functions/shop"
)

// MaxBodyBytes bounds a request body; API Gateway allows far more, the API needs far less.
const MaxBodyBytes = 16 << 10

// Decode parses a JSON request body into a T: exactly one JSON object, no unknown
// fields, values of the declared types. Every failure is an EINVALID error whose message
// says what to fix. It does not apply the body type's Validate rules.
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
	if err := dec.Decode(&v); err != nil {
		return v, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, shop.Errorf(shop.EINVALID, "request body must contain a single JSON object and nothing after it")
	}
	return v, nil
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
