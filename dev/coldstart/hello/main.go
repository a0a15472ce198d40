// Command hello is the floor of a Go Lambda cold start: aws-lambda-go's hello world, built with
// the functions' flags by `make coldstart`, which compares every function with it.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "Hello λ!", nil })
}
