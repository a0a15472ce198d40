// Command openapi writes the API's OpenAPI document (functions/openapi) to a file.
//
//	make openapi    # go run ./cmd/openapi -o $(OPENAPI)
package main

import (
	"flag"
	"fmt"
	"os"

	"shopstack/functions/openapi"
)

func main() {
	out := flag.String("o", openapi.File, "file to write the document to")
	flag.Parse()
	b, err := openapi.JSON()
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
	fmt.Printf("%s (%d bytes)\n", *out, len(b))
}
