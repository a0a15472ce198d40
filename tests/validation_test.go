package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/routes"
)

// TestRequestValidation reads the REST API's body as our transform leaves it and checks that API
// Gateway validates every route with a body or a required header: the operation's validator (its
// own x-amazon-apigateway-request-validator, else the API-level one) is defined in
// x-amazon-apigateway-request-validators and checks what the route needs — the body against its
// model, the required headers. RestAPI writes those definitions only when the API-level
// requestValidator is set (pulumi-aws-apigateway issue 424); a route-level name alone points at
// nothing.
//
// Routes with neither get the API-level validator too, with nothing to check: API Gateway
// validates a body only against a model for its content type and parameters only when they are
// declared required (AWS, "Request validation for REST APIs in API Gateway"), and those routes
// declare neither; their path parameters are checked by the handlers.
func TestRequestValidation(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		for _, region := range s.regions(t) {
			api, err := s.graph.Named(restAPIType, region+"-api")
			require.NoError(t, err)
			restAPI, _ := apiChildren(t, s.graph, api)
			body, ok := restAPI.Inputs["body"].(string)
			require.True(t, ok)
			var doc struct {
				Validators map[string]struct {
					Body   bool `json:"validateRequestBody"`
					Params bool `json:"validateRequestParameters"`
				} `json:"x-amazon-apigateway-request-validators"`
				Validator   string         `json:"x-amazon-apigateway-request-validator"`
				Definitions map[string]any `json:"definitions"`
				Paths       map[string]map[string]struct {
					Validator  string   `json:"x-amazon-apigateway-request-validator"`
					Consumes   []string `json:"consumes"`
					Parameters []struct {
						In       string `json:"in"`
						Name     string `json:"name"`
						Required bool   `json:"required"`
						Schema   struct {
							Ref string `json:"$ref"`
						} `json:"schema"`
					} `json:"parameters"`
				} `json:"paths"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &doc))
			for _, r := range routes.All() {
				op, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]
				require.True(t, ok, "%s %s", r.Method, r.Path)
				name := op.Validator
				if name == "" {
					name = doc.Validator
				}
				if r.Body == nil && len(r.Headers) == 0 {
					assert.Empty(t, op.Parameters, "%s %s declares nothing to validate", r.Method, r.Path)
					continue
				}
				require.NotEmpty(t, name, "%s %s has a request validator", r.Method, r.Path)
				v, ok := doc.Validators[name]
				require.True(t, ok, "%s %s names validator %q, which x-amazon-apigateway-request-validators does not define (defined: %v)", r.Method, r.Path, name, doc.Validators)
				if len(r.Headers) > 0 {
					assert.True(t, v.Params, "%s %s: validator %s checks required headers", r.Method, r.Path, name)
				}
				if r.Body != nil {
					assert.True(t, v.Body, "%s %s: validator %s checks the body", r.Method, r.Path, name)
					assert.Contains(t, op.Consumes, "application/json", "%s %s", r.Method, r.Path)
					bodies := 0
					for _, p := range op.Parameters {
						if p.In == "body" {
							bodies++
							assert.True(t, p.Required)
							model := strings.TrimPrefix(p.Schema.Ref, "#/definitions/")
							assert.Contains(t, doc.Definitions, model, "%s %s: its model is defined", r.Method, r.Path)
						}
					}
					assert.Equal(t, 1, bodies, "%s %s has one body model", r.Method, r.Path)
				}
			}
		}
	})
}
