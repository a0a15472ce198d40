// Command openapi writes the API's OpenAPI document (contract/openapi) to a file, and the curl
// example per route into the marked section of a README.
//
//	make openapi    # go run ./cmd/openapi -o $(OPENAPI) -readme functions/README.md
package main

import (
	"flag"
	"fmt"
	"os"

	"shopstack/contract/openapi"
)

func main() {
	out := flag.String("o", openapi.File, "file to write the document to")
	readme := flag.String("readme", "", "README whose curl examples section to rewrite (none when empty)")
	flag.Parse()
	if err := run(*out, *readme); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}

func run(out, readme string) error {
	b, err := openapi.JSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s (%d bytes)\n", out, len(b))
	if readme == "" {
		return nil
	}
	text, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	if text, err = openapi.SpliceCurl(text); err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	if err := os.WriteFile(readme, text, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: curl examples\n", readme)
	return nil
}
