package awsenv

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigFromLambdaEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2")

	cfg, err := Config("DynamoDB")
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", cfg.Region)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret", SessionToken: "token", Source: creds.Source}, creds)
	assert.Equal(t, "http://127.0.0.1:2", aws.ToString(cfg.BaseEndpoint), "the service's own override first")

	cfg, err = Config("SNS")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:1", aws.ToString(cfg.BaseEndpoint), "then the general one")

	t.Setenv("AWS_ENDPOINT_URL", "")
	cfg, err = Config("SNS")
	require.NoError(t, err)
	assert.Nil(t, cfg.BaseEndpoint, "no override: the SDK resolves the region's endpoint")
}

func TestConfigNamesEveryMissingVariable(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := Config("DynamoDB")
	require.Error(t, err)
	assert.Equal(t, "aws config: environment variables not set: AWS_REGION, AWS_SECRET_ACCESS_KEY", err.Error())
}
