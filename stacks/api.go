package stacks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	apigw "github.com/pulumi/pulumi-aws-apigateway/sdk/v2/go/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/contract/routes"
)

// StageName is the API's one stage; URLs end in /v1/.
const StageName = "v1"

// APIArgs declares one region's REST API.
type APIArgs struct {
	Functions        map[string]*Function     // service functions by name, as the route table names them
	Aliases          map[string]*lambda.Alias // where set, the API invokes this alias of the function
	UserPoolArn      pulumi.StringInput       // Cognito pool the authorizer trusts
	AllowedOrigins   []string
	Throttling       Throttling
	LogRetentionDays int
	// Alarms is the region's alarm spec: the API declares its stage's alarms with it.
	Alarms *AlarmSpec
	Tags   pulumi.StringMap
}

// API is a REST API whose routes come from the route table.
type API struct {
	pulumi.ResourceState

	RestAPI    *apigw.RestAPI
	AccessLogs *cloudwatch.LogGroup
	URL        pulumi.StringOutput
	RestAPIID  pulumi.StringOutput
	StageName  pulumi.StringOutput
	Name       pulumi.StringOutput // the REST API's name, the ApiName of its metrics
}

// apiName is the REST API's name (ChildTransform sets it), the ApiName of its metrics: the same in
// every region.
func apiName(ctx *pulumi.Context) string { return physicalName(ctx, "api") }

// cognitoAuthorizer is the one authorizer name every protected route shares.
const cognitoAuthorizer = "cognito"

// accessLogFormat is one JSON line per request, with what an operator needs to trace it.
var accessLogFormat = mustJSON(map[string]string{
	"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "caller": "$context.authorizer.claims.sub",
	"requestTime": "$context.requestTime", "method": "$context.httpMethod", "resource": "$context.resourcePath",
	"status": "$context.status", "latencyMs": "$context.responseLatency", "integrationLatencyMs": "$context.integration.latency",
	"error": "$context.error.message",
})

// NewAPI declares the REST API with a route per route-table entry (and a CORS preflight per path),
// the Cognito authorizer on protected routes, JSON gateway errors with CORS headers, stage
// throttling, metrics and access logs.
func NewAPI(ctx *pulumi.Context, name string, args *APIArgs, opts ...pulumi.ResourceOption) (*API, error) {
	if args.Alarms == nil {
		return nil, fmt.Errorf("api %s: no alarm spec: every stage is alarmed", name)
	}
	a := &API{}
	if err := ctx.RegisterComponentResource("shopstack:api:API", name, a, opts...); err != nil {
		return nil, err
	}
	tags := withService(args.Tags, "api")

	accessLogs, err := cloudwatch.NewLogGroup(ctx, name+"-access-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/apigateway/" + apiName(ctx) + "/access"),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		Tags:            tags,
	}, pulumi.Parent(a))
	if err != nil {
		return nil, fmt.Errorf("api %s: access log group: %w", name, err)
	}
	account, err := newAPIGatewayAccount(ctx, name, tags, pulumi.Parent(a))
	if err != nil {
		return nil, err
	}

	apiRoutes, err := routeArgs(args)
	if err != nil {
		return nil, fmt.Errorf("api %s: %w", name, err)
	}
	// RestAPI writes the validator definitions (x-amazon-apigateway-request-validators) only
	// when the API-level validator is set (pulumi-aws-apigateway issue 424): without it the
	// routes' own "ALL" names a validator the definition lacks. API-level ALL also covers routes
	// without a body or required header, where it has nothing to check: API Gateway validates a
	// body only against a model for its content type, and only parameters declared required.
	validator := apigw.RequestValidatorALL
	restAPI, err := apigw.NewRestAPI(ctx, name, &apigw.RestAPIArgs{
		Description:      pulumi.String("shopstack " + ctx.Stack() + " commerce API"),
		StageName:        pulumi.String(StageName),
		Routes:           apiRoutes,
		GatewayResponses: gatewayResponses(args.AllowedOrigins),
		RequestValidator: &validator,
		Tags:             tags,
	}, pulumi.Parent(a), pulumi.DependsOn([]pulumi.Resource{account}),
		pulumi.Transforms([]pulumi.ResourceTransform{ChildTransform(ctx, apiName(ctx), accessLogs.Arn, tags, aliasRedirects(args))}))
	if err != nil {
		return nil, fmt.Errorf("api %s: rest api: %w", name, err)
	}

	if err := stageSettings(ctx, name, restAPI, account, args, tags, pulumi.Parent(a)); err != nil {
		return nil, err
	}
	if err := aliasPermissions(ctx, name, restAPI, args, pulumi.Parent(a)); err != nil {
		return nil, err
	}
	a.RestAPI, a.AccessLogs = restAPI, accessLogs
	a.URL = restAPI.Url
	a.RestAPIID = restAPI.Stage.RestApi()
	a.StageName = restAPI.Stage.StageName()
	a.Name = restAPI.Api.Name()
	if err := args.Alarms.Declare(ctx, a, a.alarms(name, args.Alarms.Settings)); err != nil {
		return nil, fmt.Errorf("api %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{"url": a.URL}); err != nil {
		return nil, fmt.Errorf("api %s: outputs: %w", name, err)
	}
	return a, nil
}

