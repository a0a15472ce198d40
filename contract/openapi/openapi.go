// Package openapi is the API's contract for frontend teams: it generates an OpenAPI 3.0.3
// document from the route table (contract/routes), the request and response Go types, and
// a small table of the bounds the decoders and the domain enforce. `make openapi` writes it
// to openapi.json; the local platform serves it at /openapi.json; the handler tests check
// every request and response against it; the stack can give API Gateway the same request
// schemas through RequestSchema.
//
// The package depends on the standard library and the route table only (no kin-openapi,
// no AWS SDK), so the stack can import it.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"shopstack/contract/routes"
)

// Version is the document's info.version; raise it when the contract changes incompatibly.
const Version = "1.0.0"

// Path is where the local platform serves the document.
const Path = "/openapi.json"

// File is where the committed document lives, relative to the repository root: `make openapi`
// writes it (the Makefile's OPENAPI) and `make client` generates the TypeScript client from it.
const File = "contract/openapi/openapi.json"

// SecurityScheme names the Cognito user pool scheme of protected routes.
const SecurityScheme = "cognito"

type document struct {
	OpenAPI    string              `json:"openapi"`
	Info       info                `json:"info"`
	Tags       []tag               `json:"tags"`
	Paths      map[string]pathItem `json:"paths"`
	Components components          `json:"components"`
}

type info struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Version     string `json:"version"`
}

type tag struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type pathItem map[string]*operationObject // keyed by lower-case method

type operationObject struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags"`
	Security    []map[string][]string `json:"security,omitempty"`
	Parameters  []parameter           `json:"parameters,omitempty"`
	RequestBody *requestBody          `json:"requestBody,omitempty"`
	Responses   map[string]response   `json:"responses"`
}

type parameter struct {
	Name        string `json:"name"`
	In          string `json:"in"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
	// AllowEmptyValue: the functions read an empty query value ("?limit=") as an absent one.
	AllowEmptyValue bool    `json:"allowEmptyValue,omitempty"`
	Schema          *Schema `json:"schema"`
}

type requestBody struct {
	Description string               `json:"description"`
	Required    bool                 `json:"required"`
	Content     map[string]mediaType `json:"content"`
}

type mediaType struct {
	Schema *Schema `json:"schema"`
}

type response struct {
	Ref         string               `json:"$ref,omitempty"`
	Description string               `json:"description,omitempty"`
	Headers     map[string]header    `json:"headers,omitempty"`
	Content     map[string]mediaType `json:"content,omitempty"`
}

type header struct {
	Description string  `json:"description"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

type components struct {
	Schemas         map[string]*Schema        `json:"schemas"`
	Responses       map[string]response       `json:"responses"`
	SecuritySchemes map[string]securityScheme `json:"securitySchemes"`
}

type securityScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	In          string `json:"in"`
	Description string `json:"description"`
	AuthType    string `json:"x-amazon-apigateway-authtype"`
}

const jsonType = "application/json"

var generated = sync.OnceValues(func() ([]byte, error) {
	doc, err := build(routes.All())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("openapi: encode: %w", err)
	}
	return buf.Bytes(), nil
})

// JSON returns the document, indented, ending in a newline; the same bytes on every call
// and every machine.
func JSON() ([]byte, error) {
	b, err := generated()
	return bytes.Clone(b), err
}

// RequestSchema returns the JSON schema (draft 4, as API Gateway models take it) of a
// route's request body, self-contained and titled with the Go type's name (letters only, a
// valid model name); false when the route takes no body. It is the schema the document
// gives the same body.
func RequestSchema(r routes.Route) (map[string]any, bool) {
	if r.Body == nil {
		return nil, false
	}
	t := reflect.TypeOf(r.Body)
	s, err := requestSchema(t, "")
	if err != nil {
		// The route table and bodyRules are static and TestRequestSchemas covers every route.
		panic(fmt.Sprintf("openapi: %s %s: %v", r.Method, r.Path, err))
	}
	s.Title = t.Name()
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("openapi: %s %s: %v", r.Method, r.Path, err))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("openapi: %s %s: %v", r.Method, r.Path, err))
	}
	m["$schema"] = "http://json-schema.org/draft-04/schema#"
	return m, true
}

// Serve answers GET and HEAD of Path with the document and passes every other request to
// next. The document carries no data, so any origin may read it.
func Serve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != Path || r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		b, err := generated()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", jsonType)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(b)
		}
	})
}

var tagDescriptions = map[string]string{
	routes.Catalog:  "Products: anyone reads, admins change.",
	routes.Cart:     "The signed-in customer's carts.",
	routes.Checkout: "Turning a cart into an order, once per Idempotency-Key.",
	routes.Orders:   "The signed-in customer's orders.",
	routes.Health:   "Region health for Route 53.",
}

