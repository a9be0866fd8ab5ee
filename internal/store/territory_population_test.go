package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The population kept with each structure (its territory's, migration
// 00141) follows its communes: communes added, removed, moved to another
// structure, and a commune's population changed by the reference data.
func TestTerritoryPopulationFollowsTheTerritory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	check := func(when string) {
		t.Helper()
		var bad int
		if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FILTER (WHERE o.territory_population IS DISTINCT FROM coalesce(s.pop, 0))
			FROM organisations o LEFT JOIN LATERAL (SELECT sum(c.population) AS pop FROM territory_communes tc
				JOIN communes c ON c.code = tc.commune_code WHERE tc.structure_id = o.id) s ON TRUE`).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Errorf("%s: %d structures whose population is not their territory's", when, bad)
		}
	}
	var a, b int64
	for _, p := range []struct {
		id   *int64
		name string
	}{{&a, "CPTS population A"}, {&b, "CPTS population B"}} {
		if err := pgtest.Owner(t, st).QueryRow(ctx, `INSERT INTO organisations (kind, name, structure_type, departement)
			VALUES ('structure', $1, 'CPTS', '01') RETURNING id`, p.name).Scan(p.id); err != nil {
			t.Fatal(err)
		}
	}
	check("after the migrations")
	var pop int64
	for _, c := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO territory_communes (structure_id, commune_code) VALUES ($1, '01053'), ($1, '01283')`, []any{a}},
		{`UPDATE communes SET population = population + 1000 WHERE code = '01053'`, nil},
		{`UPDATE territory_communes SET structure_id = $1 WHERE commune_code = '01283'`, []any{b}},
		{`DELETE FROM territory_communes WHERE structure_id = $1`, []any{a}},
	} {
		if _, err := pgtest.Owner(t, st).Exec(ctx, c.q, c.args...); err != nil {
			t.Fatal(c.q, err)
		}
		check(c.q)
		if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT territory_population FROM organisations WHERE id = $1`, a).Scan(&pop); err != nil {
			t.Fatal(err)
		}
		if c.q[0] == 'I' && pop == 0 {
			t.Errorf("%s: the structure's population is still 0", c.q)
		}
	}
	if pop != 0 {
		t.Errorf("a structure without communes has population %d, want 0", pop)
	}
}
