package cli

import (
	"fmt"
	"testing"
)

type pay struct {
	due, mission, kind string
	cents              int64
}

func payments(v scheduleOut) []pay {
	var out []pay
	for _, p := range v.Payments {
		out = append(out, pay{p.Due, p.Mission, p.Kind, p.AmountCents})
	}
	return out
}

// TestScheduleAuditWorkedExample: docs/rules.md §8 example, every payment to the
// cent. Signed 01/03/2024, T2, accès aux soins started 01/06/2024:
// fonctionnement 60 000 in full at signature; acces advance 52 500 ×
// 273/365 = 39 267,12 on 01/06/2024; at 01/03/2025 the year-1 balance
// (100 000 × 273/365 − 39 267,12 = 35 527,40), the 75 % fonctionnement
// advance (45 000) and the acces advance (52 500) of year 2; then each
// anniversary the 25 % fonctionnement balance (15 000) and the acces balance
// (17 500 + 30 000); the last balances on 01/03/2029 (5th anniversary).
func TestScheduleAuditWorkedExample(t *testing.T) {
	v := scheduleJSONOf(t, "--population", "45000", "--signed", "2024-03-01", "--launch", "acces=2024-06-01")
	want := []pay{
		{"2024-03-01", "fonctionnement", "avance", 6_000_000},
		{"2024-06-01", "acces", "avance", 3_926_712},
		{"2025-03-01", "acces", "solde", 3_552_740},
	}
	for y := 2025; y <= 2028; y++ {
		want = append(want,
			pay{fmt.Sprintf("%d-03-01", y), "fonctionnement", "avance", 4_500_000},
			pay{fmt.Sprintf("%d-03-01", y), "acces", "avance", 5_250_000},
			pay{fmt.Sprintf("%d-03-01", y+1), "fonctionnement", "solde", 1_500_000},
			pay{fmt.Sprintf("%d-03-01", y+1), "acces", "solde", 4_750_000},
		)
	}
	got := payments(v)
	if len(got) != len(want) {
		t.Fatalf("%d payments, want %d: %+v", len(got), len(want), got)
	}
	// Same multiset (order within one due date is not part of the interface),
	// due dates non-decreasing.
	count := map[pay]int{}
	for _, p := range want {
		count[p]++
	}
	for i, p := range got {
		count[p]--
		if i > 0 && got[i-1].due > p.due {
			t.Errorf("not ordered by due date at %d: %+v", i, p)
		}
	}
	for p, n := range count {
		if n != 0 {
			t.Errorf("payment %+v: %+d", p, n)
		}
	}
	// 60 000 + 74 794,52 + 4 × 160 000.
	if v.TotalCents != 6_000_000+7_479_452+4*16_000_000 {
		t.Errorf("total %d", v.TotalCents)
	}
}

