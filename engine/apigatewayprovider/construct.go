package apigatewayprovider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// The RPC half of the stand-in: Construct registers the component and its children through the
// engine's resource monitor, in the order and with the inputs and options the component gives them
// (provider.ts, restAPI.ts and apigateway/api.ts createAPI in pulumi-aws-apigateway v2.6.1).

// Type tokens the component registers or reads.
const (
	RestAPIType    tokens.Type = "aws-apigateway:index:RestAPI"
	RestAPIChild   tokens.Type = "aws:apigateway/restApi:RestApi"
	DeploymentType tokens.Type = "aws:apigateway/deployment:Deployment"
	StageType      tokens.Type = "aws:apigateway/stage:Stage"
	PermissionType tokens.Type = "aws:lambda/permission:Permission"
	FunctionType   tokens.Type = "aws:lambda/function:Function"

	getResourceToken tokens.ModuleMember = "pulumi:pulumi:getResource"
	getRegionToken   tokens.ModuleMember = "aws:index/getRegion:getRegion"
)

// inputKeys are RestAPI's inputs in the v2.6.1 schema (sdk/go/apigateway/restAPI.go, restAPIArgs).
var inputKeys = []string{
	"apiKeySource", "binaryMediaTypes", "description", "disableExecuteApiEndpoint", "gatewayResponses",
	"requestValidator", "routes", "stageName", "staticRoutesBucket", "swaggerString", "tags",
}

// outputKeys are what the component returns (provider.ts, constructRestAPI). apiPolicy is created
// only from a policy input the schema does not have, so it is undefined, and an undefined Output
// serializes to nothing.
var outputKeys = []string{"url", "api", "deployment", "stage", "apiPolicy"}

type constructor struct {
	mon      *deploytest.ResourceMonitor
	name     string
	urn      resource.URN // the component's
	provider string       // the aws provider reference the children inherit; "" when none
	protect  *bool
	dryRun   bool
	inputs   property.Map
	lambdas  map[resource.URN]*Function
	// lambdaSecret marks Lambdas whose arn is secret: a definition holding one is secret.
	lambdaSecret map[resource.URN]bool
}

func construct(_ context.Context, req plugin.ConstructRequest, mon *deploytest.ResourceMonitor) (plugin.ConstructResponse, error) {
	// provider.ts, construct: only RestAPI.
	if req.Type != RestAPIType {
		return plugin.ConstructResponse{}, fmt.Errorf("unknown resource type %s", req.Type)
	}
	// provider/server.ts of the Node SDK rebuilds these options for the component; restAPI.ts
	// registers it with no inputs of its own (a component's are not sent).
	comp, err := mon.RegisterResource(req.Type, req.Name, false, deploytest.ResourceOptions{
		Parent:       req.Parent,
		Aliases:      aliases(req.Options.Aliases),
		Dependencies: req.Options.Dependencies,
		Protect:      req.Options.Protect,
		Providers:    req.Options.Providers,
	})
	if err != nil {
		return plugin.ConstructResponse{}, fmt.Errorf("RestAPI %s: register: %w", req.Name, err)
	}
	c := &constructor{
		mon:  mon,
		name: req.Name,
		urn:  comp.URN,
		// Children are created with {parent}: they inherit the component's provider for aws, and
		// its protect (the Node SDK's Resource constructor).
		provider: req.Options.Providers["aws"],
		protect:  req.Options.Protect,
		dryRun:   req.Info.DryRun,
		inputs:   req.Inputs,
		lambdas:  map[resource.URN]*Function{},
	}
	outs, deps, err := c.build()
	if err != nil {
		return plugin.ConstructResponse{}, fmt.Errorf("RestAPI %s: %w", req.Name, err)
	}
	// restAPI.ts: registerOutputs with the same five.
	if err := mon.RegisterResourceOutputs(comp.URN, resource.ToResourcePropertyMap(outs)); err != nil {
		return plugin.ConstructResponse{}, fmt.Errorf("RestAPI %s: outputs: %w", req.Name, err)
	}
	return plugin.ConstructResponse{URN: comp.URN, Outputs: outs, OutputDependencies: deps}, nil
}

