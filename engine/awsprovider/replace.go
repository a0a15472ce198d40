package awsprovider

import "github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

// replaceOnChange lists, per type, the inputs whose change replaces the resource: the attributes
// terraform-provider-aws marks `ForceNew: true`, which the bridge turns into a replacement in Diff.
// The comment on each line names the terraform-provider-aws file. Lines marked "read" were checked
// in that file's schema for this stand-in; the others are from the provider's documented
// behaviour ("Changing this forces a new resource") and were not re-read.
var replaceOnChange = map[tokens.Type][]string{
	// internal/service/acm/certificate.go
	"aws:acm/certificate:Certificate": {"domainName", "subjectAlternativeNames", "keyAlgorithm", "privateKey", "certificateBody", "certificateChain", "certificateAuthorityArn"},
	// internal/service/acm/certificate_validation.go
	"aws:acm/certificateValidation:CertificateValidation": {"certificateArn", "validationRecordFqdns"},
	// internal/service/apigateway/authorizer.go
	"aws:apigateway/authorizer:Authorizer": {"restApi"},
	// internal/service/apigateway/base_path_mapping.go
	"aws:apigateway/basePathMapping:BasePathMapping": {"domainName"},
	// internal/service/apigateway/deployment.go
	"aws:apigateway/deployment:Deployment": {"restApi", "stageName", "stageDescription", "triggers", "variables"},
	// internal/service/apigateway/domain_name.go
	"aws:apigateway/domainName:DomainName": {"domainName"},
	// internal/service/apigateway/method_settings.go
	"aws:apigateway/methodSettings:MethodSettings": {"restApi", "stageName", "methodPath"},
	// internal/service/apigateway/model.go
	"aws:apigateway/model:Model": {"restApi", "name", "contentType"},
	// internal/service/apigateway/request_validator.go
	"aws:apigateway/requestValidator:RequestValidator": {"restApi"},
	// internal/service/apigateway/gateway_response.go
	"aws:apigateway/response:Response": {"restApiId", "responseType"},
	// internal/service/apigateway/stage.go
	"aws:apigateway/stage:Stage": {"restApi", "stageName"},
	// internal/service/appautoscaling/policy.go
	"aws:appautoscaling/policy:Policy": {"name", "resourceId", "scalableDimension", "serviceNamespace"},
	// internal/service/appautoscaling/target.go
	"aws:appautoscaling/target:Target": {"resourceId", "scalableDimension", "serviceNamespace"},
	// internal/service/cloudwatch/dashboard.go
	"aws:cloudwatch/dashboard:Dashboard": {"dashboardName"},
	// internal/service/events/archive.go
	"aws:cloudwatch/eventArchive:EventArchive": {"name", "eventSourceArn"},
	// internal/service/events/bus.go
	"aws:cloudwatch/eventBus:EventBus": {"name", "eventSourceName"},
	// internal/service/events/rule.go
	"aws:cloudwatch/eventRule:EventRule": {"name", "namePrefix", "eventBusName"},
	// internal/service/events/target.go
	"aws:cloudwatch/eventTarget:EventTarget": {"rule", "targetId", "eventBusName"},
	// internal/service/logs/group.go
	"aws:cloudwatch/logGroup:LogGroup": {"name", "namePrefix", "logGroupClass"},
	// internal/service/cloudwatch/metric_alarm.go (alarm_name)
	"aws:cloudwatch/metricAlarm:MetricAlarm": {"name"},
	// internal/service/cognitoidp/user_group.go
	"aws:cognito/userGroup:UserGroup": {"name", "userPoolId"},
	// internal/service/cognitoidp/user_pool.go (read: name, alias_attributes, username_attributes,
	// username_configuration)
	"aws:cognito/userPool:UserPool": {"name", "aliasAttributes", "usernameAttributes", "usernameConfiguration"},
	// internal/service/cognitoidp/user_pool_client.go
	"aws:cognito/userPoolClient:UserPoolClient": {"userPoolId", "generateSecret"},
	// internal/service/dynamodb/table.go (read: name, hash_key, range_key, local_secondary_index,
	// restore_*)
	"aws:dynamodb/table:Table": {"name", "hashKey", "rangeKey", "localSecondaryIndexes", "restoreSourceName", "restoreSourceTableArn", "restoreToLatestTime", "restoreDateTime"},
	// internal/service/iam/policy.go
	"aws:iam/policy:Policy": {"name", "namePrefix", "path", "description"},
	// internal/service/iam/role.go
	"aws:iam/role:Role": {"name", "namePrefix", "path"},
	// internal/service/iam/role_policy.go
	"aws:iam/rolePolicy:RolePolicy": {"name", "namePrefix", "role"},
	// internal/service/kms/alias.go
	"aws:kms/alias:Alias": {"name", "namePrefix"},
	// internal/service/kms/key.go
	"aws:kms/key:Key": {"customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"},
	// internal/service/lambda/alias.go
	"aws:lambda/alias:Alias": {"name", "functionName"},
	// internal/service/lambda/event_source_mapping.go
	"aws:lambda/eventSourceMapping:EventSourceMapping": {"eventSourceArn", "startingPosition", "startingPositionTimestamp", "selfManagedEventSource", "amazonManagedKafkaEventSourceConfig", "selfManagedKafkaEventSourceConfig", "topics", "queues"},
	// internal/service/lambda/function.go
	"aws:lambda/function:Function": {"name", "packageType"},
	// internal/service/lambda/permission.go: it has no Update, every argument forces a new one.
	"aws:lambda/permission:Permission": {"action", "eventSourceToken", "function", "functionUrlAuthType", "principal", "principalOrgId", "qualifier", "sourceAccount", "sourceArn", "statementId", "statementIdPrefix"},
	// internal/service/route53/health_check.go
	"aws:route53/healthCheck:HealthCheck": {"type", "referenceName", "requestInterval", "measureLatency", "routingControlArn"},
	// internal/service/route53/record.go
	"aws:route53/record:Record": {"name", "zoneId"},
	// internal/service/sns/topic.go
	"aws:sns/topic:Topic": {"name", "namePrefix", "fifoTopic"},
	// internal/service/sns/topic_subscription.go
	"aws:sns/topicSubscription:TopicSubscription": {"topic", "protocol", "endpoint", "endpointAutoConfirms", "confirmationTimeoutInMinutes"},
	// internal/service/sqs/queue.go
	"aws:sqs/queue:Queue": {"name", "namePrefix", "fifoQueue"},
	// internal/service/sqs/queue_policy.go
	"aws:sqs/queuePolicy:QueuePolicy": {"queueUrl"},
	// internal/service/wafv2/web_acl.go
	"aws:wafv2/webAcl:WebAcl": {"name", "namePrefix", "scope"},
	// internal/service/wafv2/web_acl_association.go
	"aws:wafv2/webAclAssociation:WebAclAssociation": {"resourceArn", "webAclArn"},
}
