package mockserver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

// The server serves its description, and docs/openapi.yaml is the same
// file, so what testers load into their tools is what the tests check.
func TestOpenAPIIsServedAndKeptInDocs(t *testing.T) {
	srv := newTestServer(t)
	openapitest.New(t, openAPISpec) // a valid OpenAPI 3.0 document
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/openapi.yaml", nil)
	req.RemoteAddr = "203.0.113.7:5000" // anyone may read it
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/yaml" || !bytes.Equal(rec.Body.Bytes(), openAPISpec) {
		t.Errorf("GET /openapi.yaml: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	docs, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs, openAPISpec) {
		t.Error("docs/openapi.yaml differs from pairing/mockserver/openapi.yaml: cp pairing/mockserver/openapi.yaml docs/")
	}
}
