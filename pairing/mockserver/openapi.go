package mockserver

import (
	_ "embed"
	"net/http"
)

// openAPIPath serves the OpenAPI description of the whole API.
const openAPIPath = "/openapi.yaml"

// openAPISpec is the OpenAPI 3.0 description of every call this server
// answers. docs/openapi.yaml is a copy (TestOpenAPICopyInDocsIsCurrent), and
// the tests validate every exchange against it (package openapitest).
//
//go:embed openapi.yaml
var openAPISpec []byte

// OpenAPI returns the OpenAPI description the server serves at /openapi.yaml.
func OpenAPI() []byte { return append([]byte(nil), openAPISpec...) }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/yaml")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPISpec) // a failed write means the client went away
}
