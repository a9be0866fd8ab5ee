package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type fundingRateOut struct {
	Tier       int   `json:"tier"`
	TotalCents int64 `json:"total_cents"`
	Lines      []struct {
		Mission       string `json:"mission"`
		FixedCents    int64  `json:"fixed_cents"`
		VariableCents int64  `json:"variable_cents"`
		RateBP        *int64 `json:"rate_bp"`
	} `json:"lines"`
}

func indicatorsFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "indicateurs.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The example file of docs/rules.md §6: acces (three indicators: two percentages, one
// count) and parcours.
const sampleIndicators = `[
 {"mission": "acces", "baseline": "60", "target": "70", "value": "62,5", "weight": 1, "decreasing": false},
 {"mission": "acces", "baseline": "20 %", "target": "15 %", "value": "17,33 %", "weight": 1, "decreasing": true},
 {"mission": "acces", "baseline": "1 000", "target": "1 300", "value": "1 100", "weight": 2, "decreasing": false},
 {"mission": "parcours", "baseline": "10", "target": "12", "value": "11,5", "weight": 1, "decreasing": false}
]`

func fundingRateJSONOf(t *testing.T, args ...string) (fundingRateOut, string) {
	t.Helper()
	code, out, errs := run(fundingCmd, append(args, "--json")...)
	if code != 0 || errs != "" || strings.Count(out, "\n") != 1 {
		t.Fatalf("%v: exit %d, stderr %q, out %q", args, code, errs, out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var v fundingRateOut
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v: %v in %s", args, err, out)
	}
	return v, out
}

func TestFundingIndicatorsJSON(t *testing.T) {
	file := indicatorsFile(t, sampleIndicators)
	// acces: (25 % + 53,40 % + 2 × 33,33… %) / 4 = 36,27 %; parcours: 1,5/2 = 75 %.
	// T2 with a crisis: 382 500 − 30 000 + 30 000 × 0,3627 − 35 000 + 35 000 × 0,75.
	v, raw := fundingRateJSONOf(t, "--population", "60000", "--crisis", "--indicators", file)
	want := map[string]struct {
		fixed, variable int64
		rate            int64 // −1: null
	}{
		"fonctionnement": {6_000_000, 0, -1},
		"acces":          {7_000_000, 1_088_100, 3_627},
		"parcours":       {3_500_000, 2_625_000, 7_500},
		"prevention":     {1_500_000, 1_500_000, 10_000},
		"crise":          {3_500_000, 5_250_000, -1},
		"qualite":        {1_000_000, 1_000_000, 10_000},
		"accompagnement": {750_000, 750_000, 10_000},
	}
	if v.Tier != 2 || v.TotalCents != 38_250_000-3_000_000+1_088_100-3_500_000+2_625_000 || len(v.Lines) != len(want) {
		t.Fatalf("%+v", v)
	}
	var sum int64
	for _, l := range v.Lines {
		w := want[l.Mission]
		rate := int64(-1)
		if l.RateBP != nil {
			rate = *l.RateBP
		}
		if l.FixedCents != w.fixed || l.VariableCents != w.variable || rate != w.rate {
			t.Errorf("%s: %d/%d rate %d; want %+v", l.Mission, l.FixedCents, l.VariableCents, rate, w)
		}
		sum += l.FixedCents + l.VariableCents
	}
	if sum != v.TotalCents {
		t.Errorf("total %d, lines %d", v.TotalCents, sum)
	}
	// rate_bp follows variable_cents on every line; null where there is no achievement.
	if !strings.Contains(raw, `{"mission":"fonctionnement","fixed_cents":6000000,"variable_cents":0,"rate_bp":null}`) ||
		!strings.Contains(raw, `{"mission":"acces","fixed_cents":7000000,"variable_cents":1088100,"rate_bp":3627}`) {
		t.Errorf("shape: %s", raw)
	}
}

func TestFundingIndicatorsFallbackRate(t *testing.T) {
	file := indicatorsFile(t, `[{"mission": "acces", "baseline": "1000", "target": "2000", "value": "1250"}]`)
	// acces 25 %: 30 000 × 0,25 = 7 500; prevention at --achievement 0,5: 15 000 × 0,5 = 7 500.
	v, _ := fundingRateJSONOf(t, "--population", "40000", "--missions", "acces,prevention", "--achievement", "0,5", "--indicators", file)
	if v.TotalCents != 6_000_000+7_000_000+750_000+1_500_000+750_000 {
		t.Errorf("total %d: %+v", v.TotalCents, v)
	}
	if *v.Lines[1].RateBP != 2_500 || *v.Lines[2].RateBP != 5_000 {
		t.Errorf("rates %+v", v.Lines)
	}
	// The same through the table, for each tier: acces variable × 25 %.
	for pop, variable := range map[string]string{"39999": "6\u202f250,00\u00a0€", "60000": "7\u202f500,00\u00a0€", "80000": "8\u202f750,00\u00a0€", "175001": "11\u202f250,00\u00a0€"} {
		code, out, errs := run(fundingCmd, "--population", pop, "--missions", "acces", "--indicators", file)
		if code != 0 || errs != "" {
			t.Fatalf("%s: %d %q", pop, code, errs)
		}
		var line string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "Accès aux soins ") {
				line = l
			}
		}
		if !strings.Contains(line, "25,00\u00a0%") || !strings.Contains(line, variable) {
			t.Errorf("%s: %q", pop, line)
		}
	}
}

