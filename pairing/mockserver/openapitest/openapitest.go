// Package openapitest checks every exchange with the mock server against its
// OpenAPI description (kin-openapi's openapi3filter), so the description
// cannot drift from the server. Tests wrap the server's handler (Handler) or
// their client's transport (Transport); each exchange must then be one of:
//
//   - a request the description accepts, answered as it documents (the
//     status listed for that call, the body of its schema);
//   - a request the description refuses, answered with a documented 4xx;
//   - a path or method it does not know, answered 404 in the error shape.
//
// Answers made by a tester's fault (X-Linkdesk-Fault) and connections taken
// over or dropped are skipped: they are meant to break the rules.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// FaultHeader marks an answer a tester's fault made.
const FaultHeader = "X-Linkdesk-Fault"

// maxKept bounds the bytes of one body kept for checking.
const maxKept = 8 << 20

func init() {
	// The page's own files and event streams are text the description does not parse.
	for _, ct := range []string{"text/html", "text/javascript", "text/css", "image/svg+xml", "text/event-stream"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// Checker holds a loaded description and where to report what breaks it.
type Checker struct {
	t      testing.TB
	router routers.Router
}

// New loads and validates the description spec; a broken description fails t.
func New(t testing.TB, spec []byte) *Checker {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		t.Fatalf("openapitest: loading the description: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapitest: the description is not valid OpenAPI: %v", err)
	}
	doc.Servers = nil // match paths whatever address the test server has
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("openapitest: routing the description: %v", err)
	}
	return &Checker{t: t, router: router}
}

// exchange is one request and its answer as the checker saw them.
type exchange struct {
	req          *http.Request // method, URL and headers; its body is reqBody
	reqBody      []byte
	bodyComplete bool // the server read the request body to its end (or there was none)
	status       int
	header       http.Header
	body         []byte
	stream       bool // an event stream: only its status and headers are checked
}

// check reports what breaks the description in one exchange.
func (c *Checker) check(x exchange) {
	c.t.Helper()
	if x.header.Get(FaultHeader) != "" || x.status == 0 {
		return
	}
	where := x.req.Method + " " + x.req.URL.RequestURI()
	if x.req.Method == http.MethodOptions && x.header.Get("Access-Control-Allow-Origin") != "" {
		return // a CORS preflight, answered before any route
	}
	req := x.req.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(x.reqBody))
	route, params, err := c.router.FindRoute(req)
	if err != nil { // refused before routing (tester access rules) or by the catch-all 404
		if x.status < 400 || x.status >= 500 || !isErrorShape(x.header, x.body) {
			c.t.Errorf("openapitest: %s is not in the description, yet it answered %d %.200s", where, x.status, x.body)
		}
		return
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	var reqErr error
	if x.bodyComplete || route.Operation.RequestBody == nil {
		reqErr = openapi3filter.ValidateRequest(context.Background(), in)
	}
	if reqErr != nil && x.status < 400 {
		c.t.Errorf("openapitest: %s: the server answered %d to a request the description refuses: %v", where, x.status, short(reqErr))
	}
	respOpts := *opts
	respOpts.ExcludeResponseBody = x.stream
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.status, Header: x.header, Options: &respOpts}
	out.SetBodyBytes(x.body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Errorf("openapitest: %s: the answer %d breaks the description: %v\nbody: %.300s", where, x.status, short(err), x.body)
	}
	if x.stream && !documents(route, x.status, "text/event-stream") {
		c.t.Errorf("openapitest: %s: an event stream where the description documents none for %d", where, x.status)
	}
}

// documents reports whether route documents contentType for status.
func documents(route *routers.Route, status int, contentType string) bool {
	r := route.Operation.Responses.Status(status)
	return r != nil && r.Value != nil && r.Value.Content.Get(contentType) != nil
}

// isErrorShape reports whether an answer is the protocol's JSON error.
func isErrorShape(h http.Header, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	return mt == "application/json" && json.Unmarshal(body, &e) == nil && e.Error.Code != "" && e.RequestID != ""
}

// short keeps a validation error readable: its first lines.
func short(err error) string {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) > 12 {
		lines = append(lines[:12], fmt.Sprintf("… (%d more lines)", len(lines)-12))
	}
	return strings.Join(lines, "\n")
}
