package cli

import (
	"fmt"
	"strings"
	"testing"
)

// TestFundingAuditPerTier checks every amount of docs/rules.md §4–§5 through the
// CLI, for the four tiers, to the cent (docs/rules.md §4).
func TestFundingAuditPerTier(t *testing.T) {
	pops := [4]string{"39999", "40000", "80000", "175001"} // one per tier (docs/rules.md §3 edges)
	for _, tc := range []struct {
		name  string
		args  []string
		total [4]int64 // euros, per tier
		fonct [4]int64 // fonctionnement line fixed part, euros (0: not checked)
	}{
		// docs/rules.md §4 "maximum possible (crisis plan first written + crisis)".
		{"all+crisis", []string{"--missions", "all", "--crisis"}, [4]int64{287_500, 382_500, 487_500, 580_000}, [4]int64{50_000, 60_000, 75_000, 90_000}},
		{"default missions = all", []string{"--crisis"}, [4]int64{287_500, 382_500, 487_500, 580_000}, [4]int64{}},
		// Without a declared crisis the crisis variable part is not paid (avenant 2 negotiation).
		{"all", nil, [4]int64{250_000, 330_000, 420_000, 505_000}, [4]int64{}},
		// socle: fonctionnement + acces + parcours + prevention + crise (fixe, 1re rédaction).
		{"socle", []string{"--missions", "socle"}, [4]int64{225_000, 295_000, 370_000, 435_000}, [4]int64{}},
		{"socle+crisis", []string{"--missions", "socle", "--crisis"}, [4]int64{262_500, 347_500, 437_500, 510_000}, [4]int64{}},
		// codes: fonctionnement always included.
		{"acces,qualite", []string{"--missions", "acces,qualite"}, [4]int64{145_000, 180_000, 230_000, 285_000}, [4]int64{50_000, 60_000, 75_000, 90_000}},
		{"fonctionnement only", []string{"--missions", "fonctionnement"}, [4]int64{50_000, 60_000, 75_000, 90_000}, [4]int64{}},
		// year 2: crisis plan update 12 500 / 17 500 / 22 500 / 25 000 instead of the first writing.
		{"year 2", []string{"--year", "2", "--crisis"}, [4]int64{275_000, 365_000, 465_000, 555_000}, [4]int64{}},
		{"year 5", []string{"--year", "5", "--crisis"}, [4]int64{275_000, 365_000, 465_000, 555_000}, [4]int64{}},
		// achievement 0,5: variable × 0,5 on the five achievement missions, never on crise's.
		{"achievement 0.5", []string{"--crisis", "--achievement", "0.5"}, [4]int64{251_250, 333_750, 426_250, 505_000}, [4]int64{}},
		{"achievement 0", []string{"--crisis", "--achievement", "0"}, [4]int64{215_000, 285_000, 365_000, 430_000}, [4]int64{}},
		// early signer under avenant 2 (signed before 30/09/2022): + 37 500 / 45 000 / 56 250 / 67 500
		// with the fonctionnement of year 1 (docs/rules.md §5: 87 500 / 105 000 / 131 250 / 157 500).
		{"signed 2022-06-01", []string{"--crisis", "--signed", "2022-06-01"}, [4]int64{325_000, 427_500, 543_750, 647_500}, [4]int64{87_500, 105_000, 131_250, 157_500}},
		{"signed 2022-09-29", []string{"--crisis", "--signed", "2022-09-29"}, [4]int64{325_000, 427_500, 543_750, 647_500}, [4]int64{}},
		// on or after the cut-off: no supplement ("avant le 30 septembre 2022").
		{"signed 2022-09-30", []string{"--crisis", "--signed", "2022-09-30"}, [4]int64{287_500, 382_500, 487_500, 580_000}, [4]int64{50_000, 60_000, 75_000, 90_000}},
		{"signed 2024-03-01", []string{"--crisis", "--signed", "2024-03-01"}, [4]int64{287_500, 382_500, 487_500, 580_000}, [4]int64{}},
		// the supplement is paid once, in year 1 for a contract signed under avenant 2.
		{"signed 2022-06-01 year 2", []string{"--crisis", "--signed", "2022-06-01", "--year", "2"}, [4]int64{275_000, 365_000, 465_000, 555_000}, [4]int64{50_000, 60_000, 75_000, 90_000}},
		// signed before avenant 2 took effect: years before 01/04/2022 are refused (TestFundingRefusesBefore2022);
		// the first year on avenant 2 carries the supplement (docs/rules.md §5), the next ones do not.
		{"signed 2021-06-01 year 2", []string{"--crisis", "--signed", "2021-06-01", "--year", "2"}, [4]int64{312_500, 410_000, 521_250, 622_500}, [4]int64{87_500, 105_000, 131_250, 157_500}},
		{"signed 2020-06-01 year 3", []string{"--crisis", "--signed", "2020-06-01", "--year", "3"}, [4]int64{312_500, 410_000, 521_250, 622_500}, [4]int64{87_500, 105_000, 131_250, 157_500}},
		{"signed 2021-06-01 year 3", []string{"--crisis", "--signed", "2021-06-01", "--year", "3"}, [4]int64{275_000, 365_000, 465_000, 555_000}, [4]int64{50_000, 60_000, 75_000, 90_000}},
	} {
		for i, pop := range pops {
			t.Run(fmt.Sprintf("%s/T%d", tc.name, i+1), func(t *testing.T) {
				v := fundingJSONOf(t, append([]string{"--population", pop}, tc.args...)...)
				if v.Tier != i+1 || v.TotalCents != tc.total[i]*100 {
					t.Errorf("tier %d total %d; want %d %d", v.Tier, v.TotalCents, i+1, tc.total[i]*100)
				}
				if v.Lines[0].Mission != "fonctionnement" {
					t.Errorf("first line %+v", v.Lines[0])
				}
				if tc.fonct[i] != 0 && v.Lines[0].FixedCents != tc.fonct[i]*100 {
					t.Errorf("fonctionnement %d, want %d", v.Lines[0].FixedCents, tc.fonct[i]*100)
				}
			})
		}
	}
}