// build assembles the document of a route table.
func build(table []routes.Route) (*document, error) {
	res := &responses{components: map[string]*Schema{}, owners: map[string]reflect.Type{}}
	doc := &document{
		OpenAPI: "3.0.3",
		Info: info{
			Title:   "shopstack API",
			Version: Version,
			Description: "The shopstack HTTP API, generated from the route table (functions/routes) and the Go types by `make openapi`. " +
				"The base URL is the stack output apiUrl (`make dev`: http://127.0.0.1:3001/). Amounts are integer minor units; times are UTC RFC 3339. " +
				"Request bodies are JSON objects of at most " + strconv.Itoa(routes.MaxBodyBytes) + " bytes with no unknown fields.",
		},
		Paths: map[string]pathItem{},
		Components: components{
			Schemas:   res.components,
			Responses: map[string]response{},
			SecuritySchemes: map[string]securityScheme{SecurityScheme: {
				Type: "apiKey", Name: "Authorization", In: "header", AuthType: "cognito_user_pools",
				Description: "The Cognito user pool's ID token (stack outputs userPoolId and userPoolClientId), sent as is: `Authorization: <id token>`.",
			}},
		},
	}
	errRef, err := res.schema(reflect.TypeFor[routes.ErrorBody]())
	if err != nil {
		return nil, err
	}
	seenTags := map[string]bool{}
	seenIDs := map[string]bool{}
	for _, r := range table {
		key := r.Method + " " + r.Path
		spec, ok := operations[key]
		if !ok {
			return nil, fmt.Errorf("openapi: route %s has no entry in operations", key)
		}
		if seenIDs[spec.id] {
			return nil, fmt.Errorf("openapi: route %s: operationId %s is taken", key, spec.id)
		}
		seenIDs[spec.id] = true
		op := &operationObject{OperationID: spec.id, Summary: r.Summary, Tags: []string{r.Function}, Responses: map[string]response{}}
		if !seenTags[r.Function] {
			seenTags[r.Function] = true
			doc.Tags = append(doc.Tags, tag{Name: r.Function, Description: tagDescriptions[r.Function]})
		}
		switch r.Access {
		case routes.SignedIn:
			op.Security = []map[string][]string{{SecurityScheme: {}}}
			op.Description = "Needs a signed-in user."
		case routes.Admin:
			op.Security = []map[string][]string{{SecurityScheme: {}}}
			op.Description = "Needs a signed-in member of the Cognito group \"admin\"."
		}
		if err := addParameters(op, r); err != nil {
			return nil, fmt.Errorf("openapi: route %s: %w", key, err)
		}
		if r.Body != nil {
			t := reflect.TypeOf(r.Body)
			s, err := requestSchema(t, "")
			if err != nil {
				return nil, fmt.Errorf("openapi: route %s: %w", key, err)
			}
			if other, ok := res.components[t.Name()]; ok && !reflect.DeepEqual(other, s) {
				return nil, fmt.Errorf("openapi: route %s: schema name %s is taken", key, t.Name())
			}
			res.components[t.Name()] = s
			op.RequestBody = &requestBody{
				Description: "A JSON object of at most " + strconv.Itoa(routes.MaxBodyBytes) + " bytes, with no other fields.",
				Required:    true,
				Content:     map[string]mediaType{jsonType: {Schema: &Schema{Ref: "#/components/schemas/" + t.Name()}}},
			}
		}
		if err := addResponses(op, r, spec, res, errRef, doc.Components.Responses); err != nil {
			return nil, fmt.Errorf("openapi: route %s: %w", key, err)
		}
		item := doc.Paths[r.Path]
		if item == nil {
			item = pathItem{}
			doc.Paths[r.Path] = item
		}
		item[strings.ToLower(r.Method)] = op
	}
	if len(seenIDs) != len(operations) {
		var extra []string
		for k, o := range operations {
			if !seenIDs[o.id] {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		return nil, fmt.Errorf("openapi: operations %s are not in the route table", strings.Join(extra, ", "))
	}
	return doc, nil
}

// addParameters declares the path parameters, query parameters and headers of r.
func addParameters(op *operationObject, r routes.Route) error {
	add := func(in, name string, rules map[string]rule) error {
		rule, ok := rules[name]
		if !ok {
			return fmt.Errorf("%s parameter %q has no rule", in, name)
		}
		s := &Schema{Type: rule.paramType()}
		if err := rule.apply(s); err != nil {
			return fmt.Errorf("%s parameter %q: %w", in, name, err)
		}
		p := parameter{Name: name, In: in, Description: s.Description, Required: in == "path" || rule.required, AllowEmptyValue: in == "query", Schema: s}
		s.Description = ""
		op.Parameters = append(op.Parameters, p)
		return nil
	}
	for _, name := range r.Params() {
		if err := add("path", name, paramRules); err != nil {
			return err
		}
	}
	for _, name := range r.Query {
		if err := add("query", name, queryRules); err != nil {
			return err
		}
	}
	for _, name := range r.Headers {
		if err := add("header", name, headerRules); err != nil {
			return err
		}
	}
	return nil
}

// Errors any route of a kind can give, shared through components.responses.
var (
	badRequest   = answer{status: 400, ref: "BadRequest", why: "The request breaks a rule of this document (API Gateway's validator or the function rejects it) or one the function checks; error.message says which."}
	unauthorized = answer{status: 401, ref: "Unauthorized", why: "No valid Cognito ID token in Authorization."}
	notAdmin     = answer{status: 403, ref: "NotAdmin", why: "The caller is not in the Cognito group \"admin\"."}
	throttled    = answer{status: 429, ref: "Throttled", why: "API Gateway throttled the request; retry with backoff."}
	internal     = answer{status: 500, ref: "InternalError", why: "An unexpected failure; error.message carries the request id to report."}
	unavailable  = answer{status: 503, ref: "Unavailable", why: "The database is throttling, unreachable or cut the answer off; retry after Retry-After seconds (a checkout with the same Idempotency-Key).", retryAfter: true}
	timedOut     = answer{status: 504, ref: "Timeout", why: "The database did not answer before the function's deadline; retry after Retry-After seconds (a checkout with the same Idempotency-Key).", retryAfter: true}
)

// addResponses documents every status r can answer: its success, the errors derived from
// what the route takes and who may call it, and the route's own answers.
func addResponses(op *operationObject, r routes.Route, spec operation, res *responses, errRef *Schema, shared map[string]response) error {
	requestID := header{Description: "The request id, also in the function's logs.", Schema: &Schema{Type: "string"}}
	withID := func(required bool) map[string]header {
		h := requestID
		h.Required = required
		return map[string]header{"X-Request-Id": h}
	}
	success, err := res.schema(reflect.TypeOf(spec.body))
	if err != nil {
		return err
	}
	ok := response{Description: http.StatusText(spec.status), Headers: withID(true), Content: map[string]mediaType{jsonType: {Schema: success}}}
	if spec.status == http.StatusCreated {
		ok.Headers["Location"] = header{Description: "Path of the created resource.", Required: true, Schema: &Schema{Type: "string"}}
	}
	if r.Method == "POST" && r.Path == "/orders" {
		ok.Description = "The order; the same order again when the Idempotency-Key was used before."
		ok.Headers["Idempotent-Replayed"] = header{Description: "\"true\" when this answer replays an earlier checkout with the same key.", Schema: &Schema{Type: "string", Enum: []any{"true"}}}
	}
	op.Responses[strconv.Itoa(spec.status)] = ok

	var derived []answer
	if len(r.Params()) > 0 || len(r.Query) > 0 || len(r.Headers) > 0 || r.Body != nil {
		derived = append(derived, badRequest)
	}
	if r.Access != routes.Public {
		derived = append(derived, unauthorized)
	}
	if r.Access == routes.Admin {
		derived = append(derived, notAdmin)
	}
	derived = append(derived, throttled, internal, unavailable, timedOut)
	for _, a := range append(derived, spec.answers...) { // route answers come last and win
		schema := errRef
		if a.body != nil {
			if schema, err = res.schema(reflect.TypeOf(a.body)); err != nil {
				return err
			}
		}
		// Only the functions' own answers are sure to carry X-Request-Id; API Gateway's
		// errors (its validator, authorizer, throttling) do not.
		resp := response{Description: a.why, Headers: withID(a.body != nil), Content: map[string]mediaType{jsonType: {Schema: schema}}}
		if a.retryAfter {
			resp.Headers["Retry-After"] = header{Description: "Seconds to wait before retrying.", Required: true, Schema: &Schema{Type: "integer"}}
		}
		if a.ref != "" {
			shared[a.ref] = resp
			resp = response{Ref: "#/components/responses/" + a.ref}
		}
		op.Responses[strconv.Itoa(a.status)] = resp
	}
	return nil
}

// Operations lists the operations of an OpenAPI document as "METHOD /path", sorted: what the
// client's usage file, the /docs page and the Bruno and Postman imports are each checked against.
func Operations(doc []byte) ([]string, error) {
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("openapi: operations: %w", err)
	}
	var ops []string
	for path, item := range d.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				ops = append(ops, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(ops)
	return ops, nil
}
