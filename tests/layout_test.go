package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract"
)

// listedPackage is what layoutProblems reads of one `go list -deps -json` entry.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Standard   bool
}

// lambdaRuntime are the modules a layer below the functions must never link: the Lambda
// runtime and the SDK clients the functions' adapters call. Other SDK service clients are
// allowed: sts/sso come with the credential chain, pricing is the cost preview's own refresh.
var lambdaRuntime = []string{
	"github.com/aws/aws-lambda-go",
	"github.com/aws/aws-sdk-go-v2/service/dynamodb",
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams",
	"github.com/aws/aws-sdk-go-v2/service/eventbridge",
	"github.com/aws/aws-sdk-go-v2/service/sns",
	"github.com/aws/aws-sdk-go-v2/service/sqs",
	"github.com/aws/aws-sdk-go-v2/service/lambda",
}

// contractExceptions are the imports of ours contract may still make, each with why: the
// request and response bodies are the domain's types, which carry its validation methods.
var contractExceptions = []string{"shopstack/functions/lib/shop"}

func under(path, root string) bool { return path == root || strings.HasPrefix(path, root+"/") }

// layoutProblems returns every way pkgs (non-test packages with their deps) and the folders
// under functions/ break the layout: dependencies point down (cmd -> engine/cost/dev -> stacks
// -> contract), nothing imports tests/, and functions/ holds only Lambdas and lib/.
func layoutProblems(pkgs []listedPackage, functionDirs, lambdas []string) []string {
	var problems []string
	for _, p := range pkgs {
		if p.Standard || !under(p.ImportPath, "shopstack") {
			continue
		}
		for _, imp := range p.Imports {
			if under(imp, "shopstack/tests") && !under(p.ImportPath, "shopstack/tests") {
				problems = append(problems, fmt.Sprintf("%s imports test code %s", p.ImportPath, imp))
			}
			if under(p.ImportPath, "shopstack/contract") && under(imp, "shopstack") && !under(imp, "shopstack/contract") && !slices.Contains(contractExceptions, imp) {
				problems = append(problems, fmt.Sprintf("%s imports %s: contract imports nothing of ours", p.ImportPath, imp))
			}
		}
		for _, low := range []string{"shopstack/stacks", "shopstack/cost", "shopstack/contract", "shopstack/engine"} {
			if !under(p.ImportPath, low) {
				continue
			}
			for _, d := range p.Deps {
				for _, rt := range lambdaRuntime {
					if under(d, rt) {
						problems = append(problems, fmt.Sprintf("%s links %s: Lambda runtime code below the functions", p.ImportPath, d))
					}
				}
			}
		}
	}
	for _, dir := range functionDirs {
		if dir != "lib" && !slices.Contains(lambdas, dir) {
			problems = append(problems, fmt.Sprintf("functions/%s is neither a Lambda of contract.Lambdas nor lib", dir))
		}
	}
	return problems
}

func TestLayoutProblemsCatchEachBreak(t *testing.T) {
	lambdas := []string{"cart"}
	for _, c := range []struct {
		name string
		pkgs []listedPackage
		dirs []string
		want string
	}{
		{"production imports tests", []listedPackage{{ImportPath: "shopstack/cost", Imports: []string{"shopstack/tests/harness"}}}, nil, "imports test code"},
		{"stacks links aws-lambda-go", []listedPackage{{ImportPath: "shopstack/stacks", Deps: []string{"github.com/aws/aws-lambda-go/events"}}}, nil, "links github.com/aws/aws-lambda-go/events"},
		{"cost links a DynamoDB client", []listedPackage{{ImportPath: "shopstack/cost", Deps: []string{"github.com/aws/aws-sdk-go-v2/service/dynamodb"}}}, nil, "links github.com/aws/aws-sdk-go-v2/service/dynamodb"},
		{"engine links SNS", []listedPackage{{ImportPath: "shopstack/engine/plan", Deps: []string{"github.com/aws/aws-sdk-go-v2/service/sns/types"}}}, nil, "links"},
		{"contract links the runtime", []listedPackage{{ImportPath: "shopstack/contract/openapi", Deps: []string{"github.com/aws/aws-lambda-go/lambda"}}}, nil, "links"},
		{"contract imports ours", []listedPackage{{ImportPath: "shopstack/contract/routes", Imports: []string{"shopstack/functions/lib/api"}}}, nil, "contract imports nothing of ours"},
		{"a stray folder under functions", nil, []string{"cart", "lib", "helpers"}, "functions/helpers is neither"},
	} {
		t.Run(c.name, func(t *testing.T) {
			problems := layoutProblems(c.pkgs, c.dirs, lambdas)
			require.Len(t, problems, 1, "%v", problems)
			assert.Contains(t, problems[0], c.want)
		})
	}
	assert.Empty(t, layoutProblems([]listedPackage{
		{ImportPath: "shopstack/tests", Imports: []string{"shopstack/tests/x"}},
		{ImportPath: "shopstack/dev/local", Deps: []string{"github.com/aws/aws-lambda-go/events"}},
		{ImportPath: "shopstack/contract/routes", Imports: []string{"shopstack/contract", "shopstack/functions/lib/shop"}},
		{ImportPath: "shopstack/cost", Deps: []string{"github.com/aws/aws-sdk-go-v2/service/pricing"}},
	}, []string{"cart", "lib"}, lambdas), "allowed edges")
}

func TestLayoutOfTheTree(t *testing.T) {
	root := filepath.Join("..")
	cmd := exec.Command("go", "list", "-deps", "-json", "./...")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	require.NoError(t, err)
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	require.NoError(t, err)
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	assert.Empty(t, layoutProblems(pkgs, dirs, contract.Lambdas))
	for _, l := range contract.Lambdas {
		assert.DirExists(t, filepath.Join(root, "functions", l), "contract.Lambdas lists %s", l)
	}
}