// build registers the children and returns the component's outputs.
func (c *constructor) build() (property.Map, map[resource.PropertyKey][]resource.URN, error) {
	for k := range c.inputs.All {
		if !slices.Contains(inputKeys, k) {
			return property.Map{}, nil, fmt.Errorf("%q is not an input of RestAPI v2.6.1", k)
		}
	}
	// Not modeled: rather refused than modeled wrongly.
	for _, k := range []string{"swaggerString", "staticRoutesBucket"} {
		if v, ok := c.inputs.GetOk(k); ok && !v.IsNull() {
			return property.Map{}, nil, fmt.Errorf("%s: not modeled by the stand-in (only routes are)", k)
		}
	}
	routes, ok := c.inputs.GetOk("routes")
	if !ok || routes.IsNull() {
		// api.ts, createAPI: neither swaggerString nor routes.
		return property.Map{}, nil, errors.New("needs routes (or a swaggerString)")
	}
	// restAPI.ts builds everything inside an apply on the routes input: they are unwrapped first,
	// so their dependencies and secrecy reach the component's outputs but not its children.
	var routesFlow flow
	routesFlow.add(routes)

	// An apply does not run on an unknown value: while any route value is unknown (a preview before
	// what it comes from exists) the component registers no children and all its outputs are
	// unknown.
	if hasUnknown(routes) {
		outs := map[string]property.Value{}
		deps := map[resource.PropertyKey][]resource.URN{}
		for _, k := range outputKeys {
			outs[k] = property.New(property.Computed).WithSecret(routesFlow.secret)
			if urns := routesFlow.urns(); len(urns) > 0 {
				deps[resource.PropertyKey(k)] = urns
			}
		}
		return property.NewMap(outs), deps, nil
	}

	spec, bodyFlow, err := c.spec(routes)
	if err != nil {
		return property.Map{}, nil, err
	}
	def, err := Generate(spec)
	if err != nil {
		return property.Map{}, nil, err
	}
	body, known, err := def.JSON()
	if err != nil {
		return property.Map{}, nil, err
	}
	var swagger any = unknown
	if known {
		swagger = body
	}

	restAPI, err := c.restAPI(swagger, bodyFlow)
	if err != nil {
		return property.Map{}, nil, fmt.Errorf("rest api: %w", err)
	}
	deployment, err := c.deployment(restAPI, swagger, bodyFlow)
	if err != nil {
		return property.Map{}, nil, fmt.Errorf("deployment: %w", err)
	}
	var permissions []resource.URN
	for _, p := range def.Permissions {
		urn, err := c.permission(p, deployment)
		if err != nil {
			return property.Map{}, nil, fmt.Errorf("permission %s: %w", p.MethodAndPath(), err)
		}
		permissions = append(permissions, urn)
	}
	stage, stageName, err := c.stage(restAPI, deployment, permissions)
	if err != nil {
		return property.Map{}, nil, fmt.Errorf("stage: %w", err)
	}

	// createAPI: url is the deployment's invokeUrl, the stage name, "/".
	var urlFlow flow
	urlFlow.merge(routesFlow)
	urlFlow.add(stageName)
	urlFlow.addURN(deployment.URN)
	invokeURL, present, secret := c.output(deployment, "invokeUrl")
	if !present || invokeURL == nil {
		// The component would build a URL of "undefined"; the aws provider always returns one.
		return property.Map{}, nil, errors.New("the deployment has no invokeUrl output")
	}
	urlFlow.secret = urlFlow.secret || secret
	var url any = unknown
	if s, ok := invokeURL.(string); ok && !stageName.IsComputed() && stageName.IsString() {
		url = s + stageName.AsString() + "/"
	}

	outs := map[string]property.Value{
		"url":        stringValue(url, urlFlow.secret),
		"api":        ref(restAPI.URN, restAPI.ID).WithSecret(routesFlow.secret),
		"deployment": ref(deployment.URN, deployment.ID).WithSecret(routesFlow.secret),
		"stage":      ref(stage.URN, stage.ID).WithSecret(routesFlow.secret),
	}
	withRoutes := func(urns ...resource.URN) []resource.URN {
		f := flow{deps: slices.Clone(routesFlow.deps)}
		f.addURN(urns...)
		return f.urns()
	}
	deps := map[resource.PropertyKey][]resource.URN{
		"url":        urlFlow.urns(),
		"api":        withRoutes(restAPI.URN),
		"deployment": withRoutes(deployment.URN),
		"stage":      withRoutes(stage.URN),
	}
	return property.NewMap(outs), deps, nil
}

