package harness

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Account is the AWS account id the mocks put into ARNs.
const Account = "123456789012"

// restAPIType is pulumi-aws-apigateway's remote component: the mock sees it as one resource whose
// children (RestApi, Deployment, Stage) are never created.
const restAPIType = "aws-apigateway:index:RestAPI"

// mocks answers the program's resource registrations like a provider would, synthesising the
// outputs (ids, ARNs, names) other resources read, and records every registration.
type mocks struct {
	project, stack string

	mu        sync.Mutex
	resources []Resource
	regions   map[string]string // provider id -> region
	byURN     map[string]int
}

var _ pulumi.MockResourceMonitor = (*mocks)(nil)

func newMocks(project, stack string) *mocks {
	return &mocks{project: project, stack: stack, regions: map[string]string{}, byURN: map[string]int{}}
}

func (m *mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	urn := m.urn(rpc.GetParent(), args.TypeToken, args.Name)
	id := args.Name + "-id"
	switch {
	case args.TypeToken == restAPIType:
		// The SDK resolves the api/stage/deployment references to this id: make it the REST API's.
		id = args.Name + "-api-id"
	case !args.Custom:
		id = ""
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	region := m.regionOf(args, rpc.GetParent())
	state := args.Inputs.Copy()
	if strings.HasPrefix(args.TypeToken, "pulumi:providers:") {
		if r := args.Inputs["region"]; r.IsString() {
			m.regions[id] = r.StringValue()
			region = r.StringValue()
		}
	} else if args.Custom {
		synthesize(args.TypeToken, args.Name, id, region, state)
	}
	if args.TypeToken == restAPIType {
		restAPIState(urn, args.Name, region, state)
	}

	rec := Resource{
		Type:       args.TypeToken,
		Name:       args.Name,
		URN:        urn,
		Parent:     rpc.GetParent(),
		Provider:   providerURN(args.Provider),
		Region:     region,
		Custom:     args.Custom,
		Protect:    rpc.GetProtect(),
		DependsOn:  rpc.GetDependencies(),
		Transforms: len(args.Transforms),
		Inputs:     Plain(args.Inputs),
		State:      Plain(state),
	}
	m.byURN[urn] = len(m.resources)
	m.resources = append(m.resources, rec)
	return id, state, nil
}

// regionOf is the region of a resource's provider, or else its parent's region.
func (m *mocks) regionOf(args pulumi.MockResourceArgs, parent string) string {
	if r, ok := m.regions[providerID(args.Provider)]; ok {
		return r
	}
	for _, ref := range args.RegisterRPC.GetProviders() {
		if r, ok := m.regions[providerID(ref)]; ok {
			return r
		}
	}
	if i, ok := m.byURN[parent]; ok {
		return m.resources[i].Region
	}
	return ""
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": Account, "arn": "arn:aws:iam::" + Account + ":user/mock", "userId": "mock"}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com"}), nil
	}
	return nil, fmt.Errorf("mocks: no answer for function %s", args.Token)
}

// providerRef is "urn::id"; these split it.
func providerID(ref string) string {
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		return ref[i+2:]
	}
	return ""
}

func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		return ref[:i]
	}
	return ""
}

