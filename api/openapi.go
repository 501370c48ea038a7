package api

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/yaml"
)

// openapiYAML is written by hand, next to the handlers it describes; a test keeps it and the
// registered routes in step.
//
//go:embed openapi.yaml
var openapiYAML []byte

// openapiJSON is the document served at /api/v1/openapi.json.
var openapiJSON = mustOpenAPIJSON()

func mustOpenAPIJSON() []byte {
	b, err := yaml.YAMLToJSON(openapiYAML)
	if err != nil {
		panic(fmt.Sprintf("api: embedded openapi.yaml is not valid YAML: %v", err))
	}
	return b
}

func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openapiJSON)
}