// restAPI registers the REST API (createAPI): the RestAPI inputs the aws RestApi also takes
// (createAPI spreads them in: description, disableExecuteApiEndpoint, tags), then its name (the
// title, i.e. the component's name), binaryMediaTypes (defaulting to every type), the definition
// as body, and apiKeySource.
func (c *constructor) restAPI(swagger any, bodyFlow flow) (*deploytest.RegisterResourceResponse, error) {
	in := newChildInputs()
	for _, k := range []string{"description", "disableExecuteApiEndpoint", "tags", "apiKeySource"} {
		if v, ok := c.inputs.GetOk(k); ok && !v.IsNull() {
			in.set(k, v)
		}
	}
	in.set("name", property.New(c.name))
	if v, ok := c.inputs.GetOk("binaryMediaTypes"); ok && !v.IsNull() {
		in.set("binaryMediaTypes", v)
	} else {
		in.set("binaryMediaTypes", property.New([]property.Value{property.New("*/*")}))
	}
	in.set("body", stringValue(swagger, bodyFlow.secret), bodyFlow.urns()...)
	return c.register(RestAPIChild, c.name, in)
}

// deployment registers the Deployment (createAPI): of the REST API, with an empty stage name (no
// implicit stage) and a variables.version that changes whenever the definition or one of the REST
// API's apiKeySource, binaryMediaTypes, endpointConfiguration, minimumCompressionSize or policy
// outputs does, so that a change replaces the deployment. No triggers, no description.
func (c *constructor) deployment(restAPI *deploytest.RegisterResourceResponse, swagger any, bodyFlow flow) (*deploytest.RegisterResourceResponse, error) {
	secret := bodyFlow.secret
	fields := newObject()
	for _, f := range []struct{ key, output string }{
		{"apiKey", "apiKeySource"}, {"binaryMediaTypes", "binaryMediaTypes"},
		{"endpointConfig", "endpointConfiguration"}, {"minimumCompression", "minimumCompressionSize"},
		{"policy", "policy"},
	} {
		v, present, s := c.output(restAPI, f.output)
		secret = secret || s
		if present {
			fields.set(f.key, v)
		}
	}
	fields.set("swagger", swagger)
	version, err := DeploymentVersion(fields)
	if err != nil {
		return nil, err
	}
	in := newChildInputs()
	in.set("restApi", ref(restAPI.URN, restAPI.ID))
	in.set("stageName", property.New(""))
	in.set("variables", property.New(map[string]property.Value{"version": stringValue(version, secret)}), append(bodyFlow.urns(), restAPI.URN)...)
	return c.register(DeploymentType, c.name, in)
}

// permission registers one Lambda permission (createLambdaPermissions): API Gateway may invoke the
// function for this method and path from any stage of the deployment's API.
func (c *constructor) permission(p Permission, deployment *deploytest.RegisterResourceResponse) (resource.URN, error) {
	arn, present, secret := c.output(deployment, "executionArn")
	if !present || arn == nil {
		// The component would grant on "undefined*/…"; the aws provider always returns one.
		return "", errors.New("the deployment has no executionArn output")
	}
	var source any = unknown
	if s, ok := arn.(string); ok {
		source = s + "*/" + p.MethodAndPath()
	}
	in := newChildInputs()
	in.set("action", property.New("lambda:invokeFunction"))
	in.set("function", ref(resource.URN(p.Function.URN), resource.ID(p.Function.ID)))
	in.set("principal", property.New("apigateway.amazonaws.com"))
	in.set("sourceArn", stringValue(source, secret), deployment.URN)
	resp, err := c.register(PermissionType, p.Name(c.name), in)
	if err != nil {
		return "", err
	}
	return resp.URN, nil
}

