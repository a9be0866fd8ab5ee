package registry

import (
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

// FuzzIdentifierFields: whatever is typed in a structure's or a member's
// identifier field (SIRET, SIREN, FINESS, RPPS, e-mail, phone, commune),
// its parser refuses it with a French message on its field, or returns the
// normalised form, which the parser accepts again unchanged (docs/rules.md
// §39).
func FuzzIdentifierFields(f *testing.F) {
	for _, s := range []string{"356 000 000 00048", "73282932000074", "732829320", "750712184", "2A0000012", "10005173140", "Marie.Dupont@Exemple.FR", "06 12 34 56 78", "+33 6 12 34 56 78", "0612345678", "59350", "2A004", "97411", "", " ", "abc", "\x00", "@", "a@b", "00000000000000"} {
		f.Add(s)
	}
	parsers := map[string]func(string) (string, error){"siret": ParseSIRET, "siren": ParseSIREN, "finess": ParseFINESS,
		"rpps": ParseRPPS, "email": ParseEmail, "phone": ParsePhone, "commune": ParseCommuneCode}
	f.Fuzz(func(t *testing.T, s string) {
		for name, parse := range parsers {
			v, err := parse(s)
			if err != nil {
				if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorMessage(err) == "" {
					t.Fatalf("%s(%q): error %v (code %s)", name, s, err, domain.ErrorCode(err))
				}
				continue
			}
			back, err := parse(v)
			if err != nil || back != v {
				t.Fatalf("%s(%q) = %q, then %q, %v", name, s, v, back, err)
			}
		}
	})
}
