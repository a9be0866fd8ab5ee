package contractlife

import (
	"errors"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
)

func TestIndicatorFromYear(t *testing.T) {
	signed := domain.NewDate(2024, time.March, 1)
	for _, tc := range []struct {
		eff  domain.Date
		want int
	}{
		{signed, 1},
		{signed.AddDays(1), 2},
		{domain.NewDate(2025, time.March, 1), 2},
		{domain.NewDate(2025, time.March, 2), 3},
		{domain.NewDate(2028, time.March, 1), 5},
		{domain.NewDate(2028, time.March, 2), 0},
	} {
		if got, err := IndicatorFromYear(signed, tc.eff); err != nil || got != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.eff.French(), got, err, tc.want)
		}
	}
	if _, err := IndicatorFromYear(signed, signed.AddDays(-1)); fieldOf(err) != "effective" {
		t.Errorf("before signing: %v", err)
	}
}

func fieldOf(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Field
	}
	return ""
}

func hp(n int64) Value { v, _ := PercentOf(n); return v }

func TestIndicatorsOfYearAndChecks(t *testing.T) {
	all := func(v Value) (out [funding.ContractYears]Value) {
		for i := range out {
			out[i] = v
		}
		return out
	}
	mand := IndicatorTerm{Code: "patientele_mt", Mission: funding.Acces, Label: "Patientèle MT", Direction: funding.Increasing, Unit: Percent, Weight: 1,
		Baseline: hp(8000), Targets: all(hp(9000)), Mandatory: true}
	opt := IndicatorTerm{Code: "depistage", Mission: funding.Prevention, Label: "Dépistage", Direction: funding.Increasing, Unit: Percent, Weight: 1,
		Baseline: hp(1000), Targets: all(hp(2000))}
	opt2 := opt
	opt2.Code, opt2.Label = "vaccination", "Vaccination"
	base := []IndicatorTerm{mand, opt, opt2}
	added := IndicatorTerm{Code: "avenant_1", Mission: funding.Prevention, Label: "Ateliers", Direction: funding.Increasing, Unit: Count, Weight: 2,
		Baseline: Value{Unit: Count, N: 3}, Targets: all(Value{Unit: Count, N: 10})}
	changes := []IndicatorChange{
		{Op: IndicatorTarget, FromYear: 3, Code: "patientele_mt", Target: hp(9500)},
		{Op: IndicatorRemove, FromYear: 3, Code: "depistage"},
		{Op: IndicatorAdd, FromYear: 3, Code: "avenant_1", Indicator: added},
	}
	if err := CheckIndicatorChanges(base, []funding.Mission{funding.Acces, funding.Prevention}, changes); err != nil {
		t.Fatal(err)
	}
	y2, y3 := IndicatorsOfYear(base, changes, 2), IndicatorsOfYear(base, changes, 5)
	if len(y2) != 3 || y2[0].Targets[1] != hp(9000) {
		t.Fatalf("year 2 changed: %+v", y2)
	}
	if len(y3) != 3 || y3[0].Targets[4] != hp(9500) || y3[1].Code != "vaccination" || y3[2].Code != "avenant_1" {
		t.Fatalf("year 5: %+v", y3)
	}
	if base[0].Targets[4] != hp(9000) {
		t.Fatal("base modified")
	}
	bad := []IndicatorChange{
		{Op: IndicatorTarget, FromYear: 3, Code: "patientele_mt", Target: hp(9000)},
		{Op: IndicatorRemove, FromYear: 3, Code: "patientele_mt"},
		{Op: IndicatorTarget, FromYear: 3, Code: "depistage", Target: Value{Unit: Count, N: 3}},
		{Op: IndicatorAdd, FromYear: 3, Indicator: IndicatorTerm{Mission: funding.Qualite, Label: "Dépistage", Unit: Count}},
	}
	got := map[string]bool{}
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		got[fieldOf(e)] = true
	}
	walk(CheckIndicatorChanges(base, []funding.Mission{funding.Acces, funding.Prevention}, bad))
	for _, f := range []string{"target_patientele_mt", "remove_indicators", "target_depistage", "add_mission", "add_label", "add_direction", "add_weight", "add_baseline", "add_target"} {
		if !got[f] {
			t.Errorf("no error at %s (%v)", f, got)
		}
	}
	// The last indicator of a mission stays.
	last := []IndicatorChange{{Op: IndicatorRemove, FromYear: 2, Code: "depistage"}, {Op: IndicatorRemove, FromYear: 2, Code: "vaccination"}}
	if err := CheckIndicatorChanges(base, []funding.Mission{funding.Acces, funding.Prevention}, last); fieldOf(err) != "remove_indicators" {
		t.Errorf("mission left without indicator: %v", err)
	}
	if err := CheckIndicatorChanges(base, nil, []IndicatorChange{{Op: IndicatorTarget, Code: "depistage", Target: hp(1)}}); fieldOf(err) != "effective" {
		t.Errorf("no year from the effective date: %v", err)
	}
}

func TestAddedMissionRules(t *testing.T) {
	signed := domain.NewDate(2024, time.March, 1)
	for _, tc := range []struct {
		eff  domain.Date
		want int
	}{{signed, 1}, {signed.AddDays(100), 1}, {domain.NewDate(2025, time.March, 1), 2}, {LastDay(signed), 5}} {
		if got, err := AddedMissionFromYear(signed, tc.eff); err != nil || got != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.eff.French(), got, err, tc.want)
		}
	}
	if _, err := AddedMissionFromYear(signed, LastDay(signed).AddDays(1)); fieldOf(err) != "effective" {
		t.Errorf("after the contract: %v", err)
	}
	q := IndicatorTerm{Code: "q", Mission: funding.Qualite}
	if err := CheckAddedMissions([]funding.Mission{funding.Qualite}, nil); fieldOf(err) != "missions" {
		t.Errorf("a mission without indicator: %v", err)
	}
	if err := CheckAddedMissions([]funding.Mission{funding.Qualite}, []IndicatorTerm{q}); err != nil {
		t.Error(err)
	}
	added := domain.NewDate(2024, time.June, 1)
	if err := CheckStartAfterAvenant(funding.Qualite, 1, added, added.AddDays(-1)); fieldOf(err) != "date" {
		t.Errorf("start before the avenant: %v", err)
	}
	for _, ok := range []struct{ added, start domain.Date }{{added, added}, {domain.Date{}, signed}} {
		if err := CheckStartAfterAvenant(funding.Qualite, 1, ok.added, ok.start); err != nil {
			t.Error(err)
		}
	}
}