// stage registers the Stage (createAPI): of the REST API, pointing at the deployment, named by the
// stageName input (default "stage"), tagged with the tags input, after every permission.
func (c *constructor) stage(restAPI, deployment *deploytest.RegisterResourceResponse, permissions []resource.URN) (*deploytest.RegisterResourceResponse, property.Value, error) {
	stageName, ok := c.inputs.GetOk("stageName")
	if !ok || stageName.IsNull() || (stageName.IsString() && stageName.AsString() == "" && len(stageName.Dependencies()) == 0) {
		stageName = property.New("stage") // `args.stageName || "stage"`
	}
	in := newChildInputs()
	in.set("restApi", ref(restAPI.URN, restAPI.ID))
	in.set("deployment", ref(deployment.URN, deployment.ID))
	in.set("stageName", stageName)
	if tags, ok := c.inputs.GetOk("tags"); ok && !tags.IsNull() {
		// The component spreads the tags into a new object; spreading an Output (tags given as one
		// value rather than a map) is not what it means to do, so it is refused.
		if !tags.IsMap() || tags.Secret() || len(tags.Dependencies()) > 0 {
			return nil, property.Value{}, errors.New("tags: only a map of tags is modeled, not one Output of a map")
		}
		in.set("tags", tags)
	}
	resp, err := c.register(StageType, c.name, in, permissions...)
	return resp, stageName, err
}

// register registers a child: parented to the component, with the aws provider it inherits.
func (c *constructor) register(t tokens.Type, name string, in *childInputs, dependsOn ...resource.URN) (*deploytest.RegisterResourceResponse, error) {
	all := in.all
	all.addURN(dependsOn...)
	return c.mon.RegisterResource(t, name, true, deploytest.ResourceOptions{
		Parent:       c.urn,
		Provider:     c.provider,
		Protect:      c.protect,
		Inputs:       in.propertyMap(),
		PropertyDeps: in.deps,
		Dependencies: all.urns(),
	})
}

// output is one output of a registered child as the component's Output of it resolves: its JSON
// value (unknown when unknown, nil for null), whether it is present, whether it is secret. A
// missing output is unknown during a preview and undefined otherwise (the Node SDK's
// resolveOutputs).
func (c *constructor) output(resp *deploytest.RegisterResourceResponse, key string) (any, bool, bool) {
	pv, ok := resp.Outputs[resource.PropertyKey(key)]
	if !ok {
		if c.dryRun {
			return unknown, true, false
		}
		return nil, false, false
	}
	v := resource.FromResourcePropertyValue(pv)
	j, err := toJSON(v)
	if err != nil {
		return unknown, true, v.HasSecrets()
	}
	return j, true, v.HasSecrets()
}

