package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/portail-aci/aci/internal/store/pgtest"
)

// nationalVolume fills the database to the national scale of docs/architecture.md §5:
// 1 200 CPTS and 2 500 MSP spread over the départements of mainland France,
// each with an open dossier in instruction.
func nationalVolume(b *testing.B, e *env) {
	b.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO organisations (kind, name, structure_type, departement)
		 SELECT 'structure', 'Structure volume ' || g, CASE WHEN g <= 1200 THEN 'CPTS' ELSE 'MSP' END,
		        (SELECT code FROM departements ORDER BY code OFFSET (g % 90) LIMIT 1)
		 FROM generate_series(1, 3700) g`,
		`INSERT INTO dossiers (structure_id, structure_type, state, demande_deposee_on, state_since)
		 SELECT id, structure_type, 'en_instruction', current_date - (id % 60)::int, now() - (id % 60) * interval '1 day'
		 FROM organisations WHERE name LIKE 'Structure volume %'`,
	} {
		if _, err := pgtest.Owner(b, e.st).Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGet(b *testing.B, c *client, path string) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		if r := c.get(path); r.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", path, r.StatusCode)
		}
	}
}

// BenchmarkNationalScalePages times the busiest pages with the national
// volume in the database, through the whole HTTP stack (session, scope,
// queries, templ rendering).
func BenchmarkNationalScalePages(b *testing.B) {
	e := newEnv(b)
	nationalVolume(b, e)
	admin := e.loggedIn("admin@demo.portail-aci.fr")
	referent := e.loggedIn("referent@demo.portail-aci.fr")
	b.Run("admin/structures", func(b *testing.B) { benchGet(b, admin, "/structures") })
	b.Run("admin/structures-page-40", func(b *testing.B) { benchGet(b, admin, "/structures?page=40") })
	b.Run("admin/instruction", func(b *testing.B) { benchGet(b, admin, "/instruction") })
	b.Run("referent/instruction", func(b *testing.B) { benchGet(b, referent, "/instruction") })
	b.Run("referent/home", func(b *testing.B) { benchGet(b, referent, "/") })
}
