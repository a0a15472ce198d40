package apigatewayprovider

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/blang/semver"
	apigw "github.com/pulumi/pulumi-aws-apigateway/sdk/v2/go/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cognito"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	pengine "github.com/pulumi/pulumi/pkg/v3/engine"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/pkg/v3/util/cancel"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/promise"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run a Go SDK program (the same SDKs our stack uses) on Pulumi's engine with this
// stand-in and a minimal fake aws provider, as pkg/v3's lifecycle tests do.

const (
	awsVersion = "6.83.4" // what pulumi-aws sdk/v6 v6.83.4 asks for
	account    = "123456789012"
	apiID      = "a1b2c3d4e5"
)

// fakeAWS answers just enough for the program below: ARNs for functions and pools, the REST API's
// id, the deployment's executionArn and invokeUrl, and getRegion.
func fakeAWS() plugin.Provider {
	return &deploytest.Provider{
		Name: "aws", Package: "aws", Version: semver.MustParse(awsVersion),
		CreateF: func(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
			// A provider that does not accept resource references sees (and echoes) their ids.
			outs := map[string]property.Value{}
			for k, v := range req.Properties.All {
				if v.IsResourceReference() {
					v = v.AsResourceReference().ID
				}
				outs[k] = v
			}
			set := func(k, v string) {
				outs[k] = property.New(v)
				if req.Preview {
					outs[k] = property.New(property.Computed)
				}
			}
			id := resource.ID(req.URN.Name())
			switch req.Type {
			case "aws:lambda/function:Function":
				arn := "arn:aws:lambda:eu-west-1:" + account + ":function:" + req.URN.Name()
				set("arn", arn)
				set("invokeArn", "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"+arn+"/invocations")
			case "aws:cognito/userPool:UserPool":
				set("arn", "arn:aws:cognito-idp:eu-west-1:"+account+":userpool/eu-west-1_pool")
			case "aws:apigateway/restApi:RestApi":
				id = apiID
				set("executionArn", "arn:aws:execute-api:eu-west-1:"+account+":"+apiID)
			case "aws:apigateway/deployment:Deployment":
				id = "dep1"
				set("executionArn", "arn:aws:execute-api:eu-west-1:"+account+":"+apiID+"/")
				set("invokeUrl", "https://"+apiID+".execute-api.eu-west-1.amazonaws.com/")
			}
			if req.Preview {
				id = ""
			}
			return plugin.CreateResponse{ID: id, Properties: property.NewMap(outs), Status: resource.StatusOK}, nil
		},
		InvokeF: func(_ context.Context, req plugin.InvokeRequest) (plugin.InvokeResponse, error) {
			if req.Tok != "aws:index/getRegion:getRegion" {
				return plugin.InvokeResponse{}, errors.New("fake aws: no " + string(req.Tok))
			}
			return plugin.InvokeResponse{Properties: property.NewMap(map[string]property.Value{"name": property.New("eu-west-1")})}, nil
		},
	}
}

// seen is what the program's transform saw of the RestApi's body.
type seen struct{ body string }