// stageSettings declares the stage's execution log group and its method settings.
func stageSettings(ctx *pulumi.Context, name string, restAPI *apigw.RestAPI, account *apigateway.Account, args *APIArgs, tags pulumi.StringMap, parent pulumi.ResourceOption) error {
	// Execution logging writes to API-Gateway-Execution-Logs_{restApiId}/{stage}, a group API
	// Gateway creates with no retention when it does not exist; declared here first, it keeps
	// the stack's retention and tags like every other log group.
	executionLogs, err := cloudwatch.NewLogGroup(ctx, name+"-execution-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("API-Gateway-Execution-Logs_%s/%s", restAPI.Stage.RestApi(), restAPI.Stage.StageName()),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		Tags:            tags,
	}, parent)
	if err != nil {
		return fmt.Errorf("api %s: execution log group: %w", name, err)
	}

	// Throttling, metrics and execution logs are method settings on the stage; "*/*" covers every
	// route, so a route added to the table is throttled without a change here.
	if _, err := apigateway.NewMethodSettings(ctx, name+"-settings", &apigateway.MethodSettingsArgs{
		RestApi:    restAPI.Stage.RestApi(),
		StageName:  restAPI.Stage.StageName(),
		MethodPath: pulumi.String("*/*"),
		Settings: &apigateway.MethodSettingsSettingsArgs{
			ThrottlingRateLimit:  pulumi.Float64(float64(args.Throttling.RateLimit)),
			ThrottlingBurstLimit: pulumi.Int(args.Throttling.BurstLimit),
			MetricsEnabled:       pulumi.Bool(true),
			LoggingLevel:         pulumi.String("ERROR"),
			DataTraceEnabled:     pulumi.Bool(false),
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{account, executionLogs})); err != nil {
		return fmt.Errorf("api %s: method settings: %w", name, err)
	}
	return nil
}

// aliasPermissions let API Gateway invoke each alias the API routes to.
func aliasPermissions(ctx *pulumi.Context, name string, restAPI *apigw.RestAPI, args *APIArgs, parent pulumi.ResourceOption) error {
	for function, alias := range args.Aliases {
		// eventHandler routes grant API Gateway invoke rights themselves; alias targets need it said.
		if _, err := lambda.NewPermission(ctx, name+"-invoke-"+function+"-alias", &lambda.PermissionArgs{
			Action:    pulumi.String("lambda:InvokeFunction"),
			Function:  args.Functions[function].Name,
			Qualifier: alias.Name,
			Principal: pulumi.String("apigateway.amazonaws.com"),
			SourceArn: pulumi.Sprintf("%s/*/*", restAPI.Api.ExecutionArn()),
		}, parent); err != nil {
			return fmt.Errorf("api %s: alias permission: %w", name, err)
		}
	}
	return nil
}

// alarms are the stage's 5XX and p99 latency alarms.
func (a *API) alarms(name string, s AlarmSettings) []Alarm {
	dims := []pulumi.StringMap{{"ApiName": a.Name, "Stage": a.StageName}}
	return []Alarm{
		{Name: name + "-5xx", Description: "API stage 5XX responses", Namespace: "AWS/ApiGateway", Metric: "5XXError", Dimensions: dims,
			Statistic: "Sum", Threshold: float64(s.API5xxErrors), Missing: "notBreaching"},
		{Name: name + "-latency-p99", Description: "API stage p99 latency", Namespace: "AWS/ApiGateway", Metric: "Latency", Dimensions: dims,
			Statistic: "p99", Threshold: float64(s.APILatencyP99Ms), Missing: "notBreaching"},
	}
}

