package apigatewayprovider

import (
	"errors"
	"fmt"
	"strings"
)

// This file is the pure half of the stand-in: from RestAPI's inputs, once resolved, to the Swagger
// definition the component gives its REST API and the Lambda permissions it creates. Every
// behaviour cites where pulumi-aws-apigateway v2.6.1 does it, under
// provider/cmd/pulumi-resource-aws-apigateway/ (api.ts below means apigateway/api.ts there).

// Spec is what the definition is generated from.
type Spec struct {
	// Title is the component's name: createAPI titles the definition with it (api.ts, createAPI and
	// createSwaggerSpec) and names the REST API after it.
	Title  string
	Routes []*Route
	// GatewayResponses are the gatewayResponses input, by response type, in the order the component
	// sees the keys (sorted: the Node runtime reads a protobuf Struct, whose map it walks sorted).
	GatewayResponses []GatewayResponse
	// RequestValidator is the API-level requestValidator input; "" when not set.
	RequestValidator string
	// APIKeySource is the apiKeySource input; "" when not set.
	APIKeySource string
	// BinaryMediaTypes is the binaryMediaTypes input as a JSON array; nil when not set.
	BinaryMediaTypes []any
	// Region is the provider's region (a string, or unknown): the component asks the aws provider
	// with getRegion (apigateway/utils.ts, getRegion).
	Region any
}

// GatewayResponse is one entry of gatewayResponses; Value is its JSON object.
type GatewayResponse struct {
	Type  string
	Value any
}

// RouteKind is which of the component's route shapes a route is, tested in the component's order
// (api.ts, createSwaggerSpec: isEventHandler, isStaticRoute, isIntegrationRoute, isRawDataRoute).
type RouteKind int

const (
	EventHandlerRoute RouteKind = iota + 1
	TargetRoute
	DataRoute
)

// Route is one element of the routes input.
type Route struct {
	Kind   RouteKind
	Path   string
	Method string // as given, e.g. "GET"; "" when not set

	Function *Function // EventHandlerRoute
	Target   *Target   // TargetRoute
	Data     any       // DataRoute: the raw operation object

	// HasAuthorizers is whether the route has an authorizers array at all: the component acts on an
	// empty one too (an empty security list).
	HasAuthorizers     bool
	Authorizers        []*Authorizer
	RequiredParameters []Parameter
	RequestValidator   string
	IAMAuthEnabled     bool
	APIKeyRequired     bool
}

// Function is the Lambda an eventHandler route invokes.
type Function struct {
	URN string
	ID  string // "" when not known yet
	ARN any    // string, or unknown
}

// Target is an integration route's target; a nil field is one the route does not set.
type Target struct {
	Type, URI, ConnectionType, ConnectionID, PassthroughBehavior any
}

// Authorizer is a Cognito user pools authorizer (the only kind this stand-in models).
type Authorizer struct {
	Name               string // "" when not set: the component generates one
	ParameterName      any    // string, or nil when not set
	ProviderARNs       []any
	IdentitySource     []string // nil when not set
	MethodsToAuthorize []string
	// Raw is the whole authorizer as the component sees it, to compare two of the same name.
	Raw any
}

// Parameter is one of a route's requiredParameters; nil fields are unset.
type Parameter struct {
	Name, In any
}

// Permission is a Lambda permission the component creates for one method of one path.
type Permission struct {
	Path, Method string
	Function     *Function
}

// MethodAndPath is how the component keys a permission: the method, or "*" for ANY, then the path
// (api.ts, createLambdaPermissions).
func (p Permission) MethodAndPath() string {
	m := p.Method
	if m == "ANY" {
		m = "*"
	}
	return m + p.Path
}

// Name is the permission's logical name: the API's name, "-", the short hash of MethodAndPath
// (api.ts, createLambdaPermissions).
func (p Permission) Name(api string) string {
	return api + "-" + sha1hash(p.MethodAndPath())
}

// Definition is the generated Swagger document and the permissions its eventHandler routes need.
type Definition struct {
	Doc         *object
	Permissions []Permission
}

// JSON is the document as the REST API's body; ok is false when part of it is not known yet.
func (d *Definition) JSON() (body string, ok bool, err error) {
	return stringify(d.Doc)
}

// Integration and authorizer constants the component writes (api.ts).
const (
	anyMethod           = "x-amazon-apigateway-any-method"
	integrationKey      = "x-amazon-apigateway-integration"
	requestValidatorKey = "x-amazon-apigateway-request-validator"
	cognitoAuthType     = "cognito_user_pools"
	apiKeyDefinition    = "api_key"
)

