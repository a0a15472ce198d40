package stacks

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Statement is one Allow statement of an IAM policy. Resources are outputs (ARNs of resources this
// stack creates), so a policy can only name what exists.
type Statement struct {
	Sid       string
	Actions   []string
	Resources pulumi.StringArray
}

type policyStatement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

// PolicyDocument renders statements as an IAM policy JSON document once every ARN is known.
func PolicyDocument(statements []Statement) pulumi.StringOutput {
	resources := make(pulumi.StringArrayArray, len(statements))
	for i, s := range statements {
		resources[i] = s.Resources
	}
	return resources.ToStringArrayArrayOutput().ApplyT(func(arns [][]string) (string, error) {
		doc := policyDocument{Version: "2012-10-17"}
		for i, s := range statements {
			doc.Statement = append(doc.Statement, policyStatement{Sid: s.Sid, Effect: "Allow", Action: s.Actions, Resource: arns[i]})
		}
		out, err := json.Marshal(doc)
		return string(out), err
	}).(pulumi.StringOutput)
}

// lambdaAssumeRolePolicy lets only the Lambda service assume a function's role.
const lambdaAssumeRolePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