// routeArgs turns the route table into RestAPI routes, plus an OPTIONS preflight route per path
// served by the function of that path's first route (the handlers answer preflights).
func routeArgs(args *APIArgs) ([]apigw.RouteArgs, error) {
	var out []apigw.RouteArgs
	preflight := map[string]string{}
	var paths []string
	for _, r := range routes.All() {
		fn, ok := args.Functions[r.Function]
		if !ok {
			return nil, fmt.Errorf("route %s %s: no function %q", r.Method, r.Path, r.Function)
		}
		// Every route is an eventHandler route, even one served through an alias: RestAPI turns a
		// target route into ANY on /path/ and /path/{proxy+} (pulumi-aws-apigateway api.ts), which
		// breaks the route's method and clashes with sibling variable paths. ChildTransform points
		// an alias's routes at the alias instead.
		route := apigw.RouteArgs{Path: r.Path, Method: methodOf(r.Method), EventHandler: fn.Lambda}
		if r.Access != routes.Public {
			route.Authorizers = []apigw.AuthorizerArgs{{
				AuthorizerName: pulumi.StringRef(cognitoAuthorizer),
				Type:           pulumi.StringRef("token"),
				AuthType:       pulumi.StringRef("cognito_user_pools"),
				ParameterName:  "Authorization",
				IdentitySource: []string{"method.request.header.Authorization"},
				ProviderARNs:   []pulumi.StringInput{args.UserPoolArn},
			}}
		}
		// Requests that lack a required header or body never reach (nor bill) a function.
		if r.Body != nil || len(r.Headers) > 0 {
			validator := apigw.RequestValidatorALL
			route.RequestValidator = &validator
			for _, h := range r.Headers {
				route.RequiredParameters = append(route.RequiredParameters, apigw.RequiredParameterArgs{
					In: pulumi.String("header"), Name: pulumi.String(h),
				})
			}
		}
		out = append(out, route)
		if _, seen := preflight[r.Path]; !seen {
			preflight[r.Path] = r.Function
			paths = append(paths, r.Path)
		}
	}
	for _, path := range paths {
		out = append(out, apigw.RouteArgs{Path: path, Method: methodOf("OPTIONS"), EventHandler: args.Functions[preflight[path]].Lambda})
	}
	return out, nil
}

func methodOf(m string) *apigw.Method {
	method := apigw.Method(m)
	return &method
}

// gatewayResponses give errors API Gateway itself returns (401 from the authorizer, 400 from
// validation, 429 from throttling, 5xx) the handlers' JSON error shape and CORS headers, so a
// browser can read them.
func gatewayResponses(origins []string) map[string]apigw.SwaggerGatewayResponseInput {
	body := `{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}`
	headers := pulumi.StringMap{
		"gatewayresponse.header.Access-Control-Allow-Headers": pulumi.String("'Authorization,Content-Type,Idempotency-Key'"),
		"gatewayresponse.header.Access-Control-Allow-Methods": pulumi.String("'GET,POST,PUT,DELETE,OPTIONS'"),
		"gatewayresponse.header.Vary":                         pulumi.String("'Origin'"),
	}
	// A gateway response carries a static value or a request value, never a choice between them:
	// echoing method.request.header.Origin would grant any site CORS on these responses. So it
	// answers the first allowed origin (the primary frontend, listed first); a browser on another
	// allowed origin sees a CORS failure for gateway errors only — the handlers answer every
	// allowed origin themselves.
	if len(origins) > 0 {
		headers["gatewayresponse.header.Access-Control-Allow-Origin"] = pulumi.String("'" + origins[0] + "'")
	}
	// DEFAULT_4XX and DEFAULT_5XX cover every response type not set on its own; RestAPI sets two
	// itself unless given (pulumi-aws-apigateway api.ts, generateGatewayResponses), plain
	// {"message": ...} bodies without CORS headers: an unknown route (MISSING_AUTHENTICATION_TOKEN,
	// kept at its 404) and an authorizer's denial (ACCESS_DENIED, 403). Giving them ours keeps
	// every gateway response readable by the browser, in the one error shape.
	statuses := map[string]float64{"DEFAULT_4XX": 0, "DEFAULT_5XX": 0, "MISSING_AUTHENTICATION_TOKEN": 404, "ACCESS_DENIED": 403}
	responses := map[string]apigw.SwaggerGatewayResponseInput{}
	for kind, status := range statuses {
		r := apigw.SwaggerGatewayResponseArgs{
			ResponseParameters: headers,
			ResponseTemplates:  pulumi.StringMap{"application/json": pulumi.String(body)},
		}
		if status != 0 {
			r.StatusCode = pulumi.Float64(status)
		}
		responses[kind] = r
	}
	return responses
}

