package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

// scheduleOut is exactly the documented shape: no other key is accepted.
type scheduleOut struct {
	Payments []struct {
		Due         string `json:"due"`
		Mission     string `json:"mission"`
		Kind        string `json:"kind"`
		AmountCents int64  `json:"amount_cents"`
	} `json:"payments"`
	TotalCents int64 `json:"total_cents"`
}

func scheduleJSONOf(t *testing.T, args ...string) scheduleOut {
	t.Helper()
	code, out, errs := run(scheduleCmd, append(args, "--json")...)
	if code != 0 || errs != "" || strings.Count(out, "\n") != 1 {
		t.Fatalf("%v: exit %d, stderr %q, out %q", args, code, errs, out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var v scheduleOut
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v: %v in %s", args, err, out)
	}
	var sum int64
	for _, p := range v.Payments {
		switch p.Kind {
		case "avance", "solde", "amorcage", "crise":
		default:
			t.Errorf("%v: kind %q", args, p.Kind)
		}
		if p.AmountCents <= 0 {
			t.Errorf("%v: payment %+v", args, p)
		}
		sum += p.AmountCents
	}
	if sum != v.TotalCents {
		t.Errorf("%v: Σ payments %d ≠ total %d", args, sum, v.TotalCents)
	}
	return v
}

func TestScheduleJSON(t *testing.T) {
	v := scheduleJSONOf(t, "--population", "60000", "--signed", "2024-03-01", "--launch", "acces=2024-06-01,fonctionnement=2024-03-01")
	found := false
	for _, p := range v.Payments {
		if p.Mission == "acces" && p.Kind == "avance" && p.Due == "2024-06-01" {
			found = p.AmountCents == 3_926_712
		}
	}
	if !found {
		t.Errorf("worked example missing: %+v", v)
	}
	if p := v.Payments[0]; p.Due != "2024-03-01" || p.Mission != "fonctionnement" || p.Kind != "avance" || p.AmountCents != 6_000_000 {
		t.Errorf("first payment %+v", p)
	}
	// Default launch: the socle missions at signature; a crisis in year 2.
	v = scheduleJSONOf(t, "--population", "60000", "--signed", "2024-03-01", "--crisis-years", "2")
	kinds := map[string]int{}
	for _, p := range v.Payments {
		kinds[p.Mission+"/"+p.Kind]++
		if p.Kind == "crise" && (p.AmountCents != 5_250_000 || p.Due != "2026-03-01") {
			t.Errorf("crise payment %+v", p)
		}
	}
	if kinds["crise/crise"] != 1 || kinds["acces/avance"] != 5 || kinds["parcours/solde"] != 5 || kinds["qualite/avance"] != 0 {
		t.Errorf("kinds %v", kinds)
	}
	// 5 × (60 000 + 100 000 + 70 000 + 30 000) + 35 000 + 4 × 17 500 + 52 500.
	if v.TotalCents != 5*26_000_000+3_500_000+4*1_750_000+5_250_000 {
		t.Errorf("total %d", v.TotalCents)
	}
	// Early signer: supplement as amorcage at signature.
	_, out, _ := run(scheduleCmd, "--population", "10", "--signed", "2022-05-02", "--json")
	if !strings.Contains(out, `{"due":"2022-05-02","mission":"fonctionnement","kind":"amorcage","amount_cents":3750000}`) {
		t.Errorf("supplement missing: %s", out)
	}
}

func TestScheduleTable(t *testing.T) {
	code, out, errs := run(scheduleCmd, "--population", "60000", "--signed", "2024-03-01", "--launch", "acces=2024-06-01")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d %q", code, errs)
	}
	for _, s := range []string{"Échéance", "01/06/2024", "39\u202f267,12\u00a0€", "proratisée 273/365 jours", "Total sur 5 ans", "Accès aux soins le 01/06/2024", "01/03/2029",
		"barème de l'année 1 : Avenant 2", "Année 5 (du 01/03/2028 au 01/03/2029, barème Avenant 2) : "} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	code, out, _ = run(scheduleCmd, "-h")
	if code != 0 || !strings.Contains(out, "missions socle") {
		t.Errorf("help %d %q", code, out)
	}
}

// TestScheduleRefusesBefore2022: a contract whose first year starts before
// avenant 2 took effect (01/04/2022) is refused with exit 2 and one French
// line while the 2019 barème is not entered (docs/rules.md §4).
func TestScheduleRefusesBefore2022(t *testing.T) {
	for _, signed := range []string{"2021-06-01", "2022-03-31"} {
		for _, extra := range [][]string{nil, {"--json"}, {"--launch", "acces=" + signed}} {
			d, _ := domain.ParseDate(signed)
			want := "aci schedule : barème ACI CPTS 2019 non saisi : aucun barème en vigueur le " + d.French() +
				", premier jour de l'année 1 du contrat (le barème Avenant 2 s'applique à partir du 01/04/2022)\n"
			code, out, errs := run(scheduleCmd, append([]string{"--population", "45000", "--signed", signed}, extra...)...)
			if code != 2 || out != "" || errs != want {
				t.Errorf("%s %v: exit %d, stdout %q, stderr %q; want 2, %q", signed, extra, code, out, errs, want)
			}
		}
	}
	if v := scheduleJSONOf(t, "--population", "45000", "--signed", "2022-04-01"); v.TotalCents == 0 {
		t.Error("01/04/2022 refused")
	}
}

func TestScheduleBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--signed", "2024-03-01"},
		{"--population", "60000"},
		{"--population", "-5", "--signed", "2024-03-01"},
		{"--population", "x", "--signed", "2024-03-01"},
		{"--population", "60000", "--signed", "2024-13-01"},
		{"--population", "60000", "--signed", "2024-03-01", "--launch", "acces"},
		{"--population", "60000", "--signed", "2024-03-01", "--launch", "bogus=2024-03-01"},
		{"--population", "60000", "--signed", "2024-03-01", "--launch", "acces=2024-02-01"},
		{"--population", "60000", "--signed", "2024-03-01", "--launch", "acces=2029-03-01"},
		{"--population", "60000", "--signed", "2024-03-01", "--launch", "acces=2024-04-01,acces=2024-05-01"},
		{"--population", "60000", "--signed", "2024-03-01", "--launch", "acces=demain"},
		{"--population", "60000", "--signed", "2024-03-01", "--crisis-years", "6"},
		{"--population", "60000", "--signed", "2024-03-01", "--achievement", "2"},
		{"--population", "60000", "--signed", "2020-03-01", "--launch", "crise=2020-03-01"},
		{"--population", "60000", "--signed", "2022-03-31"}, // barème ACI CPTS 2019 non saisi
		{"--population", "60000", "--signed", "2024-03-01", "--nope"},
	} {
		assertBad(t, scheduleCmd, args...)
	}
}