// TestScheduleAuditCases: proration across a leap year (contract year with
// 29 February: 366 days), a mission starting in year 3, achievement applied
// to the balances only, the crisis variable part in full, the early-signer
// supplement once at signature (docs/rules.md §5, §8).
func TestScheduleAuditCases(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		has   []pay // payments that must be present
		not   []pay // (due, mission, kind) that must be absent; cents ignored
		total int64
	}{
		{"leap year", []string{"--population", "45000", "--signed", "2023-03-01", "--launch", "acces=2023-06-01"},
			// 52 500 × 274/366 = 39 303,28; 100 000 × 274/366 = 74 863,39 → balance 35 560,11.
			[]pay{{"2023-06-01", "acces", "avance", 3_930_328}, {"2024-03-01", "acces", "solde", 3_556_011}}, nil,
			6_000_000 + 7_486_339 + 4*16_000_000},
		{"mission started in year 3", []string{"--population", "45000", "--signed", "2023-03-01", "--launch", "acces=2023-06-01,parcours=2025-09-15"},
			// parcours T2 fixe 35 000: 26 250 × 167/365 = 12 010,27; year due 70 000 × 167/365 = 32 027,40.
			[]pay{{"2025-09-15", "parcours", "avance", 1_201_027}, {"2026-03-01", "parcours", "solde", 3_202_740 - 1_201_027},
				{"2026-03-01", "parcours", "avance", 2_625_000}}, nil,
			6_000_000 + 7_486_339 + 4*16_000_000 + 3_202_740 + 2*7_000_000},
		{"achievement 0,5", []string{"--population", "45000", "--signed", "2024-03-01", "--launch", "acces=2024-03-01", "--achievement", "0.5"},
			// the advance is on the fixed part; the balance = 17 500 + 30 000 × 0,5.
			[]pay{{"2024-03-01", "acces", "avance", 5_250_000}, {"2025-03-01", "acces", "solde", 3_250_000}}, nil,
			6_000_000 + 5*8_500_000 + 4*6_000_000},
		{"crisis in year 2, crise started at signature", []string{"--population", "45000", "--signed", "2024-03-01", "--launch", "crise=2024-03-01", "--crisis-years", "2"},
			// fixe 35 000 (plan written) year 1, 17 500 (update) later; variable 52 500 in full with the year-2 balance.
			[]pay{{"2024-03-01", "crise", "avance", 2_625_000}, {"2025-03-01", "crise", "solde", 875_000},
				{"2025-03-01", "crise", "avance", 1_312_500}, {"2026-03-01", "crise", "solde", 437_500}, {"2026-03-01", "crise", "crise", 5_250_000}}, nil,
			5*6_000_000 + 3_500_000 + 4*1_750_000 + 5_250_000},
		{"early signer (avenant 2)", []string{"--population", "45000", "--signed", "2022-06-01", "--launch", "acces=2022-06-01"},
			[]pay{{"2022-06-01", "fonctionnement", "amorcage", 4_500_000}, {"2022-06-01", "fonctionnement", "avance", 6_000_000}}, nil,
			4_500_000 + 5*6_000_000 + 5*10_000_000},
		{"signed on the day avenant 2 takes effect", []string{"--population", "39999", "--signed", "2022-04-01", "--launch", "acces=2022-04-01"},
			[]pay{{"2022-04-01", "fonctionnement", "amorcage", 3_750_000}, {"2022-04-01", "fonctionnement", "avance", 5_000_000}}, nil,
			3_750_000 + 5*5_000_000 + 5*8_000_000},
		{"signed on the cut-off: no supplement", []string{"--population", "45000", "--signed", "2022-09-30", "--launch", "acces=2022-09-30"},
			nil, []pay{{"2022-09-30", "fonctionnement", "amorcage", 0}},
			5*6_000_000 + 5*10_000_000},
		// No mission ever started: only the year-1 fonctionnement (docs/rules.md §8 "No mission started → no further fonctionnement").
		{"mission started in year 5 only", []string{"--population", "45000", "--signed", "2024-03-01", "--launch", "qualite=2028-03-01"},
			[]pay{{"2028-03-01", "fonctionnement", "avance", 4_500_000}, {"2028-03-01", "qualite", "avance", 750_000}, {"2029-03-01", "qualite", "solde", 1_250_000}},
			[]pay{{"2025-03-01", "fonctionnement", "avance", 0}},
			6_000_000 + 6_000_000 + 2_000_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := scheduleJSONOf(t, tc.args...)
			got := payments(v)
			for _, w := range tc.has {
				found := false
				for _, p := range got {
					found = found || p == w
				}
				if !found {
					t.Errorf("missing %+v in %+v", w, got)
				}
			}
			for _, w := range tc.not {
				for _, p := range got {
					if p.due == w.due && p.mission == w.mission && p.kind == w.kind {
						t.Errorf("unexpected %+v", p)
					}
				}
			}
			if v.TotalCents != tc.total {
				t.Errorf("total %d, want %d", v.TotalCents, tc.total)
			}
		})
	}
}
