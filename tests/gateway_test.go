package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatewayResponsesOf are the gateway responses of a region's REST API body as registered: the ones
// we give and the ones RestAPI adds itself (pulumi-aws-apigateway api.ts,
// generateGatewayResponses: MISSING_AUTHENTICATION_TOKEN and ACCESS_DENIED, unless given).
func gatewayResponsesOf(t *testing.T, s stackRun, region string) map[string]struct {
	StatusCode         any               `json:"statusCode"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
} {
	t.Helper()
	api, err := s.graph.Named(restAPIType, region+"-api")
	require.NoError(t, err)
	restAPI, _ := apiChildren(t, s.graph, api)
	var doc struct {
		Responses map[string]struct {
			StatusCode         any               `json:"statusCode"`
			ResponseParameters map[string]string `json:"responseParameters"`
			ResponseTemplates  map[string]string `json:"responseTemplates"`
		} `json:"x-amazon-apigateway-gateway-responses"`
	}
	require.NoError(t, json.Unmarshal([]byte(restAPI.Inputs["body"].(string)), &doc))
	return doc.Responses
}

// TestGatewayResponsesCarryErrorShapeAndCORS: every gateway response a browser can get — an
// unknown route (MISSING_AUTHENTICATION_TOKEN), an authorizer denial (ACCESS_DENIED), and
// everything DEFAULT_4XX/DEFAULT_5XX cover — has the handlers' JSON error shape and the CORS
// headers, so a browser can read it. RestAPI's own MISSING_AUTHENTICATION_TOKEN and ACCESS_DENIED
// responses (404 with {"message": "404 Not found"}) win over DEFAULT_4XX unless we give them.
func TestGatewayResponsesCarryErrorShapeAndCORS(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		var origins []string
		require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:allowedOrigins"]), &origins))
		for _, region := range s.regions(t) {
			responses := gatewayResponsesOf(t, s, region)
			for _, kind := range []string{"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "ACCESS_DENIED"} {
				assert.Contains(t, responses, kind)
			}
			for kind, r := range responses {
				assert.True(t, strings.HasPrefix(r.ResponseTemplates["application/json"], `{"error":{"code":`),
					"%s %s: the handlers' error shape, got %q", region, kind, r.ResponseTemplates["application/json"])
				for _, h := range []string{"Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Vary"} {
					assert.Contains(t, r.ResponseParameters, "gatewayresponse.header."+h, "%s %s", region, kind)
				}
				if len(origins) > 0 {
					assert.Contains(t, r.ResponseParameters, "gatewayresponse.header.Access-Control-Allow-Origin", "%s %s", region, kind)
				}
			}
			if r, ok := responses["MISSING_AUTHENTICATION_TOKEN"]; ok {
				assert.EqualValues(t, 404, r.StatusCode, "an unknown route is not found")
			}
		}
	})
}

// TestGatewayResponsesNeverReflectOrigin: a gateway response can carry only a static header value
// or a request value; echoing method.request.header.Origin would hand any site the error bodies
// with CORS. Allow-Origin is one of the allowed origins, quoted, or absent.
func TestGatewayResponsesNeverReflectOrigin(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		var origins []string
		require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:allowedOrigins"]), &origins))
		for _, region := range s.regions(t) {
			for kind, r := range gatewayResponsesOf(t, s, region) {
				v, ok := r.ResponseParameters["gatewayresponse.header.Access-Control-Allow-Origin"]
				if !ok {
					continue
				}
				require.True(t, len(v) > 2 && strings.HasPrefix(v, "'") && strings.HasSuffix(v, "'"),
					"%s %s: Access-Control-Allow-Origin is a static value, not %s", region, kind, v)
				assert.Contains(t, origins, v[1:len(v)-1], "%s %s answers an allowed origin", region, kind)
			}
		}
	})
}