// synthesize adds the outputs a provider would compute: physical names, ARNs and a few
// type-specific attributes the program reads.
func synthesize(typ, name, id, region string, state resource.PropertyMap) {
	physical := name
	if v := state["name"]; v.IsString() && v.StringValue() != "" {
		physical = v.StringValue()
	} else {
		state["name"] = resource.NewProperty(name + "-mock")
		physical = name + "-mock"
	}
	state["id"] = resource.NewProperty(id)
	set := func(key, value string) {
		if _, ok := state[resource.PropertyKey(key)]; !ok {
			state[resource.PropertyKey(key)] = resource.NewProperty(value)
		}
	}
	prefix := func(service string) string { return "arn:aws:" + service + ":" + region + ":" + Account + ":" }
	switch typ {
	case "aws:lambda/function:Function":
		set("arn", prefix("lambda")+"function:"+physical)
		set("qualifiedArn", prefix("lambda")+"function:"+physical+":$LATEST")
		set("invokeArn", "arn:aws:apigateway:"+region+":lambda:path/2015-03-31/functions/"+prefix("lambda")+"function:"+physical+"/invocations")
		set("version", "1")
	case "aws:iam/role:Role":
		set("arn", "arn:aws:iam::"+Account+":role/"+physical)
	case "aws:iam/policy:Policy":
		set("arn", "arn:aws:iam::"+Account+":policy/"+physical)
	case "aws:cloudwatch/logGroup:LogGroup":
		set("arn", prefix("logs")+"log-group:"+physical)
	case "aws:dynamodb/table:Table":
		set("arn", prefix("dynamodb")+"table/"+physical)
		set("streamArn", prefix("dynamodb")+"table/"+physical+"/stream/1970-01-01T00:00:00.000")
	case "aws:kms/key:Key":
		set("arn", prefix("kms")+"key/"+id)
		set("keyId", id)
	case "aws:sns/topic:Topic":
		set("arn", prefix("sns")+physical)
	case "aws:cloudwatch/eventBus:EventBus":
		set("arn", prefix("events")+"event-bus/"+physical)
	case "aws:cloudwatch/eventRule:EventRule":
		set("arn", prefix("events")+"rule/"+physical)
	case "aws:sqs/queue:Queue":
		set("arn", prefix("sqs")+physical)
		set("url", "https://sqs."+region+".amazonaws.com/"+Account+"/"+physical)
	case "aws:acm/certificate:Certificate":
		domain := state["domainName"].StringValue()
		set("arn", prefix("acm")+"certificate/"+id)
		// ACM asks for the same CNAME in every region for a domain of one account.
		state["domainValidationOptions"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
			"domainName":          resource.NewProperty(domain),
			"resourceRecordName":  resource.NewProperty("_0123456789abcdef." + domain + "."),
			"resourceRecordType":  resource.NewProperty("CNAME"),
			"resourceRecordValue": resource.NewProperty("_fedcba9876543210.acm-validations.aws."),
		})})
	case "aws:route53/record:Record":
		set("fqdn", strings.TrimSuffix(physical, "."))
	case "aws:apigateway/domainName:DomainName":
		set("regionalDomainName", "d-"+id+".execute-api."+region+".amazonaws.com")
		set("regionalZoneId", "Z1UJRXOUMOOFQ8")
		set("arn", "arn:aws:apigateway:"+region+"::/domainnames/"+physical)
	case "aws:lambda/alias:Alias":
		fn := state["functionName"].StringValue()
		set("arn", prefix("lambda")+"function:"+fn+":"+physical)
		set("invokeArn", "arn:aws:apigateway:"+region+":lambda:path/2015-03-31/functions/"+prefix("lambda")+"function:"+fn+":"+physical+"/invocations")
	default:
		module := tokens.Type(typ).Module().Name().String()
		set("arn", prefix(module)+strings.ToLower(tokens.Type(typ).Name().String())+"/"+physical)
	}
}

// restAPIState answers for the remote RestAPI component: its api, stage and deployment outputs are
// resource references that the SDK resolves with getResource. Each points at the RestAPI's own URN
// (which the mock monitor stores before the SDK resolves them), and the nested properties those
// resources expose live in the RestAPI's state.
func restAPIState(urn, name, region string, state resource.PropertyMap) {
	apiID := name + "-api-id"
	stageName := "stage"
	if v := state["stageName"]; v.IsString() && v.StringValue() != "" {
		stageName = v.StringValue()
	}
	ref := func(typ string) resource.PropertyValue {
		return resource.NewResourceReferenceProperty(resource.ResourceReference{
			URN: resource.URN(urn), Type: typ, Name: name, ID: resource.NewProperty(name + "-" + typ),
		})
	}
	execute := "arn:aws:execute-api:" + region + ":" + Account + ":" + apiID
	fields := map[string]resource.PropertyValue{
		"api":            ref("aws:apigateway/restApi:RestApi"),
		"stage":          ref("aws:apigateway/stage:Stage"),
		"deployment":     ref("aws:apigateway/deployment:Deployment"),
		"url":            resource.NewProperty("https://" + apiID + ".execute-api." + region + ".amazonaws.com/" + stageName + "/"),
		"stageName":      resource.NewProperty(stageName),
		"restApi":        resource.NewProperty(apiID),
		"rootResourceId": resource.NewProperty(name + "-root"),
		"arn":            resource.NewProperty("arn:aws:apigateway:" + region + "::/restapis/" + apiID + "/stages/" + stageName),
		"executionArn":   resource.NewProperty(execute),
		"invokeUrl":      resource.NewProperty("https://" + apiID + ".execute-api." + region + ".amazonaws.com/" + stageName),
	}
	for k, v := range fields {
		state[resource.PropertyKey(k)] = v
	}
}
