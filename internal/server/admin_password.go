package server

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// GeneratePassword returns a strong initial password: 24 base32 characters
// (120 bits from crypto/rand) in six groups of four, e.g.
// "K7QD-M2XA-…", easy to read out and to type. It is shown once (admin page,
// `aci user create`) and the person changes it at first login on /compte.
func GeneratePassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	s := base32.StdEncoding.EncodeToString(b)
	var parts []string
	for i := 0; i < len(s); i += 4 {
		parts = append(parts, s[i:i+4])
	}
	return strings.Join(parts, "-")
}