// shopProgram declares a Lambda, a user pool and a RestAPI with an eventHandler route, a protected
// one with a validator and a required header, and a target route. withProvider gives the RestAPI
// the explicit aws provider; without it, its children have none.
func shopProgram(withProvider bool, s *seen) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{Region: pulumi.String("eu-west-1")})
		if err != nil {
			return err
		}
		fn, err := lambda.NewFunction(ctx, "catalog", &lambda.FunctionArgs{
			Role: pulumi.String("arn:aws:iam::" + account + ":role/catalog"), Runtime: pulumi.String("provided.al2023"),
		}, pulumi.Provider(p))
		if err != nil {
			return err
		}
		pool, err := cognito.NewUserPool(ctx, "pool", &cognito.UserPoolArgs{}, pulumi.Provider(p))
		if err != nil {
			return err
		}
		get, post := apigw.MethodGET, apigw.MethodPOST
		all := apigw.RequestValidatorALL
		opts := []pulumi.ResourceOption{pulumi.Transforms([]pulumi.ResourceTransform{
			func(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
				if args.Type != "aws:apigateway/restApi:RestApi" {
					return nil
				}
				props := pulumi.Map{}
				for k, v := range args.Props {
					props[k] = v
				}
				props["endpointConfiguration"] = pulumi.Map{"types": pulumi.String("REGIONAL")}
				if body, ok := props["body"]; ok {
					props["body"] = pulumi.ToOutput(body).ApplyT(func(v any) string {
						s.body, _ = v.(string)
						return s.body
					}).(pulumi.StringOutput)
				}
				return &pulumi.ResourceTransformResult{Props: props, Opts: args.Opts}
			},
		})}
		if withProvider {
			opts = append(opts, pulumi.Providers(p))
		}
		api, err := apigw.NewRestAPI(ctx, "shop", &apigw.RestAPIArgs{
			Description: pulumi.String("shop API"),
			StageName:   pulumi.String("v1"),
			Tags:        pulumi.StringMap{"service": pulumi.String("api")},
			Routes: []apigw.RouteArgs{
				{Path: "/products", Method: &get, EventHandler: fn},
				{Path: "products", Method: &post, EventHandler: fn, RequestValidator: &all,
					RequiredParameters: []apigw.RequiredParameterArgs{{In: pulumi.String("header"), Name: pulumi.String("Idempotency-Key")}},
					Authorizers: []apigw.AuthorizerArgs{{
						AuthorizerName: pulumi.StringRef("cognito"), ParameterName: "Authorization",
						IdentitySource: []string{"method.request.header.Authorization"},
						ProviderARNs:   []pulumi.StringInput{pool.Arn},
					}}},
				{Path: "/orders", Method: &post, Target: apigw.TargetArgs{
					Type: apigw.IntegrationType_Aws_proxy, Uri: fn.InvokeArn, HttpMethod: pulumi.String("POST")}},
			},
			GatewayResponses: map[string]apigw.SwaggerGatewayResponseInput{
				"DEFAULT_4XX": apigw.SwaggerGatewayResponseArgs{ResponseTemplates: pulumi.StringMap{"application/json": pulumi.String(`{"error":"x"}`)}},
			},
		}, opts...)
		if err != nil {
			return err
		}
		ctx.Export("url", api.Url)
		ctx.Export("restApiId", api.Stage.RestApi())
		return nil
	}
}

