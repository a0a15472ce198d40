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

// swaggerOf is a minimal API definition of the shape RestAPI generates: every route of the
// table as a path and method with a Lambda proxy integration.
func swaggerOf(t *testing.T, version string) string {
	t.Helper()
	paths := map[string]any{}
	for _, r := range routes.All() {
		item, _ := paths[r.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[r.Path] = item
		}
		item[strings.ToLower(r.Method)] = map[string]any{
			"x-amazon-apigateway-integration": map[string]any{"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:lambda"},
		}
	}
	doc := map[string]any{"info": map[string]any{"title": "api"}, "paths": paths}
	if version == "2.0" {
		doc["swagger"] = "2.0"
	} else {
		doc["openapi"] = version
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return string(b)
}

func TestInjectRequestModels(t *testing.T) {
	for _, version := range []string{"2.0", "3.0.1"} {
		t.Run(version, func(t *testing.T) {
			out, err := stacks.InjectRequestModels(swaggerOf(t, version))
			require.NoError(t, err)
			var doc struct {
				Definitions map[string]map[string]any
				Components  struct{ Schemas map[string]map[string]any }
				Paths       map[string]map[string]struct {
					Parameters  []map[string]any
					RequestBody map[string]any
					Integration map[string]any `json:"x-amazon-apigateway-integration"`
				}
			}
			require.NoError(t, json.Unmarshal([]byte(out), &doc))
			models := doc.Definitions
			if version != "2.0" {
				models = doc.Components.Schemas
			}
			withBody := 0
			for _, r := range routes.All() {
				op := doc.Paths[r.Path][strings.ToLower(r.Method)]
				assert.NotEmpty(t, op.Integration, "the integration is kept")
				if r.Body == nil {
					assert.Empty(t, op.Parameters, "%s %s takes no body", r.Method, r.Path)
					assert.Empty(t, op.RequestBody)
					continue
				}
				withBody++
				var ref string
				if version == "2.0" {
					require.Len(t, op.Parameters, 1, "%s %s has a body parameter", r.Method, r.Path)
					assert.Equal(t, "body", op.Parameters[0]["in"])
					assert.Equal(t, true, op.Parameters[0]["required"])
					ref = op.Parameters[0]["schema"].(map[string]any)["$ref"].(string)
				} else {
					ref = op.RequestBody["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
				}
				name := ref[strings.LastIndex(ref, "/")+1:]
				model, ok := models[name]
				require.True(t, ok, "model %s of %s %s exists", name, r.Method, r.Path)
				assert.Equal(t, "object", model["type"])
				assert.Equal(t, false, model["additionalProperties"], "unknown fields are refused at the edge")
				assert.NotContains(t, model, "$schema")
			}
			assert.Equal(t, 5, withBody, "every route with a body, as the route table says")
		})
	}
	_, err := stacks.InjectRequestModels(`{"swagger":"2.0","paths":{}}`)
	assert.ErrorContains(t, err, "has no POST /products", "a definition missing a route is drift")
	_, err = stacks.InjectRequestModels(`not json`)
	assert.Error(t, err)
}

// TestChildTransformInjectsModels runs the transform on a REST API's props inside a Pulumi
// program, where its body output resolves, and reads the models back.
func TestChildTransformInjectsModels(t *testing.T) {
	res, err := engine.Update(context.Background(), engine.Options{Root: root, Stack: "dev", NoPolicies: true, Program: func(ctx *pulumi.Context) error {
		transform := stacks.ChildTransform(nil, "shopstack-dev-api", pulumi.String("arn:aws:logs:us-east-1:123456789012:log-group:access"), pulumi.StringMap{}, nil)
		got := transform(context.Background(), &pulumi.ResourceTransformArgs{
			Type:  "aws:apigateway/restApi:RestApi",
			Props: pulumi.Map{"body": pulumi.String(swaggerOf(t, "2.0"))},
		})
		require.NotNil(t, got)
		ctx.Export("body", got.Props["body"])
		return nil
	}})
	require.NoError(t, err)
	body, _ := res.Graph.Outputs["body"].(string)
	assert.Contains(t, body, `"#/definitions/PlaceOrder"`)
	assert.Contains(t, body, `"definitions"`)
}

// TestRedirectIntegrations: an aliased function's integrations invoke the alias; the others and
// each route's method and path stay; a redirect no route uses is drift.
func TestRedirectIntegrations(t *testing.T) {
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:checkout"
	uri := func(arn string) string {
		return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn + "/invocations"
	}
	definition := `{"paths":{"/orders":{"post":{"x-amazon-apigateway-integration":{"type":"aws_proxy","uri":"` + uri(fn) + `"}},` +
		`"get":{"x-amazon-apigateway-integration":{"type":"aws_proxy","uri":"` + uri(fn+"x") + `"}}}}}`
	out, err := stacks.RedirectIntegrations(definition, map[string]string{fn: uri(fn + ":live")})
	require.NoError(t, err)
	assert.Contains(t, out, `"post":{"x-amazon-apigateway-integration":{"type":"aws_proxy","uri":"`+uri(fn+":live")+`"}}`)
	assert.Contains(t, out, uri(fn+"x"), "another function's route is left alone")

	_, err = stacks.RedirectIntegrations(definition, map[string]string{"arn:aws:lambda:us-east-1:123456789012:function:other": "x"})
	assert.ErrorContains(t, err, "no route of the REST API definition invokes")
}
