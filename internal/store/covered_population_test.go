package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The steering page's covered population, read by a national user from the
// summary the triggers keep (covered_population, docs/rules.md §35.2), is
// the same as summed from the communes of the CPTS with a contract actif:
// for all France and one region; after a contract becomes actif, a commune
// joins and leaves the territory of an active CPTS, a commune's population
// changes (aci refdata), a contract stops being actif, a CPTS changes type.
// The agencies' own figures (summed from their CPTS) are compared too.
func TestSteeringCoveredPopulationEqualsCommunes(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	owner := pgtest.Owner(t, st)
	check := func(step string) {
		t.Helper()
		covered := false
		for _, v := range []struct {
			who, region string
		}{{adminD, ""}, {adminD, "84"}, {adminD, "32"}, {arsDir, ""}, {dcgdrR, ""}, {referen, ""}} {
			got, err := st.Steering(ctx, scopes[v.who], store.SteeringFilter{Region: v.region})
			if err != nil {
				t.Fatal(err)
			}
			want, err := st.SteeringCoverageByCommunesForTest(ctx, scopes[v.who], v.region)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Coverage, want) {
				t.Errorf("%s, %s %s: summary %+v\ncommunes %+v", step, v.who, v.region, got.Coverage, want)
			}
			if len(want) < 2 {
				t.Errorf("%s, %s %s: no region to compare (%+v)", step, v.who, v.region, want)
			}
			if v.who == adminD && v.region == "" && want[len(want)-1].Covered > 0 {
				covered = true
			}
		}
		var kept int
		if err := owner.QueryRow(ctx, `SELECT count(*) FROM covered_population`).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if !covered || kept == 0 {
			t.Errorf("%s: nothing covered to compare (%d kept rows)", step, kept)
		}
	}
	check("demo")
	_, c := activeContract(t, st, scopes, coordA, domain.NewDate(2025, 3, 1))
	check("new contract")
	var before int64
	if err := owner.QueryRow(ctx, `SELECT coalesce(sum(population), 0) FROM covered_population`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	// A free commune joins, then leaves, the territory of the new active
	// CPTS (an avenant's effect).
	var free string
	if err := owner.QueryRow(ctx, `SELECT code FROM communes c WHERE actuelle AND population > 0
		AND NOT EXISTS (SELECT 1 FROM territory_communes tc WHERE tc.commune_code = c.code) ORDER BY code LIMIT 1`).Scan(&free); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO territory_communes (structure_id, commune_code) VALUES ($1, $2)`, c.StructureID, free); err != nil {
		t.Fatal(err)
	}
	check("commune added")
	var after int64
	if err := owner.QueryRow(ctx, `SELECT coalesce(sum(population), 0) FROM covered_population`).Scan(&after); err != nil || after <= before {
		t.Fatalf("covered population %d → %d after a commune joined an active CPTS (%v)", before, after, err)
	}
	if _, err := owner.Exec(ctx, `DELETE FROM territory_communes WHERE commune_code = $1`, free); err != nil {
		t.Fatal(err)
	}
	check("commune removed")
	if _, err := owner.Exec(ctx, `UPDATE communes SET population = population + 1000
		WHERE code = (SELECT min(commune_code) FROM territory_communes WHERE structure_id = $1)`, c.StructureID); err != nil {
		t.Fatal(err)
	}
	check("population")
	if _, err := owner.Exec(ctx, `UPDATE contracts SET state = 'echu' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	check("contract no longer actif")
	if _, err := owner.Exec(ctx, `UPDATE contracts SET state = 'actif' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `UPDATE organisations SET structure_type = 'MSP' WHERE id = $1`, c.StructureID); err != nil {
		t.Fatal(err)
	}
	check("type")
}
