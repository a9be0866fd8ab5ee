package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// Organisation is a row of organisations with its geography resolved.
type Organisation struct {
	ID              int64
	Kind            domain.OrgKind
	Name            string
	StructureType   domain.StructureType // structures only
	Departement     string               // structure seat
	DepartementName string
	Region          string // ARS, DCGDR; for structures, the seat's region
	RegionName      string
	Departements    []string // CPAM
	Version         int
	CreatedAt       time.Time
	ArchivedAt      *time.Time
}

// NewOrganisation is what CreateOrganisation needs.
type NewOrganisation struct {
	Kind          domain.OrgKind
	Name          string
	StructureType domain.StructureType
	Departement   string
	Region        string
	Departements  []string
}

// CreateOrganisation inserts an organisation (reference/admin use: scope
// checks are the caller's job) and returns its id.
func (s *Store) CreateOrganisation(ctx context.Context, o NewOrganisation) (int64, error) {
	var id int64
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		var st, dep, reg *string
		if o.StructureType != "" {
			v := string(o.StructureType)
			st = &v
		}
		if o.Departement != "" {
			dep = &o.Departement
		}
		if o.Region != "" {
			reg = &o.Region
		}
		if err := tx.QueryRow(ctx, `INSERT INTO organisations (kind, name, structure_type, departement, region)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, string(o.Kind), strings.TrimSpace(o.Name), st, dep, reg).Scan(&id); err != nil {
			return err
		}
		for _, d := range o.Departements {
			if _, err := tx.Exec(ctx, `INSERT INTO organisation_departements (org_id, departement) VALUES ($1, $2)`, id, d); err != nil {
				return err
			}
		}
		return nil
	})
	return id, pgError("store.CreateOrganisation", err)
}

// OrganisationIDByName finds an organisation by kind and name (case-insensitive).
// System path, no scope: seed and CLI only (they name organisations by name).
func (s *Store) OrganisationIDByName(ctx context.Context, kind domain.OrgKind, name string) (int64, error) {
	var id int64
	err := s.sys().QueryRow(ctx, `SELECT id FROM organisations WHERE kind = $1 AND lower(name) = lower($2)`, string(kind), name).Scan(&id)
	return id, pgError("store.OrganisationIDByName", err)
}

const orgColumns = `o.id, o.kind, o.name, coalesce(o.structure_type, ''), coalesce(o.departement, ''),
	coalesce(d.nom, ''), coalesce(o.region, d.region, ''), coalesce(r.nom, ''),
	` + orgDepartementsColumn + `,
	o.version, o.created_at, o.archived_at`

// orgDepartementsColumn is an agency's départements, one look-up per row:
// right for a page of organisations; an export of every structure joins
// them grouped instead (orgDepartementsJoin, docs/rules.md §35).
const orgDepartementsColumn = `coalesce((SELECT array_agg(od.departement ORDER BY od.departement) FROM organisation_departements od WHERE od.org_id = o.id), '{}')`

// orgDepartementsJoin is orgDepartementsColumn for a whole table: the
// départements of every organisation grouped once (alias odg), joined.
const orgDepartementsJoin = `
	LEFT JOIN (SELECT org_id, array_agg(departement ORDER BY departement) AS deps FROM organisation_departements GROUP BY org_id) odg ON odg.org_id = o.id`

const orgFrom = ` FROM organisations o
	LEFT JOIN departements d ON d.code = o.departement
	LEFT JOIN regions r ON r.code = coalesce(o.region, d.region)`

func scanOrg(row pgx.Row) (Organisation, error) {
	var o Organisation
	var kind, st string
	err := row.Scan(&o.ID, &kind, &o.Name, &st, &o.Departement, &o.DepartementName, &o.Region, &o.RegionName,
		&o.Departements, &o.Version, &o.CreatedAt, &o.ArchivedAt)
	o.Kind, o.StructureType = domain.OrgKind(kind), domain.StructureType(st)
	return o, err
}

// StructureFilter narrows a structures list.
type StructureFilter struct {
	Type        domain.StructureType
	Departement string
	Query       string // name contains (case-insensitive)
	Archived    bool   // include archived structures
	Tier        int    // 1–4: CPTS whose territory population gives that tier (0: any)
}

// tierPopulation gives the population range [lo, hi] of a CPTS size tier,
// the inverse of funding.Tier (docs/rules.md §3, arrêté du 21 août 2019 annexe
// 003 §8A: taille 1 < 40 000, 2 de 40 000 à 80 000, 3 de 80 000 à 175 000,
// 4 > 175 000; edges decided in funding.Tier). ok false for an unknown tier.
// TestTierPopulationMatchesFunding keeps both in step.
func tierPopulation(tier int) (lo, hi int64, ok bool) {
	switch tier {
	case 1:
		return 0, 39_999, true
	case 2:
		return 40_000, 79_999, true
	case 3:
		return 80_000, 175_000, true
	case 4:
		return 175_001, 1<<62 - 1, true
	}
	return 0, 0, false
}

// structureFilterSQL adds the list's filters to where. The tier is the one
// of the territory's population: filtered in SQL (before pagination) on the
// sum of the territory's communes; a structure without commune has no tier.
func structureFilterSQL(f StructureFilter, where []string, a *args) []string {
	if !f.Archived {
		where = append(where, "o.archived_at IS NULL")
	}
	if f.Type != "" {
		where = append(where, "o.structure_type = "+a.add(string(f.Type)))
	}
	if f.Departement != "" {
		where = append(where, "o.departement = "+a.add(f.Departement))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, "o.name ILIKE '%' || "+a.add(escapeLike(q))+" || '%'")
	}
	if lo, hi, ok := tierPopulation(f.Tier); ok {
		where = append(where, `(SELECT sum(c.population) FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code
			WHERE tc.structure_id = o.id) BETWEEN `+a.add(lo)+" AND "+a.add(hi))
	}
	return where
}

// Page is a window of a long list.
type Page struct {
	Number int // 1-based
	Size   int
}

// Offset returns the SQL offset of the page.
func (p Page) Offset() int {
	if p.Number < 1 {
		return 0
	}
	return (p.Number - 1) * p.Size
}

// limitOffset is the page's " LIMIT n OFFSET m", written as constants (two
// integers, never user text): with parameters there, PostgreSQL cannot
// cost a generic plan of the prepared statement, keeps re-planning it for
// every execution — 0.4 to 0.8 ms a page view for the dossiers list — and a
// constant LIMIT lets it pick the top-N plan once (docs/rules.md §35).
func (p Page) limitOffset() string {
	return " LIMIT " + strconv.Itoa(p.Size) + " OFFSET " + strconv.Itoa(p.Offset())
}

// ListStructures returns the structures in scope matching f, one page of
// them, and the total count.
func (s *Store) ListStructures(ctx context.Context, sc Scope, f StructureFilter, p Page) ([]Organisation, int, error) {
	var out []Organisation
	var total int
	rd := NewReads(sc)
	rd.ListStructures(f, p, &out, &total)
	if err := s.send(ctx, rd); err != nil {
		return nil, 0, pgError("store.ListStructures", err)
	}
	return out, total, nil
}

// structurePageIDs is the SELECT of the ids of page p of the structures in
// scope matching f, by name (its arguments added to a), and the WHERE clause.
func structurePageIDs(sc Scope, f StructureFilter, p Page, a *args) (ids, where string) {
	w := " WHERE " + strings.Join(structureFilterSQL(f, []string{sc.structures("o", a)}, a), " AND ")
	if p.Size <= 0 {
		p.Size = 50
	}
	return "SELECT o.id FROM organisations o" + w + " ORDER BY o.name, o.id" + p.limitOffset(), w
}

// ListStructures queues the reads of Store.ListStructures (the count and
// the page) into *out and *total.
func (rd *Reads) ListStructures(f StructureFilter, p Page, out *[]Organisation, total *int) {
	var a args
	ids, w := structurePageIDs(rd.sc, f, p, &a)
	// The page's ids first (an index scan on name), then their columns: the
	// per-row subqueries of orgColumns then run for the page only, not for
	// every row skipped by the offset.
	q := "SELECT " + orgColumns + " FROM (" + ids + ") page" +
		" JOIN organisations o ON o.id = page.id" +
		" LEFT JOIN departements d ON d.code = o.departement LEFT JOIN regions r ON r.code = coalesce(o.region, d.region)" +
		" ORDER BY o.name, o.id"
	rd.b.Queue("SELECT count(*) FROM organisations o"+w, a...).QueryRow(func(r pgx.Row) error { return r.Scan(total) })
	rd.b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Organisation, error) { return scanOrg(r) })
		return err
	})
}

// Structure returns one structure in scope; outside the scope it is not
// found.
func (s *Store) Structure(ctx context.Context, sc Scope, id int64) (Organisation, error) {
	var o Organisation
	var found bool
	rd := NewReads(sc)
	rd.Structure(id, &o, &found)
	if err := s.send(ctx, rd); err != nil {
		return o, pgError("store.Structure", err)
	}
	if !found {
		return o, pgError("store.Structure", pgx.ErrNoRows)
	}
	return o, nil
}

// Structure queues the read of Store.Structure into *o; *found is false
// when the structure is not in scope.
func (rd *Reads) Structure(id int64, o *Organisation, found *bool) {
	var a args
	q := "SELECT " + orgColumns + orgFrom + " WHERE o.id = " + a.add(id) + " AND " + rd.sc.structures("o", &a)
	*found = false
	rd.b.Queue(q, a...).QueryRow(func(r pgx.Row) error {
		var err error
		*o, err = scanOrg(r)
		if errors.Is(err, pgx.ErrNoRows) {
			*o = Organisation{}
			return nil
		}
		*found = err == nil
		return err
	})
}

// Organisation returns any organisation by id, without scope: only for the
// caller's own memberships (layout, switcher) and admin pages.
func (s *Store) Organisation(ctx context.Context, id int64) (Organisation, error) {
	o, err := scanOrg(s.sys().QueryRow(ctx, "SELECT "+orgColumns+orgFrom+" WHERE o.id = $1", id))
	return o, pgError("store.Organisation", err)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
