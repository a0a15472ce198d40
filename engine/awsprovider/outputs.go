package awsprovider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math/big"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// facts is what a created resource's outputs derive from. Everything random in AWS (ids, key ids,
// hosts) is a hash of the URN, region and inputs here: the same program gives the same outputs.
type facts struct {
	urn    resource.URN
	typ    tokens.Type
	region string
	inputs property.Map
	id     string       // set on update: AWS keeps the id
	old    property.Map // the prior outputs on an update
	seed   string
}

func newFacts(urn resource.URN, typ tokens.Type, region string, inputs property.Map, id string) facts {
	return facts{urn: urn, typ: typ, region: region, inputs: inputs, id: id,
		seed: string(urn) + "|" + region + "|" + canonical(property.New(inputs))}
}

// str is a known string input, or "".
func (f facts) str(key string) string {
	if v := f.inputs.Get(key); v.IsString() {
		return v.AsString()
	}
	return ""
}

func (f facts) flag(key string) bool {
	v := f.inputs.Get(key)
	return v.IsBool() && v.AsBool()
}

// hash is n hex characters derived from the facts and a purpose, so two identifiers of one
// resource differ.
func (f facts) hash(purpose string, n int) string {
	sum := sha256.Sum256([]byte(f.seed + "|" + purpose))
	return hex.EncodeToString(sum[:])[:n]
}

// alnum is n lower-case alphanumerics, the shape of API Gateway and Cognito ids.
func (f facts) alnum(purpose string, n int) string {
	s := new(big.Int).SetBytes([]byte(f.hash(purpose, 64))).Text(36)
	return s[len(s)-n:]
}

