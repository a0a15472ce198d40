// Command counter is the simplest shopstack function: invoked with {"number": 10} it returns 11.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(Increment)
}
