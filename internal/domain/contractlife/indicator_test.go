package contractlife

import (
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

func TestParseValue(t *testing.T) {
	for _, tc := range []struct {
		unit Unit
		in   string
		n    int64
		show string
	}{
		{Count, "0", 0, "0"},
		{Count, "1234", 1234, "1\u202f234"},
		{Count, "1 234", 1234, "1\u202f234"},
		{Count, " 1\u00a0234\u202f567 ", 1_234_567, "1\u202f234\u202f567"},
		{Count, "12 000", 12_000, "12\u202f000"},
		{Count, "007", 7, "7"},
		{Count, "999 999 999 999", MaxCount, "999\u202f999\u202f999\u202f999"},
		{Count, "-0", 0, "0"},
		{Percent, "62,5", 6_250, "62,5\u00a0%"},
		{Percent, "62.5", 6_250, "62,5\u00a0%"},
		{Percent, "62,5 %", 6_250, "62,5\u00a0%"},
		{Percent, "62,5%", 6_250, "62,5\u00a0%"},
		{Percent, "62,5\u00a0%", 6_250, "62,5\u00a0%"},
		{Percent, "62,50", 6_250, "62,5\u00a0%"},
		{Percent, "62,55", 6_255, "62,55\u00a0%"},
		{Percent, "62,05", 6_205, "62,05\u00a0%"},
		{Percent, "0,05", 5, "0,05\u00a0%"},
		{Percent, "0", 0, "0\u00a0%"},
		{Percent, "100", 10_000, "100\u00a0%"},
		{Percent, "100,00 %", 10_000, "100\u00a0%"},
		{Percent, "012", 1_200, "12\u00a0%"},
		{Percent, "7,", 0, ""}, // refused below: kept out of this table
	} {
		if tc.show == "" {
			continue
		}
		v, err := ParseValue(tc.unit, tc.in)
		if err != nil || v != (Value{tc.unit, tc.n}) {
			t.Errorf("ParseValue(%s, %q) = %+v, %v; want %d", tc.unit, tc.in, v, err, tc.n)
			continue
		}
		if v.String() != tc.show {
			t.Errorf("%q shown %q, want %q", tc.in, v.String(), tc.show)
		}
		back, err := ParseValue(tc.unit, v.Input())
		if err != nil || back != v {
			t.Errorf("Input %q does not read back: %+v %v", v.Input(), back, err)
		}
		back, err = ParseValue(tc.unit, v.String())
		if err != nil || back != v {
			t.Errorf("String %q does not read back: %+v %v", v.String(), back, err)
		}
	}
}

func TestParseValueRefused(t *testing.T) {
	for _, tc := range []struct {
		unit Unit
		in   string
		msg  string
	}{
		{Count, "", "valeur manquante"},
		{Count, "   ", "valeur manquante"},
		{Count, "-3", "ne peut pas être négatif"},
		{Count, "− 3", "ne peut pas être négatif"},
		{Count, "12,5", "sans décimale"},
		{Count, "1.234", "sans décimale"},
		{Count, "1 2345", "n'est pas un nombre"},
		{Count, "12 34", "n'est pas un nombre"},
		{Count, "1234 567", "n'est pas un nombre"},
		{Count, "douze", "« douze » n'est pas un nombre"},
		{Count, "-", "« - » n'est pas un nombre"},
		{Count, " − ", "n'est pas un nombre"},
		{Count, "--1", "n'est pas un nombre"},
		{Percent, "-", "n'est pas un nombre"},
		{Percent, "-%", "n'est pas un nombre"},
		{Count, "+5", "n'est pas un nombre"},
		{Count, "5 %", "n'est pas un nombre"},
		{Count, "1e3", "n'est pas un nombre"},
		{Count, "1 000 000 000 000", "trop grand"},
		{Count, "99999999999999999999999", "trop grand"},
		{Percent, "", "valeur manquante"},
		{Percent, "-1", "ne peut pas être négatif"},
		{Percent, "-0,01 %", "ne peut pas être négatif"},
		{Percent, "100,01", "dépasser 100"},
		{Percent, "101 %", "dépasser 100"},
		{Percent, "99999999999999999999", "dépasser 100"},
		{Percent, "62,555", "deux décimales"},
		{Percent, "62,5,5", "n'est pas un nombre"},
		{Percent, ",5", "n'est pas un nombre"},
		{Percent, "7,", "n'est pas un nombre"},
		{Percent, "%", "n'est pas un nombre"},
		{Percent, "62 5", "n'est pas un nombre"},
		{Percent, "soixante", "n'est pas un nombre"},
		{Percent, "% 62", "n'est pas un nombre"},
		{Percent, "62 %%", "n'est pas un nombre"},
		{Unit("kg"), "1", "unité"},
	} {
		v, err := ParseValue(tc.unit, tc.in)
		if err == nil {
			t.Errorf("ParseValue(%s, %q) = %+v, want an error", tc.unit, tc.in, v)
			continue
		}
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), tc.msg) {
			t.Errorf("ParseValue(%s, %q): %v; want invalid with %q", tc.unit, tc.in, err, tc.msg)
		}
	}
}

