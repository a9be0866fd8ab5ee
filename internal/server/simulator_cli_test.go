package server_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/cli"
	"github.com/portail-aci/aci/internal/domain"
)

// TestSimulatorMatchesCLI: the simulator page shows the numbers of `aci
// funding --json` and `aci schedule --json` ("the simulator page
// shows them"), compared cent for cent.
func TestSimulatorMatchesCLI(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	today := domain.Date{Y: 2026, M: 11, D: 23}
	for _, tc := range []struct {
		name, query string
		funding     []string
		schedule    []string // nil: no schedule on the page
	}{
		{"T3 all, crisis, 85 %", "population=120000&annee=1&crise=1&taux=85" + allMissions,
			[]string{"--population", "120000", "--crisis", "--achievement", "0.85"}, nil},
		{"T2 early signer, year 1, worked example schedule",
			"population=45000&annee=1&taux=100&signature=2022-06-01&mission=acces&debut_acces=2022-09-01",
			[]string{"--population", "45000", "--signed", "2022-06-01", "--missions", "acces"},
			[]string{"--population", "45000", "--signed", "2022-06-01", "--launch", "acces=2022-09-01"}},
		{"T1 socle year 2, 33,33 %", "population=39999&annee=2&taux=33.33&mission=acces&mission=parcours&mission=prevention&mission=crise",
			[]string{"--population", "39999", "--missions", "socle", "--year", "2", "--achievement", "0,3333"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := cli.Funding(append(tc.funding, "--json"), &out, &errb, today); code != 0 {
				t.Fatalf("aci funding: %d %s", code, errb.String())
			}
			var f struct {
				TotalCents domain.Cents `json:"total_cents"`
			}
			if err := json.Unmarshal(out.Bytes(), &f); err != nil {
				t.Fatal(err)
			}
			r := c.get("/simulateur?mode=cpts&" + tc.query)
			d := r.doc(t)
			if got, want := strings.TrimSpace(d.Find(`[data-testid="year-total"]`).Text()), domain.FormatEUR(f.TotalCents); got != want {
				t.Errorf("page year total %q, CLI %q", got, want)
			}
			if tc.schedule == nil {
				return
			}
			out.Reset()
			if code := cli.Schedule(append(tc.schedule, "--json"), &out, &errb, today); code != 0 {
				t.Fatalf("aci schedule: %d %s", code, errb.String())
			}
			var s struct {
				Payments []struct {
					AmountCents domain.Cents `json:"amount_cents"`
				} `json:"payments"`
				TotalCents domain.Cents `json:"total_cents"`
			}
			if err := json.Unmarshal(out.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			if got, want := strings.TrimSpace(d.Find(`[data-testid="schedule-total"]`).Text()), domain.FormatEUR(s.TotalCents); !strings.Contains(got, want) {
				t.Errorf("page schedule total %q, CLI %q", got, want)
			}
			if got := d.Find(`[data-testid="payment"]`).Length(); got != len(s.Payments) {
				t.Errorf("page %d payments, CLI %d", got, len(s.Payments))
			}
			for _, p := range s.Payments {
				if !strings.Contains(d.Find(`[data-testid="schedule"]`).Text(), domain.FormatEUR(p.AmountCents)) {
					t.Errorf("payment %s missing on the page", domain.FormatEUR(p.AmountCents))
				}
			}
		})
	}
}