// spec decodes the inputs the definition is generated from; bodyFlow is what the definition
// depends on: the Lambdas (their ARNs), the gateway responses and binary media types (read as the
// component reads them, outside the routes apply).
func (c *constructor) spec(routes property.Value) (*Spec, flow, error) {
	var bodyFlow flow
	spec := &Spec{Title: c.name}
	if !routes.IsArray() {
		return nil, bodyFlow, errors.New("routes: not a list")
	}
	needRegion := false
	for i, rv := range routes.AsArray().All {
		r, err := c.route(rv)
		if err != nil {
			return nil, bodyFlow, fmt.Errorf("routes[%d]: %w", i, err)
		}
		if r.Kind == EventHandlerRoute {
			needRegion = true
			bodyFlow.addURN(resource.URN(r.Function.URN))
			if c.lambdaSecret[resource.URN(r.Function.URN)] {
				bodyFlow.secret = true
			}
		}
		spec.Routes = append(spec.Routes, r)
	}
	if v, ok := c.inputs.GetOk("gatewayResponses"); ok && !v.IsNull() {
		if !v.IsMap() {
			return nil, bodyFlow, errors.New("gatewayResponses: not a map")
		}
		bodyFlow.add(v)
		var err error
		v.AsMap().AllStable(func(k string, e property.Value) bool {
			var j any
			if j, err = toJSON(e); err != nil {
				err = fmt.Errorf("gatewayResponses %s: %w", k, err)
				return false
			}
			spec.GatewayResponses = append(spec.GatewayResponses, GatewayResponse{Type: k, Value: j})
			return true
		})
		if err != nil {
			return nil, bodyFlow, err
		}
	}
	if v, ok := c.inputs.GetOk("binaryMediaTypes"); ok && !v.IsNull() {
		j, err := toJSON(v)
		arr, isArr := j.([]any)
		if err != nil || !isArr {
			return nil, bodyFlow, fmt.Errorf("binaryMediaTypes: not a list of strings")
		}
		bodyFlow.add(v)
		spec.BinaryMediaTypes = arr
	}
	var err error
	if spec.RequestValidator, err = c.plainString("requestValidator"); err != nil {
		return nil, bodyFlow, err
	}
	if spec.APIKeySource, err = c.plainString("apiKeySource"); err != nil {
		return nil, bodyFlow, err
	}
	if needRegion {
		region, secret, err := c.region()
		if err != nil {
			return nil, bodyFlow, fmt.Errorf("region: %w", err)
		}
		spec.Region = region
		bodyFlow.secret = bodyFlow.secret || secret
	}
	return spec, bodyFlow, nil
}

// plainString is an input the schema declares plain (not an Input): "" when unset.
func (c *constructor) plainString(key string) (string, error) {
	v, ok := c.inputs.GetOk(key)
	if !ok || v.IsNull() {
		return "", nil
	}
	if !v.IsString() {
		return "", fmt.Errorf("%s: not a string", key)
	}
	return v.AsString(), nil
}

// route decodes one route. Which kind it is follows the component's tests, in its order
// (api.ts, createSwaggerSpec).
func (c *constructor) route(v property.Value) (*Route, error) {
	if !v.IsMap() {
		return nil, errors.New("not an object")
	}
	m := v.AsMap()
	has := func(k string) bool { e, ok := m.GetOk(k); return ok && !e.IsNull() }
	str := func(k string) (string, error) {
		if !has(k) {
			return "", nil
		}
		if e := m.Get(k); e.IsString() {
			return e.AsString(), nil
		}
		return "", fmt.Errorf("%s: not a string", k)
	}
	r := &Route{}
	if !has("path") {
		return nil, errors.New("route is missing its path") // api.ts, checkRoute
	}
	path, err := str("path")
	if err != nil {
		return nil, err
	}
	// createSwaggerSpec: a path not starting with "/" gets one.
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	r.Path = path
	if r.Method, err = str("method"); err != nil {
		return nil, err
	}
	switch {
	case has("eventHandler"):
		r.Kind = EventHandlerRoute
		if r.Function, err = c.function(m.Get("eventHandler")); err != nil {
			return nil, fmt.Errorf("eventHandler: %w", err)
		}
	case has("localPath"):
		return nil, errors.New("static (localPath) routes are not modeled by the stand-in")
	case has("target"):
		r.Kind = TargetRoute
		if r.Target, err = target(m.Get("target")); err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
	case has("data"):
		r.Kind = DataRoute
		if r.Data, err = toJSON(m.Get("data")); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
	default:
		// The component's exhaustive match fails on any other shape.
		return nil, errors.New("route has none of eventHandler, localPath, target or data")
	}
	if has("authorizers") {
		av := m.Get("authorizers")
		if !av.IsArray() {
			return nil, errors.New("authorizers: not a list")
		}
		r.HasAuthorizers = true
		for i, a := range av.AsArray().All {
			auth, err := authorizer(a)
			if err != nil {
				return nil, fmt.Errorf("authorizers[%d]: %w", i, err)
			}
			r.Authorizers = append(r.Authorizers, auth)
		}
	}
	if has("requiredParameters") {
		pv := m.Get("requiredParameters")
		if !pv.IsArray() {
			return nil, errors.New("requiredParameters: not a list")
		}
		for i, p := range pv.AsArray().All {
			if !p.IsMap() {
				return nil, fmt.Errorf("requiredParameters[%d]: not an object", i)
			}
			var param Parameter
			if param.Name, err = optionalJSON(p.AsMap(), "name"); err != nil {
				return nil, err
			}
			if param.In, err = optionalJSON(p.AsMap(), "in"); err != nil {
				return nil, err
			}
			r.RequiredParameters = append(r.RequiredParameters, param)
		}
	}
	if r.RequestValidator, err = str("requestValidator"); err != nil {
		return nil, err
	}
	r.APIKeyRequired = has("apiKeyRequired") && m.Get("apiKeyRequired").IsBool() && m.Get("apiKeyRequired").AsBool()
	r.IAMAuthEnabled = has("iamAuthEnabled") && m.Get("iamAuthEnabled").IsBool() && m.Get("iamAuthEnabled").AsBool()
	return r, nil
}

