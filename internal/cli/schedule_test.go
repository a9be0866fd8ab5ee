package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

type scheduleOut struct {
	Payments []struct {
		Due          string `json:"due"`
		ContractYear int    `json:"contract_year"`
		Mission      string `json:"mission"`
		Kind         string `json:"kind"`
		AmountCents  int64  `json:"amount_cents"`
		Rule         string `json:"rule"`
	} `json:"payments"`
	Years []struct {
		TotalCents int64 `json:"total_cents"`
	} `json:"years"`
	TotalCents int64 `json:"total_cents"`
}

func TestScheduleJSON(t *testing.T) {
	code, out, errs := run(scheduleCmd, "--population", "60000", "--signed", "2024-03-01", "--launch", "acces=2024-06-01,fonctionnement=2024-03-01", "--json")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d %q", code, errs)
	}
	var v scheduleOut
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	var sum, years int64
	found := false
	for _, p := range v.Payments {
		sum += p.AmountCents
		if p.Mission == "acces" && p.Kind == "avance" && p.ContractYear == 1 {
			found = p.AmountCents == 3_926_712 && p.Due == "2024-06-01" &&
				p.Rule == "Avance de 75 % de la part fixe, proratisée 273/365 jours (ACI art. 9.1)"
		}
	}
	for _, y := range v.Years {
		years += y.TotalCents
	}
	if !found {
		t.Errorf("worked example missing: %s", out)
	}
	if sum != v.TotalCents || years != v.TotalCents || len(v.Years) != 5 {
		t.Errorf("sum %d years %d total %d", sum, years, v.TotalCents)
	}
	if p := v.Payments[0]; p.Due != "2024-03-01" || p.Mission != "fonctionnement" || p.Kind != "avance" || p.AmountCents != 6_000_000 {
		t.Errorf("first payment %+v", p)
	}
	// Default launch: the socle missions at signature; a crisis in year 2.
	code, out, _ = run(scheduleCmd, "--population", "60000", "--signed", "2024-03-01", "--crisis-years", "2", "--json")
	if code != 0 {
		t.Fatal(code)
	}
	v = scheduleOut{}
	json.Unmarshal([]byte(out), &v)
	kinds := map[string]int{}
	for _, p := range v.Payments {
		kinds[p.Mission+"/"+p.Kind]++
		if p.Kind == "crise" && (p.ContractYear != 2 || p.AmountCents != 5_250_000 || p.Due != "2026-03-01") {
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
	_, out, _ = run(scheduleCmd, "--population", "10", "--signed", "2022-05-02", "--json")
	if !strings.Contains(out, `"due":"2022-05-02","contract_year":1,"mission":"fonctionnement","kind":"amorcage","amount_cents":3750000`) {
		t.Errorf("supplement missing: %s", out)
	}
}

func TestScheduleTable(t *testing.T) {
	code, out, errs := run(scheduleCmd, "--population", "60000", "--signed", "2024-03-01", "--launch", "acces=2024-06-01")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d %q", code, errs)
	}
	for _, s := range []string{"Échéance", "01/06/2024", "39\u202f267,12\u00a0€", "proratisée 273/365 jours", "Total sur 5 ans", "Accès aux soins le 01/06/2024", "01/03/2029"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	code, out, _ = run(scheduleCmd, "-h")
	if code != 0 || !strings.Contains(out, "missions socle") {
		t.Errorf("help %d %q", code, out)
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
		{"--population", "60000", "--signed", "2024-03-01", "--nope"},
	} {
		assertBad(t, scheduleCmd, args...)
	}
}
