package tests

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/functions/routes"
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
				assert.Equal(t, region, api.Region, "the API's children use the region's provider")
				assert.Equal(t, stacks.StageName, api.Inputs["stageName"])
				assert.Equal(t, 1, api.Transforms, "the child transform (REGIONAL endpoint, stage access logs, tracing, tags) is attached")

				type key struct{ method, path string }
				got := map[key]map[string]any{}
				for _, raw := range asList(api.Inputs["routes"]) {
					r := raw.(map[string]any)
					k := key{r["method"].(string), r["path"].(string)}
					require.NotContains(t, got, k, "route %v declared once", k)
					got[k] = r
				}
				paths := map[string]bool{}
				for _, want := range routes.All() {
					r, ok := got[key{want.Method, want.Path}]
					require.True(t, ok, "route %s %s", want.Method, want.Path)
					fn, err := s.graph.Named(lambdaType, region+"-"+want.Function)
					require.NoError(t, err)
					if alias, err := s.graph.Named("aws:lambda/alias:Alias", region+"-checkout-live"); err == nil && want.Function == "checkout" {
						// With provisioned concurrency the API invokes checkout's live alias.
						assert.Nil(t, r["eventHandler"])
						assert.Equal(t, map[string]any{"type": "aws_proxy", "uri": alias.State["invokeArn"], "httpMethod": "POST"}, r["target"])
					} else {
						assert.Equal(t, fn.URN, r["eventHandler"], "%s %s is served by %s", want.Method, want.Path, want.Function)
					}
					auth := asList(r["authorizers"])
					if want.Access == routes.Public {
						assert.Empty(t, auth, "%s %s is public", want.Method, want.Path)
					} else {
						require.Len(t, auth, 1, "%s %s is protected", want.Method, want.Path)
						a := auth[0].(map[string]any)
						assert.Equal(t, "cognito_user_pools", a["authType"])
						assert.Equal(t, []any{pool.State["arn"]}, a["providerARNs"])
					}
					if want.Body != nil || len(want.Headers) > 0 {
						assert.Equal(t, "ALL", r["requestValidator"], "%s %s validates its request", want.Method, want.Path)
					} else {
						assert.Nil(t, r["requestValidator"])
					}
					var required []any
					for _, h := range want.Headers {
						required = append(required, map[string]any{"in": "header", "name": h})
					}
					if required != nil {
						assert.Equal(t, required, r["requiredParameters"])
					}
					paths[want.Path] = true
				}
				for p := range paths {
					_, ok := got[key{"OPTIONS", p}]
					assert.True(t, ok, "CORS preflight route for %s", p)
				}
				assert.Len(t, got, len(routes.All())+len(paths), "nothing but the route table and its preflights")

				settings := s.graph.OfType("aws:apigateway/methodSettings:MethodSettings")
				var mine []map[string]any
				for _, m := range settings {
					if m.Region == region {
						mine = append(mine, m.Inputs)
					}
				}
				require.Len(t, mine, 1)
				assert.Equal(t, stacks.StageName, mine[0]["stageName"], "settings apply to the RestAPI's stage")
				assert.Equal(t, api.State["restApi"], mine[0]["restApi"])
				assert.Equal(t, "*/*", mine[0]["methodPath"])
				st := mine[0]["settings"].(map[string]any)
				assert.Equal(t, float64(s.configInt(t, "throttleRateLimit")), st["throttlingRateLimit"])
				assert.Equal(t, float64(s.configInt(t, "throttleBurstLimit")), st["throttlingBurstLimit"])
				assert.Equal(t, true, st["metricsEnabled"])

				var origins []string
				require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:allowedOrigins"]), &origins))
				responses := api.Inputs["gatewayResponses"].(map[string]any)
				for _, kind := range []string{"DEFAULT_4XX", "DEFAULT_5XX"} {
					params := responses[kind].(map[string]any)["responseParameters"].(map[string]any)
					switch len(origins) {
					case 0:
						assert.NotContains(t, params, "gatewayresponse.header.Access-Control-Allow-Origin")
					case 1:
						assert.Equal(t, "'"+origins[0]+"'", params["gatewayresponse.header.Access-Control-Allow-Origin"])
					default:
						assert.Equal(t, "method.request.header.Origin", params["gatewayresponse.header.Access-Control-Allow-Origin"])
					}
					tmpl := responses[kind].(map[string]any)["responseTemplates"].(map[string]any)["application/json"].(string)
					assert.True(t, strings.HasPrefix(tmpl, `{"error":{"code":`), "gateway errors use the handlers' error shape")
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

// TestChildTransform checks what the RestAPI's own REST API and stage get from the transform: the
// engine runs it on the remote component's children, which unit-test mocks never create.
func TestChildTransform(t *testing.T) {
	tags := pulumi.StringMap{"environment": pulumi.String("dev")}
	transform := stacks.ChildTransform(pulumi.String("arn:aws:logs:us-east-1:123456789012:log-group:access"), tags)

	other := transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "aws:apigateway/deployment:Deployment", Props: pulumi.Map{}})
	assert.Nil(t, other, "other children are left alone")

	api := transform(context.Background(), &pulumi.ResourceTransformArgs{
		Type:  "aws:apigateway/restApi:RestApi",
		Props: pulumi.Map{"name": pulumi.String("api")},
	})
	require.NotNil(t, api)
	assert.Equal(t, pulumi.Map{"types": pulumi.String("REGIONAL")}, api.Props["endpointConfiguration"], "a REGIONAL endpoint, not EDGE")
	assert.Equal(t, pulumi.String("api"), api.Props["name"], "existing props are kept")
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
