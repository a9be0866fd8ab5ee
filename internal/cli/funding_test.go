package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
)

var today = domain.Date{Y: 2026, M: time.November, D: 23}

func run(f func([]string, *bytes.Buffer, *bytes.Buffer) int, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := f(args, &out, &errb)
	return code, out.String(), errb.String()
}

func fundingCmd(args []string, o, e *bytes.Buffer) int  { return Funding(args, o, e, today) }
func scheduleCmd(args []string, o, e *bytes.Buffer) int { return Schedule(args, o, e, today) }

type fundingOut struct {
	Tier       int   `json:"tier"`
	TotalCents int64 `json:"total_cents"`
	Lines      []struct {
		Mission       string `json:"mission"`
		FixedCents    int64  `json:"fixed_cents"`
		VariableCents int64  `json:"variable_cents"`
	} `json:"lines"`
}

func fundingJSONOf(t *testing.T, args ...string) fundingOut {
	t.Helper()
	code, out, errs := run(fundingCmd, append(args, "--json")...)
	if code != 0 || errs != "" {
		t.Fatalf("%v: exit %d, stderr %q", args, code, errs)
	}
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("not exactly one JSON object: %q", out)
	}
	// The shape is exactly the documented one: {"tier", "total_cents", "lines":
	// [{"mission", "fixed_cents", "variable_cents"}]}, no other key.
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var v fundingOut
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v: %v in %s", args, err, out)
	}
	return v
}

func TestFundingJSON(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		tier  int
		total int64
	}{
		{[]string{"--population", "60000", "--crisis"}, 2, 38_250_000},
		{[]string{"--population", "60000"}, 2, 33_000_000},
		{[]string{"--population", "39999", "--crisis", "--missions", "all"}, 1, 28_750_000},
		{[]string{"--population", "80000", "--crisis"}, 3, 48_750_000},
		{[]string{"--population", "175001", "--crisis", "--year", "1", "--achievement", "1"}, 4, 58_000_000},
		// socle: fonctionnement + the 4 socle missions, T2, no crisis: 60 000 + 100 000 + 70 000 + 30 000 + 35 000.
		{[]string{"--population", "40000", "--missions", "socle"}, 2, 29_500_000},
		// year 2: crisis plan update 17 500 instead of 35 000.
		{[]string{"--population", "60000", "--missions", "crise", "--year", "2"}, 2, 7_750_000},
		// codes list: fonctionnement always included.
		{[]string{"--population", "60000", "--missions", "acces,prevention", "--achievement", "0,5"}, 2, 6_000_000 + 8_500_000 + 2_250_000},
		// signed before avenant 2 took effect: year 2 (from 30/06/2022) is the
		// first on avenant 2 and carries the supplement: 365 000 + 45 000.
		{[]string{"--population", "60000", "--signed", "2021-06-30", "--crisis", "--year", "2"}, 2, 41_000_000},
		{[]string{"--population", "60000", "--signed", "2021-06-30", "--crisis", "--year", "3"}, 2, 36_500_000},
		// early signer under avenant 2: 382 500 + 45 000.
		{[]string{"--population", "60000", "--signed", "2022-06-01", "--crisis"}, 2, 42_750_000},
		// signed after the cut-off: no supplement.
		{[]string{"--population", "60000", "--signed", "2022-09-30", "--crisis"}, 2, 38_250_000},
		// the supplement is year 1 only.
		{[]string{"--population", "60000", "--signed", "2022-04-01", "--year", "2"}, 2, 33_000_000 - 1_750_000},
	} {
		v := fundingJSONOf(t, tc.args...)
		if v.Tier != tc.tier || v.TotalCents != tc.total {
			t.Errorf("%v: tier %d total %d; want %d %d", tc.args, v.Tier, v.TotalCents, tc.tier, tc.total)
		}
		var sum int64
		for _, l := range v.Lines {
			sum += l.FixedCents + l.VariableCents
		}
		if sum != v.TotalCents || len(v.Lines) == 0 || v.Lines[0].Mission != "fonctionnement" {
			t.Errorf("%v: lines %+v", tc.args, v.Lines)
		}
	}
	v := fundingJSONOf(t, "--population", "60000", "--crisis")
	want := map[string][2]int64{"fonctionnement": {6_000_000, 0}, "acces": {7_000_000, 3_000_000}, "parcours": {3_500_000, 3_500_000},
		"prevention": {1_500_000, 1_500_000}, "crise": {3_500_000, 5_250_000}, "qualite": {1_000_000, 1_000_000}, "accompagnement": {750_000, 750_000}}
	if len(v.Lines) != 7 {
		t.Fatalf("lines %+v", v)
	}
	for _, l := range v.Lines {
		if w := want[l.Mission]; w != [2]int64{l.FixedCents, l.VariableCents} {
			t.Errorf("%s: %d/%d want %v", l.Mission, l.FixedCents, l.VariableCents, w)
		}
	}
	// Achievement rounding: 0,33335 → 0,3334; acces variable 30 000 × 0,3334 = 10 002.
	v = fundingJSONOf(t, "--population", "60000", "--missions", "acces", "--achievement", "0.33335")
	if v.Lines[1].VariableCents != 1_000_200 {
		t.Errorf("rounded achievement: %+v", v.Lines[1])
	}
}

