package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The national steering page's structures by type, contracts by type and
// state and CPTS by tier and state, read from the counts the triggers keep (steering_counts,
// docs/rules.md §35.2), are the counts of the registry and the contracts:
// for all France and two regions; after a contract is signed, a contract
// changes state, a structure is created, archived, changes its seat and is
// deleted, a CPTS's dossier changes state and its population its tier.
// The agencies' own counts (direct) are compared with themselves through
// the page's path.
func TestSteeringCountsEqualRegistryAndContracts(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	owner := pgtest.Owner(t, st)
	check := func(step string) {
		t.Helper()
		for _, v := range []struct {
			who, region string
		}{{adminD, ""}, {adminD, "84"}, {adminD, "11"}, {arsDir, ""}, {referen, ""}} {
			got, err := st.Steering(ctx, scopes[v.who], store.SteeringFilter{Region: v.region})
			if err != nil {
				t.Fatal(err)
			}
			structures, contracts, err := st.SteeringCountsDirectForTest(ctx, scopes[v.who], v.region)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Structures, structures) {
				t.Errorf("%s, %s %s: structures kept %+v\ncounted %+v", step, v.who, v.region, got.Structures, structures)
			}
			if !reflect.DeepEqual(got.Contracts, contracts) {
				t.Errorf("%s, %s %s: contracts kept %+v\ncounted %+v", step, v.who, v.region, got.Contracts, contracts)
			}
			cpts, err := st.SteeringCPTSDirectForTest(ctx, scopes[v.who], v.region)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.CPTS, cpts) {
				t.Errorf("%s, %s %s: CPTS kept %+v\ncounted %+v", step, v.who, v.region, got.CPTS, cpts)
			}
			if v.who == adminD && v.region == "" && (len(structures) == 0 || len(contracts) == 0 || len(cpts) == 0) {
				t.Errorf("%s: nothing to compare (%v %v)", step, structures, contracts)
			}
		}
	}
	check("demo")
	_, c := activeContract(t, st, scopes, coordA, domain.NewDate(2025, 3, 1))
	check("signed")
	if _, err := owner.Exec(ctx, `UPDATE contracts SET state = 'echu' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	check("state")
	var id int64
	if err := owner.QueryRow(ctx, `INSERT INTO organisations (kind, name, structure_type, departement)
		VALUES ('structure', 'MSP du comptage', 'MSP', '75') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	check("created")
	if _, err := owner.Exec(ctx, `UPDATE organisations SET departement = '01' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	check("seat")
	if _, err := owner.Exec(ctx, `UPDATE organisations SET archived_at = now() WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	check("archived")
	if _, err := owner.Exec(ctx, `UPDATE organisations SET departement = '75' WHERE id = $1`, c.StructureID); err != nil {
		t.Fatal(err)
	}
	check("contract's structure moves")
	if _, err := owner.Exec(ctx, `DELETE FROM organisations WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	check("deleted")
	// A CPTS's last dossier changes state (the "signed" step above filed a
	// new one); its territory's population changes tier.
	var cpts, dossier int64
	if err := owner.QueryRow(ctx, `SELECT d.structure_id, d.id FROM dossiers d JOIN organisations o ON o.id = d.structure_id
		WHERE o.structure_type = 'CPTS' AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.dossier_id = d.id)
		ORDER BY d.id DESC LIMIT 1`).Scan(&cpts, &dossier); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `UPDATE dossiers SET state = CASE WHEN state = 'refusee' THEN 'brouillon' ELSE 'refusee' END WHERE id = $1`, dossier); err != nil {
		t.Fatal(err)
	}
	check("dossier state")
	if _, err := owner.Exec(ctx, `UPDATE organisations SET territory_population = 500000 WHERE id = $1`, cpts); err != nil {
		t.Fatal(err)
	}
	check("population")
}
