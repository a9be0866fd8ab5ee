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

// FuzzParseIndicatorsJSON: any file is refused with a coded French error or
// gives indicators whose rates are within [0, 100 %].
func FuzzParseIndicatorsJSON(f *testing.F) {
	f.Add([]byte(`[{"mission":"acces","baseline":"60","target":"70","value":"62,5","weight":1,"decreasing":false}]`))
	f.Add([]byte(`[{"mission":"parcours","baseline":10,"target":12,"value":11.5},{"mission":"acces","unit":"nombre","baseline":"1 000","target":"900","value":"950","decreasing":true}]`))
	f.Add([]byte(`[{"mission":"acces","baseline":"-1","target":"x","value":null,"weight":"2"}]`))
	f.Add([]byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := ParseIndicatorsJSON(data)
		if err != nil {
			if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorMessage(err) == "" {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(ms) == 0 {
			t.Fatal("no indicator and no error")
		}
		rates, err := MissionRates(ms)
		if err != nil {
			t.Fatalf("parsed indicators refused: %v", err)
		}
		for m, r := range rates {
			if !r.Valid() || !m.HasAchievement() {
				t.Fatalf("%s: rate %d", m, r)
			}
		}
	})
}