// runEngine runs one preview (dryRun) or update of program and returns the engine's events and,
// for an update, the new snapshot.
func runEngine(t *testing.T, program pulumi.RunFunc, snap *deploy.Snapshot, dryRun bool) ([]pengine.Event, *deploy.Snapshot, error) {
	t.Helper()
	runtime := deploytest.NewLanguageRuntimeF(func(info plugin.RunInfo, _ *deploytest.ResourceMonitor) error {
		cfg := map[string]string{}
		for k, v := range info.Config {
			cfg[k.String()] = v
		}
		pctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{
			Project: info.Project, Stack: info.Stack, Config: cfg, Parallel: info.Parallel,
			DryRun: info.DryRun, MonitorAddr: info.MonitorAddress,
		})
		if err != nil {
			return err
		}
		return pulumi.RunWithContext(pctx, program)
	})
	loaders := []*deploytest.ProviderLoader{
		deploytest.NewProviderLoader("aws", semver.MustParse(awsVersion), func() (plugin.Provider, error) { return fakeAWS(), nil }),
		deploytest.NewProviderLoader(Name, Version, func() (plugin.Provider, error) { return New(), nil }),
	}
	host := deploytest.NewPluginHostF(nil, nil, runtime, nil, nil, loaders...)()
	defer host.Close()

	project := &workspace.Project{Name: "shop", Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	cfg := config.Map{config.MustMakeKey("pulumi", "disable-default-providers"): config.NewValue(`["aws"]`)}
	target := &deploy.Target{Name: tokens.MustParseStackName("test"), Config: cfg, Decrypter: config.NopDecrypter, Snapshot: snap}
	opts := pengine.UpdateOptions{Parallel: 4, HostFactory: func(context.Context, diag.Sink, diag.Sink, plugin.DebugContext) (plugin.Host, error) {
		return host, nil
	}}
	cancelCtx, cancelSrc := cancel.NewContext(context.Background())
	defer cancelSrc.Terminate()
	events := make(chan pengine.Event)
	collected := promise.Run(func() ([]pengine.Event, error) {
		var all []pengine.Event
		for e := range events {
			all = append(all, e)
		}
		return all, nil
	})
	ectx := &pengine.Context{Cancel: cancelCtx, Events: events}
	var journal *pengine.TestJournal
	if !dryRun {
		journal = pengine.NewTestJournal()
		ectx.SnapshotManager = journal
	}
	_, _, opErr := pengine.Update(pengine.UpdateInfo{Root: "/", Project: project, Target: target}, ectx, opts, dryRun)
	close(events)
	all, _ := collected.Result(context.Background())
	if dryRun || opErr != nil {
		return all, nil, opErr
	}
	require.NoError(t, journal.Close())
	newSnap, err := journal.Entries().Snap(target.Snapshot)
	require.NoError(t, err)
	return all, newSnap, nil
}

