package shopstack

import rego.v1

metric_alarm_type := "aws:cloudwatch/metricAlarm:MetricAlarm"

# may_watch holds when alarm a may watch metric of namespace with dimension key set to value:
# each is right or not yet known.
may_watch(a, namespace, metric, key, value) if {
	may_equal(at(a, ["namespace"]), namespace)
	may_equal(at(a, ["metricName"]), metric)
	may_equal(at(a, ["dimensions", key]), value)
}

has_errors_alarm(fn_name) if {
	some a in resources_of_type(metric_alarm_type)
	may_watch(a, "AWS/Lambda", "Errors", "FunctionName", fn_name)
}

has_latency_alarm(table_name, region) if {
	some a in resources_of_type(metric_alarm_type)
	may_watch(a, "AWS/DynamoDB", "ReplicationLatency", "TableName", table_name)
	may_equal(at(a, ["dimensions", "ReceivingRegion"]), region)
}

# METADATA
# title: Every Lambda function has an Errors alarm
# description: >-
#   A function that starts failing (bad deploy, expired secret, throttled table) pages nobody
#   unless its Errors metric is alarmed.
# custom:
#   id: SHOP-ALARM-001
#   severity: high
#   message: >-
#     Add an aws:cloudwatch/metricAlarm:MetricAlarm with namespace "AWS/Lambda", metricName
#     "Errors" and dimensions.FunctionName set to the function's name.
stack_deny_lambda_missing_errors_alarm contains msg if {
	some fn in resources_of_type(lambda_type)
	not unknown_at(fn, ["name"])
	not has_errors_alarm(object.get(fn, "name", null))
	msg := sprintf(
		"Lambda function %q has no Errors alarm: add a MetricAlarm with namespace \"AWS/Lambda\", metricName \"Errors\" and dimensions.FunctionName %s",
		[fn.__name, shown(fn, "name")],
	)
}

# METADATA
# title: Every table replica has a ReplicationLatency alarm
# description: >-
#   A replica that falls behind serves stale orders after a failover; the ReplicationLatency
#   alarm is the only early signal.
# custom:
#   id: SHOP-ALARM-002
#   severity: high
#   message: >-
#     Add an aws:cloudwatch/metricAlarm:MetricAlarm with namespace "AWS/DynamoDB", metricName
#     "ReplicationLatency" and dimensions TableName and ReceivingRegion set to the table's name
#     and the replica's regionName.
stack_deny_replica_missing_latency_alarm contains msg if {
	some t in resources_of_type(table_type)
	not unknown_at(t, ["name"])
	is_array(t.replicas)
	some rep in t.replicas
	not unknown_at(rep, ["regionName"])
	not has_latency_alarm(t.name, object.get(rep, "regionName", null))
	msg := sprintf(
		"DynamoDB table %q replica in %s has no ReplicationLatency alarm: add a MetricAlarm with namespace \"AWS/DynamoDB\", metricName \"ReplicationLatency\", dimensions.TableName %s and dimensions.ReceivingRegion %s",
		[t.__name, shown(rep, "regionName"), shown(t, "name"), shown(rep, "regionName")],
	)
}