func (f facts) uuid(purpose string) string {
	h := f.hash(purpose, 32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// arn is a regional ARN in the configured region and the stand-in's account.
func (f facts) arn(service, rest string) string {
	return "arn:aws:" + service + ":" + f.region + ":" + Account + ":" + rest
}

// lambdaInvokeArn is how API Gateway addresses a Lambda function or alias.
func (f facts) lambdaInvokeArn(target string) string {
	return "arn:aws:apigateway:" + f.region + ":lambda:path/2015-03-31/functions/" + target + "/invocations"
}

// name is the physical name: the input, or what Terraform makes of a namePrefix.
func (f facts) name() string {
	if n := f.str("name"); n != "" {
		return n
	}
	if prefix := f.str("namePrefix"); prefix != "" {
		return prefix + f.hash("name", prefixedSuffixLength)
	}
	return ""
}

// createdAt is the one creation time every resource reports.
const createdAt = "1970-01-01T00:00:00Z"

// synthesizer computes a type's id and computed outputs, in the shapes terraform-provider-aws
// returns them (each resource's Read sets its id and attributes).
type synthesizer func(f facts) (id string, outs map[string]any, err error)

var synthesizers = map[tokens.Type]synthesizer{
	"aws:acm/certificate:Certificate": func(f facts) (string, map[string]any, error) {
		arn := f.arn("acm", "certificate/"+f.uuid("certificate"))
		return arn, map[string]any{"arn": arn, "status": "PENDING_VALIDATION",
			"domainValidationOptions": acmValidationOptions(f)}, nil
	},
	"aws:acm/certificateValidation:CertificateValidation": func(f facts) (string, map[string]any, error) {
		return createdAt, nil, nil
	},
	"aws:apigateway/account:Account": func(f facts) (string, map[string]any, error) {
		return "api-gateway-account", nil, nil
	},
	"aws:apigateway/authorizer:Authorizer": func(f facts) (string, map[string]any, error) {
		id := f.alnum("authorizer", 6)
		return id, map[string]any{"arn": "arn:aws:apigateway:" + f.region + "::/restapis/" + f.str("restApi") + "/authorizers/" + id}, nil
	},
	"aws:apigateway/basePathMapping:BasePathMapping": func(f facts) (string, map[string]any, error) {
		return f.str("domainName") + "/" + f.str("basePath"), nil, nil
	},
	"aws:apigateway/deployment:Deployment": func(f facts) (string, map[string]any, error) {
		api, stage := f.str("restApi"), f.str("stageName")
		return f.alnum("deployment", 6), map[string]any{"createdDate": createdAt,
			"executionArn": f.arn("execute-api", api+"/"+stage),
			"invokeUrl":    "https://" + api + ".execute-api." + f.region + ".amazonaws.com/" + stage}, nil
	},
	"aws:apigateway/domainName:DomainName": func(f facts) (string, map[string]any, error) {
		zone, ok := apiGatewayZones[f.region]
		if !ok {
			return "", nil, fmt.Errorf("the stand-in knows no API Gateway hosted zone for region %q; add it to apiGatewayZones", f.region)
		}
		domain := f.str("domainName")
		return domain, map[string]any{
			"arn":                "arn:aws:apigateway:" + f.region + "::/domainnames/" + domain,
			"regionalDomainName": "d-" + f.alnum("domain", 10) + ".execute-api." + f.region + ".amazonaws.com",
			"regionalZoneId":     zone,
		}, nil
	},
	"aws:apigateway/methodSettings:MethodSettings": func(f facts) (string, map[string]any, error) {
		return f.str("restApi") + "-" + f.str("stageName") + "-" + f.str("methodPath"), nil, nil
	},
	"aws:apigateway/model:Model": func(f facts) (string, map[string]any, error) {
		return f.alnum("model", 6), nil, nil
	},
	"aws:apigateway/requestValidator:RequestValidator": func(f facts) (string, map[string]any, error) {
		return f.alnum("validator", 6), nil, nil
	},
	"aws:apigateway/response:Response": func(f facts) (string, map[string]any, error) {
		return "aggr-" + f.str("restApiId") + "-" + f.str("responseType"), nil, nil
	},
	"aws:apigateway/restApi:RestApi": func(f facts) (string, map[string]any, error) {
		id := f.alnum("restapi", 10)
		return id, map[string]any{"arn": "arn:aws:apigateway:" + f.region + "::/restapis/" + id,
			"executionArn": f.arn("execute-api", id), "rootResourceId": f.alnum("root", 10), "createdDate": createdAt}, nil
	},
	"aws:apigateway/stage:Stage": func(f facts) (string, map[string]any, error) {
		api, stage := f.str("restApi"), f.str("stageName")
		return "ags-" + api + "-" + stage, map[string]any{
			"arn":          "arn:aws:apigateway:" + f.region + "::/restapis/" + api + "/stages/" + stage,
			"executionArn": f.arn("execute-api", api+"/"+stage),
			"invokeUrl":    "https://" + api + ".execute-api." + f.region + ".amazonaws.com/" + stage,
		}, nil
	},
	"aws:appautoscaling/policy:Policy": func(f facts) (string, map[string]any, error) {
		return f.name(), map[string]any{"arn": f.arn("autoscaling", "scalingPolicy:"+f.uuid("policy")+":resource/"+
			f.str("serviceNamespace")+"/"+f.str("resourceId")+":policyName/"+f.name())}, nil
	},
	"aws:appautoscaling/target:Target": func(f facts) (string, map[string]any, error) {
		return f.str("resourceId"), map[string]any{"arn": f.arn("application-autoscaling", "scalable-target/"+f.alnum("target", 20))}, nil
	},
	"aws:cloudwatch/dashboard:Dashboard": func(f facts) (string, map[string]any, error) {
		name := f.str("dashboardName")
		return name, map[string]any{"dashboardArn": "arn:aws:cloudwatch::" + Account + ":dashboard/" + name}, nil
	},
	"aws:cloudwatch/eventArchive:EventArchive": func(f facts) (string, map[string]any, error) {
		return f.name(), map[string]any{"arn": f.arn("events", "archive/"+f.name())}, nil
	},
	"aws:cloudwatch/eventBus:EventBus": func(f facts) (string, map[string]any, error) {
		return f.name(), map[string]any{"arn": f.arn("events", "event-bus/"+f.name())}, nil
	},
	"aws:cloudwatch/eventRule:EventRule": func(f facts) (string, map[string]any, error) {
		path := f.name()
		if bus := f.str("eventBusName"); bus != "" && bus != "default" {
			path = bus + "/" + path
		}
		return path, map[string]any{"arn": f.arn("events", "rule/"+path)}, nil
	},
	"aws:cloudwatch/eventTarget:EventTarget": func(f facts) (string, map[string]any, error) {
		if bus := f.str("eventBusName"); bus != "" && bus != "default" {
			return bus + "/" + f.str("rule") + "/" + f.str("targetId"), nil, nil
		}
		return f.str("rule") + "-" + f.str("targetId"), nil, nil
	},
	"aws:cloudwatch/logGroup:LogGroup": func(f facts) (string, map[string]any, error) {
		return f.name(), map[string]any{"arn": f.arn("logs", "log-group:"+f.name())}, nil
	},
	"aws:cloudwatch/metricAlarm:MetricAlarm": func(f facts) (string, map[string]any, error) {
		return f.name(), map[string]any{"arn": f.arn("cloudwatch", "alarm:"+f.name())}, nil
	},
	"aws:cognito/userGroup:UserGroup": func(f facts) (string, map[string]any, error) {
		return f.str("userPoolId") + "/" + f.name(), nil, nil
	},
	"aws:cognito/userPool:UserPool": func(f facts) (string, map[string]any, error) {
		id := f.region + "_" + f.alnum("userpool", 9)
		return id, map[string]any{"arn": f.arn("cognito-idp", "userpool/"+id),
			"endpoint": "cognito-idp." + f.region + ".amazonaws.com/" + id, "creationDate": createdAt}, nil
	},
	"aws:cognito/userPoolClient:UserPoolClient": func(f facts) (string, map[string]any, error) {
		outs := map[string]any{}
		if f.flag("generateSecret") {
			outs["clientSecret"] = f.alnum("secret", 50)
		}
		return f.alnum("client", 26), outs, nil
	},
	"aws:dynamodb/table:Table": func(f facts) (string, map[string]any, error) {
		arn := f.arn("dynamodb", "table/"+f.name())
		outs := map[string]any{"arn": arn}
		if f.flag("streamEnabled") {
			outs["streamLabel"] = "1970-01-01T00:00:00.000"
			outs["streamArn"] = arn + "/stream/1970-01-01T00:00:00.000"
		}
		return f.name(), outs, nil
	},
	"aws:iam/policy:Policy": func(f facts) (string, map[string]any, error) {
		arn := "arn:aws:iam::" + Account + ":policy" + iamPath(f) + f.name()
		return arn, map[string]any{"arn": arn, "policyId": "ANPA" + strings.ToUpper(f.alnum("policy", 17))}, nil
	},
	"aws:iam/role:Role": func(f facts) (string, map[string]any, error) {
		return f.name(), map[string]any{"arn": "arn:aws:iam::" + Account + ":role" + iamPath(f) + f.name(),
			"uniqueId": "AROA" + strings.ToUpper(f.alnum("role", 17)), "createDate": createdAt}, nil
	},
	"aws:iam/rolePolicy:RolePolicy": func(f facts) (string, map[string]any, error) {
		return f.str("role") + ":" + f.name(), nil, nil
	},
	"aws:kms/alias:Alias": func(f facts) (string, map[string]any, error) {
		target := f.str("targetKeyId")
		if !strings.HasPrefix(target, "arn:") {
			target = f.arn("kms", "key/"+target)
		}
		return f.name(), map[string]any{"arn": f.arn("kms", f.name()), "targetKeyArn": target}, nil
	},
	"aws:kms/key:Key": func(f facts) (string, map[string]any, error) {
		keyID := f.uuid("key")
		return keyID, map[string]any{"arn": f.arn("kms", "key/"+keyID), "keyId": keyID}, nil
	},
	"aws:lambda/alias:Alias": func(f facts) (string, map[string]any, error) {
		arn := functionArn(f, f.str("functionName")) + ":" + f.name()
		return arn, map[string]any{"arn": arn, "invokeArn": f.lambdaInvokeArn(arn)}, nil
	},
	"aws:lambda/eventSourceMapping:EventSourceMapping": func(f facts) (string, map[string]any, error) {
		id := f.uuid("mapping")
		return id, map[string]any{"uuid": id, "arn": f.arn("lambda", "event-source-mapping:"+id),
			"functionArn": functionArn(f, f.str("functionName")), "state": "Enabled"}, nil
	},
	"aws:lambda/function:Function": func(f facts) (string, map[string]any, error) {
		arn := f.arn("lambda", "function:"+f.name())
		// A published function's first version is 1; otherwise Lambda reports $LATEST.
		version := "$LATEST"
		if f.flag("publish") {
			version = "1"
		}
		qualified := arn + ":" + version
		return f.name(), map[string]any{"arn": arn, "invokeArn": f.lambdaInvokeArn(arn), "version": version,
			"qualifiedArn": qualified, "qualifiedInvokeArn": f.lambdaInvokeArn(qualified),
			"lastModified": createdAt, "sourceCodeHash": f.hash("code", 64)}, nil
	},
	"aws:lambda/permission:Permission": func(f facts) (string, map[string]any, error) {
		return f.str("statementId"), nil, nil
	},
	"aws:route53/healthCheck:HealthCheck": func(f facts) (string, map[string]any, error) {
		id := f.uuid("healthcheck")
		return id, map[string]any{"arn": "arn:aws:route53:::healthcheck/" + id}, nil
	},
	"aws:route53/record:Record": func(f facts) (string, map[string]any, error) {
		id := f.str("zoneId") + "_" + f.str("name") + "_" + f.str("type")
		if set := f.str("setIdentifier"); set != "" {
			id += "_" + set
		}
		return id, map[string]any{"fqdn": strings.TrimSuffix(strings.ToLower(f.str("name")), ".")}, nil
	},
	"aws:sns/topic:Topic": func(f facts) (string, map[string]any, error) {
		arn := f.arn("sns", f.name())
		return arn, map[string]any{"arn": arn, "owner": Account}, nil
	},
	"aws:sns/topicSubscription:TopicSubscription": func(f facts) (string, map[string]any, error) {
		arn := f.str("topic") + ":" + f.uuid("subscription")
		return arn, map[string]any{"arn": arn, "ownerId": Account}, nil
	},
	"aws:sqs/queue:Queue": func(f facts) (string, map[string]any, error) {
		url := "https://sqs." + f.region + ".amazonaws.com/" + Account + "/" + f.name()
		return url, map[string]any{"arn": f.arn("sqs", f.name()), "url": url}, nil
	},
	"aws:sqs/queuePolicy:QueuePolicy": func(f facts) (string, map[string]any, error) {
		return f.str("queueUrl"), nil, nil
	},
	"aws:wafv2/webAcl:WebAcl": func(f facts) (string, map[string]any, error) {
		id := f.uuid("webacl")
		return id, map[string]any{"arn": f.arn("wafv2", "regional/webacl/"+f.name()+"/"+id), "lockToken": f.uuid("lock")}, nil
	},
	"aws:wafv2/webAclAssociation:WebAclAssociation": func(f facts) (string, map[string]any, error) {
		return f.str("webAclArn") + "," + f.str("resourceArn"), nil, nil
	},
}

// outputs are the id and the inputs, the synthesised computed outputs, the id and tagsAll.
func (p *provider) outputs(t sdkType, f facts) (string, property.Map, error) {
	synth, ok := synthesizers[f.typ]
	if !ok {
		return "", property.Map{}, fmt.Errorf("no outputs are modelled for %s", f.typ)
	}
	id, computed, err := synth(f)
	if err != nil {
		return "", property.Map{}, err
	}
	if f.id != "" {
		id = f.id
	}
	outs := maps.Clone(f.inputs.AsMap())
	if outs == nil {
		outs = map[string]property.Value{}
	}
	declared := t.outputs()
	if _, ok := declared["name"]; ok && f.name() != "" {
		outs["name"] = property.New(f.name())
	}
	for k, v := range computed {
		if _, ok := declared[k]; !ok {
			return "", property.Map{}, fmt.Errorf("%s has no output %q", f.typ, k)
		}
		if _, set := outs[k]; !set {
			outs[k] = toValue(v)
		}
	}
	if _, ok := declared["tagsAll"]; ok {
		outs["tagsAll"] = p.tagsAll(f.inputs)
	}
	if f.typ == dynamoTableType {
		outs["replicas"] = replicaOutputs(f.name(), f.inputs.Get("replicas"), f.old.Get("replicas"), false)
	}
	outs["id"] = property.New(id)
	// A bridged provider returns the whole Terraform state: every attribute of the schema, null
	// where AWS set nothing. A key left out would read as unknown to an SDK during a later preview
	// (the Node SDK resolves missing outputs as unknown in a dry run), so every declared output is
	// present.
	for k := range declared {
		if _, set := outs[k]; !set {
			outs[k] = property.New(property.Null)
		}
	}
	return id, property.NewMap(outs), nil
}

// functionArn accepts what Lambda's APIs accept for a function: a name or an ARN.
func functionArn(f facts, nameOrArn string) string {
	if strings.HasPrefix(nameOrArn, "arn:") {
		return nameOrArn
	}
	return f.arn("lambda", "function:"+nameOrArn)
}

// iamPath is the role or policy path, "/" unless set.
func iamPath(f facts) string {
	if p := f.str("path"); p != "" {
		return p
	}
	return "/"
}

// acmValidationOptions is the DNS record ACM asks for, per domain. ACM derives the record from the
// domain and the account, so every region's certificate for a domain asks for the same record
// (AWS Certificate Manager user guide, DNS validation).
func acmValidationOptions(f facts) []any {
	domains := []string{f.str("domainName")}
	if sans := f.inputs.Get("subjectAlternativeNames"); sans.IsArray() {
		for _, s := range sans.AsArray().All {
			if s.IsString() && s.AsString() != domains[0] {
				domains = append(domains, s.AsString())
			}
		}
	}
	var out []any
	for _, d := range domains {
		sum := sha256.Sum256([]byte(Account + "|" + d))
		token := hex.EncodeToString(sum[:])
		out = append(out, map[string]any{
			"domainName":          d,
			"resourceRecordName":  "_" + token[:32] + "." + d + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + token[32:] + ".acm-validations.aws.",
		})
	}
	return out
}

// apiGatewayZones are API Gateway's regional hosted zone ids, which alias records to a regional
// custom domain point at (AWS General Reference, Amazon API Gateway endpoints), for the regions
// shopstack's environments use and their neighbours.
var apiGatewayZones = map[string]string{
	"us-east-1":      "Z1UJRXOUMOOFQ8",
	"us-east-2":      "ZOJJZC49E0EPZ",
	"us-west-1":      "Z2MUQ32089INYE",
	"us-west-2":      "Z2OJLYMUO9EFXC",
	"ca-central-1":   "Z19DQILCV0OWEC",
	"eu-west-1":      "ZLY8HYME6SFDD",
	"eu-west-2":      "ZJ5UAJN8Y3Z2Q",
	"eu-west-3":      "Z3KY65QIEKYHQQ",
	"eu-central-1":   "Z1U9ULNL0V5AJ3",
	"eu-north-1":     "Z3UWIKFBOOGXPP",
	"ap-northeast-1": "Z1YSHQZHG15GKL",
	"ap-northeast-2": "Z20JF4UZKIW1U8",
	"ap-southeast-1": "ZL327KTPIQFUL",
	"ap-southeast-2": "Z2RPCDW04V8134",
	"ap-south-1":     "Z3VO1THU9YC4UR",
	"sa-east-1":      "ZCMLWB8V5SYIT",
}

// canonical is a stable text of a value, for hashing.
func canonical(v property.Value) string {
	switch {
	case v.IsMap():
		m := v.AsMap()
		keys := make([]string, 0, m.Len())
		for k := range m.All {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{")
		for _, k := range keys {
			fmt.Fprintf(&b, "%q:%s,", k, canonical(m.Get(k)))
		}
		return b.String() + "}"
	case v.IsArray():
		var b strings.Builder
		b.WriteString("[")
		for _, e := range v.AsArray().All {
			b.WriteString(canonical(e) + ",")
		}
		return b.String() + "]"
	case v.IsArchive():
		return "archive:" + v.AsArchive().Hash
	case v.IsAsset():
		return "asset:" + v.AsAsset().Hash
	default:
		return v.GoString()
	}
}

// toValue converts the plain Go values the synthesizers build.
func toValue(v any) property.Value {
	switch v := v.(type) {
	case nil:
		return property.New(property.Null)
	case property.Value:
		return v
	case string:
		return property.New(v)
	case bool:
		return property.New(v)
	case int:
		return property.New(float64(v))
	case float64:
		return property.New(v)
	case []any:
		out := make([]property.Value, len(v))
		for i, e := range v {
			out[i] = toValue(e)
		}
		return property.New(out)
	case map[string]any:
		out := make(map[string]property.Value, len(v))
		for k, e := range v {
			out[k] = toValue(e)
		}
		return property.New(out)
	}
	panic(fmt.Sprintf("toValue: unsupported %T", v))
}

// dynamoTableType is the DynamoDB table, whose replicas carry computed attributes.
const dynamoTableType tokens.Type = "aws:dynamodb/table:Table"

// replicaOutputs fills in what AWS computes for each replica of a global table: its arn, and the
// stream_arn and stream_label of its own stream (terraform-provider-aws
// internal/service/dynamodb/table.go, the replica block's Computed attributes). A replica that
// existed keeps them (old, from the prior outputs); a new one's are unknown in a preview and made
// in its region on a create or update.
func replicaOutputs(name string, replicas, old property.Value, preview bool) property.Value {
	if !replicas.IsArray() {
		return replicas
	}
	prior := map[string]property.Map{}
	if old.IsArray() {
		for _, r := range old.AsArray().All {
			if r.IsMap() && r.AsMap().Get("regionName").IsString() {
				prior[r.AsMap().Get("regionName").AsString()] = r.AsMap()
			}
		}
	}
	var out []property.Value
	for _, r := range replicas.AsArray().All {
		if !r.IsMap() || !r.AsMap().Get("regionName").IsString() {
			out = append(out, r)
			continue
		}
		m := maps.Clone(r.AsMap().AsMap())
		region := m["regionName"].AsString()
		computed := map[string]property.Value{}
		if p, ok := prior[region]; ok && p.Get("streamArn").IsString() {
			for _, k := range []string{"arn", "streamArn", "streamLabel"} {
				computed[k] = p.Get(k)
			}
		} else if preview {
			for _, k := range []string{"arn", "streamArn", "streamLabel"} {
				computed[k] = property.New(property.Computed)
			}
		} else {
			arn := "arn:aws:dynamodb:" + region + ":" + Account + ":table/" + name
			computed["arn"] = property.New(arn)
			computed["streamLabel"] = property.New("1970-01-01T00:00:00.000")
			computed["streamArn"] = property.New(arn + "/stream/1970-01-01T00:00:00.000")
		}
		maps.Copy(m, computed)
		out = append(out, property.New(property.NewMap(m)))
	}
	return property.New(property.NewArray(out))
}

// stringOf is a known string value, or "".
func stringOf(v property.Value) string {
	if v.IsString() {
		return v.AsString()
	}
	return ""
}