// Generate builds the definition as the component's createSwaggerSpec does (api.ts).
func Generate(spec *Spec) (*Definition, error) {
	if name := duplicateAuthorizer(spec.Routes); name != "" {
		// api.ts, checkDuplicateAuthorizer: the component refuses two authorizers that share a name
		// but differ in any field.
		return nil, fmt.Errorf("routes: two authorizers are named %q but are configured differently", name)
	}

	g := &generator{spec: spec, lambdas: newObject()}
	doc := newObject()
	g.doc = doc
	doc.set("swagger", "2.0")
	doc.set("info", newObject().set("title", spec.Title).set("version", "1.0"))
	doc.set("paths", newObject())
	// createAPI: binaryMediaTypes defaults to every type.
	media := spec.BinaryMediaTypes
	if media == nil {
		media = []any{"*/*"}
	}
	doc.set("x-amazon-apigateway-binary-media-types", media)
	doc.set("x-amazon-apigateway-gateway-responses", gatewayResponses(spec.GatewayResponses))
	source := spec.APIKeySource
	if source == "" {
		source = "HEADER" // createSwaggerSpec: the API key source defaults to HEADER
	}
	doc.set("x-amazon-apigateway-api-key-source", source)
	// createSwaggerSpec: the validator definitions are written only when the API-level validator is
	// set; a route-level requestValidator alone names a validator the document does not define
	// (pulumi-aws-apigateway issue 424).
	if spec.RequestValidator != "" {
		validators := newObject()
		for _, v := range []struct {
			name         string
			body, params bool
		}{{"ALL", true, true}, {"BODY_ONLY", true, false}, {"PARAMS_ONLY", false, true}} {
			validators.set(v.name, newObject().set("validateRequestBody", v.body).set("validateRequestParameters", v.params))
		}
		doc.set("x-amazon-apigateway-request-validators", validators)
		doc.set(requestValidatorKey, spec.RequestValidator)
	}

	for i, r := range spec.Routes {
		var err error
		switch r.Kind {
		case EventHandlerRoute:
			err = g.eventHandlerRoute(r)
		case TargetRoute:
			err = g.targetRoute(r)
		case DataRoute:
			err = g.dataRoute(r)
		default:
			err = errors.New("not an eventHandler, target or data route")
		}
		if err != nil {
			return nil, fmt.Errorf("routes[%d] %s: %w", i, r.Path, err)
		}
	}

	def := &Definition{Doc: doc}
	// createLambdaPermissions walks the path → method → Lambda map in insertion order.
	for _, path := range g.lambdas.keys {
		methods := g.lambdas.vals[path].(*object)
		for _, m := range methods.keys {
			def.Permissions = append(def.Permissions, Permission{Path: path, Method: m, Function: methods.vals[m].(*Function)})
		}
	}
	return def, nil
}

type generator struct {
	spec    *Spec
	doc     *object
	lambdas *object // path → method → *Function, as the component's swaggerLambdas map
	// apiKeyDefined is whether "api_key" in securityDefinitions is the component's own API key
	// definition (api.ts, addAPIkeyToSecurityDefinitions compares by identity).
	apiKeyDefined bool
}

// gatewayResponses are the given responses plus the component's two defaults, each added only when
// the caller did not set that response type (api.ts, generateGatewayResponses): a missing
// authentication token and access denied both answer 404, so an unknown path looks the same as a
// forbidden one.
func gatewayResponses(given []GatewayResponse) *object {
	out := newObject()
	for _, r := range given {
		out.set(r.Type, r.Value)
	}
	for _, kind := range []string{"MISSING_AUTHENTICATION_TOKEN", "ACCESS_DENIED"} {
		if v, ok := out.get(kind); ok && truthy(v) {
			continue
		}
		out.set(kind, newObject().
			set("statusCode", float64(404)).
			set("responseTemplates", newObject().set("application/json", `{"message": "404 Not found" }`)))
	}
	return out
}

// swaggerMethod is the definition's key for a route method (api.ts, swaggerMethod): lower case, or
// the any-method extension for ANY; anything else is refused.
func swaggerMethod(method string) (string, error) {
	switch m := strings.ToLower(method); m {
	case "get", "put", "post", "delete", "options", "head", "patch":
		return m, nil
	case "any":
		return anyMethod, nil
	default:
		return "", fmt.Errorf("method %q is not supported", method)
	}
}

