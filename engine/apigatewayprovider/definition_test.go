package apigatewayprovider

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testRegion = "eu-west-1"
	testARN    = "arn:aws:lambda:eu-west-1:123456789012:function:catalog"
	poolARN    = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc"
)

func catalog() *Function { return &Function{URN: "urn:catalog", ID: "catalog", ARN: testARN} }

func cognitoAuth() *Authorizer {
	return &Authorizer{
		Name: "cognito", ParameterName: "Authorization", ProviderARNs: []any{poolARN},
		IdentitySource: []string{"method.request.header.Authorization"},
		Raw:            newObject().set("authorizerName", "cognito").set("providerARNs", []any{poolARN}),
	}
}

// generate renders spec and decodes the body for assertions.
func generate(t *testing.T, spec *Spec) (map[string]any, *Definition) {
	t.Helper()
	def, err := Generate(spec)
	require.NoError(t, err)
	body, ok, err := def.JSON()
	require.NoError(t, err)
	require.True(t, ok, "definition should be known")
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	return doc, def
}

func at(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		require.Truef(t, ok, "%v is not an object at %q", v, k)
		v, ok = m[k]
		require.Truef(t, ok, "no %q in %v", k, m)
	}
	return v
}

func TestEventHandlerRoute(t *testing.T) {
	doc, def := generate(t, &Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: EventHandlerRoute, Path: "/products", Method: "GET", Function: catalog()},
		{Kind: EventHandlerRoute, Path: "/products", Method: "POST", Function: catalog(),
			HasAuthorizers: true, Authorizers: []*Authorizer{cognitoAuth()}, RequestValidator: "ALL",
			RequiredParameters: []Parameter{{Name: "Idempotency-Key", In: "header"}}},
	}})

	assert.Equal(t, "2.0", doc["swagger"])
	assert.Equal(t, map[string]any{"title": "shop", "version": "1.0"}, doc["info"])
	assert.Equal(t, []any{"*/*"}, doc["x-amazon-apigateway-binary-media-types"], "binary media types default to every type")
	assert.Equal(t, "HEADER", doc["x-amazon-apigateway-api-key-source"])
	assert.Equal(t, map[string]any{
		"uri":                 "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/" + testARN + "/invocations",
		"passthroughBehavior": "when_no_match",
		"httpMethod":          "POST",
		"type":                "aws_proxy",
	}, at(t, doc, "paths", "/products", "get", integrationKey))

	post := at(t, doc, "paths", "/products", "post").(map[string]any)
	assert.Equal(t, []any{map[string]any{"cognito": []any{}}}, post["security"])
	assert.Equal(t, []any{map[string]any{"name": "Idempotency-Key", "in": "header", "required": true}}, post["parameters"])
	assert.Equal(t, "ALL", post[requestValidatorKey])
	// Issue 424: a route-level validator alone does not define the validators.
	assert.NotContains(t, doc, "x-amazon-apigateway-request-validators")
	assert.NotContains(t, doc, requestValidatorKey)

	require.Len(t, def.Permissions, 2)
	assert.Equal(t, "GET/products", def.Permissions[0].MethodAndPath())
	assert.Equal(t, "POST/products", def.Permissions[1].MethodAndPath())
	assert.Equal(t, "shop-"+sha1hash("GET/products"), def.Permissions[0].Name("shop"))
	assert.Len(t, def.Permissions[0].Name("shop"), len("shop-")+8)
}

func TestPathsGetALeadingSlashAndMethodsAreChecked(t *testing.T) {
	_, err := Generate(&Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: EventHandlerRoute, Path: "/x", Method: "TRACE", Function: catalog()},
	}})
	assert.ErrorContains(t, err, `method "TRACE" is not supported`)

	_, err = Generate(&Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: EventHandlerRoute, Path: "/x", Function: catalog()},
	}})
	assert.ErrorContains(t, err, "missing its method")
}

func TestAnyMethodPermissionUsesStar(t *testing.T) {
	doc, def := generate(t, &Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: EventHandlerRoute, Path: "/items", Method: "ANY", Function: catalog()},
	}})
	assert.Contains(t, at(t, doc, "paths", "/items"), anyMethod)
	require.Len(t, def.Permissions, 1)
	assert.Equal(t, "*/items", def.Permissions[0].MethodAndPath())
}