func TestConstructRegistersTheComponentsChildren(t *testing.T) {
	var s seen
	_, snap, err := runEngine(t, shopProgram(true, &s), nil, false)
	require.NoError(t, err)
	all := snap.Resources

	var comp, provider, fn *pkgresource.State
	for _, r := range all {
		switch r.Type {
		case RestAPIType:
			comp = r
		case "pulumi:providers:aws":
			provider = r
		case FunctionType:
			fn = r
		}
	}
	require.NotNil(t, comp)
	require.NotNil(t, provider)
	require.NotNil(t, fn)
	providerRef := string(provider.URN) + "::" + string(provider.ID)

	children := map[string]*pkgresource.State{}
	for _, r := range all {
		if r.Parent == comp.URN {
			children[string(r.Type)+" "+r.URN.Name()] = r
			assert.Equal(t, providerRef, r.Provider, "%s gets the component's aws provider", r.URN)
		}
	}
	postProducts := Permission{Path: "/products", Method: "POST"}.Name("shop")
	getProducts := Permission{Path: "/products", Method: "GET"}.Name("shop")
	want := []string{
		"aws:apigateway/restApi:RestApi shop",
		"aws:apigateway/deployment:Deployment shop",
		"aws:apigateway/stage:Stage shop",
		"aws:lambda/permission:Permission " + getProducts,
		"aws:lambda/permission:Permission " + postProducts,
	}
	var got []string
	for k := range children {
		got = append(got, k)
	}
	assert.ElementsMatch(t, want, got, "the target route adds no permission")

	restAPI := children["aws:apigateway/restApi:RestApi shop"]
	require.NotNil(t, restAPI)
	assert.Equal(t, "shop", restAPI.Inputs["name"].StringValue())
	assert.Equal(t, "shop API", restAPI.Inputs["description"].StringValue())
	assert.Equal(t, []resource.PropertyValue{resource.NewProperty("*/*")}, restAPI.Inputs["binaryMediaTypes"].ArrayValue())
	assert.Equal(t, "api", restAPI.Inputs["tags"].ObjectValue()["service"].StringValue())
	// The engine applied the program's transform to the child.
	assert.Equal(t, "REGIONAL", restAPI.Inputs["endpointConfiguration"].ObjectValue()["types"].StringValue())
	assert.ElementsMatch(t, []resource.URN{fn.URN}, restAPI.PropertyDependencies["body"])

	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(restAPI.Inputs["body"].StringValue()), &doc))
	assert.Equal(t, s.body, restAPI.Inputs["body"].StringValue(), "the transform saw the body the component generated")
	arn := fn.Outputs["arn"].StringValue()
	assert.Equal(t, "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"+arn+"/invocations",
		at(t, doc, "paths", "/products", "get", integrationKey, "uri"))
	post := at(t, doc, "paths", "/products", "post").(map[string]any)
	assert.Equal(t, "ALL", post[requestValidatorKey])
	assert.Equal(t, []any{map[string]any{"name": "Idempotency-Key", "in": "header", "required": true}}, post["parameters"])
	assert.Equal(t, []any{"arn:aws:cognito-idp:eu-west-1:" + account + ":userpool/eu-west-1_pool"},
		at(t, doc, "securityDefinitions", "cognito", "x-amazon-apigateway-authorizer", "providerARNs"))
	assert.Equal(t, fn.Outputs["invokeArn"].StringValue()+"/{proxy}", at(t, doc, "paths", "/orders/{proxy+}", anyMethod, integrationKey, "uri"))
	assert.NotContains(t, doc["paths"], "/orders")
	body := restAPI.Inputs["body"].StringValue()
	assert.Less(t, strings.Index(body, `"DEFAULT_4XX"`), strings.Index(body, `"MISSING_AUTHENTICATION_TOKEN"`))
	assert.Less(t, strings.Index(body, `"MISSING_AUTHENTICATION_TOKEN"`), strings.Index(body, `"ACCESS_DENIED"`))
	assert.Equal(t, float64(404), at(t, doc, "x-amazon-apigateway-gateway-responses", "ACCESS_DENIED", "statusCode"))

	deployment := children["aws:apigateway/deployment:Deployment shop"]
	require.NotNil(t, deployment)
	assert.Equal(t, "", deployment.Inputs["stageName"].StringValue())
	version := deployment.Inputs["variables"].ObjectValue()["version"].StringValue()
	assert.Regexp(t, `^[0-9a-f]{8}$`, version)
	assert.NotContains(t, deployment.Inputs, resource.PropertyKey("triggers"))
	assert.NotContains(t, deployment.Inputs, resource.PropertyKey("description"))

	perm := children["aws:lambda/permission:Permission "+getProducts]
	require.NotNil(t, perm)
	assert.Equal(t, "lambda:invokeFunction", perm.Inputs["action"].StringValue())
	assert.Equal(t, "apigateway.amazonaws.com", perm.Inputs["principal"].StringValue())
	assert.Equal(t, "arn:aws:execute-api:eu-west-1:"+account+":"+apiID+"/*/GET/products", perm.Inputs["sourceArn"].StringValue())
	assert.Contains(t, perm.Dependencies, fn.URN)

	stage := children["aws:apigateway/stage:Stage shop"]
	require.NotNil(t, stage)
	assert.Equal(t, "v1", stage.Inputs["stageName"].StringValue())
	assert.Equal(t, "api", stage.Inputs["tags"].ObjectValue()["service"].StringValue())
	assert.Contains(t, stage.Dependencies, perm.URN, "the stage waits for the permissions")
	assert.Contains(t, stage.Dependencies, deployment.URN)

	// The component's outputs: the real four (apiPolicy is undefined), resources as references.
	assert.ElementsMatch(t, []resource.PropertyKey{"url", "api", "deployment", "stage"}, comp.Outputs.StableKeys())
	assert.Equal(t, "https://"+apiID+".execute-api.eu-west-1.amazonaws.com/v1/", comp.Outputs["url"].StringValue())
	require.True(t, comp.Outputs["api"].IsResourceReference())
	assert.Equal(t, restAPI.URN, comp.Outputs["api"].ResourceReferenceValue().URN)

	// What the program reads back.
	var stack *pkgresource.State
	for _, r := range all {
		if r.Type == "pulumi:pulumi:Stack" {
			stack = r
		}
	}
	require.NotNil(t, stack)
	assert.Equal(t, "https://"+apiID+".execute-api.eu-west-1.amazonaws.com/v1/", stack.Outputs["url"].StringValue())
	assert.Equal(t, apiID, stack.Outputs["restApiId"].StringValue())

	t.Run("a preview of the same program registers the same children", func(t *testing.T) {
		events, _, err := runEngine(t, shopProgram(true, &seen{}), snap, true)
		require.NoError(t, err)
		assert.Subset(t, stepNames(events, comp.URN), want)
	})
}