func optionalJSON(m property.Map, key string) (any, error) {
	v, ok := m.GetOk(key)
	if !ok || v.IsNull() {
		return nil, nil
	}
	j, err := toJSON(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return j, nil
}

// target decodes an integration target; httpMethod is read by no one (the component always writes
// ANY).
func target(v property.Value) (*Target, error) {
	if !v.IsMap() {
		return nil, errors.New("not an object")
	}
	m := v.AsMap()
	t := &Target{}
	var err error
	for _, f := range []struct {
		key string
		dst *any
	}{
		{"type", &t.Type}, {"uri", &t.URI}, {"connectionType", &t.ConnectionType},
		{"connectionId", &t.ConnectionID}, {"passthroughBehavior", &t.PassthroughBehavior},
	} {
		if *f.dst, err = optionalJSON(m, f.key); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// authorizer decodes a Cognito authorizer. A Lambda authorizer (one with a handler) creates more
// resources than this stand-in models, and is refused; one with neither handler nor providerARNs
// is refused too, as the component fails iterating the missing ARNs.
func authorizer(v property.Value) (*Authorizer, error) {
	if !v.IsMap() {
		return nil, errors.New("not an object")
	}
	m := v.AsMap()
	if h, ok := m.GetOk("handler"); ok && !h.IsNull() {
		return nil, errors.New("Lambda authorizers are not modeled by the stand-in (only Cognito ones are)")
	}
	arns, ok := m.GetOk("providerARNs")
	if !ok || !arns.IsArray() {
		return nil, errors.New("a Cognito authorizer needs providerARNs")
	}
	a := &Authorizer{}
	for i, e := range arns.AsArray().All {
		if !e.IsString() {
			return nil, fmt.Errorf("providerARNs[%d]: only ARN strings are modeled", i)
		}
		a.ProviderARNs = append(a.ProviderARNs, e.AsString())
	}
	strs := func(key string) ([]string, error) {
		v, ok := m.GetOk(key)
		if !ok || v.IsNull() {
			return nil, nil
		}
		if !v.IsArray() {
			return nil, fmt.Errorf("%s: not a list", key)
		}
		out := []string{}
		for _, e := range v.AsArray().All {
			if !e.IsString() {
				return nil, fmt.Errorf("%s: not a list of strings", key)
			}
			out = append(out, e.AsString())
		}
		return out, nil
	}
	var err error
	if a.IdentitySource, err = strs("identitySource"); err != nil {
		return nil, err
	}
	if a.MethodsToAuthorize, err = strs("methodsToAuthorize"); err != nil {
		return nil, err
	}
	if n, ok := m.GetOk("authorizerName"); ok && n.IsString() {
		a.Name = n.AsString()
	}
	if a.ParameterName, err = optionalJSON(m, "parameterName"); err != nil {
		return nil, err
	}
	if a.Raw, err = toJSON(v); err != nil {
		return nil, err
	}
	return a, nil
}

// function resolves an eventHandler. The component hands it to createFunctionFromEventHandler,
// which uses a Lambda Function as it is (anything else it would try to build a function from, which
// a deserialized value cannot be), and reads its arn. The Node SDK rehydrates the reference by its
// URN and reads its outputs with the engine's pulumi:pulumi:getResource; so does this.
func (c *constructor) function(v property.Value) (*Function, error) {
	if !v.IsResourceReference() {
		return nil, errors.New("not a reference to a Lambda function")
	}
	r := v.AsResourceReference()
	if r.Type != string(FunctionType) {
		return nil, fmt.Errorf("%s is a %s, not a %s", r.URN, r.Type, FunctionType)
	}
	if f, ok := c.lambdas[r.URN]; ok {
		return f, nil
	}
	res, err := c.mon.InvokeWithResult(getResourceToken, resource.PropertyMap{"urn": resource.NewProperty(string(r.URN))}, "", "", "")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", r.URN, err)
	}
	if len(res.Failures) > 0 || res.Unknown {
		return nil, fmt.Errorf("read %s: the engine could not", r.URN)
	}
	f := &Function{URN: string(r.URN), ARN: unknown}
	if id := res.Return["id"]; id.IsString() {
		f.ID = id.StringValue()
	}
	state := res.Return["state"]
	var arn resource.PropertyValue
	if state.IsObject() {
		arn = state.ObjectValue()["arn"]
	}
	switch {
	case arn.IsSecret():
		c.markSecret(r.URN)
		if s := arn.SecretValue().Element; s.IsString() {
			f.ARN = s.StringValue()
		}
	case arn.IsString():
		f.ARN = arn.StringValue()
	case arn.IsComputed() || arn.IsOutput():
		// unknown
	case c.dryRun:
		// a missing output is unknown during a preview
	default:
		// The component would interpolate "undefined" into the URI, which API Gateway rejects.
		return nil, fmt.Errorf("%s has no arn output", r.URN)
	}
	c.lambdas[r.URN] = f
	return f, nil
}

func (c *constructor) markSecret(urn resource.URN) {
	if c.lambdaSecret == nil {
		c.lambdaSecret = map[resource.URN]bool{}
	}
	c.lambdaSecret[urn] = true
}

// region is the aws provider's region, from its getRegion invoke made with the component as parent
// (apigateway/utils.ts, getRegion), i.e. with the aws provider the component was given. The
// component asks once per eventHandler route; the answer is the same, so this asks once.
func (c *constructor) region() (any, bool, error) {
	res, err := c.mon.InvokeWithResult(getRegionToken, resource.PropertyMap{}, c.provider, "", "",
		deploytest.InvokeOptions{Parent: c.urn})
	if err != nil {
		return nil, false, err
	}
	if len(res.Failures) > 0 {
		return nil, false, fmt.Errorf("%s: %s", getRegionToken, res.Failures[0].Reason)
	}
	if res.Unknown {
		return unknown, false, nil
	}
	name := res.Return["name"]
	switch {
	case name.IsSecret() && name.SecretValue().Element.IsString():
		return name.SecretValue().Element.StringValue(), true, nil
	case name.IsString():
		return name.StringValue(), false, nil
	case name.IsComputed():
		return unknown, false, nil
	default:
		return nil, false, fmt.Errorf("%s returned no name", getRegionToken)
	}
}

// aliases are the component's aliases as the resource monitor takes them.
func aliases(as []resource.Alias) []*pulumirpc.Alias {
	var out []*pulumirpc.Alias
	for _, a := range as {
		if a.URN != "" {
			out = append(out, &pulumirpc.Alias{Alias: &pulumirpc.Alias_Urn{Urn: string(a.URN)}})
			continue
		}
		spec := &pulumirpc.Alias_Spec{Name: a.Name, Type: a.Type, Project: a.Project, Stack: a.Stack}
		switch {
		case a.Parent != "":
			spec.Parent = &pulumirpc.Alias_Spec_ParentUrn{ParentUrn: string(a.Parent)}
		case a.NoParent:
			spec.Parent = &pulumirpc.Alias_Spec_NoParent{NoParent: true}
		}
		out = append(out, &pulumirpc.Alias{Alias: &pulumirpc.Alias_Spec_{Spec: spec}})
	}
	return out
}
