package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/yaml"
)

// The OpenAPI description is written by hand next to the handlers it describes, one file per
// process under openapi/: base.yaml holds the document's frame and shared components; every
// other file holds `paths` and `components.schemas` that are merged into it. A test keeps
// the merged document and the registered routes in step.
//
//go:embed openapi/*.yaml
var openapiFiles embed.FS

// openapiJSON is the document served at /api/v1/openapi.json.
var openapiJSON = mustOpenAPIJSON()

func mustOpenAPIJSON() []byte {
	b, err := mergeOpenAPI(openapiFiles)
	if err != nil {
		panic(fmt.Sprintf("api: embedded OpenAPI description: %v", err))
	}
	return b
}

func mergeOpenAPI(files fs.FS) ([]byte, error) {
	names, err := fs.Glob(files, "openapi/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	for _, name := range names {
		if name == "openapi/base.yaml" {
			if doc, err = readYAML(files, name); err != nil {
				return nil, err
			}
		}
	}
	if doc == nil {
		return nil, fmt.Errorf("openapi/base.yaml is missing")
	}
	for _, name := range names {
		if name == "openapi/base.yaml" {
			continue
		}
		part, err := readYAML(files, name)
		if err != nil {
			return nil, err
		}
		if err := mergeSection(doc, part, name, "paths"); err != nil {
			return nil, err
		}
		if comps, ok := part["components"].(map[string]any); ok {
			for section := range comps {
				if err := mergeSection(doc["components"].(map[string]any), comps, name, section); err != nil {
					return nil, err
				}
			}
		}
	}
	return json.Marshal(doc)
}

func readYAML(files fs.FS, name string) (map[string]any, error) {
	raw, err := fs.ReadFile(files, name)
	if err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// mergeSection adds part[key]'s entries to doc[key], refusing a name defined twice.
func mergeSection(doc, part map[string]any, file, key string) error {
	add, ok := part[key].(map[string]any)
	if !ok {
		return nil
	}
	into, ok := doc[key].(map[string]any)
	if !ok {
		into = map[string]any{}
		doc[key] = into
	}
	for k, v := range add {
		if _, dup := into[k]; dup {
			return fmt.Errorf("%s: %s %q is already defined", file, key, k)
		}
		into[k] = v
	}
	return nil
}

func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openapiJSON)
}