// stepNames are "type name" of the resources steps were planned for under parent.
func stepNames(events []pengine.Event, parent resource.URN) []string {
	var out []string
	for _, e := range events {
		if e.Type != pengine.ResourcePreEvent {
			continue
		}
		md := e.Payload().(pengine.ResourcePreEventPayload).Metadata
		if md.New != nil && md.New.Parent == parent {
			out = append(out, string(md.Type)+" "+md.URN.Name())
		}
	}
	return out
}

// On a fresh stack the pool's ARN is unknown during a preview; the component builds its children in
// an apply on the routes, which does not run on an unknown value, so none are planned.
func TestFreshPreviewRegistersNoChildrenWhileRoutesAreUnknown(t *testing.T) {
	events, _, err := runEngine(t, shopProgram(true, &seen{}), nil, true)
	require.NoError(t, err)
	var comp resource.URN
	for _, e := range events {
		if e.Type == pengine.ResourcePreEvent {
			if md := e.Payload().(pengine.ResourcePreEventPayload).Metadata; md.Type == RestAPIType {
				comp = md.URN
			}
		}
	}
	require.NotEmpty(t, comp, "the component itself is planned")
	assert.Empty(t, stepNames(events, comp))
}

// With aws default providers disabled, a component given no aws provider fails: its first use of
// aws, the getRegion invoke for the integration URIs, has no provider, as for the real component
// (its children would have none either).
func TestWithoutAnAWSProviderTheComponentFails(t *testing.T) {
	events, _, err := runEngine(t, shopProgram(false, &seen{}), nil, false)
	require.Error(t, err)
	var diags []string
	for _, e := range events {
		if e.Type == pengine.DiagEvent {
			diags = append(diags, e.Payload().(pengine.DiagEventPayload).Message)
		}
	}
	assert.Contains(t, strings.Join(diags, "\n"), "Default provider for 'aws' disabled. 'aws:index/getRegion:getRegion'")
}

func TestConstructRefusesWhatItDoesNotModel(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]property.Value
		want   string
	}{
		{"swaggerString", map[string]property.Value{"swaggerString": property.New("{}")}, "swaggerString: not modeled"},
		{"no routes", map[string]property.Value{}, "needs routes"},
		{"unknown input", map[string]property.Value{"policy": property.New("{}")}, `"policy" is not an input`},
		{"lambda authorizer", map[string]property.Value{"routes": property.New([]property.Value{property.New(map[string]property.Value{
			"path": property.New("/x"), "method": property.New("GET"), "data": property.New(map[string]property.Value{}),
			"authorizers": property.New([]property.Value{property.New(map[string]property.Value{"handler": property.New("fn")})}),
		})})}, "Lambda authorizers are not modeled"},
		{"static route", map[string]property.Value{"routes": property.New([]property.Value{property.New(map[string]property.Value{
			"path": property.New("/x"), "localPath": property.New("www"),
		})})}, "static (localPath) routes are not modeled"},
		{"event handler that is not a function", map[string]property.Value{"routes": property.New([]property.Value{property.New(map[string]property.Value{
			"path": property.New("/x"), "method": property.New("GET"), "eventHandler": property.New("arn:aws:lambda:fn"),
		})})}, "not a reference to a Lambda function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &constructor{name: "shop", inputs: property.NewMap(tt.inputs), lambdas: map[resource.URN]*Function{}}
			_, _, err := c.build()
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
