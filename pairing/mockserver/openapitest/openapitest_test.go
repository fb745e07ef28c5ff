package openapitest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const spec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /mock/v1/clock:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [advance]
              properties: {advance: {type: string}}
      responses:
        '200':
          description: now
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [now]
                properties: {now: {type: string, pattern: '\.\d{3}Z$'}}
        '400':
          description: refused
          content: {application/json: {schema: {type: object}}}
`

// recorder is a testing.TB that keeps what the checker reports.
type recorder struct {
	testing.TB
	reports []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.reports = append(r.reports, fmt.Sprintf(format, args...))
}

// The checker must catch each way a server can drift from its description.
func TestCheckerCatchesDrift(t *testing.T) {
	cases := []struct {
		name, method, path, body string
		status                   int
		answer                   string
		header                   map[string]string
		want                     string // "" when the exchange is fine
	}{
		{"as documented", "POST", "/mock/v1/clock", `{"advance":"1h"}`, 200, `{"now":"2026-01-01T00:00:00.000Z"}`, nil, ""},
		{"a documented refusal", "POST", "/mock/v1/clock", `{"advance":5}`, 400, `{}`, nil, ""},
		{"an undocumented status", "POST", "/mock/v1/clock", `{"advance":"1h"}`, 418, `{}`, nil, "418"},
		{"a time without milliseconds", "POST", "/mock/v1/clock", `{"advance":"1h"}`, 200, `{"now":"2026-01-01T00:00:00Z"}`, nil, "breaks the description"},
		{"an undocumented member", "POST", "/mock/v1/clock", `{"advance":"1h"}`, 200, `{"now":"2026-01-01T00:00:00.000Z","x":1}`, nil, "breaks the description"},
		{"a refused request accepted", "POST", "/mock/v1/clock", `{"advance":5}`, 200, `{"now":"2026-01-01T00:00:00.000Z"}`, nil, "refuses"},
		{"an unknown path answered", "GET", "/nowhere", "", 200, `ok`, nil, "not in the description"},
		{"an unknown path refused in the error shape", "GET", "/nowhere", "", 404, `{"error":{"code":"not_found","message":"m"},"request_id":"req_1"}`, nil, ""},
		{"a fault's answer", "POST", "/mock/v1/clock", `{"advance":"1h"}`, 502, `<html>`, map[string]string{FaultHeader: "flt_1"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			c := New(rec, []byte(spec))
			server := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.answer)
			})
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			c.Handler(server).ServeHTTP(httptest.NewRecorder(), req)

			// The same exchange seen from the client's side.
			ts := httptest.NewServer(server)
			defer ts.Close()
			creq, err := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			creq.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Transport: c.Transport(nil)}).Do(creq)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			got := strings.Join(rec.reports, "\n")
			switch {
			case tc.want == "" && len(rec.reports) > 0:
				t.Errorf("a good exchange was reported:\n%s", got)
			case tc.want != "" && len(rec.reports) != 2:
				t.Errorf("want one report from the handler and one from the transport, got %d:\n%s", len(rec.reports), got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("report does not say %q:\n%s", tc.want, got)
			}
		})
	}
}
