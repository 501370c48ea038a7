package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
)

type docSchema struct {
	Ref        string                `json:"$ref"`
	Type       json.RawMessage       `json:"type"`
	Enum       []any                 `json:"enum"`
	Pattern    string                `json:"pattern"`
	Minimum    *float64              `json:"minimum"`
	Maximum    *float64              `json:"maximum"`
	Format     string                `json:"format"`
	Properties map[string]*docSchema `json:"properties"`
	Items      *docSchema            `json:"items"`
}

// typ is the schema's type, the non-null one of a [type, "null"] pair.
func (s *docSchema) typ() string {
	var one string
	if json.Unmarshal(s.Type, &one) == nil {
		return one
	}
	var many []string
	_ = json.Unmarshal(s.Type, &many)
	for _, t := range many {
		if t != "null" {
			return t
		}
	}
	if s.Properties != nil {
		return "object"
	}
	return ""
}

// constrained reports whether a query value can break the schema: checkInput then refuses a
// value that does with a 400 naming the parameter, whoever asks.
func (s *docSchema) constrained() bool {
	switch s.typ() {
	case "integer", "number", "boolean":
		return true
	}
	return len(s.Enum) > 0 || s.Pattern != ""
}

// violation is a value the schema refuses, for constrained schemas.
func (s *docSchema) violation() string {
	switch {
	case s.typ() == "integer" || s.typ() == "number":
		return "12abc"
	case s.typ() == "boolean":
		return "maybe"
	case len(s.Enum) > 0:
		return "bogus-value"
	case s.Pattern != "":
		return "not an ident!"
	}
	return ""
}

type docParam struct {
	Ref      string     `json:"$ref"`
	Name     string     `json:"name"`
	In       string     `json:"in"`
	Required bool       `json:"required"`
	Schema   *docSchema `json:"schema"`
}

// docOperation is one operation of the document, with its parameters and body schema resolved.
type docOperation struct {
	method, path string
	public       bool
	pathParams   []docParam
	queryParams  []docParam
	body         *docSchema // nil: no request body
}

func (o docOperation) String() string { return o.method + " " + o.path }

func (o docOperation) declaresQuery(name string) bool {
	return slices.ContainsFunc(o.queryParams, func(p docParam) bool { return p.Name == name })
}

// servedOperations reads every operation of the document the server serves.
func (a *testAPI) servedOperations() []docOperation {
	t := a.t
	code, raw, _ := a.do("GET", "/api/v1/openapi.json", nil, "")
	if code != http.StatusOK {
		t.Fatalf("openapi.json: %d", code)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]docParam   `json:"parameters"`
			Schemas    map[string]*docSchema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var resolve func(s *docSchema, depth int) *docSchema
	resolve = func(s *docSchema, depth int) *docSchema {
		if s == nil || depth > 8 {
			return s
		}
		if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
			def := doc.Components.Schemas[name]
			if def == nil {
				t.Fatalf("openapi.json: no schema %s", name)
			}
			return resolve(def, depth+1)
		}
		for k, p := range s.Properties {
			s.Properties[k] = resolve(p, depth+1)
		}
		s.Items = resolve(s.Items, depth+1)
		return s
	}
	var ops []docOperation
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains([]string{"get", "put", "post", "delete", "patch"}, method) {
				continue
			}
			var op struct {
				Security    *[]any     `json:"security"`
				Parameters  []docParam `json:"parameters"`
				RequestBody *struct {
					Content map[string]struct {
						Schema *docSchema `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			o := docOperation{method: strings.ToUpper(method), path: path, public: op.Security != nil && len(*op.Security) == 0}
			for _, p := range op.Parameters {
				if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
					p = doc.Components.Parameters[name]
				}
				if p.Schema == nil {
					p.Schema = &docSchema{}
				}
				p.Schema = resolve(p.Schema, 0)
				switch p.In {
				case "path":
					o.pathParams = append(o.pathParams, p)
				case "query":
					o.queryParams = append(o.queryParams, p)
				}
			}
			if op.RequestBody != nil {
				o.body = resolve(op.RequestBody.Content["application/json"].Schema, 0)
				if o.body == nil {
					o.body = &docSchema{}
				}
			}
			ops = append(ops, o)
		}
	}
	// Steps that change a record whatever their body (approving a nomination, deleting its
	// candidate) go last, so that the other requests find the seeded records as they are.
	late := func(o docOperation) bool { return o.method == "DELETE" || o.method == "POST" && o.body == nil }
	sort.Slice(ops, func(i, j int) bool {
		if late(ops[i]) != late(ops[j]) {
			return late(ops[j])
		}
		return ops[i].String() < ops[j].String()
	})
	return ops
}

// hostileRequest is one request of the walk and what its answer must be.