func TestFundingTable(t *testing.T) {
	code, out, errs := run(fundingCmd, "--population", "60000", "--crisis")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d %q", code, errs)
	}
	for _, s := range []string{
		"barème Avenant 2",
		"Accès aux soins", "70\u202f000,00\u00a0€", "30\u202f000,00\u00a0€", "100\u202f000,00\u00a0€",
		"Crises sanitaires graves", "52\u202f500,00\u00a0€",
		"Total", "382\u202f500,00\u00a0€", "taille 2",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	lines := strings.Split(out, "\n")
	var totalLine string
	for _, l := range lines {
		if strings.HasPrefix(l, "Total") {
			totalLine = l
		}
	}
	if !strings.HasSuffix(totalLine, "382\u202f500,00\u00a0€") || !strings.HasSuffix(strings.TrimSpace(out), totalLine) {
		t.Errorf("total line %q", totalLine)
	}
	_, out, _ = run(fundingCmd, "--population", "60000", "--signed", "2021-01-15", "--year", "2")
	// Year 2 starts 15/01/2022, before avenant 2: refused (no invented 2019 table).
	if out != "" {
		t.Errorf("year before avenant 2 printed:\n%s", out)
	}
	_, out, _ = run(fundingCmd, "--population", "60000", "--signed", "2021-06-15", "--year", "2")
	// The supplement is in the fonctionnement line (60 000 + 45 000) and told above the table.
	if !strings.Contains(out, "Fonctionnement de l'année 2 dont supplément exceptionnel signataire précoce (signature avant le 30/09/2022, Avenant 2) : 45\u202f000,00\u00a0€") ||
		!strings.Contains(out, "105\u202f000,00\u00a0€") || !strings.Contains(out, "barème Avenant 2 (en vigueur le 01/04/2022)") {
		t.Errorf("supplement not shown:\n%s", out)
	}
	code, out, _ = run(fundingCmd, "--help")
	if code != 0 || !strings.Contains(out, "--population") {
		t.Errorf("help: %d %q", code, out)
	}
}

func assertBad(t *testing.T, f func([]string, *bytes.Buffer, *bytes.Buffer) int, args ...string) {
	t.Helper()
	code, out, errs := run(f, args...)
	if code != 2 {
		t.Errorf("%v: exit %d, want 2", args, code)
	}
	if out != "" {
		t.Errorf("%v: stdout %q", args, out)
	}
	if strings.Count(errs, "\n") != 1 || !strings.HasSuffix(errs, "\n") || len(errs) < 10 {
		t.Errorf("%v: stderr not one line: %q", args, errs)
	}
}

