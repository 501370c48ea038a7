package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/profdev/profdev/api"
)

// The checks here hold the deployment files to the binary: every environment variable they
// set is one cmd/profdev reads, every port is the one the API listens on, every probe path
// is one it serves, the Temporal images are the server release profdev is built with, and
// the namespace jobs register exactly the search attributes the workflows set.

// envVars is cmd/profdev's EnvVars, read from its source (package main cannot be imported).
func envVars(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../cmd/profdev/config.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "EnvVars" {
			return true
		}
		for _, el := range vs.Values[0].(*ast.CompositeLit).Elts {
			s, _ := strconv.Unquote(el.(*ast.BasicLit).Value)
			out = append(out, s)
		}
		return false
	})
	if len(out) == 0 {
		t.Fatal("EnvVars not found in cmd/profdev/config.go")
	}
	return out
}

// served reports whether the API answers path at all (anything but the 404 of no route):
// the dependencies are absent, so /readyz fails, but the route is there.
func served(t *testing.T, path string) bool {
	t.Helper()
	h := api.New(api.Config{}, api.Deps{Log: zerolog.Nop()}).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code != http.StatusNotFound
}

// temporalServerVersion is the go.temporal.io/server version in go.mod, without the v.
func temporalServerVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*go\.temporal\.io/server v(\d+\.\d+\.\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.temporal.io/server not in go.mod")
	}
	return string(m[1])
}

// searchAttributesIn finds Name:Type pairs of profdev's attributes in a namespace script.
func searchAttributesIn(t *testing.T, script string) map[string]enumspb.IndexedValueType {
	t.Helper()
	out := map[string]enumspb.IndexedValueType{}
	for _, m := range regexp.MustCompile(`(Profdev\w+):(\w+)`).FindAllStringSubmatch(script, -1) {
		v, ok := enumspb.IndexedValueType_shorthandValue[m[2]]
		if !ok {
			t.Errorf("search attribute %s has unknown type %s", m[1], m[2])
		}
		out[m[1]] = enumspb.IndexedValueType(v)
	}
	return out
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// kustomized renders deploy/k8s with kubectl's built-in kustomize.
