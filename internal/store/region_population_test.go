package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The population kept with each region (the steering page's divisor,
// migration 00130) follows its communes: a population changed, a commune
// no longer current, a commune added.
func TestRegionPopulationFollowsCommunes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	check := func(when string) {
		t.Helper()
		var bad int
		if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM regions r
			LEFT JOIN LATERAL (SELECT coalesce(sum(c.population), 0) AS pop, count(*) AS n FROM communes c
				WHERE c.region = r.code AND c.actuelle) s ON TRUE
			WHERE (r.population, r.communes) IS DISTINCT FROM (s.pop, s.n)`).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Errorf("%s: %d regions whose population is not their communes'", when, bad)
		}
	}
	var n int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM regions WHERE population > 0 AND communes > 0`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("no region with its population after the migrations: %d %v", n, err)
	}
	check("after the migrations")
	for _, q := range []string{
		`UPDATE communes SET population = population + 1000 WHERE code = '01053'`,
		`UPDATE communes SET actuelle = false WHERE code = '01283'`,
		`INSERT INTO communes (code, nom, nom_norm, departement, region, population)
		 SELECT '01999', 'Commune test', 'commune test', departement, region, 777 FROM communes WHERE code = '01053'`,
	} {
		if _, err := st.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
		check(q)
	}
}
