package api

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// paramSpec is the part of a parameter's schema in the OpenAPI document that checkInput
// enforces.
type paramSpec struct {
	typ       string // string, integer, number or boolean
	enum      []string
	pattern   *regexp.Regexp
	min, max  *float64
	maxLength *int
	minLength *int
	format    string // date: YYYY-MM-DD
}

// routeParams are the declared parameters of one operation.
type routeParams struct {
	path, query map[string]paramSpec
	required    []string // required query parameters
}

// check returns what is wrong with v, or "". The zero paramSpec accepts everything.
func (p paramSpec) check(v string) string {
	switch p.typ {
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "must be a whole number" + p.boundsText()
		}
		if p.min != nil && float64(n) < *p.min || p.max != nil && float64(n) > *p.max {
			return "must be a whole number" + p.boundsText()
		}
	case "number":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || p.min != nil && n < *p.min || p.max != nil && n > *p.max {
			return "must be a number" + p.boundsText()
		}
	case "boolean":
		if v != "true" && v != "false" {
			return "must be true or false"
		}
	}
	if len(p.enum) > 0 && !slices.Contains(p.enum, v) {
		return "must be one of: " + strings.Join(p.enum, ", ")
	}
	if p.maxLength != nil && utf8.RuneCountInString(v) > *p.maxLength {
		return fmt.Sprintf("must be at most %d characters", *p.maxLength)
	}
	if p.minLength != nil && utf8.RuneCountInString(v) < *p.minLength {
		return fmt.Sprintf("must be at least %d characters", *p.minLength)
	}
	if p.pattern != nil && !p.pattern.MatchString(v) {
		return "must match " + p.pattern.String()
	}
	if p.format == "date" {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "must be a date YYYY-MM-DD"
		}
	}
	return ""
}

func (p paramSpec) boundsText() string {
	switch {
	case p.min != nil && p.max != nil:
		return fmt.Sprintf(" from %v to %v", *p.min, *p.max)
	case p.min != nil:
		return fmt.Sprintf(" of at least %v", *p.min)
	case p.max != nil:
		return fmt.Sprintf(" of at most %v", *p.max)
	}
	return ""
}

// declaredParams returns the parameters the OpenAPI document declares for the operation
// (method and Gin route template); none for routes it does not describe.
func declaredParams(method, route string) routeParams {
	return openapiParams()[method+" "+route]
}

// openapiParams indexes the parameters of the served document by "METHOD /gin/route/:param".
// The document is embedded, and TestOpenAPIMatchesRoutes keeps it in step with the routes;
// a parameter schema this code cannot read is a programming error, found by the first test.
var openapiParams = sync.OnceValue(func() map[string]routeParams {
	idx, err := indexParams(openapiJSON)
	if err != nil {
		panic(fmt.Sprintf("api: parameters of the embedded OpenAPI description: %v", err))
	}
	return idx
})

var openapiPathParam = regexp.MustCompile(`\{([A-Za-z_]+)\}`)

func indexParams(doc []byte) (map[string]routeParams, error) {
	var d struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]json.RawMessage `json:"parameters"`
			Schemas    map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	type param struct {
		Ref      string          `json:"$ref"`
		Name     string          `json:"name"`
		In       string          `json:"in"`
		Required bool            `json:"required"`
		Schema   json.RawMessage `json:"schema"`
	}
	resolveParam := func(raw json.RawMessage) (param, error) {
		var p param
		if err := json.Unmarshal(raw, &p); err != nil {
			return p, err
		}
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			def, found := d.Components.Parameters[name]
			if !found {
				return p, fmt.Errorf("no parameter %q", name)
			}
			p = param{}
			if err := json.Unmarshal(def, &p); err != nil {
				return p, err
			}
		}
		return p, nil
	}
	var readSchema func(raw json.RawMessage, depth int) (paramSpec, error)
	readSchema = func(raw json.RawMessage, depth int) (paramSpec, error) {
		var sch struct {
			Ref       string          `json:"$ref"`
			Type      json.RawMessage `json:"type"`
			Enum      []any           `json:"enum"`
			Pattern   string          `json:"pattern"`
			Minimum   *float64        `json:"minimum"`
			Maximum   *float64        `json:"maximum"`
			MaxLength *int            `json:"maxLength"`
			MinLength *int            `json:"minLength"`
			Format    string          `json:"format"`
		}
		if len(raw) == 0 {
			return paramSpec{}, nil
		}
		if err := json.Unmarshal(raw, &sch); err != nil {
			return paramSpec{}, err
		}
		if name, ok := strings.CutPrefix(sch.Ref, "#/components/schemas/"); ok {
			def, found := d.Components.Schemas[name]
			if !found || depth > 5 {
				return paramSpec{}, fmt.Errorf("no schema %q", name)
			}
			return readSchema(def, depth+1)
		}
		spec := paramSpec{min: sch.Minimum, max: sch.Maximum, maxLength: sch.MaxLength, minLength: sch.MinLength, format: sch.Format}
		if len(sch.Type) > 0 {
			// A single type, or [type, "null"]; a query value is never null.
			var one string
			var many []string
			if json.Unmarshal(sch.Type, &one) == nil {
				spec.typ = one
			} else if json.Unmarshal(sch.Type, &many) == nil {
				for _, t := range many {
					if t != "null" {
						spec.typ = t
					}
				}
			}
		}
		for _, e := range sch.Enum {
			spec.enum = append(spec.enum, fmt.Sprint(e))
		}
		if sch.Pattern != "" {
			re, err := regexp.Compile(sch.Pattern)
			if err != nil {
				return paramSpec{}, fmt.Errorf("pattern %q: %w", sch.Pattern, err)
			}
			spec.pattern = re
		}
		return spec, nil
	}

	idx := map[string]routeParams{}
	for path, item := range d.Paths {
		var shared []json.RawMessage // parameters of the path item apply to all its operations
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				return nil, fmt.Errorf("%s: parameters: %w", path, err)
			}
		}
		route := openapiPathParam.ReplaceAllString(path, ":$1")
		for method, raw := range item {
			if method == "parameters" || !slices.Contains([]string{"get", "put", "post", "delete", "patch"}, method) {
				continue
			}
			var op struct {
				Parameters []json.RawMessage `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			rp := routeParams{path: map[string]paramSpec{}, query: map[string]paramSpec{}}
			for _, praw := range append(slices.Clone(shared), op.Parameters...) {
				p, err := resolveParam(praw)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", method, path, err)
				}
				spec, err := readSchema(p.Schema, 0)
				if err != nil {
					return nil, fmt.Errorf("%s %s: parameter %s: %w", method, path, p.Name, err)
				}
				switch p.In {
				case "path":
					rp.path[p.Name] = spec
				case "query":
					rp.query[p.Name] = spec
					if p.Required {
						rp.required = append(rp.required, p.Name)
					}
				}
			}
			idx[strings.ToUpper(method)+" "+route] = rp
		}
	}
	return idx, nil
}
