// Package auth hashes and checks passwords with argon2id, and holds the login
// rate-limit rule.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum (m=19 MiB, t=2, p=1). Passphrases are
// hashed whole — no truncation (bcrypt would cut at 72 bytes).
const (
	memoryKiB  = 19 * 1024
	iterations = 2
	threads    = 1
	keyLen     = 32
	saltLen    = 16
	// MaxPasswordBytes bounds the input (a 1 MB "password" would be a cheap
	// denial of service); 1 024 bytes is far above any real passphrase.
	MaxPasswordBytes = 1024
	// MinPasswordRunes is the shortest password accepted when one is set.
	MinPasswordRunes = 12
)

// Hash returns the PHC string of password: $argon2id$v=19$m=19456,t=2,p=1$salt$key.
func Hash(password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", errors.New("auth.Hash: password too long")
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth.Hash: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, iterations, memoryKiB, threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, iterations, threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Check reports whether password matches the PHC string encoded, in constant
// time with respect to the key.
func Check(encoded, password string) bool {
	if len(password) > MaxPasswordBytes {
		return false
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 64 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// DummyCheck spends the time of a real Check, so that an unknown e-mail takes
// as long to refuse as a wrong password.
func DummyCheck(password string) {
	Check(dummyHash(), password)
}

// dummyHash is computed on first use (a fixed password: Hash cannot fail on it).
var dummyHash = sync.OnceValue(func() string {
	h, _ := Hash("portail-aci-dummy-password")
	return h
})

// Login throttle thresholds (throttle.go; docs/decisions.md "Login rate
// limit").
const (
	MaxFailures = 5
	Window      = 15 * time.Minute
)
