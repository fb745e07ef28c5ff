package mockserver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"github.com/linkdesk/linkdesk/pairing"
)

// Prefixes of the identifiers and tokens the server hands out.
const (
	loginIDPrefix    = "lgn_"
	sessionIDPrefix  = "ses_"
	requestIDPrefix  = "req_"
	phoneTokenPrefix = "ldp_"
	faultIDPrefix    = "flt_"
)

// randomBytes returns n bytes from r (crypto/rand in the server).
func randomBytes(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	return b, nil
}

// randomID returns prefix + base64url of n random bytes.
func randomID(prefix string, n int) (string, error) {
	b, err := randomBytes(rand.Reader, n)
	if err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// newSessionToken returns a bearer token: "ldk_" + base64url of n random bytes.
func newSessionToken(n int) (string, error) { return randomID(pairing.TokenPrefix, n) }

// hashToken is what the store keeps instead of a token: hex SHA-256.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// securityCode returns a code of length decimal digits read from r, every
// value equally likely: 32-bit draws at or above the largest multiple of
// 10^length are thrown away instead of folded in by the modulo.
func securityCode(r io.Reader, length int) (string, error) {
	if length < 1 || length > 9 {
		return securityCodeLong(r, length)
	}
	limit := uint32(1)
	for range length {
		limit *= 10
	}
	bound := (1<<32 - 1) / limit * limit // largest multiple of limit not above 2^32-1
	var buf [4]byte
	for {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", fmt.Errorf("reading randomness: %w", err)
		}
		v := binary.BigEndian.Uint32(buf[:])
		if v < bound {
			return fmt.Sprintf("%0*d", length, v%limit), nil
		}
	}
}

// securityCodeLong builds longer codes digit by digit, each unbiased.
func securityCodeLong(r io.Reader, length int) (string, error) {
	if length < 1 {
		return "", fmt.Errorf("code length %d is not positive", length)
	}
	out := make([]byte, 0, length)
	var b [1]byte
	for len(out) < length {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("reading randomness: %w", err)
		}
		if b[0] < 250 { // 250 = 25 × 10: keeps every digit equally likely
			out = append(out, '0'+b[0]%10)
		}
	}
	return string(out), nil
}

// checkNumbers draws the check number of one scan and the three choices the
// phone offers: the check and two other two-digit numbers (10–99, each
// equally likely, all distinct), in random order, all read from r.
func checkNumbers(r io.Reader) (check string, choices []string, err error) {
	const lowest, count = 10, 90 // 10..99: no leading zero to misread
	seen := map[int]bool{}
	var picked []int
	for len(picked) < 3 {
		n, err := uniform(r, count)
		if err != nil {
			return "", nil, err
		}
		if !seen[n] {
			seen[n] = true
			picked = append(picked, lowest+n)
		}
	}
	check = strconv.Itoa(picked[0])
	// Fisher–Yates, so the right number's place says nothing.
	for i := len(picked) - 1; i > 0; i-- {
		j, err := uniform(r, i+1)
		if err != nil {
			return "", nil, err
		}
		picked[i], picked[j] = picked[j], picked[i]
	}
	for _, n := range picked {
		choices = append(choices, strconv.Itoa(n))
	}
	return check, choices, nil
}

// uniform returns a number in [0, n) from r without modulo bias (n ≤ 256).
func uniform(r io.Reader, n int) (int, error) {
	limit := 256 / n * n // bytes at or above limit would favour the small numbers
	var b [1]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("reading randomness: %w", err)
		}
		if int(b[0]) < limit {
			return int(b[0]) % n, nil
		}
	}
}
