package tests

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	webACLType      = "aws:wafv2/webAcl:WebAcl"
	associationType = "aws:wafv2/webAclAssociation:WebAclAssociation"
	certificateType = "aws:acm/certificate:Certificate"
	recordType      = "aws:route53/record:Record"
	healthCheckType = "aws:route53/healthCheck:HealthCheck"
)

// TestFrontDoor: with a domain, every region has its certificate (validated through one shared
// record), custom domain, base path mapping, health check and latency record; without one, none
// of the DNS part exists. Every region's stage has its own web ACL either way.
func TestFrontDoor(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		g := s.graph
		regions := s.regions(t)
		var domain struct{ Name, HostedZoneID string }
		require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:domain"]), &domain))
		hasDomain := domain.Name != "" // {} (the default) is no front door

		for _, region := range regions {
			acl, err := g.Named(webACLType, region+"-edge-waf")
			require.NoError(t, err)
			assert.Equal(t, region, acl.Region)
			assert.Equal(t, "REGIONAL", acl.Inputs["scope"])
			var rules []struct {
				Name      string
				Statement map[string]any
			}
			require.NoError(t, json.Unmarshal([]byte(acl.Inputs["ruleJson"].(string)), &rules))
			var names []string
			for _, r := range rules {
				names = append(names, r.Name)
			}
			assert.Equal(t, []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "RateLimitPerClientIP", "RateLimitHealthCheck"}, names)
			rate := rules[2].Statement["RateBasedStatement"].(map[string]any)
			assert.Equal(t, float64(s.configInt(t, "wafRateLimit")), rate["Limit"])
			// Which paths each rate rule counts: TestWAFRateLimitsEveryPath.

			assoc, err := g.Named(associationType, region+"-edge-waf-stage")
			require.NoError(t, err)
			api, err := g.Named(restAPIType, region+"-api")
			require.NoError(t, err)
			restAPI, _ := apiChildren(t, g, api)
			assert.Equal(t, acl.State["arn"], assoc.Inputs["webAclArn"])
			assert.Equal(t, "arn:aws:apigateway:"+region+"::/restapis/"+restAPI.State["id"].(string)+"/stages/v1", assoc.Inputs["resourceArn"])
			assert.Contains(t, assoc.DependsOn, api.URN, "the association waits for the stage")
		}
		associations := g.OfType(associationType)
		assert.Len(t, associations, len(regions), "one web ACL association per stage")

		certs := g.OfType(certificateType)
		checks := g.OfType(healthCheckType)
		if !hasDomain {
			assert.Empty(t, certs)
			assert.Empty(t, checks)
			assert.Empty(t, g.OfType(recordType))
			assert.Empty(t, g.OfType("aws:apigateway/domainName:DomainName"))
			return
		}
		require.Len(t, certs, len(regions), "a certificate per region")
		validations := 0
		latency := map[string]map[string]any{} // set identifier -> record inputs
		for _, r := range g.OfType(recordType) {
			switch {
			case r.Inputs["type"] == "CNAME":
				validations++
				assert.Equal(t, true, r.Inputs["allowOverwrite"])
			case r.Inputs["type"] == "A":
				latency[r.Inputs["setIdentifier"].(string)] = r.Inputs
			}
		}
		assert.Equal(t, 1, validations, "exactly one validation record for the one name")
		require.Len(t, latency, len(regions), "one latency record per region")
		for _, region := range regions {
			cert, err := g.Named(certificateType, region+"-edge-cert")
			require.NoError(t, err)
			assert.Equal(t, region, cert.Region)
			assert.Equal(t, domain.Name, cert.Inputs["domainName"])
			assert.Equal(t, "DNS", cert.Inputs["validationMethod"])
			validation, err := g.Named("aws:acm/certificateValidation:CertificateValidation", region+"-edge-cert-validated")
			require.NoError(t, err)
			assert.Equal(t, cert.State["arn"], validation.Inputs["certificateArn"])

			dn, err := g.Named("aws:apigateway/domainName:DomainName", region+"-edge-domain")
			require.NoError(t, err)
			assert.Equal(t, domain.Name, dn.Inputs["domainName"])
			assert.Equal(t, "TLS_1_2", dn.Inputs["securityPolicy"])
			assert.Equal(t, map[string]any{"types": "REGIONAL"}, dn.Inputs["endpointConfiguration"])
			assert.Equal(t, cert.State["arn"], dn.Inputs["regionalCertificateArn"])
			mapping, err := g.Named("aws:apigateway/basePathMapping:BasePathMapping", region+"-edge-mapping")
			require.NoError(t, err)
			api, err := g.Named(restAPIType, region+"-api")
			require.NoError(t, err)
			restAPI, _ := apiChildren(t, g, api)
			assert.Equal(t, restAPI.State["id"], mapping.Inputs["restApi"])
			assert.Equal(t, "v1", mapping.Inputs["stageName"])

			check, err := g.Named(healthCheckType, region+"-edge-health")
			require.NoError(t, err)
			assert.Equal(t, "HTTPS", check.Inputs["type"])
			assert.Equal(t, restAPI.State["id"].(string)+".execute-api."+region+".amazonaws.com", check.Inputs["fqdn"], "the region's own hostname")
			assert.Equal(t, "/v1/health", check.Inputs["resourcePath"])

			rec := latency[region]
			require.NotNil(t, rec, "latency record for %s", region)
			assert.Equal(t, domain.Name, rec["name"])
			assert.Equal(t, domain.HostedZoneID, rec["zoneId"])
			assert.Equal(t, check.State["id"], rec["healthCheckId"], "the record carries its region's check")
			assert.Equal(t, []any{map[string]any{"region": region}}, rec["latencyRoutingPolicies"])
			alias := asList(rec["aliases"])[0].(map[string]any)
			assert.Equal(t, true, alias["evaluateTargetHealth"])
			assert.Equal(t, dn.State["regionalDomainName"], alias["name"])

			// Route 53 publishes health-check metrics in us-east-1 only: the alarm lives there.
			alarm, err := g.Named(alarmType, region+"-health-check")
			require.NoError(t, err)
			assert.Equal(t, "us-east-1", alarm.Region)
			assert.Equal(t, map[string]any{"HealthCheckId": check.State["id"]}, alarm.Inputs["dimensions"])
			assert.Equal(t, "LessThanThreshold", alarm.Inputs["comparisonOperator"])
		}
	})
}

