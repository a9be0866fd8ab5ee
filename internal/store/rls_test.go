package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The tables of tenant data that row-level security protects through their
// dossier (docs/rules.md §36).
var dossierTables = []string{"dossiers", "contracts", "payments", "documents", "messages", "dossier_audit", "dossier_content"}

// errRollback ends a test transaction without committing it.
var errRollback = errors.New("rollback")

// TestRowLevelSecurityMirrorsScope sends deliberately unscoped statements
// (no WHERE on the tenant) under each demo account's settings, through the
// application role: they see exactly what Scope lets the store show, and
// nothing without settings.
func TestRowLevelSecurityMirrorsScope(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	owner := pgtest.Owner(t, st)

	var dossierIDs, structureIDs []int64
	collect := func(q string, into *[]int64) {
		rows, err := owner.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if *into, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			t.Fatal(err)
		}
	}
	collect(`SELECT id FROM dossiers ORDER BY id`, &dossierIDs)
	collect(`SELECT id FROM organisations WHERE kind = 'structure' ORDER BY id`, &structureIDs)
	if len(dossierIDs) == 0 || len(structureIDs) == 0 {
		t.Fatalf("the demo has %d dossiers and %d structures: nothing to hide", len(dossierIDs), len(structureIDs))
	}
	var contracts int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM contracts`).Scan(&contracts); err != nil || contracts == 0 {
		t.Fatalf("the demo has %d contracts (%v)", contracts, err)
	}

	for email, sc := range scopes {
		// The first wall: the dossiers Scope shows.
		var visible []int64
		for _, id := range dossierIDs {
			_, err := st.Dossier(ctx, sc, id)
			switch {
			case err == nil:
				visible = append(visible, id)
			case !domain.IsNotFound(err):
				t.Fatalf("%s: Dossier(%d): %v", email, id, err)
			}
		}
		// The second wall: an unscoped count of each table.
		for _, table := range dossierTables {
			col := "dossier_id"
			if table == "dossiers" {
				col = "id"
			}
			var want, got int
			if err := owner.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s = ANY($1)`, table, col), visible).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if err := st.QueryRowAsForTest(ctx, sc, `SELECT count(*) FROM `+table).Scan(&got); err != nil {
				t.Fatalf("%s: %s: %v", email, table, err)
			}
			if got != want {
				t.Errorf("%s: SELECT count(*) FROM %s = %d under row-level security, Scope shows %d", email, table, got, want)
			}
		}
		if sc.Kind == domain.OrgStructure {
			var others int
			if err := st.QueryRowAsForTest(ctx, sc, `SELECT count(*) FROM dossiers WHERE structure_id <> $1`, sc.OrgID).Scan(&others); err != nil || others != 0 {
				t.Errorf("%s sees %d dossiers of other structures (%v)", email, others, err)
			}
		}
		// Structures: Scope's rule decides which rows the role may write
		// (and whose members it reads).
		for _, id := range structureIDs {
			_, err := st.Structure(ctx, sc, id)
			if err != nil && !domain.IsNotFound(err) {
				t.Fatalf("%s: Structure(%d): %v", email, id, err)
			}
			var updated int64
			var members, wantMembers int
			terr := st.TxAsForTest(ctx, sc, func(tx pgx.Tx) error {
				tag, err := tx.Exec(ctx, `UPDATE organisations SET name = name WHERE id = $1`, id)
				if err != nil {
					return err
				}
				updated = tag.RowsAffected()
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM members WHERE structure_id = $1`, id).Scan(&members); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(terr, errRollback) {
				t.Fatalf("%s: %v", email, terr)
			}
			if err == nil {
				if err := owner.QueryRow(ctx, `SELECT count(*) FROM members WHERE structure_id = $1`, id).Scan(&wantMembers); err != nil {
					t.Fatal(err)
				}
			}
			if (updated == 1) != (err == nil) || members != wantMembers {
				t.Errorf("%s: structure %d: Scope shows it: %v; row-level security lets update %d row(s), read %d of its %d members",
					email, id, err == nil, updated, members, wantMembers)
			}
		}
	}

	// No settings (the zero scope, or no set_config at all): no row of any
	// protected table.
	protected := rlsTables(t, owner)
	for _, table := range protected {
		var viaStore, bare int
		if err := st.QueryRowAsForTest(ctx, store.Scope{}, `SELECT count(*) FROM `+table).Scan(&viaStore); err != nil {
			t.Fatal(err)
		}
		if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&bare); err != nil {
			t.Fatal(err)
		}
		if viaStore != 0 || bare != 0 {
			t.Errorf("%s: %d rows under the zero scope, %d with no setting: want none", table, viaStore, bare)
		}
	}
	if !slices.Contains(protected, "dossiers") || !slices.Contains(protected, "organisations") {
		t.Fatalf("protected tables: %v", protected)
	}
	// Writes without settings are refused too.
	if n, err := st.ExecAsForTest(ctx, store.Scope{}, `UPDATE dossiers SET state = state`); err != nil || n != 0 {
		t.Errorf("UPDATE dossiers without settings: %d rows, %v", n, err)
	}
}

// rlsTables lists the tables of the schema with row-level security enabled
// and forced; it fails the test on a table enabled but not forced.
func rlsTables(t *testing.T, owner interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []string {
	t.Helper()
	rows, err := owner.Query(context.Background(), `SELECT c.relname, c.relforcerowsecurity FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relrowsecurity ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct {
		name   string
		forced bool
	}
	rels, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rel, error) {
		var x rel
		return x, r.Scan(&x.name, &x.forced)
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rels {
		if !r.forced {
			t.Errorf("%s: row-level security enabled but not forced (its owner would bypass it)", r.name)
		}
		out = append(out, r.name)
	}
	return out
}

// TestEveryTenantTableHasRowLevelSecurity: a table that names a dossier, a
// contract or a structure holds tenant data and takes a policy (the
// migration of a new one must add it: docs/rules.md §36), but for the few
// that are shared or keyed by their user, listed here with their reason.
func TestEveryTenantTableHasRowLevelSecurity(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	owner := pgtest.Owner(t, st)
	unprotected := map[string]string{
		"territories":        "the territory map is shared: a commune belongs to one CPTS, which the others must see",
		"territory_communes": "the territory map is shared",
		"territory_changes":  "the history of the shared map",
		"notifications":      "keyed by their user, read by user id",
		"crisis_results":     "read under their crisis, which is protected",
	}
	rows, err := owner.Query(ctx, `SELECT DISTINCT c.table_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema()
		  AND c.column_name IN ('dossier_id', 'contract_id', 'structure_id', 'document_id', 'message_id', 'avenant_id')
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	protected := rlsTables(t, owner)
	for _, table := range tenant {
		if _, ok := unprotected[table]; !ok && !slices.Contains(protected, table) {
			t.Errorf("%s names a dossier, a contract or a structure but has no row-level security", table)
		}
	}
}

// TestApplicationRoleIsBoundByRowLevelSecurity: the suite's stores connect
// as a role that owns nothing, is no superuser and has no BYPASSRLS, and
// the settings of one statement never outlive its transaction on a pooled
// connection.
func TestApplicationRoleIsBoundByRowLevelSecurity(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	if err := store.CheckAppRole(ctx, st.Pool); err != nil {
		t.Fatalf("the test stores' role: %v", err)
	}
	if err := store.CheckAppRole(ctx, pgtest.Owner(t, st)); err == nil {
		t.Error("CheckAppRole accepts the owner of the tables")
	}
	sc := scopes["coordinateur@demo.portail-aci.fr"]
	for i := 0; i < 8; i++ { // more than the pool's connections
		var n int
		if err := st.QueryRowAsForTest(ctx, sc, `SELECT count(*) FROM dossiers`).Scan(&n); err != nil || n == 0 {
			t.Fatalf("the coordinator sees %d dossiers (%v)", n, err)
		}
		var kind string
		if err := st.Pool.QueryRow(ctx, `SELECT coalesce(current_setting('aci.kind', true), '')`).Scan(&kind); err != nil || kind != "" {
			t.Fatalf("aci.kind after the statement's transaction: %q (%v)", kind, err)
		}
	}
	// A transaction carries its settings from its first statement on.
	err := st.TxAsForTest(ctx, sc, func(tx pgx.Tx) error {
		var kind, org string
		if err := tx.QueryRow(ctx, `SELECT current_setting('aci.kind'), current_setting('aci.org')`).Scan(&kind, &org); err != nil {
			return err
		}
		if kind != string(domain.OrgStructure) || org != fmt.Sprint(sc.OrgID) {
			t.Errorf("in a transaction: aci.kind %q, aci.org %q", kind, org)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkRowLevelSecurityCost runs key reads of the store as the
// application role (policies on) and as a superuser (policies bypassed), on
// the demo data: the difference is what the second wall costs per call.
func BenchmarkRowLevelSecurityCost(b *testing.B) {
	ctx := context.Background()
	st := pgtest.Store(b, time.Now)
	scopes := demo(b, st)
	bypass := pgtest.Bypass(b, st, time.Now)
	var dossierID int64
	if err := pgtest.Owner(b, st).QueryRow(ctx, `SELECT d.id FROM dossiers d JOIN contracts c ON c.dossier_id = d.id ORDER BY d.id LIMIT 1`).Scan(&dossierID); err != nil {
		b.Fatal(err)
	}
	for _, who := range []string{"referent@demo.portail-aci.fr", "coordinateur@demo.portail-aci.fr", "admin@demo.portail-aci.fr"} {
		sc := scopes[who]
		for _, s := range []struct {
			name string
			st   *store.Store
		}{{"rls", st}, {"bypass", bypass}} {
			b.Run(who+"/ListDossiers/"+s.name, func(b *testing.B) {
				for b.Loop() {
					if _, _, err := s.st.ListDossiers(ctx, sc, store.DossierFilter{}, store.Page{Number: 1, Size: 50}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(who+"/ListStructures/"+s.name, func(b *testing.B) {
				for b.Loop() {
					if _, _, err := s.st.ListStructures(ctx, sc, store.StructureFilter{}, store.Page{Number: 1, Size: 50}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(who+"/Dossier/"+s.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := s.st.Dossier(ctx, sc, dossierID); err != nil && !domain.IsNotFound(err) {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestStoreSendsEveryStatementUnderItsSettings: the store's code never
// sends a statement on the bare pool, whose connections carry no
// row-level security settings (it would see nothing, or, on a path written
// for the system, fail): every statement goes through s.db(sc) or s.sys(),
// every transaction through s.tx or s.sysTx (docs/rules.md §36).
func TestStoreSendsEveryStatementUnderItsSettings(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	bare := regexp.MustCompile(`\bs\.Pool\b\.?(Query|QueryRow|Exec|SendBatch|Begin|BeginTx|CopyFrom|Acquire)?`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "rls.go" { // rls.go wraps the pool
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range bare.FindAllStringSubmatch(line, -1) {
				if m[1] != "" || strings.Contains(line, "s.Pool,") || strings.Contains(line, "s.Pool)") {
					t.Errorf("%s:%d: a statement on the bare pool (use s.db(sc) or s.sys()): %s", f, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
}
