package auth

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// CheckTOTP at a fixed instant: the code the library generates for that
// instant (and for one step either side) is accepted with its step; two
// steps away, a wrong code, or a step already used, are refused — the last
// one as a replay (docs/rules.md §34).
func TestCheckTOTPFixedClock(t *testing.T) {
	k, err := NewTOTPKey("referent@demo.portail-aci.fr")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 9, 10, 15, 7, 0, time.UTC)
	now := TOTPStep(at)
	if now != at.Unix()/30 {
		t.Fatalf("step %d", now)
	}
	code := func(t0 time.Time) string {
		c, err := totp.GenerateCode(k.Secret(), t0)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		code   string
		last   int64
		step   int64
		ok     bool
		replay bool
	}{
		{"current step", code(at), 0, now, true, false},
		{"typed with a space", code(at)[:3] + " " + code(at)[3:], 0, now, true, false},
		{"previous step (skew)", code(at.Add(-30 * time.Second)), 0, now - 1, true, false},
		{"next step (skew)", code(at.Add(30 * time.Second)), 0, now + 1, true, false},
		{"two steps late", code(at.Add(-60 * time.Second)), 0, 0, false, false},
		{"current step already used", code(at), now, now, false, true},
		{"older step after a newer one", code(at.Add(-30 * time.Second)), now, now - 1, false, true},
		{"after the previous step was used", code(at), now - 1, now, true, false},
		{"letters", "12a456", 0, 0, false, false},
		{"too short", "12345", 0, 0, false, false},
	} {
		step, ok, replay := CheckTOTP(k.Secret(), tc.code, at, tc.last)
		if ok != tc.ok || replay != tc.replay || (tc.ok || tc.replay) && step != tc.step {
			t.Errorf("%s: step %d ok %v replay %v, want %d %v %v", tc.name, step, ok, replay, tc.step, tc.ok, tc.replay)
		}
	}
	// A wrong code: the right one with its last digit changed.
	c := code(at)
	wrong := c[:5] + string('0'+(c[5]-'0'+1)%10)
	if _, ok, _ := CheckTOTP(k.Secret(), wrong, at, 0); ok {
		t.Errorf("wrong code %s accepted (right %s)", wrong, c)
	}
}

// The key rebuilt from a stored secret gives the same codes and an
// otpauth URL naming the portal and the account.
func TestTOTPKeyRoundTrip(t *testing.T) {
	k, err := NewTOTPKey("a@b.fr")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := TOTPKey(k.Secret(), "a@b.fr")
	if err != nil {
		t.Fatal(err)
	}
	if k2.Secret() != k.Secret() || !strings.Contains(k2.URL(), "issuer=Portail") || k2.AccountName() != "a@b.fr" {
		t.Fatalf("rebuilt key: %s", k2.URL())
	}
	if len(k.Secret()) != 32 { // 20 bytes in base32
		t.Errorf("secret length %d", len(k.Secret()))
	}
}

// Recovery codes: ten, distinct, 16 characters of lower-case base32 in four
// groups; the hash ignores case, spaces and dashes.
func TestRecoveryCodes(t *testing.T) {
	codes, err := NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != RecoveryCodes {
		t.Fatalf("%d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 19 || strings.Count(c, "-") != 3 || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz234567-") != "" || seen[c] {
			t.Errorf("code %q", c)
		}
		seen[c] = true
	}
	c := codes[0]
	if !bytes.Equal(RecoveryHash(c), RecoveryHash(" "+strings.ToUpper(strings.ReplaceAll(c, "-", " "))+" ")) {
		t.Error("hash depends on the typing")
	}
	if bytes.Equal(RecoveryHash(codes[0]), RecoveryHash(codes[1])) || len(RecoveryHash(c)) != 32 {
		t.Error("hashes")
	}
}