// TestConcurrencyGuards: reserved concurrency as configured, and in prod only a provisioned
// live alias of checkout with target tracking, which the API invokes.
func TestConcurrencyGuards(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		g := s.graph
		reserved := map[string]int{}
		require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:reservedConcurrency"]), &reserved))
		var provisioned struct{ Min, Max, TargetUtilization int }
		require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:checkoutProvisionedConcurrency"]), &provisioned))
		for _, region := range s.regions(t) {
			for _, fn := range []string{"counter", "catalog", "cart", "checkout", "orders", "health"} {
				f, err := g.Named(lambdaType, region+"-"+fn)
				require.NoError(t, err)
				want := float64(-1)
				if n, ok := reserved[fn]; ok {
					want = float64(n)
				}
				assert.Equal(t, want, f.Inputs["reservedConcurrentExecutions"], "%s in %s", fn, region)
			}
			alias, aliasErr := g.Named("aws:lambda/alias:Alias", region+"-checkout-live")
			if provisioned.Max == 0 {
				assert.Error(t, aliasErr, "no provisioned alias in %s", s.name)
				continue
			}
			require.NoError(t, aliasErr)
			checkout, err := g.Named(lambdaType, region+"-checkout")
			require.NoError(t, err)
			assert.Equal(t, true, checkout.Inputs["publish"])
			assert.Equal(t, checkout.State["version"], alias.Inputs["functionVersion"])
			target, err := g.Named("aws:appautoscaling/target:Target", region+"-checkout-scaling")
			require.NoError(t, err)
			assert.Equal(t, "lambda:function:ProvisionedConcurrency", target.Inputs["scalableDimension"])
			assert.Equal(t, "function:shopstack-"+s.name+"-checkout:live", target.Inputs["resourceId"])
			assert.Equal(t, float64(provisioned.Min), target.Inputs["minCapacity"])
			assert.Equal(t, float64(provisioned.Max), target.Inputs["maxCapacity"])
			policy, err := g.Named("aws:appautoscaling/policy:Policy", region+"-checkout-scaling-policy")
			require.NoError(t, err)
			cfg := policy.Inputs["targetTrackingScalingPolicyConfiguration"].(map[string]any)
			assert.Equal(t, float64(provisioned.TargetUtilization)/100, cfg["targetValue"])
			perm, err := g.Named("aws:lambda/permission:Permission", region+"-api-invoke-checkout-alias")
			require.NoError(t, err)
			assert.Equal(t, "live", perm.Inputs["qualifier"])
			assert.Equal(t, "apigateway.amazonaws.com", perm.Inputs["principal"])
			_, err = g.Named(alarmType, region+"-checkout-spillover")
			assert.NoError(t, err, "spill-over beyond provisioned concurrency alarms")
		}
	})
}
