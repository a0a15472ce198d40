// Package awsenv builds a Lambda function's AWS SDK configuration from the environment Lambda
// gives the function, without the SDK's config package. That package's default chain (shared
// files, SSO, web identity, IMDS, process credentials) links and initialises the STS, SSO, SSO
// OIDC and sign-in clients, the IMDS client and SigV4a at every cold start, and on Lambda the
// chain ends at the environment anyway: `make coldstart` measured the difference.
package awsenv

import (
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns the configuration of clients of service (its SDK service id, e.g. "DynamoDB"):
// the region AWS_REGION and the function role's credentials AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which Lambda sets for every function
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// and the endpoint overrides the SDKs read, AWS_ENDPOINT_URL_<SERVICE> before AWS_ENDPOINT_URL
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), unset on Lambda
// and used to point a function at local stand-ins. It names every missing variable at once.
func Config(service string) (aws.Config, error) {
	var missing []string
	get := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	region, key, secret := get("AWS_REGION"), get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")
	if len(missing) > 0 {
		return aws.Config{}, errors.New("aws config: environment variables not set: " + strings.Join(missing, ", "))
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN")),
	}
	if url := Endpoint(service); url != "" {
		cfg.BaseEndpoint = aws.String(url)
	}
	return cfg, nil
}

// Endpoint returns the endpoint override for service: AWS_ENDPOINT_URL_<SERVICE ID> (upper case,
// spaces as underscores), else AWS_ENDPOINT_URL, else "".
func Endpoint(service string) string {
	if v := os.Getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(service, " ", "_"))); v != "" {
		return v
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}