// TestFundingAuditTiers checks the tier edges (docs/rules.md §3, decision).
func TestFundingAuditTiers(t *testing.T) {
	for _, tc := range []struct {
		pop  string
		tier int
	}{{"0", 1}, {"39999", 1}, {"40000", 2}, {"79999", 2}, {"80000", 3}, {"175000", 3}, {"175001", 4}, {"70000000", 4}} {
		if v := fundingJSONOf(t, "--population", tc.pop); v.Tier != tc.tier {
			t.Errorf("%s → tier %d, want %d", tc.pop, v.Tier, tc.tier)
		}
	}
}

// TestFundingAuditAchievementParsing checks --achievement is read on the
// decimal digits (no float) and rounded half away from zero to 4 decimals.
func TestFundingAuditAchievementParsing(t *testing.T) {
	for _, tc := range []struct {
		in       string
		variable int64 // acces variable T2 (30 000 €), cents
	}{
		{"1", 3_000_000}, {"1.0", 3_000_000}, {"1,0000", 3_000_000}, {"0", 0}, {"0.85", 2_550_000}, {"0,85", 2_550_000},
		{".5", 1_500_000}, {"0.1234", 370_200}, {"0.12344", 370_200}, {"0.12345", 370_500},
		{"0.99995", 3_000_000}, {"0.99994", 2_999_700}, {" 0.5 ", 1_500_000}, {"0.00005", 300}, {"0.00004", 0},
	} {
		v := fundingJSONOf(t, "--population", "60000", "--missions", "acces", "--achievement", tc.in)
		if v.Lines[1].Mission != "acces" || v.Lines[1].VariableCents != tc.variable || v.Lines[1].FixedCents != 7_000_000 {
			t.Errorf("%q: %+v, want variable %d", tc.in, v.Lines[1], tc.variable)
		}
	}
}

// TestFundingAuditBadInput: exit 2, exactly one French line on stderr,
// nothing on stdout (docs/rules.md §4).
func TestFundingAuditBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--population", "45000", "--achievement", "1.5"},
		{"--population", "45000", "--achievement", "-0.1"},
		{"--population", "45000", "--achievement", "abc"},
		{"--population", "45000", "--achievement", "0x1"},
		{"--population", "45000", "--achievement", "1/2"},
		{"--population", "45000", "--achievement", "1.00001"},
		{"--population", "45000", "--achievement", ""},
		{"--population", "45000", "--achievement", "NaN"},
		{"--population", "45000", "--year", "0"},
		{"--population", "45000", "--year", "6"},
		{"--population", "45000", "--missions", "foo"},
		{"--population", "45000", "--missions", "acces,,qualite"},
		{"--population", "abc"},
		{"--population", "-1"},
		{"--population", "99999999999999999999999"},
		{"--missions", "all"},
		{"--population", "45000", "--signed", "2024-13-01"},
		{"--population", "45000", "--json", "extra"},
		{"--population", "45000", "--unknown"},
		{"-population"},
	} {
		assertBad(t, fundingCmd, args...)
		_, _, errs := run(fundingCmd, args...)
		if !strings.HasPrefix(errs, "aci funding : ") {
			t.Errorf("%v: %q", args, errs)
		}
	}
}

// TestFundingAuditText: the French table, one line per mission (fixe,
// variable, total with "87 500,00 €" formatting), the total on the last line.
func TestFundingAuditText(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		fonct     string // the fonctionnement row
		lastTotal string
		rows      int
	}{
		{[]string{"--population", "30000", "--signed", "2022-06-01", "--crisis"}, "87\u202f500,00\u00a0€", "325\u202f000,00\u00a0€", 7},
		{[]string{"--population", "45000", "--crisis"}, "60\u202f000,00\u00a0€", "382\u202f500,00\u00a0€", 7},
		{[]string{"--population", "200000", "--missions", "acces,qualite"}, "90\u202f000,00\u00a0€", "285\u202f000,00\u00a0€", 3},
		{[]string{"--population", "30000", "--signed", "2021-06-01", "--year", "2", "--crisis"}, "87\u202f500,00\u00a0€", "312\u202f500,00\u00a0€", 7},
	} {
		code, out, errs := run(fundingCmd, tc.args...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: %d %q", tc.args, code, errs)
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		last := lines[len(lines)-1]
		if !strings.HasPrefix(last, "Total ") || !strings.HasSuffix(last, " "+tc.lastTotal) {
			t.Errorf("%v: last line %q", tc.args, last)
		}
		head := -1
		for i, l := range lines {
			if strings.HasPrefix(l, "Mission ") && strings.Contains(l, "Part fixe") && strings.Contains(l, "Part variable") && strings.HasSuffix(l, "Total") {
				head = i
			}
		}
		if head < 0 || len(lines)-head-2 != tc.rows {
			t.Fatalf("%v: header at %d, %d rows:\n%s", tc.args, head, len(lines)-head-2, out)
		}
		if f := lines[head+1]; !strings.HasPrefix(f, "Fonctionnement ") || !strings.Contains(f, " "+tc.fonct+" ") {
			t.Errorf("%v: fonctionnement row %q", tc.args, f)
		}
	}
}
