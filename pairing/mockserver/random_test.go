package mockserver

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
)

func TestSecurityCodeRejectsBiasedDraws(t *testing.T) {
	// Given a draw at or above the largest multiple of 10^6 (which would
	// favour low codes if folded in) followed by a fair one,
	r := bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x7b})
	// when a code is made, the biased draw is thrown away.
	code, err := securityCode(r, 6)
	if err != nil {
		t.Fatal(err)
	}
	if code != "000123" {
		t.Errorf("code = %q, want the second draw 123 with leading zeros", code)
	}
}

func TestSecurityCodeShape(t *testing.T) {
	for _, length := range []int{4, 6, 9, 10, 12} {
		code, err := securityCode(rand.Reader, length)
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != length || strings.Trim(code, "0123456789") != "" {
			t.Errorf("length %d: %d characters, not all digits", length, len(code))
		}
	}
	if _, err := securityCode(bytes.NewReader(nil), 6); err == nil {
		t.Error("no error when randomness runs out")
	}
}

// TestSecurityCodeDigitsAreUniform is a chi-square test over every digit
// position: with 9 degrees of freedom, 27.9 is exceeded with p = 0.001.
func TestSecurityCodeDigitsAreUniform(t *testing.T) {
	for _, length := range []int{6, 10} {
		var counts [10]int
		const n = 3000
		for range n {
			code, err := securityCode(rand.Reader, length)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range code {
				counts[c-'0']++
			}
		}
		expected := float64(n*length) / 10
		chi := 0.0
		for _, c := range counts {
			d := float64(c) - expected
			chi += d * d / expected
		}
		if chi > 27.9 {
			t.Errorf("length %d: digits look biased, chi-square %.1f, counts %v", length, chi, counts)
		}
	}
}

func TestSessionTokenShape(t *testing.T) {
	tok, err := newSessionToken(32)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "ldk_") || len(tok) != 4+43 {
		t.Errorf("token of length %d", len(tok))
	}
	if h := hashToken(tok); len(h) != 64 || strings.Contains(h, tok) {
		t.Error("hash is not a hex SHA-256")
	}
}
