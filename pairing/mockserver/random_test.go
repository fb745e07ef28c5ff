package mockserver

import (
	"bytes"
	"crypto/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
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

func TestCheckNumbersRejectBiasedDrawsAndRepeats(t *testing.T) {
	// Given draws of 180 or more (which would favour 10–85 if folded in),
	// a repeat, then fair draws and the shuffle's two picks,
	r := bytes.NewReader([]byte{200, 32, 32, 255, 5, 70, 0, 0})
	check, choices, err := checkNumbers(r)
	if err != nil {
		t.Fatal(err)
	}
	// the biased and repeated draws are thrown away: 10+32, 10+5, 10+70,
	// and the shuffle (swap 2↔0, then 1↔0) puts them in its own order.
	if check != "42" || !slices.Equal(choices, []string{"15", "80", "42"}) {
		t.Errorf("check %s choices %v, want 42 among [15 80 42]", check, choices)
	}
	if _, _, err := checkNumbers(bytes.NewReader([]byte{1, 2})); err == nil {
		t.Error("no error when randomness runs out")
	}
}

func TestCheckNumbersAreUniformAndTheRightOneHasNoPlace(t *testing.T) {
	const n = 6000
	var values [90]int
	var places [3]int
	for range n {
		check, choices, err := checkNumbers(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.Atoi(check)
		if err != nil || v < 10 || v > 99 || len(choices) != 3 {
			t.Fatalf("check %q choices %v", check, choices)
		}
		values[v-10]++
		places[slices.Index(choices, check)]++
		if choices[0] == choices[1] || choices[1] == choices[2] || choices[0] == choices[2] {
			t.Fatalf("choices %v repeat a number", choices)
		}
	}
	// Chi-square, 89 degrees of freedom: 135.9 is exceeded with p = 0.001.
	chi, want := 0.0, float64(n)/90
	for _, c := range values {
		chi += (float64(c) - want) * (float64(c) - want) / want
	}
	if chi > 135.9 {
		t.Errorf("check numbers look biased: chi-square %.1f", chi)
	}
	// 2 degrees of freedom: 13.8 is exceeded with p = 0.001.
	chi, want = 0.0, float64(n)/3
	for _, c := range places {
		chi += (float64(c) - want) * (float64(c) - want) / want
	}
	if chi > 13.8 {
		t.Errorf("the right number favours a place among the three: %v", places)
	}
}

func TestAWrongPickCountsAsAWrongCode(t *testing.T) {
	pw := newPhoneWeb(t)
	srv := pw.srv
	pl, err := srv.newLogin(DemoEmail, pairing.Device{ID: "d", Name: "PC", Platform: pairing.PlatformLinux, Fingerprint: "f"}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	sr := pw.scan(t, qrInfo(pl).Payload)
	rec, err := srv.store.GetLogin(pl.ID)
	if err != nil {
		t.Fatal(err)
	}
	wrong := sr.CheckChoices[0]
	if wrong == rec.Check {
		wrong = sr.CheckChoices[1]
	}
	// When the phone picks a number the computer does not show,
	if code := pw.approve(t, pl.ID, wrong); code != 400 {
		t.Fatalf("wrong pick answered %d, want 400", code)
	}
	// then the login keeps that as a wrong try, and is declined for that reason.
	rec, err = srv.store.GetLogin(pl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.CodeFailures != 1 || rec.State != loginDeclined || rec.DeclineReason != pairing.DeclinedWrongCheck || rec.EndedAt.IsZero() {
		t.Errorf("after a wrong pick: failures %d, state %s, reason %q", rec.CodeFailures, rec.State, rec.DeclineReason)
	}
}

func TestSameNetwork(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"127.0.0.1", "::1", true}, // both on this machine, whatever the family
		{"127.0.0.1", "127.8.9.10", true},
		{"192.0.2.1", "192.0.2.254", true},
		{"192.0.2.1", "192.0.3.1", false},
		{"2001:db8:0:100::1", "2001:db8:0:1ff::1", true},
		{"2001:db8:0:100::1", "2001:db8:0:200::1", false},
		{"::ffff:192.0.2.1", "192.0.2.7", true},
		{"192.0.2.1", "::ffff:192.0.3.1", false},
		{"127.0.0.1", "192.0.2.1", false},
		{"", "192.0.2.1", false},
		{"garbage", "garbage", false},
	} {
		if got := sameNetwork(tc.a, tc.b); got != tc.want {
			t.Errorf("sameNetwork(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := sameNetwork(tc.b, tc.a); got != tc.want {
			t.Errorf("sameNetwork(%q, %q) = %v, want %v (either way round)", tc.b, tc.a, got, tc.want)
		}
	}
}
