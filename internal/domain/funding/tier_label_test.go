package funding

import (
	"slices"
	"strings"
	"testing"
)

// One label per tier, with the edges of Tier: the upper bound of a tier is
// one less than the lower bound of the next (80 000 is tier 3).
func TestTierLabelMatchesTier(t *testing.T) {
	want := map[int]string{
		1: "Taille 1 (moins de 40 000 habitants)",
		2: "Taille 2 (de 40 000 à 79 999 habitants)",
		3: "Taille 3 (de 80 000 à 175 000 habitants)",
		4: "Taille 4 (plus de 175 000 habitants)",
	}
	for tier, w := range want {
		if got := TierLabel(tier); got != w {
			t.Errorf("TierLabel(%d) = %q, want %q", tier, got, w)
		}
	}
	for _, c := range []struct {
		pop  int64
		tier int
	}{{39_999, 1}, {40_000, 2}, {79_999, 2}, {80_000, 3}, {175_000, 3}, {175_001, 4}} {
		got, err := Tier(c.pop)
		if err != nil || got != c.tier {
			t.Fatalf("Tier(%d) = %d %v", c.pop, got, err)
		}
	}
	if TierLabel(0) != "" || TierLabel(5) != "" {
		t.Error("unknown tier labelled")
	}
}

func TestMSPContractDifferences(t *testing.T) {
	inds := BuiltinMSP()
	all := map[string]bool{}
	for _, ind := range inds {
		if ind.Kind != MSPOptionnel {
			all[ind.Code] = true
		}
	}
	p := func(n int64) *int64 { return &n }
	tests := []struct {
		name     string
		chosen   map[string]bool
		declared *int64
		contract int64
		want     []string // substrings, one per reason
	}{
		{"same basis", all, p(3200), 3200, nil},
		{"no patientèle declared", all, nil, 4_000, []string{"patientèle de référence de 4\u202f000 patients"}},
		{"patientèle changed after acceptance", all, p(5000), 3200, []string{"(5\u202f000 patients) n'est plus celle du contrat (3\u202f200 patients)"}},
		{"indicator not chosen and an optional one", map[string]bool{"horaires_soins_non_programmes": true, "sas_tous_medecins": true}, p(3200), 3200,
			[]string{"ne compte pas ceux que vous n'avez pas retenus : Fonction de coordination", "optionnels que le contrat ne compte qu'après l'évaluation annuelle : Participation au service d'accès aux soins (SAS) de tous les médecins"}},
	}
	for _, tc := range tests {
		got := MSPContractDifferences(inds, tc.chosen, tc.declared, tc.contract)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %q", tc.name, got)
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: reason %d %q, want it to contain %q", tc.name, i, got[i], w)
			}
		}
		if slices.Contains(got, "") {
			t.Errorf("%s: empty reason", tc.name)
		}
	}
}
