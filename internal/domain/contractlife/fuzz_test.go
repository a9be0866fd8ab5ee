package contractlife

import (
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

// FuzzParseValue: whatever is typed, ParseValue either refuses it with a
// coded French error or returns a valid value that its own String and Input
// forms read back to exactly.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"62,5", "62,5 %", "62.5", "1 234", "1\u202f234", "-3", "100,01", "62,555", "abc", "", ",5", "0", "999 999 999 999", "−0,00 %"} {
		f.Add(true, s)
		f.Add(false, s)
	}
	f.Fuzz(func(t *testing.T, percent bool, s string) {
		u := Count
		if percent {
			u = Percent
		}
		v, err := ParseValue(u, s)
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.EInvalid || domain.ErrorMessage(err) == "" {
				t.Fatalf("%q: error %v (code %s)", s, err, c)
			}
			return
		}
		if !v.Valid() || v.Unit != u {
			t.Fatalf("%q → invalid %+v", s, v)
		}
		for _, form := range []string{v.String(), v.Input()} {
			back, err := ParseValue(u, form)
			if err != nil || back != v {
				t.Fatalf("%q → %+v → %q → %+v, %v", s, v, form, back, err)
			}
		}
	})
}
