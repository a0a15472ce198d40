package shopstack

import rego.v1

kms_key_type := "aws:kms/key:Key"

has_rotation(k) if k.enableKeyRotation == true

# METADATA
# title: KMS key rotates yearly
# description: >-
#   Automatic rotation replaces the key material every year without re-encrypting data, which
#   limits how much data any one key version protects and how long a leaked version stays useful.
# custom:
#   id: SHOP-KMS-001
#   severity: high
#   message: Set enableKeyRotation to true.
deny_kms_key_rotation_disabled contains msg if {
	input.__type == kms_key_type
	not has_rotation(input)
	not unknown_at(input, ["enableKeyRotation"])
	msg := sprintf("KMS key %q must rotate: set enableKeyRotation to true", [input.__name])
}