func TestUnknownARNMakesTheBodyUnknown(t *testing.T) {
	f := catalog()
	f.ARN = unknown
	def, err := Generate(&Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: EventHandlerRoute, Path: "/products", Method: "GET", Function: f},
	}})
	require.NoError(t, err)
	_, ok, err := def.JSON()
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestTargetRoute(t *testing.T) {
	invoke := "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/" + testARN + ":live/invocations"
	doc, def := generate(t, &Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: TargetRoute, Path: "/orders", Method: "POST", Target: &Target{Type: "aws_proxy", URI: invoke},
			HasAuthorizers: true, Authorizers: []*Authorizer{cognitoAuth()}},
	}})
	paths := doc["paths"].(map[string]any)
	assert.NotContains(t, paths, "/orders", "a target route ignores its method and path as given")
	root := at(t, paths, "/orders/", anyMethod).(map[string]any)
	proxy := at(t, paths, "/orders/{proxy+}", anyMethod).(map[string]any)

	assert.Equal(t, map[string]any{
		"responses":           map[string]any{"default": map[string]any{"statusCode": "200"}},
		"uri":                 invoke + "/",
		"type":                "aws_proxy",
		"passthroughBehavior": "when_no_match",
		"httpMethod":          "ANY",
	}, root[integrationKey])
	integration := proxy[integrationKey].(map[string]any)
	assert.Equal(t, invoke+"/{proxy}", integration["uri"])
	assert.Equal(t, "ANY", integration["httpMethod"])
	assert.Equal(t, map[string]any{"integration.request.path.proxy": "method.request.path.proxy"}, integration["requestParameters"])
	assert.Equal(t, []any{map[string]any{"name": "proxy", "in": "path", "required": true, "type": "string"}}, proxy["parameters"])
	assert.Equal(t, []any{map[string]any{"cognito": []any{}}}, root["security"])
	assert.Equal(t, []any{map[string]any{"cognito": []any{}}}, proxy["security"])
	assert.Empty(t, def.Permissions, "a target route grants no Lambda permission")

	// Defaults: http_proxy, when_no_match.
	doc, _ = generate(t, &Spec{Title: "shop", Routes: []*Route{{Kind: TargetRoute, Path: "/h/", Target: &Target{URI: "https://example.com/"}}}})
	integration = at(t, doc, "paths", "/h/", anyMethod, integrationKey).(map[string]any)
	assert.Equal(t, "http_proxy", integration["type"])
	assert.Equal(t, "https://example.com/", integration["uri"])
}

func TestAuthorizers(t *testing.T) {
	unnamed := func() *Authorizer {
		a := cognitoAuth()
		a.Name = ""
		a.MethodsToAuthorize = []string{"shop/read"}
		return a
	}
	doc, _ := generate(t, &Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: EventHandlerRoute, Path: "/a", Method: "GET", Function: catalog(), HasAuthorizers: true, Authorizers: []*Authorizer{cognitoAuth()}},
		{Kind: EventHandlerRoute, Path: "/b", Method: "GET", Function: catalog(), HasAuthorizers: true, Authorizers: []*Authorizer{cognitoAuth()}},
		{Kind: TargetRoute, Path: "/c", Target: &Target{URI: "https://c"}, HasAuthorizers: true, Authorizers: []*Authorizer{unnamed()}},
	}})
	defs := doc["securityDefinitions"].(map[string]any)
	require.Len(t, defs, 2, "a shared name is defined once; an unnamed one gets its own")
	assert.Equal(t, map[string]any{
		"type": "apiKey", "name": "Authorization", "in": "header",
		"x-amazon-apigateway-authtype": "cognito_user_pools",
		"x-amazon-apigateway-authorizer": map[string]any{
			"type": "cognito_user_pools", "identitySource": "method.request.header.Authorization",
			"providerARNs": []any{poolARN},
		},
	}, defs["cognito"])
	// The unnamed authorizer is named after the title and the count so far, and both operations of
	// its target route use that one name.
	assert.Contains(t, defs, "shop-authorizer-1")
	want := []any{map[string]any{"shop-authorizer-1": []any{"shop/read"}}}
	assert.Equal(t, want, at(t, doc, "paths", "/c/", anyMethod, "security"))
	assert.Equal(t, want, at(t, doc, "paths", "/c/{proxy+}", anyMethod, "security"))
}

func TestDuplicateAuthorizerNamesMustAgree(t *testing.T) {
	other := cognitoAuth()
	other.Raw = newObject().set("authorizerName", "cognito").set("providerARNs", []any{"arn:other"})
	_, err := Generate(&Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: EventHandlerRoute, Path: "/a", Method: "GET", Function: catalog(), HasAuthorizers: true, Authorizers: []*Authorizer{cognitoAuth()}},
		{Kind: EventHandlerRoute, Path: "/b", Method: "GET", Function: catalog(), HasAuthorizers: true, Authorizers: []*Authorizer{other}},
	}})
	assert.ErrorContains(t, err, `named "cognito"`)
}