// TestFundingRefusesBefore2022: a contract year that starts before avenant 2
// took effect (01/04/2022) is refused with exit 2 and one French line, never
// computed from another table (docs/rules.md §4, no invented table).
func TestFundingRefusesBefore2022(t *testing.T) {
	const tail = " (le barème Avenant 2 s'applique à partir du 01/04/2022)\n"
	for _, tc := range []struct {
		args []string
		want string // stderr
	}{
		{[]string{"--signed", "2021-06-01"}, "aci funding : barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 01/06/2021, premier jour de l'année 1 du contrat" + tail},
		{[]string{"--signed", "2020-06-01", "--missions", "socle"}, "aci funding : barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 01/06/2020, premier jour de l'année 1 du contrat" + tail},
		{[]string{"--signed", "2022-03-31", "--crisis"}, "aci funding : barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 31/03/2022, premier jour de l'année 1 du contrat" + tail},
		{[]string{"--signed", "2020-06-01", "--year", "2", "--json"}, "aci funding : barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 01/06/2021, premier jour de l'année 2 du contrat" + tail},
		{[]string{"--signed", "2021-03-31", "--year", "2"}, "aci funding : barème ACI CPTS 2019 non saisi : aucun barème en vigueur le 31/03/2022, premier jour de l'année 2 du contrat" + tail},
		{[]string{"--signed", "2019-08-24"}, "aci funding : aucun barème ACI CPTS le 24/08/2019, premier jour de l'année 1 du contrat : l'ACI CPTS est en vigueur depuis le 25/08/2019\n"},
	} {
		code, out, errs := run(fundingCmd, append([]string{"--population", "60000"}, tc.args...)...)
		if code != 2 || out != "" || errs != tc.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, %q", tc.args, code, out, errs, tc.want)
		}
	}
	// From the day avenant 2 takes effect, computed on it.
	for _, tc := range []struct {
		args []string
		want int64
	}{
		{[]string{"--signed", "2022-04-01"}, 33_000_000 + 4_500_000},                            // 330 000 + supplement 45 000
		{[]string{"--signed", "2021-04-01", "--year", "2"}, 33_000_000 - 1_750_000 + 4_500_000}, // crisis plan update 17 500, supplement in its first year on avenant 2
	} {
		if v := fundingJSONOf(t, append([]string{"--population", "60000"}, tc.args...)...); v.TotalCents != tc.want {
			t.Errorf("%v: total %d, want %d", tc.args, v.TotalCents, tc.want)
		}
	}
}

func TestFundingBadInput(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--population"},
		{"--population", "-1"},
		{"--population", "abc"},
		{"--population", "12.5"},
		{"--population", "60000", "--missions", "acces,bogus"},
		{"--population", "60000", "--missions", ""},
		{"--population", "60000", "--achievement", "1.01"},
		{"--population", "60000", "--achievement", "-0.1"},
		{"--population", "60000", "--achievement", "x"},
		{"--population", "60000", "--achievement", "1e0"},
		{"--population", "60000", "--year", "0"},
		{"--population", "60000", "--year", "6"},
		{"--population", "60000", "--year", "deux"},
		{"--population", "60000", "--signed", "2024-02-30"},
		{"--population", "60000", "--signed", "01/03/2024"},
		{"--population", "60000", "--signed", "2019-01-01"}, // before the ACI CPTS
		{"--population", "60000", "--signed", "2020-01-01", "--missions", "crise"},
		{"--population", "60000", "--signed", "2022-03-31"}, // barème ACI CPTS 2019 non saisi
		{"--population", "60000", "--bogus"},
		{"--population", "60000", "extra"},
		{"--population", "60000", "--crisis=maybe"},
	} {
		assertBad(t, fundingCmd, args...)
	}
}