// ChildTransform sets what RestAPI has no input for on the children it creates: on the REST API
// its name (apiName, which carries the stack), a REGIONAL endpoint (it defaults to EDGE; the front door puts a regional custom domain and
// Route 53 latency routing in front of each region instead of CloudFront) and the request body
// models (InjectRequestModels); on the stage
// access logs to our log group, X-Ray tracing and our tags. RestAPI is a remote component; a
// transform is the way its maintainers offer to shape its children (pulumi-aws-apigateway issue
// 172). The engine runs it when each child registers; under unit-test mocks children never
// register, so the stack tests check that the RestAPI carries it and the transform is tested on
// its own.
func ChildTransform(ctx *pulumi.Context, apiName string, accessLogArn pulumi.StringInput, tags pulumi.StringMap, redirects []Redirect) pulumi.ResourceTransform {
	return func(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
		props := pulumi.Map{}
		for k, v := range args.Props {
			props[k] = v
		}
		switch args.Type {
		case "aws:apigateway/restApi:RestApi":
			// RestAPI names the REST API after the component (<region>-api), the same in every
			// stack; API Gateway keys its metrics by ApiName, so stacks sharing an account and
			// region would share their alarms' metrics. The name overrides the definition's title.
			props["name"] = pulumi.String(apiName)
			props["endpointConfiguration"] = pulumi.Map{"types": pulumi.String("REGIONAL")}
			props["tags"] = tags
			if body, ok := props["body"]; ok && body != nil {
				inputs := []any{pulumi.ToOutput(body)}
				for _, r := range redirects {
					inputs = append(inputs, r.FunctionArn, r.InvokeArn)
				}
				props["body"] = pulumi.All(inputs...).ApplyT(func(vs []any) (string, error) {
					definition, _ := vs[0].(string)
					targets := map[string]string{}
					for i := 1; i+1 < len(vs); i += 2 {
						targets[vs[i].(string)] = vs[i+1].(string)
					}
					definition, err := RedirectIntegrations(definition, targets)
					if err != nil {
						return "", err
					}
					return InjectRequestModels(definition)
				}).(pulumi.StringOutput)
			}
		case "aws:apigateway/stage:Stage":
			// The Go SDK hands a transform each resource reference as a bare dependency (a URN
			// with no id: sdk/go/pulumi/rpc.go unmarshalPropertyMap) and sends it back as a
			// component reference, so the Stage would reach the provider with no REST API or
			// deployment id. Give them back their ids, read from the engine.
			for _, key := range []string{"restApi", "deployment"} {
				if v, ok := props[key]; ok && v != nil {
					props[key] = referencedID(ctx, v)
				}
			}
			props["accessLogSettings"] = pulumi.Map{
				"destinationArn": accessLogArn,
				"format":         pulumi.String(accessLogFormat),
			}
			props["xrayTracingEnabled"] = pulumi.Bool(true)
			props["tags"] = tags
		case "aws:apigateway/deployment:Deployment":
			// RestAPI versions the deployment by its own definition, before our transform
			// (pulumi-aws-apigateway api.ts, createAPI): a change only to what we inject (the
			// models, an integration) would never be deployed. A hash of the body the REST API
			// was registered with, as a trigger, makes a new deployment whenever it changes
			// (triggers replace the deployment, and the stage then points at the new one).
			if v, ok := props["restApi"]; ok && v != nil {
				props["triggers"] = pulumi.StringMap{"body": registeredBodyHash(ctx, v)}
				props["restApi"] = referencedID(ctx, v)
			}
		default:
			return nil
		}
		return &pulumi.ResourceTransformResult{Props: props, Opts: args.Opts}
	}
}

// referencedID is the id of the resource a reference input names, as the engine's builtin
// getResource reports it (the lookup the Node SDK uses to rehydrate references); unknown while
// the engine does not know it (a preview of a new resource).
func referencedID(ctx *pulumi.Context, v pulumi.Input) pulumi.StringOutput {
	return pulumi.ToOutput(v).ApplyT(func(r any) (pulumi.StringOutput, error) {
		res, ok := r.(pulumi.Resource)
		if !ok {
			id, _ := r.(string)
			return pulumi.String(id).ToStringOutput(), nil
		}
		return fromEngine(ctx, res, func(found registered) string { return found.ID }), nil
	}).(pulumi.StringOutput)
}