func TestGatewayResponses(t *testing.T) {
	mine := newObject().
		set("responseParameters", newObject().set("gatewayresponse.header.Vary", "'Origin'")).
		set("responseTemplates", newObject().set("application/json", `{"error":"<$context.error.messageString>"}`))
	tests := []struct {
		name  string
		given []GatewayResponse
		want  []string // response types, in order
	}{
		{"defaults only", nil, []string{"MISSING_AUTHENTICATION_TOKEN", "ACCESS_DENIED"}},
		{"given then defaults", []GatewayResponse{{"DEFAULT_4XX", mine}, {"DEFAULT_5XX", mine}},
			[]string{"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "ACCESS_DENIED"}},
		{"a given default type is kept", []GatewayResponse{{"ACCESS_DENIED", mine}},
			[]string{"ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, err := Generate(&Spec{Title: "shop", GatewayResponses: tt.given})
			require.NoError(t, err)
			v, _ := def.Doc.get("x-amazon-apigateway-gateway-responses")
			responses := v.(*object)
			assert.Equal(t, tt.want, responses.keys)
			for _, k := range responses.keys {
				if k == "MISSING_AUTHENTICATION_TOKEN" || (k == "ACCESS_DENIED" && tt.name != "a given default type is kept") {
					got, _ := responses.get(k)
					body, _, err := stringify(got)
					require.NoError(t, err)
					assert.Equal(t, `{"statusCode":404,"responseTemplates":{"application/json":"{\"message\": \"404 Not found\" }"}}`, body)
				}
			}
			body, _, err := def.JSON()
			require.NoError(t, err)
			if tt.given != nil {
				// JSON.stringify does not escape '<' and '>'.
				assert.Contains(t, body, `<$context.error.messageString>`)
			}
		})
	}
}

func TestAPILevelRequestValidator(t *testing.T) {
	doc, _ := generate(t, &Spec{Title: "shop", RequestValidator: "BODY_ONLY", APIKeySource: "AUTHORIZER"})
	assert.Equal(t, "BODY_ONLY", doc[requestValidatorKey])
	assert.Equal(t, "AUTHORIZER", doc["x-amazon-apigateway-api-key-source"])
	assert.Equal(t, map[string]any{
		"ALL":         map[string]any{"validateRequestBody": true, "validateRequestParameters": true},
		"BODY_ONLY":   map[string]any{"validateRequestBody": true, "validateRequestParameters": false},
		"PARAMS_ONLY": map[string]any{"validateRequestBody": false, "validateRequestParameters": true},
	}, doc["x-amazon-apigateway-request-validators"])
}

func TestKeyOrderFollowsTheComponent(t *testing.T) {
	def, err := Generate(&Spec{Title: "shop", Region: testRegion, Routes: []*Route{
		{Kind: EventHandlerRoute, Path: "/p", Method: "GET", Function: catalog(), HasAuthorizers: true, Authorizers: []*Authorizer{cognitoAuth()}},
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"swagger", "info", "paths", "x-amazon-apigateway-binary-media-types",
		"x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-api-key-source", "securityDefinitions"}, def.Doc.keys)
}

func TestDataRouteAndOptions(t *testing.T) {
	doc, _ := generate(t, &Spec{Title: "shop", Routes: []*Route{
		{Kind: DataRoute, Path: "/raw", Method: "GET", Data: newObject().set("x-mock", true)},
		{Kind: TargetRoute, Path: "/t", Target: &Target{URI: "https://t"}, IAMAuthEnabled: true, APIKeyRequired: true},
	}})
	assert.Equal(t, map[string]any{"x-mock": true}, at(t, doc, "paths", "/raw", "get"))
	op := at(t, doc, "paths", "/t/", anyMethod).(map[string]any)
	assert.Equal(t, map[string]any{"type": "AWS_IAM"}, op["x-amazon-apigateway-auth"])
	assert.Equal(t, []any{map[string]any{"api_key": []any{}}}, op["security"])
	assert.Equal(t, map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}, at(t, doc, "securityDefinitions", "api_key"))
}

func TestDeploymentVersion(t *testing.T) {
	fields := newObject().set("binaryMediaTypes", []any{"*/*"}).set("swagger", `{"a":1}`)
	v, err := DeploymentVersion(fields)
	require.NoError(t, err)
	assert.Equal(t, sha1hash(`{"binaryMediaTypes":["*/*"],"swagger":"{\"a\":1}"}`), v)

	other, err := DeploymentVersion(newObject().set("binaryMediaTypes", []any{"*/*"}).set("swagger", `{"a":2}`))
	require.NoError(t, err)
	assert.NotEqual(t, v, other, "a changed definition changes the version")

	u, err := DeploymentVersion(newObject().set("policy", unknown).set("swagger", `{}`))
	require.NoError(t, err)
	assert.Equal(t, unknown, u)
}

func TestSha1hash(t *testing.T) {
	// sha1("abc") = a9993e364706816aba3e25717850c26c9cd0d89d
	assert.Equal(t, "a9993e36", sha1hash("abc"))
}
