package tests

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/routes"
	"shopstack/engine"
	"shopstack/stacks"
)

const restAPIType = "aws-apigateway:index:RestAPI"

func TestAPIRoutesFollowTheRouteTable(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		pool, err := s.graph.Named("aws:cognito/userPool:UserPool", "identity-users")
		require.NoError(t, err)
		identityRegion := s.config["shopstack:identityRegion"]
		if identityRegion == "" {
			identityRegion = s.regions(t)[0]
		}
		assert.Equal(t, identityRegion, pool.Region, "Cognito lives in the pinned identity region, else the writer region")
		for _, region := range s.regions(t) {
			t.Run(region, func(t *testing.T) {
				api, err := s.graph.Named(restAPIType, region+"-api")
				require.NoError(t, err)
				// The engine ran the child transform on the component's real children.
				restAPI, stage := apiChildren(t, s.graph, api)
				assert.Equal(t, region, restAPI.Region, "the API's children use the region's provider")
				assert.Equal(t, stacks.StageName, stage.Inputs["stageName"])
				assert.Equal(t, map[string]any{"types": "REGIONAL"}, restAPI.Inputs["endpointConfiguration"])
				assert.Equal(t, true, stage.Inputs["xrayTracingEnabled"])
				assert.NotNil(t, stage.Inputs["accessLogSettings"])

				def := definitionOf(t, restAPI)
				paths := map[string]bool{}
				for _, want := range routes.All() {
					op, ok := def.Paths[want.Path][strings.ToLower(want.Method)]
					require.True(t, ok, "route %s %s", want.Method, want.Path)
					fn, err := s.graph.Named(lambdaType, region+"-"+want.Function)
					require.NoError(t, err)
					// Each route invokes its function — or, with provisioned concurrency, checkout's
					// live alias.
					if alias, err := s.graph.Named("aws:lambda/alias:Alias", region+"-checkout-live"); err == nil && want.Function == "checkout" {
						assert.Equal(t, alias.State["invokeArn"], op.Integration.URI, "%s %s runs on the provisioned alias", want.Method, want.Path)
					} else {
						assert.Equal(t, fn.State["invokeArn"], op.Integration.URI, "%s %s invokes %s", want.Method, want.Path, want.Function)
					}
					if want.Access == routes.Public {
						assert.Empty(t, op.Security, "%s %s is public", want.Method, want.Path)
					} else {
						assert.Equal(t, []map[string][]string{{"cognito": {}}}, op.Security, "%s %s is protected", want.Method, want.Path)
					}
					for _, h := range want.Headers {
						assert.Contains(t, op.Parameters, parameter{Name: h, In: "header", Required: true}, "%s %s requires %s", want.Method, want.Path, h)
					}
					paths[want.Path] = true
				}
				operations := 0
				for p, ops := range def.Paths {
					operations += len(ops)
					if paths[p] {
						_, ok := ops["options"]
						assert.True(t, ok, "CORS preflight route for %s", p)
					}
				}
				assert.Equal(t, len(routes.All())+len(paths), operations, "nothing but the route table and its preflights")
				auth := def.SecurityDefinitions["cognito"].Authorizer
				assert.Equal(t, "cognito_user_pools", auth.Type)
				assert.Equal(t, []any{pool.State["arn"]}, auth.ProviderARNs)

				settings := s.graph.OfType("aws:apigateway/methodSettings:MethodSettings")
				var mine []map[string]any
				for _, m := range settings {
					if m.Region == region {
						mine = append(mine, m.Inputs)
					}
				}
				require.Len(t, mine, 1)
				assert.Equal(t, stacks.StageName, mine[0]["stageName"], "settings apply to the RestAPI's stage")
				assert.Equal(t, restAPI.State["id"], mine[0]["restApi"])
				assert.Equal(t, "*/*", mine[0]["methodPath"])
				st := mine[0]["settings"].(map[string]any)
				assert.Equal(t, float64(s.configInt(t, "throttleRateLimit")), st["throttlingRateLimit"])
				assert.Equal(t, float64(s.configInt(t, "throttleBurstLimit")), st["throttlingBurstLimit"])
				assert.Equal(t, true, st["metricsEnabled"])

				var origins []string
				require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:allowedOrigins"]), &origins))
				for _, kind := range []string{"DEFAULT_4XX", "DEFAULT_5XX"} {
					response, ok := def.GatewayResponses[kind]
					require.True(t, ok, "gateway response %s", kind)
					params := response.ResponseParameters
					if len(origins) == 0 {
						assert.NotContains(t, params, "gatewayresponse.header.Access-Control-Allow-Origin")
					} else {
						assert.Equal(t, "'"+origins[0]+"'", params["gatewayresponse.header.Access-Control-Allow-Origin"], "the first allowed origin, never a reflected one")
					}
					assert.True(t, strings.HasPrefix(response.ResponseTemplates["application/json"], `{"error":{"code":`), "gateway errors use the handlers' error shape")
				}

				logs, err := s.graph.Named(logGroupType, region+"-api-access-logs")
				require.NoError(t, err)
				assert.Equal(t, float64(s.configInt(t, "logRetentionDays")), logs.Inputs["retentionInDays"])
				account, err := s.graph.Named("aws:apigateway/account:Account", region+"-api-account")
				require.NoError(t, err)
				role, err := s.graph.Named(roleType, region+"-api-cloudwatch-role")
				require.NoError(t, err)
				assert.Equal(t, role.State["arn"], account.Inputs["cloudwatchRoleArn"])
			})
		}
	})
}

