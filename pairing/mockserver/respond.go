package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// maxBodyBytes bounds every JSON request body.
const maxBodyBytes = 64 << 10

// apiError is an error answer: HTTP status, error.code and the extras some
// codes carry. Its message comes from the server, never from the request.
type apiError struct {
	status       int
	code         string
	message      string
	attemptsLeft *int
	retryAt      time.Time
	retryAfter   time.Duration // from the server clock's now to retryAt
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s", e.code, e.status, e.message)
}

func newAPIError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

func (e *apiError) withAttempts(n int) *apiError {
	n = max(n, 0)
	e.attemptsLeft = &n
	return e
}

// withRetryAt adds when the refusal lifts; now is the server clock's time.
func (e *apiError) withRetryAt(t, now time.Time) *apiError {
	e.retryAt = t
	e.retryAfter = t.Sub(now)
	return e
}

func badRequest(message string) *apiError {
	return newAPIError(http.StatusBadRequest, pairing.CodeBadRequest, message)
}

type requestIDKey struct{}

// withRequestID gives every request an ID, in its context and in the
// X-Request-ID header of its answer, and dates every answer by clock (not
// the system clock), so clients that correct their clock by the Date header,
// like the phone simulator page, follow POST /mock/v1/clock.
func withRequestID(clock *Clock, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := randomID(requestIDPrefix, 12)
		if err != nil {
			id = requestIDPrefix + strconv.FormatInt(time.Now().UnixNano(), 36)
		}
		w.Header().Set(pairing.HeaderRequestID, id)
		w.Header().Set("Date", clock.Now().UTC().Format(http.TimeFormat))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// requestID returns the request's ID, making one (and setting the header)
// when the request did not pass through withRequestID.
func requestID(w http.ResponseWriter, r *http.Request) string {
	if id, ok := r.Context().Value(requestIDKey{}).(string); ok {
		return id
	}
	if id := w.Header().Get(pairing.HeaderRequestID); id != "" {
		return id
	}
	id, err := randomID(requestIDPrefix, 12)
	if err != nil {
		id = requestIDPrefix + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	w.Header().Set(pairing.HeaderRequestID, id)
	return id
}

// writeJSON answers status with v as JSON. v == nil writes no body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if v == nil {
		w.WriteHeader(status)
		return
	}
	body, err := marshalJSON(v)
	if err != nil {
		// Only server-made values reach here; a failure is a programming error.
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":{"code":"internal_error","message":"response could not be encoded"}}`) // nothing left to do if the client is gone
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // a failed write means the client went away
}

// marshalJSON is json.Marshal without HTML escaping, so a QR payload's "&"
// reads as itself, and with every time to the millisecond (millisecondTimes).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return millisecondTimes(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// timeMember finds a time member in compact JSON as encoding/json writes a
// time.Time (RFC 3339, trailing zeros of the fraction dropped). Its quotes are
// unescaped, so it can only be a member, never text inside a string.
var timeMember = regexp.MustCompile(`"(\w*_at|now|time)":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?Z"`)

// millisecondTimes writes every time member with exactly three fractional
// digits, as the protocol promises ("…T10:00:00.000Z"); the server's clock
// has no finer digits.
func millisecondTimes(data []byte) []byte {
	return timeMember.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := timeMember.FindSubmatch(m)
		frac := append(bytes.TrimPrefix(sub[3], []byte(".")), "000"...)[:3]
		return fmt.Appendf(nil, `"%s":"%s.%sZ"`, sub[1], sub[2], frac)
	})
}

// writeError answers the one error shape of the protocol.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeAPIError(w, r, newAPIError(status, code, message))
}

// writeAPIError answers e in the protocol's error shape, with Retry-After
// when e carries a retry time.
func writeAPIError(w http.ResponseWriter, r *http.Request, e *apiError) {
	body := pairing.ErrorBody{
		Error:     pairing.ErrorDetail{Code: e.code, Message: e.message, AttemptsLeft: e.attemptsLeft},
		RequestID: requestID(w, r),
	}
	if !e.retryAt.IsZero() {
		t := e.retryAt.UTC()
		body.Error.RetryAt = &t
		if e.retryAfter > 0 {
			secs := int((e.retryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
	}
	if pairing.IsSessionEnd(e.code) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	writeJSON(w, e.status, body)
}

// fail answers err: an *apiError as it is, anything else as a logged 500
// whose text stays in the log (errors never carry secrets).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeAPIError(w, r, ae)
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", requestID(w, r), "err", err)
	writeError(w, r, http.StatusInternalServerError, pairing.CodeInternal, "the server could not complete the request")
}

// readBody reads r's body, at most maxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newAPIError(http.StatusRequestEntityTooLarge, pairing.CodeBadRequest, "request body too large")
		}
		if isTimeout(err) {
			return nil, errBodyTimeout()
		}
		return nil, badRequest("request body could not be read")
	}
	return data, nil
}

// readRequest reads r's body and decodes it with one of decode.go's
// decoders. On any error it has answered it already and ok is false, so a
// handler returns at once.
func readRequest[T any](s *Server, w http.ResponseWriter, r *http.Request, decode func([]byte) (T, error)) (req T, ok bool) {
	data, err := readBody(w, r)
	if err == nil {
		req, err = decode(data)
	}
	if err != nil {
		s.fail(w, r, err)
		return req, false
	}
	return req, true
}

// isTimeout reports whether err is a read deadline passing (Config.BodyTimeout).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errBodyTimeout answers a body that did not arrive within Config.BodyTimeout.
func errBodyTimeout() *apiError {
	return newAPIError(http.StatusRequestTimeout, pairing.CodeBadRequest, "the request body did not arrive in time; send it again")
}

// decodeJSONBytes decodes a request body into v. Unknown fields are allowed
// so older servers accept newer clients; data after the JSON value is not
// (not even a stray "}", which Decoder.More would let through).
func decodeJSONBytes(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return badRequest("request body is empty; send a JSON object")
		}
		return badRequest("request body is not the expected JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("request body has data after the JSON object")
	}
	return checkMemberNames(data, reflect.TypeOf(v))
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != "" && len(token) <= 512
}
