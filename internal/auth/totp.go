package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The second factor (docs/rules.md §34): TOTP as RFC 6238 defines it and
// every authenticator app reads it — HMAC-SHA1, 6 digits, 30-second steps,
// a 160-bit secret — through github.com/pquerna/otp; one step of clock skew
// either side is accepted; a step once accepted is never accepted again
// (the caller keeps the last one).
const (
	TOTPIssuer = "Portail ACI"
	TOTPPeriod = 30 // seconds
	// TOTPSkew: steps accepted before and after the current one.
	TOTPSkew = 1
	// RecoveryCodes is how many recovery codes an enrolment gives.
	RecoveryCodes = 10
)

func totpOpts() totp.ValidateOpts {
	return totp.ValidateOpts{Period: TOTPPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
}

// TOTPKey rebuilds the key of a stored secret (base32, as NewTOTPKey's
// Secret) for the account email, to show its QR code again.
func TOTPKey(secret, email string) (*otp.Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		return nil, fmt.Errorf("auth.TOTPKey: %w", err)
	}
	return totpKey(email, raw)
}

// NewTOTPKey draws a new secret for the account email (its name in the
// authenticator app).
func NewTOTPKey(email string) (*otp.Key, error) { return totpKey(email, nil) }

func totpKey(email string, secret []byte) (*otp.Key, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: email, Period: TOTPPeriod,
		SecretSize: 20, Secret: secret, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("auth.totpKey: %w", err)
	}
	return k, nil
}

// TOTPStep is the RFC 6238 time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// CheckTOTP looks for code among the codes of the steps around at (TOTPSkew
// either side) that come after lastStep, and returns the step it matched.
// replay is true when the code is that of a step already accepted (lastStep
// or before): it is refused like a wrong code.
func CheckTOTP(secret, code string, at time.Time, lastStep int64) (step int64, ok, replay bool) {
	code = NormalizeTOTP(code)
	if len(code) != 6 {
		return 0, false, false
	}
	now := TOTPStep(at)
	for s := now - TOTPSkew; s <= now+TOTPSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*TOTPPeriod, 0), totpOpts())
		if err != nil {
			return 0, false, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			if s <= lastStep {
				return s, false, true
			}
			return s, true, false
		}
	}
	return 0, false, false
}

// NormalizeTOTP keeps the digits of a typed code ("123 456" is 123456).
func NormalizeTOTP(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '\u00a0' || r == '\u202f':
			return -1
		}
		return 'x' // anything else spoils the code
	}, strings.TrimSpace(code))
}

// recoveryEncoding: lower-case base32 (its digits 2–7 only: no 0, 1, 8 or
// 9 to mistake for o, l, b or g).
func recoveryEncoding() *base32.Encoding {
	return base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
}

// NewRecoveryCodes draws RecoveryCodes codes of 80 random bits each, as
// 16 characters in groups of four ("abcd-efgh-ijkl-mnop").
func NewRecoveryCodes() ([]string, error) {
	out := make([]string, RecoveryCodes)
	for i := range out {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("auth.NewRecoveryCodes: %w", err)
		}
		s := recoveryEncoding().EncodeToString(b) // 16 characters
		out[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
	}
	return out, nil
}

// RecoveryHash is what is stored of a recovery code: the SHA-256 of its
// normalised form (lower case, without spaces or dashes). 80 random bits
// need no slow hash.
func RecoveryHash(code string) []byte {
	n := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte(n))
	return h[:]
}
