package pairing

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxResponseBody caps every response body the client reads (JSON answers
// and error bodies); a larger body is a CodeBadResponse.
const MaxResponseBody = 1 << 20

// maxResponseHeaderBytes caps the response headers the default HTTP client
// reads (Go's own default is 10 MB); the protocol's headers are a few hundred
// bytes, so anything near this is hostile and fails the call.
const maxResponseHeaderBytes = 64 << 10

// defaultUserAgent is sent when Options.UserAgent is empty.
const defaultUserAgent = "linkdesk-pairing/1"

// Caps on text copied from a response into an *Error.
const (
	maxMessageLen   = 300
	maxRequestIDLen = 128
)

// transport is the HTTP plumbing of Client.
type transport struct {
	base       string // scheme://host[:port], no trailing slash
	hc         *http.Client
	ua         string
	reqTimeout time.Duration
	now        func() time.Time
}

// call describes one JSON request/response exchange.
type call struct {
	method string
	path   string // absolute path, already escaped
	body   any    // marshalled as JSON when non-nil
	bearer string // Authorization: Bearer, when non-empty (a secret)
	device string // Linkdesk-Device, when non-empty
	out    any    // decoded from a 2xx body when non-nil
}

func newTransport(baseURL string, opts Options) (*transport, error) {
	base, host, err := checkBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	t := &transport{
		base:       base,
		hc:         opts.HTTPClient,
		ua:         opts.UserAgent,
		reqTimeout: durationOr(opts.RequestTimeout, DefaultRequestTimeout),
		now:        opts.Now,
	}
	if t.ua == "" {
		t.ua = defaultUserAgent
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.hc == nil {
		t.hc = newHTTPClient(host, opts)
	}
	return t, nil
}

// checkBaseURL validates baseURL and returns its canonical origin and host name.
func checkBaseURL(raw string) (origin, host string, err error) {
	bad := func(msg string) (string, string, error) {
		return "", "", &Error{Code: CodeBadRequest, Message: "server address " + msg}
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return bad("is not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return bad("must start with https://")
	}
	if u.Host == "" || u.Hostname() == "" {
		return bad("has no host")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return bad("must be only scheme and host, without path, query or user")
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return "", "", &Error{Code: CodeInsecureServer,
			Message: "plain http:// is allowed only for this computer (localhost); use https://"}
	}
	return u.Scheme + "://" + u.Host, u.Hostname(), nil
}

// isLoopbackHost reports whether host names this computer: localhost,
// 127.0.0.0/8 or ::1 (also IPv4-mapped).
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return addr.Unmap().IsLoopback()
}

// newHTTPClient builds the default client: bounded dial, TLS handshake,
// response-header wait and response-header size, no redirects. It sets no
// overall Timeout, since streams live long; each plain call gets a context
// deadline instead.
func newHTTPClient(host string, opts Options) *http.Client {
	connect := durationOr(opts.ConnectTimeout, DefaultConnectTimeout)
	header := max(durationOr(opts.RequestTimeout, DefaultRequestTimeout),
		durationOr(opts.StreamIdleTimeout, DefaultStreamIdleTimeout))
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.RootCAs != nil {
		// A CertPool cannot be merged into the system pool, so verification
		// is done here: the chain must lead to a system root or to one of
		// RootCAs, and the certificate must name host.
		extra := opts.RootCAs
		tlsConf.InsecureSkipVerify = true // replaced by VerifyConnection below
		tlsConf.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyPeer(cs, host, extra)
		}
	}
	dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tlsConf,
		TLSHandshakeTimeout:    connect,
		ResponseHeaderTimeout:  header,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConnsPerHost:    4,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport: tr,
		// The protocol never redirects; following one could carry the
		// bearer token or the password somewhere unexpected.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// verifyPeer checks the server's chain against the system roots, then
// against extra, for the name host.
func verifyPeer(cs tls.ConnectionState, host string, extra *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("tls: server sent no certificate")
	}
	opts := x509.VerifyOptions{DNSName: host, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	leaf := cs.PeerCertificates[0]
	if _, err := leaf.Verify(opts); err == nil {
		return nil
	}
	opts.Roots = extra
	if _, err := leaf.Verify(opts); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	return nil
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// do performs c and decodes the answer. Every failure is an *Error.
func (t *transport) do(ctx context.Context, c call) error {
	rctx, cancel := context.WithTimeout(ctx, t.reqTimeout)
	defer cancel()
	req, err := t.newRequest(rctx, c.method, c.path, c.body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if err := setAuth(req, c.bearer, c.device); err != nil {
		return err
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return transportError(ctx, rctx, err, "cannot reach the server")
	}
	defer resp.Body.Close()
	body, err := readCapped(resp.Body)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return t.badResponse(resp, "response is too large", err)
		}
		return transportError(ctx, rctx, err, "connection lost while reading the answer")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return t.errorFromResponse(resp, body)
	}
	if c.out == nil {
		return nil
	}
	if err := decodeJSON(resp.Header, body, c.out); err != nil {
		return t.badResponse(resp, "answer is not the expected JSON", err)
	}
	return nil
}

// newRequest builds a request for path with an optional JSON body.
func (t *transport) newRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			// Our own types always marshal; the cause may quote a value, so drop it.
			return nil, &Error{Code: CodeBadRequest, Message: "cannot encode the request"}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return nil, &Error{Code: CodeBadRequest, Message: "cannot build the request", Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", t.ua)
	return req, nil
}

// setAuth adds the session headers. Values are checked here so that a
// malformed token never reaches net/http, whose errors could echo it.
func setAuth(req *http.Request, bearer, device string) error {
	if bearer != "" {
		if !headerSafe(bearer) {
			return &Error{Code: CodeInvalidToken, Message: "the stored token is malformed"}
		}
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if device != "" {
		if !headerSafe(device) {
			return &Error{Code: CodeBadRequest, Message: "the device fingerprint is malformed"}
		}
		req.Header.Set(HeaderDevice, device)
	}
	return nil
}

func headerSafe(s string) bool {
	if len(s) > 4096 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

var errBodyTooLarge = errors.New("body exceeds 1 MiB")

// readCapped reads at most MaxResponseBody bytes, failing beyond that.
func readCapped(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxResponseBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxResponseBody {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// decodeJSON checks the content type and UTF-8 validity, then unmarshals.
func decodeJSON(h http.Header, body []byte, out any) error {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return fmt.Errorf("content type %q is not application/json", truncate(h.Get("Content-Type"), 64))
	}
	if !utf8.Valid(body) {
		return errors.New("body is not valid UTF-8")
	}
	return json.Unmarshal(body, out)
}

// errorFromResponse turns a non-2xx answer into an *Error, preferring the
// server's error body and falling back to the headers.
func (t *transport) errorFromResponse(resp *http.Response, body []byte) error {
	var eb ErrorBody
	if err := decodeJSON(resp.Header, body, &eb); err != nil || eb.Error.Code == "" {
		if err == nil {
			err = errors.New("error body has no code")
		}
		return t.badResponse(resp, "unexpected answer from the server", err)
	}
	e := &Error{
		Code:         truncate(eb.Error.Code, 64),
		Message:      cleanText(eb.Error.Message, maxMessageLen),
		AttemptsLeft: eb.Error.AttemptsLeft,
		RequestID:    cleanText(eb.RequestID, maxRequestIDLen),
		Status:       resp.StatusCode,
	}
	if eb.Error.RetryAt != nil {
		e.RetryAt = *eb.Error.RetryAt
	}
	t.fillFromHeaders(e, resp)
	return e
}

// badResponse is a CodeBadResponse carrying what the headers tell.
func (t *transport) badResponse(resp *http.Response, msg string, cause error) *Error {
	e := &Error{Code: CodeBadResponse, Message: msg, Status: resp.StatusCode, Err: cause}
	t.fillFromHeaders(e, resp)
	return e
}

// fillFromHeaders fills RequestID and RetryAt from X-Request-ID and
// Retry-After when the body did not.
func (t *transport) fillFromHeaders(e *Error, resp *http.Response) {
	if e.RequestID == "" {
		e.RequestID = cleanText(resp.Header.Get(HeaderRequestID), maxRequestIDLen)
	}
	if e.RetryAt.IsZero() {
		if d, ok := retryAfter(resp.Header, t.now()); ok {
			e.RetryAt = t.now().Add(d)
		}
	}
}

// retryAfter parses Retry-After (delay seconds or an HTTP date) relative to now.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}

// transportError classifies a failure of Do or of reading a body. ctx is the
// caller's context, rctx the per-request one derived from it.
func transportError(ctx, rctx context.Context, err error, msg string) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is known to the caller; keep the cause only
	}
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &Error{Code: CodeCanceled, Message: "request canceled", Err: context.Canceled}
	case ctx.Err() != nil || rctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		if !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		return &Error{Code: CodeTimeout, Message: "the server did not answer in time", Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &Error{Code: CodeTimeout, Message: "the server did not answer in time", Err: err}
	}
	return &Error{Code: CodeNetwork, Message: msg, Err: err}
}

// cleanText keeps server-provided text printable and short.
func cleanText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	return truncate(s, n)
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