// apiChildren are the RestApi and the Stage the RestAPI component registered.
func apiChildren(t *testing.T, g *engine.Graph, api engine.GraphResource) (restAPI, stage engine.GraphResource) {
	t.Helper()
	var restAPIs, stages []engine.GraphResource
	for _, c := range g.Children(api.URN) {
		switch c.Type {
		case "aws:apigateway/restApi:RestApi":
			restAPIs = append(restAPIs, c)
		case "aws:apigateway/stage:Stage":
			stages = append(stages, c)
		}
	}
	require.Len(t, restAPIs, 1, "RestAPI registers one RestApi")
	require.Len(t, stages, 1, "RestAPI registers one Stage")
	return restAPIs[0], stages[0]
}

// definition is the part of a RestApi's Swagger body the tests read.
type definition struct {
	Paths map[string]map[string]struct {
		Integration struct {
			URI string `json:"uri"`
		} `json:"x-amazon-apigateway-integration"`
		Security   []map[string][]string `json:"security"`
		Parameters []parameter           `json:"parameters"`
	} `json:"paths"`
	SecurityDefinitions map[string]struct {
		Authorizer struct {
			Type         string `json:"type"`
			ProviderARNs []any  `json:"providerARNs"`
		} `json:"x-amazon-apigateway-authorizer"`
	} `json:"securityDefinitions"`
	GatewayResponses map[string]struct {
		ResponseParameters map[string]string `json:"responseParameters"`
		ResponseTemplates  map[string]string `json:"responseTemplates"`
	} `json:"x-amazon-apigateway-gateway-responses"`
}

type parameter struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

// definitionOf parses a RestApi's body.
func definitionOf(t *testing.T, restAPI engine.GraphResource) definition {
	t.Helper()
	body, ok := restAPI.Inputs["body"].(string)
	require.True(t, ok, "the RestApi has a known body")
	var def definition
	require.NoError(t, json.Unmarshal([]byte(body), &def))
	return def
}

// TestChildTransform checks what the RestAPI's own REST API and stage get from the transform: the
// engine runs it on the remote component's children, which unit-test mocks never create.
func TestChildTransform(t *testing.T) {
	tags := pulumi.StringMap{"environment": pulumi.String("dev")}
	transform := stacks.ChildTransform(nil, "shopstack-dev-api", pulumi.String("arn:aws:logs:us-east-1:123456789012:log-group:access"), tags, nil)

	other := transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "aws:lambda/permission:Permission", Props: pulumi.Map{}})
	assert.Nil(t, other, "other children are left alone")

	api := transform(context.Background(), &pulumi.ResourceTransformArgs{
		Type:  "aws:apigateway/restApi:RestApi",
		Props: pulumi.Map{"name": pulumi.String("us-east-1-api"), "description": pulumi.String("d")},
	})
	require.NotNil(t, api)
	assert.Equal(t, pulumi.Map{"types": pulumi.String("REGIONAL")}, api.Props["endpointConfiguration"], "a REGIONAL endpoint, not EDGE")
	assert.Equal(t, pulumi.String("shopstack-dev-api"), api.Props["name"], "the name carries the stack")
	assert.Equal(t, pulumi.String("d"), api.Props["description"], "existing props are kept")
	assert.Equal(t, tags, api.Props["tags"])

	got := transform(context.Background(), &pulumi.ResourceTransformArgs{
		Type:  "aws:apigateway/stage:Stage",
		Props: pulumi.Map{"stageName": pulumi.String("v1")},
	})
	require.NotNil(t, got)
	assert.Equal(t, pulumi.String("v1"), got.Props["stageName"], "existing props are kept")
	assert.Equal(t, pulumi.Bool(true), got.Props["xrayTracingEnabled"])
	assert.Equal(t, tags, got.Props["tags"])
	logs := got.Props["accessLogSettings"].(pulumi.Map)
	assert.Equal(t, pulumi.String("arn:aws:logs:us-east-1:123456789012:log-group:access"), logs["destinationArn"])
	var format map[string]string
	require.NoError(t, json.Unmarshal([]byte(string(logs["format"].(pulumi.String))), &format))
	assert.Equal(t, "$context.requestId", format["requestId"])
	assert.Equal(t, "$context.status", format["status"])
}
