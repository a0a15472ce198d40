// Command hello-dynamodb is hello world (../hello) that also links the AWS SDK's DynamoDB client
// without using it: `make coldstart` measures it beside the functions to show how much of their
// init is that client's package initialisation, which no function using it can avoid.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	lambda.Start(func() (string, error) { return "Hello λ!", nil })
}