// registeredBodyHash is the SHA-256 of the body the referenced REST API was registered with, as
// the engine holds it (after every transform); unknown while the body is.
func registeredBodyHash(ctx *pulumi.Context, v pulumi.Input) pulumi.StringOutput {
	return pulumi.ToOutput(v).ApplyT(func(r any) (pulumi.StringOutput, error) {
		res, ok := r.(pulumi.Resource)
		if !ok {
			return pulumi.StringOutput{}, fmt.Errorf("deployment: restApi is %T, not a reference to the REST API", r)
		}
		return fromEngine(ctx, res, func(found registered) string {
			body, _ := found.State["body"].(string)
			if body == "" {
				return ""
			}
			sum := sha256.Sum256([]byte(body))
			return hex.EncodeToString(sum[:])
		}), nil
	}).(pulumi.StringOutput)
}

// registered is what the engine's builtin getResource returns for a registered resource.
type registered struct {
	ID    string         `pulumi:"id"`
	State map[string]any `pulumi:"state"`
}

// fromEngine reads a registered resource from the engine and derives a string from it; the
// result is unknown when pick returns "" (the engine does not know it yet).
func fromEngine(ctx *pulumi.Context, res pulumi.Resource, pick func(registered) string) pulumi.StringOutput {
	return res.URN().ApplyT(func(urn pulumi.URN) (pulumi.StringOutput, error) {
		var found registered
		if err := ctx.Invoke("pulumi:pulumi:getResource", map[string]any{"urn": string(urn)}, &found); err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("resolve %s: %w", urn, err)
		}
		if v := pick(found); v != "" {
			return pulumi.String(v).ToStringOutput(), nil
		}
		return pulumi.UnsafeUnknownOutput(nil).ApplyT(func(any) string { return "" }).(pulumi.StringOutput), nil
	}).(pulumi.StringOutput)
}

// Redirect points the integrations of a function's routes at another invoke ARN (an alias's).
type Redirect struct {
	FunctionArn pulumi.StringInput // the function the RestAPI integrates
	InvokeArn   pulumi.StringInput // what API Gateway invokes instead
}

// aliasRedirects sends each aliased function's routes to its alias.
func aliasRedirects(args *APIArgs) []Redirect {
	var out []Redirect
	for _, function := range slices.Sorted(maps.Keys(args.Aliases)) {
		out = append(out, Redirect{FunctionArn: args.Functions[function].Lambda.Arn, InvokeArn: args.Aliases[function].InvokeArn})
	}
	return out
}

// newAPIGatewayAccount gives API Gateway, in this region, the role it writes access and execution
// logs with. It is an account-wide regional setting: stacks sharing an account share it.
func newAPIGatewayAccount(ctx *pulumi.Context, name string, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*apigateway.Account, error) {
	role, err := iam.NewRole(ctx, name+"-cloudwatch-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		Description:      pulumi.String("API Gateway writes access and execution logs"),
		Tags:             tags,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("api %s: cloudwatch role: %w", name, err)
	}
	// API Gateway creates and writes log groups named after the API; their names are only known
	// once it has them, hence the prefix patterns rather than fixed ARNs.
	policy, err := iam.NewRolePolicy(ctx, name+"-cloudwatch-policy", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: PolicyDocument([]Statement{{
			Sid:     "WriteApiLogs",
			Actions: []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"},
			Resources: pulumi.StringArray{
				pulumi.Sprintf("arn:aws:logs:*:*:log-group:API-Gateway-Execution-Logs_*"),
				pulumi.Sprintf("arn:aws:logs:*:*:log-group:/aws/apigateway/*"),
			},
		}}),
	}, pulumi.Parent(role))
	if err != nil {
		return nil, fmt.Errorf("api %s: cloudwatch policy: %w", name, err)
	}
	account, err := apigateway.NewAccount(ctx, name+"-account", &apigateway.AccountArgs{
		CloudwatchRoleArn: role.Arn,
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{policy}))...)
	if err != nil {
		return nil, fmt.Errorf("api %s: account settings: %w", name, err)
	}
	return account, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
