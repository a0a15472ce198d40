package stacks

import (
	"encoding/json"
	"fmt"
	"strings"

	"shopstack/contract/openapi"
	"shopstack/contract/routes"
)

// InjectRequestModels adds, to the API definition RestAPI generates for its REST API (its body),
// the JSON schema of every route's request body from the same source as the published OpenAPI
// document, so API Gateway's request validator rejects a malformed body before a function runs.
// RestAPI routes take a validator but no model; the definition is where models live. Swagger 2.0
// gets definitions and a body parameter, OpenAPI 3 components and a requestBody. A route the
// definition lacks is an error: the API and the route table have drifted.
func InjectRequestModels(definition string) (string, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(definition), &doc); err != nil {
		return "", fmt.Errorf("request models: the REST API definition is not JSON: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	_, swagger2 := doc["swagger"]
	for _, r := range routes.All() {
		schema, ok := openapi.RequestSchema(r)
		if !ok {
			continue
		}
		name, _ := schema["title"].(string)
		delete(schema, "$schema")
		pathItem, _ := paths[r.Path].(map[string]any)
		op, _ := pathItem[strings.ToLower(r.Method)].(map[string]any)
		if op == nil {
			return "", fmt.Errorf("request models: the REST API definition has no %s %s, which the route table has", r.Method, r.Path)
		}
		if swagger2 {
			definitions := child(doc, "definitions")
			definitions[name] = schema
			params, _ := op["parameters"].([]any)
			op["parameters"] = append(params, map[string]any{
				"in": "body", "name": name, "required": true, "schema": map[string]any{"$ref": "#/definitions/" + name},
			})
			op["consumes"] = []any{"application/json"}
			continue
		}
		child(child(doc, "components"), "schemas")[name] = schema
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + name}},
		}}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("request models: %w", err)
	}
	return string(out), nil
}

// child returns the object under key, creating it when absent.
func child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}

// RedirectIntegrations points every Lambda proxy integration of the definition whose URI invokes
// a function of targets (function ARN → invoke ARN) at that invoke ARN instead: an alias serves
// the function's routes. The definition keeps each route's own path and method, as RestAPI
// generated them for the function.
func RedirectIntegrations(definition string, targets map[string]string) (string, error) {
	if len(targets) == 0 {
		return definition, nil
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(definition), &doc); err != nil {
		return "", fmt.Errorf("integrations: the REST API definition is not JSON: %w", err)
	}
	redirected := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			operation, _ := op.(map[string]any)
			integration, _ := operation["x-amazon-apigateway-integration"].(map[string]any)
			uri, _ := integration["uri"].(string)
			for fn, invoke := range targets {
				if strings.HasSuffix(uri, "/functions/"+fn+"/invocations") {
					integration["uri"] = invoke
					redirected[fn] = true
				}
			}
		}
	}
	for fn := range targets {
		if !redirected[fn] {
			return "", fmt.Errorf("integrations: no route of the REST API definition invokes %s", fn)
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("integrations: %w", err)
	}
	return string(out), nil
}