// eventHandlerRoute is api.ts, addEventHandlerRouteToSwaggerSpec: a Lambda proxy integration, POST
// to the function's invocation path in the provider's region, and the function remembered for its
// permission.
func (g *generator) eventHandlerRoute(r *Route) error {
	if r.Function == nil {
		return errors.New("route is missing its eventHandler")
	}
	if r.Method == "" {
		return errors.New("route is missing its method")
	}
	method, err := swaggerMethod(r.Method)
	if err != nil {
		return err
	}
	uri := unknown
	if region, ok := g.spec.Region.(string); ok {
		if arn, ok := r.Function.ARN.(string); ok {
			uri = "arn:aws:apigateway:" + region + ":lambda:path/2015-03-31/functions/" + arn + "/invocations"
		}
	}
	op := newObject().set(integrationKey, newObject().
		set("uri", uri).
		set("passthroughBehavior", "when_no_match").
		set("httpMethod", "POST").
		set("type", "aws_proxy"))
	if err := g.baseOptions(op, r); err != nil {
		return err
	}
	g.doc.child("paths").child(r.Path).set(method, op)
	g.lambdas.child(r.Path).set(r.Method, r.Function)
	return nil
}

// targetRoute is api.ts, addIntegrationRouteToSwaggerSpec: whatever the route's method, two ANY
// operations, on path + "/" and on path + "/{proxy+}", whose integration URI is the target's URI
// with a trailing "/" and, on the second, "{proxy}". The integration's httpMethod is always ANY;
// type defaults to http_proxy and passthroughBehavior to when_no_match.
func (g *generator) targetRoute(r *Route) error {
	t := r.Target
	if t == nil {
		return errors.New("route is missing its target")
	}
	uri, ok := t.URI.(string)
	if !ok && t.URI != unknown {
		// The component calls endsWith on the URI: without one it fails.
		return errors.New("target has no uri")
	}
	path := r.Path
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	for _, proxy := range []bool{false, true} {
		opURI := unknown
		if ok {
			u := uri
			if !strings.HasSuffix(u, "/") {
				u += "/"
			}
			if proxy {
				u += "{proxy}"
			}
			opURI = u
		}
		integration := newObject().
			set("responses", newObject().set("default", newObject().set("statusCode", "200"))).
			set("uri", opURI).
			set("type", orDefault(t.Type, "http_proxy"))
		setIf(integration, "connectionType", t.ConnectionType)
		setIf(integration, "connectionId", t.ConnectionID)
		integration.set("passthroughBehavior", orDefault(t.PassthroughBehavior, "when_no_match"))
		integration.set("httpMethod", "ANY")
		op := newObject().set(integrationKey, integration)
		opPath := path
		if proxy {
			opPath = path + "{proxy+}"
			op.set("parameters", []any{newObject().set("name", "proxy").set("in", "path").set("required", true).set("type", "string")})
			integration.set("requestParameters", newObject().set("integration.request.path.proxy", "method.request.path.proxy"))
		}
		if err := g.baseOptions(op, r); err != nil {
			return err
		}
		g.doc.child("paths").child(opPath).set(anyMethod, op)
	}
	return nil
}

// dataRoute is api.ts, addRawDataRouteToSwaggerSpec: the route's data, as given, is the operation.
func (g *generator) dataRoute(r *Route) error {
	if r.Method == "" {
		return errors.New("route is missing its method")
	}
	method, err := swaggerMethod(r.Method)
	if err != nil {
		return err
	}
	g.doc.child("paths").child(r.Path).set(method, r.Data)
	return nil
}

