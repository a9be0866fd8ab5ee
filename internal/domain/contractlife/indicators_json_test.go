package contractlife

import (
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

func TestParseIndicatorsJSON(t *testing.T) {
	ms, err := ParseIndicatorsJSON([]byte(`[
		{"mission": "acces", "baseline": "60", "target": "70", "value": "62,5", "weight": 1, "decreasing": false},
		{"mission": "acces", "baseline": "20 %", "target": "15 %", "value": "17,33 %", "weight": 1, "decreasing": true},
		{"mission": "acces", "baseline": "1 000", "target": "1 300", "value": "1 100", "weight": 2},
		{"mission": " Parcours ", "baseline": 10, "target": 12, "value": 11.5},
		{"mission": "prevention", "unit": "pourcentage", "baseline": "10", "target": "20", "value": "15"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Measure{
		{funding.Acces, funding.Increasing, 1, Value{Percent, 6_000}, Value{Percent, 7_000}, Value{Percent, 6_250}},
		{funding.Acces, funding.Decreasing, 1, Value{Percent, 2_000}, Value{Percent, 1_500}, Value{Percent, 1_733}},
		{funding.Acces, funding.Increasing, 2, Value{Count, 1_000}, Value{Count, 1_300}, Value{Count, 1_100}},
		{funding.Parcours, funding.Increasing, 1, Value{Percent, 1_000}, Value{Percent, 1_200}, Value{Percent, 1_150}},
		{funding.Prevention, funding.Increasing, 1, Value{Percent, 1_000}, Value{Percent, 2_000}, Value{Percent, 1_500}},
	}
	if len(ms) != len(want) {
		t.Fatalf("%+v", ms)
	}
	for i := range want {
		if ms[i] != want[i] {
			t.Errorf("%d: %+v, want %+v", i, ms[i], want[i])
		}
	}
	if got := ms[1].Describe(); got != "20\u00a0% → 15\u00a0%, valeur 17,33\u00a0% (décroissant, poids 1)" {
		t.Errorf("describe %q", got)
	}
	rates, _ := MissionRates(ms)
	if rates[funding.Acces] != 3_627 || rates[funding.Parcours] != 7_500 || rates[funding.Prevention] != 5_000 {
		t.Errorf("rates %v", rates)
	}
	for _, tc := range []struct{ in, msg string }{
		{``, "JSON"},
		{`{}`, "liste JSON d'indicateurs"},
		{`[]`, "aucun indicateur"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"1"}] []`, "une seule liste"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"1",}]`, "JSON mal formé"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"1","poids":2}]`, `champ inconnu "poids"`},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"1","decreasing":"oui"}]`, "champ « decreasing » de type incorrect"},
		{`[{"baseline":"1","target":"2","value":"1"}]`, "indicateur n°1 : mission manquante"},
		{`[{"mission":"bogus","baseline":"1","target":"2","value":"1"}]`, "mission inconnue"},
		{`[{"mission":"crise","baseline":"1","target":"2","value":"1"}]`, "n'a pas d'indicateurs d'atteinte"},
		{`[{"mission":"acces","target":"2","value":"1"}]`, "valeur de référence (baseline) manquante"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":true}]`, "un texte comme"},
		{`[{"mission":"acces","baseline":"-1","target":"2","value":"1"}]`, "valeur de référence « -1 » : un nombre ne peut pas être négatif"},
		{`[{"mission":"acces","baseline":"1","target":"101,5","value":"1"}]`, "cible « 101,5 » : un pourcentage ne peut pas dépasser 100 %"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"abc"}]`, "valeur « abc » : « abc » n'est pas un nombre"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"1,555"}]`, "deux décimales"},
		{`[{"mission":"acces","unit":"nombre","baseline":"1","target":"2","value":"1,5"}]`, "sans décimale"},
		{`[{"mission":"acces","unit":"kg","baseline":"1","target":"2","value":"1"}]`, "unité"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"1","weight":0}]`, "poids 0 invalide"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"1","weight":1.5}]`, "poids 1.5 invalide"},
		{`[{"mission":"acces","baseline":"1","target":"2","value":"1"},{"mission":"parcours","baseline":"x","target":"2","value":"1"}]`, "indicateur n°2 (parcours)"},
		{`[` + strings.Repeat(`{"mission":"acces","baseline":"1","target":"2","value":"1"},`, 1000) + `{"mission":"acces","baseline":"1","target":"2","value":"1"}]`, "trop d'indicateurs"},
		{`"` + strings.Repeat("x", MaxIndicatorsJSON) + `"`, "trop volumineux"},
	} {
		_, err := ParseIndicatorsJSON([]byte(tc.in))
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), tc.msg) {
			in := tc.in
			if len(in) > 80 {
				in = in[:80]
			}
			t.Errorf("%s: %v; want %q", in, err, tc.msg)
		}
	}
}
