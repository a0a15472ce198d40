package shopstack

import rego.v1

table_type := "aws:dynamodb/table:Table"

is_table if input.__type == table_type

has_pitr(t) if t.pointInTimeRecovery.enabled == true

# uses_cmk holds when the table is encrypted with a customer-managed KMS key (an AWS-owned
# or AWS-managed key leaves kmsKeyArn empty).
uses_cmk(t) if {
	t.serverSideEncryption.enabled == true
	filled(t.serverSideEncryption.kmsKeyArn)
}

cmk_unknown(t) if unknown_at(t, ["serverSideEncryption", "enabled"])

cmk_unknown(t) if unknown_at(t, ["serverSideEncryption", "kmsKeyArn"])

# replicas are the table's replicas entries that are known.
replicas(t) := [rep | some rep in t.replicas; not unknown(rep)] if is_array(t.replicas)

is_prod(r) if tag_value(r, "environment") == "prod"

has_deletion_protection(t) if t.deletionProtectionEnabled == true

replica_has_pitr(rep) if rep.pointInTimeRecovery == true

replica_uses_cmk(rep) if filled(rep.kmsKeyArn)

# METADATA
# title: DynamoDB table has point-in-time recovery
# description: >-
#   PITR lets an order or catalogue table be restored to any second of up to the last 35 days after a
#   bad deploy or a wrong batch write; without it the only copy is the live table.
# custom:
#   id: SHOP-DDB-001
#   severity: high
#   message: Set pointInTimeRecovery.enabled to true.
deny_dynamodb_no_pitr contains msg if {
	is_table
	not has_pitr(input)
	not unknown_at(input, ["pointInTimeRecovery", "enabled"])
	msg := sprintf(
		"DynamoDB table %q must have point-in-time recovery: set pointInTimeRecovery.enabled to true",
		[input.__name],
	)
}

# METADATA
# title: DynamoDB table is encrypted with a customer-managed key
# description: >-
#   A customer-managed KMS key puts the key policy, rotation and CloudTrail record of every
#   decrypt under our control, and lets access to customer data be revoked by disabling the key.
# custom:
#   id: SHOP-DDB-002
#   severity: high
#   message: Set serverSideEncryption.enabled to true and serverSideEncryption.kmsKeyArn to the arn of a KMS key of the stack.
deny_dynamodb_no_cmk contains msg if {
	is_table
	not uses_cmk(input)
	not cmk_unknown(input)
	msg := sprintf(
		"DynamoDB table %q must be encrypted with a customer-managed KMS key: set serverSideEncryption.enabled to true and serverSideEncryption.kmsKeyArn to a KMS key's arn",
		[input.__name],
	)
}

# METADATA
# title: Production DynamoDB table has deletion protection
# description: >-
#   A prod table holds orders and customers; deletion protection stops a replace, a renamed
#   resource or a stray destroy from dropping it.
# custom:
#   id: SHOP-DDB-003
#   severity: critical
#   message: Set deletionProtectionEnabled to true on tables tagged environment=prod.
deny_dynamodb_prod_no_deletion_protection contains msg if {
	is_table
	is_prod(input)
	not has_deletion_protection(input)
	not unknown_at(input, ["deletionProtectionEnabled"])
	msg := sprintf(
		"DynamoDB table %q is tagged environment=prod and must have deletion protection: set deletionProtectionEnabled to true",
		[input.__name],
	)
}

# METADATA
# title: DynamoDB replica has point-in-time recovery
# description: >-
#   Each global-table replica keeps its own PITR setting; a replica without it cannot be restored
#   when the region has to take over.
# custom:
#   id: SHOP-DDB-004
#   severity: high
#   message: Set pointInTimeRecovery to true on every entry of replicas.
deny_dynamodb_replica_no_pitr contains msg if {
	is_table
	some rep in replicas(input)
	not replica_has_pitr(rep)
	not unknown_at(rep, ["pointInTimeRecovery"])
	msg := sprintf(
		"DynamoDB table %q replica in %s must have point-in-time recovery: set pointInTimeRecovery to true on that replicas entry",
		[input.__name, shown(rep, "regionName")],
	)
}

# METADATA
# title: DynamoDB replica is encrypted with a customer-managed key
# description: >-
#   A replica is encrypted with a key of its own region; without kmsKeyArn it falls back to the
#   AWS-managed key (alias/aws/dynamodb) and the data leaves our key policy.
# custom:
#   id: SHOP-DDB-005
#   severity: high
#   message: Set kmsKeyArn on every entry of replicas to the arn of a KMS key in that replica's region.
deny_dynamodb_replica_no_cmk contains msg if {
	is_table
	some rep in replicas(input)
	not replica_uses_cmk(rep)
	not unknown_at(rep, ["kmsKeyArn"])
	msg := sprintf(
		"DynamoDB table %q replica in %s must be encrypted with a customer-managed KMS key: set kmsKeyArn on that replicas entry to a key of its region",
		[input.__name, shown(rep, "regionName")],
	)
}