func TestFundingIndicatorsTable(t *testing.T) {
	file := indicatorsFile(t, sampleIndicators)
	code, out, errs := run(fundingCmd, "--population", "60000", "--crisis", "--indicators", file)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d %q", code, errs)
	}
	for _, s := range []string{
		"taux d'atteinte : selon les indicateurs (missions sans indicateur : 100,00\u00a0%)",
		"Accès aux soins — taux d'atteinte 36,27\u00a0%",
		"60\u00a0% → 70\u00a0%, valeur 62,5\u00a0% (croissant, poids 1) : 25,00\u00a0%",
		"20\u00a0% → 15\u00a0%, valeur 17,33\u00a0% (décroissant, poids 1) : 53,40\u00a0%",
		"1\u202f000 → 1\u202f300, valeur 1\u202f100 (croissant, poids 2) : 33,33\u00a0%",
		"Parcours pluriprofessionnels — taux d'atteinte 75,00\u00a0%",
		"Taux d'atteinte", "10\u202f881,00\u00a0€", "80\u202f881,00\u00a0€", "26\u202f250,00\u00a0€",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "Total") || !strings.HasSuffix(last, "354\u202f631,00\u00a0€") {
		t.Errorf("total line %q", last)
	}
	// Without --indicators, the output is the historic one (no rate column).
	_, plain, _ := run(fundingCmd, "--population", "60000", "--crisis")
	if strings.Contains(plain, "Taux d'atteinte") || strings.Contains(plain, "Indicateurs") {
		t.Errorf("plain output changed:\n%s", plain)
	}
}

func TestFundingIndicatorsBadInput(t *testing.T) {
	one := func(fields string) string {
		return indicatorsFile(t, `[{"mission": "acces", "baseline": "10", "target": "20", "value": "15"`+fields+`}]`)
	}
	bad := func(value string) string {
		return indicatorsFile(t, `[{"mission": "acces", "baseline": "10", "target": "20", "value": `+value+`}]`)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--indicators", filepath.Join(t.TempDir(), "absent.json")}, "introuvable"},
		{[]string{"--indicators", ""}, "chemin"},
		{[]string{"--indicators", t.TempDir()}, "illisible"},
		{[]string{"--indicators", indicatorsFile(t, `{"mission": "acces"}`)}, "liste JSON"},
		{[]string{"--indicators", indicatorsFile(t, `[`)}, "invalide"},
		{[]string{"--indicators", indicatorsFile(t, `[]`)}, "aucun indicateur"},
		{[]string{"--indicators", bad(`"-3"`)}, "négatif"},
		{[]string{"--indicators", bad(`"100,5"`)}, "dépasser 100"},
		{[]string{"--indicators", bad(`"quinze"`)}, "n'est pas un nombre"},
		{[]string{"--indicators", bad(`"15,555"`)}, "deux décimales"},
		{[]string{"--indicators", one(`, "weight": -1`)}, "poids"},
		{[]string{"--indicators", one(`, "decreasing": "oui"`)}, "decreasing"},
		{[]string{"--indicators", one(`, "poids": 1`)}, "champ inconnu"},
		{[]string{"--indicators", indicatorsFile(t, `[{"mission": "crise", "baseline": "1", "target": "2", "value": "1"}]`)}, "pas d'indicateurs d'atteinte"},
		{[]string{"--missions", "parcours", "--indicators", one("")}, "n'est pas simulée"},
		{[]string{"--indicators", one(""), "--achievement", "2"}, "hors de [0, 1]"},
	} {
		args := append([]string{"--population", "60000"}, tc.args...)
		assertBad(t, fundingCmd, args...)
		assertBad(t, fundingCmd, append(args, "--json")...)
		if _, _, errs := run(fundingCmd, args...); !strings.Contains(errs, tc.msg) || !strings.HasPrefix(errs, "aci funding : ") {
			t.Errorf("%v: %q; want %q", tc.args, errs, tc.msg)
		}
	}
}