// baseOptions is api.ts, addBasePathOptionsToSwagger: authorizers, required parameters, the
// route's validator, IAM auth and the API key, in that order, on one operation.
func (g *generator) baseOptions(op *object, r *Route) error {
	if r.HasAuthorizers {
		records := g.authorizers(r.Authorizers)
		security := securityOf(op)
		op.set("security", append(security, records...))
	}
	// addRequiredParametersToSwaggerOperation: each is required, with no type.
	for _, p := range r.RequiredParameters {
		param := newObject()
		setIf(param, "name", p.Name)
		setIf(param, "in", p.In)
		param.set("required", true)
		params, _ := op.vals["parameters"].([]any)
		op.set("parameters", append(params, param))
	}
	if r.RequestValidator != "" {
		op.set(requestValidatorKey, r.RequestValidator)
	}
	if r.IAMAuthEnabled {
		op.set("x-amazon-apigateway-auth", newObject().set("type", "AWS_IAM"))
	}
	if r.APIKeyRequired {
		// addAPIkeyToSecurityDefinitions refuses an "api_key" definition it did not write.
		defs := g.doc.child("securityDefinitions")
		if v, ok := defs.get(apiKeyDefinition); ok && truthy(v) && !g.apiKeyDefined {
			return errors.New(`securityDefinitions already has an "api_key" that is not the API key definition`)
		}
		defs.set(apiKeyDefinition, newObject().set("type", "apiKey").set("name", "x-api-key").set("in", "header"))
		g.apiKeyDefined = true
		op.set("security", append(securityOf(op), newObject().set(apiKeyDefinition, []any{})))
	}
	return nil
}

func securityOf(op *object) []any {
	s, _ := op.vals["security"].([]any)
	if s == nil {
		s = []any{}
	}
	return s
}

// authorizers is api.ts, addAuthorizersToSwagger for Cognito authorizers: an unnamed one is named
// after the title and the count of definitions so far, and the name sticks to the authorizer (the
// component assigns it), so both operations of a target route share it; a name already defined is
// not redefined; each gives the operation a security record of its scopes.
func (g *generator) authorizers(auths []*Authorizer) []any {
	defs := g.doc.child("securityDefinitions")
	var records []any
	for _, a := range auths {
		if a.Name == "" {
			a.Name = fmt.Sprintf("%s-authorizer-%d", g.spec.Title, len(defs.keys))
		}
		if v, ok := defs.get(a.Name); !ok || !truthy(v) {
			def := newObject().set("type", "apiKey")
			setIf(def, "name", a.ParameterName)
			def.set("in", "header")
			def.set("x-amazon-apigateway-authtype", cognitoAuthType)
			// getCognitoAuthorizer: type, the identity sources joined with ", ", the pool ARNs.
			def.set("x-amazon-apigateway-authorizer", newObject().
				set("type", cognitoAuthType).
				set("identitySource", strings.Join(a.IdentitySource, ", ")).
				set("providerARNs", append([]any{}, a.ProviderARNs...)))
			defs.set(a.Name, def)
		}
		scopes := []any{}
		for _, m := range a.MethodsToAuthorize {
			scopes = append(scopes, m)
		}
		records = append(records, newObject().set(a.Name, scopes))
	}
	return records
}

// duplicateAuthorizer is api.ts, checkDuplicateAuthorizer: the first name given to two authorizers
// (of eventHandler or integration routes) that are not deeply equal; "" when none.
func duplicateAuthorizer(routes []*Route) string {
	seen := map[string]*Authorizer{}
	for _, r := range routes {
		if r.Kind == DataRoute {
			continue
		}
		for _, a := range r.Authorizers {
			if a.Name == "" {
				continue
			}
			first, ok := seen[a.Name]
			if !ok {
				seen[a.Name] = a
				continue
			}
			if !jsonEqual(first.Raw, a.Raw) {
				return a.Name
			}
		}
	}
	return ""
}

// DeploymentVersion is the Deployment's variables.version (api.ts, createAPI): the short hash of
// the JSON of the REST API's apiKeySource, binaryMediaTypes, endpointConfiguration,
// minimumCompressionSize and policy outputs and the component's own definition (before any
// transform). fields holds those six under the component's keys (apiKey, binaryMediaTypes,
// endpointConfig, minimumCompression, policy, swagger); an absent key is an undefined output.
// The result is a string, or unknown when any of them is.
func DeploymentVersion(fields *object) (any, error) {
	s, ok, err := stringify(fields)
	if err != nil || !ok {
		return unknown, err
	}
	return sha1hash(s), nil
}

// truthy is JavaScript's truthiness for the values the component tests with `!x`.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0 && v == v
	}
	return true
}

func setIf(o *object, key string, v any) {
	if v != nil {
		o.set(key, v)
	}
}

// orDefault is the component's ifUndefined (apigateway/utils.ts).
func orDefault(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

// jsonEqual is deep equality of two JSON values (isDeepStrictEqual on what the component compares).
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case *object:
		b, ok := b.(*object)
		if !ok || len(a.keys) != len(b.keys) {
			return false
		}
		for _, k := range a.keys {
			bv, ok := b.vals[k]
			if !ok || !jsonEqual(a.vals[k], bv) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}
