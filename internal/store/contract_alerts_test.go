package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
)

// The homes' contract alerts read only the columns they show (the missions'
// codes, not the terms' JSON, docs/rules.md §35): the same alerts as when
// computed from the whole contracts, for a CPTS and an MSP, as their
// coordinators and as the CPAM, at dates across the contracts' years.
func TestContractAlertsSameAsFromTerms(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	signedContract(t, st, scopes, coordA, domain.NewDate(2025, 1, 10))
	signedContract(t, st, scopes, coordM, domain.NewDate(2025, 2, 3))
	seen := map[string]bool{}
	for _, today := range []domain.Date{domain.NewDate(2025, 6, 1), domain.NewDate(2026, 1, 20), domain.NewDate(2026, 3, 1), domain.NewDate(2027, 2, 15), domain.NewDate(2029, 12, 1)} {
		for _, who := range []string{coordA, coordM, cpamMgr, referen} {
			got, total, err := st.ContractAlerts(ctx, scopes[who], today, 10000)
			if err != nil {
				t.Fatal(err)
			}
			want, err := st.ContractAlertsFromTermsForTest(ctx, scopes[who], today)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(want) || !reflect.DeepEqual(got, want) {
				t.Errorf("%s on %s: %d alerts %+v\nfrom the terms %+v", who, today, total, got, want)
			}
			for _, a := range got {
				seen[a.Kind] = true
			}
		}
	}
	if !seen["mission_en_retard"] || !seen["declaration_ouverte"] || !seen["declaration_en_retard"] {
		t.Fatalf("kinds of alerts compared: %v", seen)
	}
}