func pct(t *testing.T, s string) Value {
	t.Helper()
	v, err := ParseValue(Percent, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func cnt(t *testing.T, s string) Value {
	t.Helper()
	v, err := ParseValue(Count, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestIndicatorAndMissionRates(t *testing.T) {
	inc, dec := funding.Increasing, funding.Decreasing
	for _, tc := range []struct {
		m    Measure
		rate funding.Rate
	}{
		// 60 → 70 %, declared 62,5 %: 2,5 / 10 = 25 %.
		{Measure{funding.Acces, inc, 1, pct(t, "60"), pct(t, "70"), pct(t, "62,5")}, 2_500},
		// decreasing 20 → 15 %, declared 17,33 %: 2,67 / 5 = 53,40 %.
		{Measure{funding.Acces, dec, 1, pct(t, "20"), pct(t, "15"), pct(t, "17,33")}, 5_340},
		// counts 1 000 → 1 300, declared 1 100: 1/3 → 33,33 %.
		{Measure{funding.Acces, inc, 2, cnt(t, "1 000"), cnt(t, "1 300"), cnt(t, "1 100")}, 3_333},
		// 2/3 → 66,67 % (half away from zero).
		{Measure{funding.Acces, inc, 2, cnt(t, "1 000"), cnt(t, "1 300"), cnt(t, "1 200")}, 6_667},
		// beyond the target: clamped to 100 %; behind the baseline: 0 %.
		{Measure{funding.Parcours, inc, 1, pct(t, "10"), pct(t, "12"), pct(t, "15")}, 10_000},
		{Measure{funding.Parcours, inc, 1, pct(t, "10"), pct(t, "12"), pct(t, "9")}, 0},
		// target equal to the baseline: reached when at least as good.
		{Measure{funding.Parcours, dec, 1, pct(t, "10"), pct(t, "10"), pct(t, "10")}, 10_000},
		{Measure{funding.Parcours, dec, 1, pct(t, "10"), pct(t, "10"), pct(t, "10,01")}, 0},
	} {
		r, err := IndicatorRate(tc.m)
		if err != nil || r != tc.rate {
			t.Errorf("%+v: rate %d, %v; want %d", tc.m, r, err, tc.rate)
		}
	}
	// Mission acces: weights 1, 1, 2 → (2 500 + 5 340 + 2 × 3 333,33…) / 4.
	// Exact: (0,25 + 0,534 + 2/3) / 4 = 0,36266… → 3 627.
	rates, err := MissionRates([]Measure{
		{funding.Acces, inc, 1, pct(t, "60"), pct(t, "70"), pct(t, "62,5")},
		{funding.Acces, dec, 1, pct(t, "20"), pct(t, "15"), pct(t, "17,33")},
		{funding.Acces, inc, 2, cnt(t, "1000"), cnt(t, "1300"), cnt(t, "1100")},
		{funding.Parcours, inc, 1, pct(t, "10"), pct(t, "12"), pct(t, "11")},
	})
	if err != nil || rates[funding.Acces] != 3_627 || rates[funding.Parcours] != 5_000 || len(rates) != 2 {
		t.Errorf("rates %v, %v", rates, err)
	}
	for _, bad := range []Measure{
		{funding.Acces, inc, 1, pct(t, "60"), cnt(t, "70"), pct(t, "62,5")},         // mixed units
		{funding.Acces, inc, 0, pct(t, "60"), pct(t, "70"), pct(t, "62,5")},         // weight 0
		{funding.Acces, "x", 1, pct(t, "60"), pct(t, "70"), pct(t, "62,5")},         // direction
		{funding.Crise, inc, 1, pct(t, "60"), pct(t, "70"), pct(t, "62,5")},         // no achievement
		{funding.Acces, inc, 1, pct(t, "60"), pct(t, "70"), Value{}},                // missing value
		{funding.Acces, inc, 1, pct(t, "60"), pct(t, "70"), Value{Percent, 10_001}}, // out of range
	} {
		if _, err := IndicatorRate(bad); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%+v: %v, want invalid", bad, err)
		}
	}
}

func TestParseField(t *testing.T) {
	if v, err := ParseField("value", Percent, "62,5 %"); err != nil || v.N != 6_250 {
		t.Errorf("%+v %v", v, err)
	}
	_, err := ParseField("value_acces_1", Count, "-2")
	var e *domain.Error
	if !errorAs(err, &e) || e.Field != "value_acces_1" || e.Code != domain.EInvalid || e.Message != "un nombre ne peut pas être négatif" {
		t.Errorf("%#v", err)
	}
}

func TestMandatoryUnit(t *testing.T) {
	for code, want := range map[string]Unit{"patientele_mt": Percent, "admissions_directes_ville": Percent, "consultations_snp": Count, "autre_3": Count} {
		if got := MandatoryUnit(code); got != want {
			t.Errorf("%s: %s, want %s", code, got, want)
		}
	}
}
