package funding

import "testing"

// Thousands are grouped with a narrow no-break space (U+202F).

func TestTargetsLabel(t *testing.T) {
	v := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name    string
		targets [ContractYears]*int64
		unit    string
		want    string
	}{
		{"none", [ContractYears]*int64{}, "‰", ToFix},
		{"the same every year", [ContractYears]*int64{v(735), v(735), v(735), v(735), v(735)}, "‰", "735 ‰ chaque année"},
		{"year by year", [ContractYears]*int64{v(850), v(1858)}, "", "année 1 : 850 ; année 2 : 1\u202f858"},
		{"a gap", [ContractYears]*int64{nil, v(3)}, "actions", "année 2 : 3 actions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := TargetsLabel(func(y int) *int64 { return tc.targets[y-1] }, tc.unit)
			if got != tc.want {
				t.Errorf("TargetsLabel = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWordingLabels(t *testing.T) {
	inds := BuiltinMSP()
	for _, tc := range []struct{ got, want string }{
		{Increasing.Label(), "à la hausse"},
		{Decreasing.Label(), "à la baisse"},
		{MSPPrerequis.Label(), "socle prérequis"},
		{MSPOptionnel.Label(), "optionnel"},
		{inds[0].PointsLabel(), "1\u202f200 points fixes"},
		{inds[1].PointsLabel(), "1\u202f000 points fixes + 1\u202f700 points variables"},
		{ValueLabel(7250, " ‰ "), "7\u202f250 ‰"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
