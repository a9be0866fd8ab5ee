package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Territories of CPTS (docs/rules.md §2, URPS HDF guide): a set of communes chosen by
// the professionals; a commune belongs to at most one CPTS; the population is
// the sum of the communes' legal populations and gives the tier
// (docs/rules.md §3, funding.Tier).

// CommuneHit is one result of SearchCommunes.
type CommuneHit struct {
	Code            string
	Name            string
	PostalCodes     []string
	Departement     string
	DepartementName string
	Population      int64
	EPCI            string // SIREN, "" when none
	EPCIName        string
	HolderID        int64 // the CPTS whose territory holds it, 0 if none
	HolderName      string
}

// EPCIHit is one intercommunalité offered for a whole-EPCI addition.
type EPCIHit struct {
	Code       string
	Name       string
	Communes   int
	Population int64
}

// MaxSearchLimit bounds the territory search's limits.
const MaxSearchLimit = 50

// terrUpper returns the exclusive upper bound of the strings starting with
// p in byte order (text_pattern_ops), so prefix searches use the index even
// with a generic plan.
func terrUpper(p string) string { return p + string(rune(0x10FFFF)) }

// terrCodeLike reports whether q looks like the start of an INSEE code or a
// postal code (digits, with 2A/2B for Corsica).
func terrCodeLike(q string) bool {
	if q == "" || len(q) > 5 {
		return false
	}
	for i, r := range q {
		switch {
		case r >= '0' && r <= '9':
		case i == 1 && (r == 'a' || r == 'b' || r == 'A' || r == 'B'):
		default:
			return false
		}
	}
	return true
}

// TerritorySearch is what the territory editor's search shows: the communes
// matching the query and the intercommunalités offered for a whole-EPCI
// addition.
type TerritorySearch struct {
	Hits  []CommuneHit
	EPCIs []EPCIHit
}

// terrPrefixIndexed is the longest name prefix with its own index
// (communes_prefix1_idx … communes_prefix6_idx, migration 00180).
const terrPrefixIndexed = 6

// SearchTerritory finds current communes by name (accent- and
// case-insensitive prefix of the name, or of any word of it: "saint" →
// "Saint-Denis", "rambert" → "Saint-Rambert-en-Bugey"), by INSEE code prefix
// or by postal code prefix — exact names first, then name prefixes, codes and
// word starts, each by decreasing population — and the intercommunalités
// matching q or holding the first epciLimit communes found, in ONE statement
// (docs/rules.md §35.2): the codes of the best matches, their details with
// the CPTS holding each (the territory map carries no policy, §36; the
// holder's name is the registry identity any membership reads, shown so that
// a coordinator knows who to talk to), then the EPCIs. A name prefix of up
// to 6 characters is read in population order from its own index (migration
// 00180), longer ones from the name range; the word starts are read only
// when the names found fewer than limit (a one-time filter); the EPCIs are
// found by the words of their name (epci_words) and their communes and
// population are kept with them (migration 00180). Reference data: no scope.
//
// q must be refdata.Normalize(the user's query), the function that filled
// communes.nom_norm: the store cannot call it itself, since refdata's own
// tests import the store.
func (s *Store) SearchTerritory(ctx context.Context, q string, limit, epciLimit int) (TerritorySearch, error) {
	q = strings.TrimSpace(q)
	if len(q) > 100 {
		q = truncRunes(q, 100)
	}
	if limit <= 0 || limit > MaxSearchLimit {
		limit = MaxSearchLimit
	}
	if epciLimit <= 0 || epciLimit > MaxSearchLimit {
		epciLimit = MaxSearchLimit
	}
	if q == "" {
		return TerritorySearch{}, nil
	}
	var a args
	lim, elim := a.add(limit), a.add(epciLimit)
	var codes, epciName string
	if terrCodeLike(q) {
		up := strings.ToUpper(q)
		lo, hi := a.add(up), a.add(terrUpper(up))
		codes = `SELECT code, min(rk) AS rk, max(pop) AS pop FROM (
			SELECT code, 2 AS rk, population AS pop FROM communes WHERE actuelle AND code ~>=~ ` + lo + ` AND code ~<~ ` + hi + `
			UNION ALL SELECT c.code, 2, c.population FROM communes c WHERE c.actuelle AND c.code IN
				(SELECT commune FROM commune_codes_postaux WHERE code_postal ~>=~ ` + lo + ` AND code_postal ~<~ ` + hi + `)) x
			GROUP BY code ORDER BY min(rk), max(pop) DESC, code LIMIT ` + lim
		epciName = ""
	} else {
		p, up := a.add(q), a.add(terrUpper(q))
		prefix := `nom_norm ~>=~ ` + p + ` AND nom_norm ~<~ ` + up
		if n := utf8.RuneCountInString(q); n <= terrPrefixIndexed {
			prefix = `left(nom_norm, ` + strconv.Itoa(n) + `) = ` + p
		}
		codes = `WITH names AS MATERIALIZED (
				SELECT code, rk, pop FROM (
					(SELECT code, 0 AS rk, population AS pop FROM communes WHERE actuelle AND nom_norm = ` + p + `)
					UNION ALL
					(SELECT code, 1, population FROM communes WHERE actuelle AND ` + prefix + ` AND nom_norm <> ` + p + `
						ORDER BY population DESC, code LIMIT ` + lim + `)) x
				ORDER BY rk, pop DESC, code LIMIT ` + lim + `),
			words AS MATERIALIZED (
				SELECT commune AS code, 3 AS rk, max(population) AS pop FROM commune_words
				WHERE (SELECT count(*) FROM names) < ` + lim + ` AND actuelle AND word ~>=~ ` + p + ` AND word ~<~ ` + up + `
					AND commune NOT IN (SELECT code FROM names)
				GROUP BY commune ORDER BY max(population) DESC, commune LIMIT ` + lim + `)
			SELECT code, rk, pop FROM names UNION ALL SELECT code, rk, pop FROM words ORDER BY rk, pop DESC, code LIMIT ` + lim
		// A word of the EPCI's name starts with q (nom_norm LIKE 'q%' OR
		// LIKE '% q%'): a prefix range on the suffixes that start a word.
		epciName = ` UNION SELECT w.epci FROM epci_words w WHERE w.suffix ~>=~ ` + p + ` AND w.suffix ~<~ ` + up
	}
	sql := `WITH m AS MATERIALIZED (` + codes + `),
	hits AS MATERIALIZED (
		SELECT row_number() OVER (ORDER BY m.rk, m.pop DESC, m.code) AS n, c.code, c.nom, c.codes_postaux, c.departement,
			d.nom AS dnom, c.population, coalesce(c.epci, '') AS epci, coalesce(e.nom, '') AS enom,
			coalesce(tc.structure_id, 0) AS holder, coalesce(o.name, '') AS hname
		FROM m JOIN communes c ON c.code = m.code
		JOIN departements d ON d.code = c.departement
		LEFT JOIN epci e ON e.code = c.epci
		LEFT JOIN territory_communes tc ON tc.commune_code = c.code
		LEFT JOIN organisations o ON o.id = tc.structure_id),
	ec AS MATERIALIZED (SELECT array(SELECT epci FROM hits WHERE epci <> '' GROUP BY epci ORDER BY min(n) LIMIT ` + elim + `) AS codes),
	cand AS (SELECT unnest(ec.codes) AS code FROM ec` + epciName + `),
	es AS (SELECT e.code, e.nom, e.communes, e.population, e.code = ANY(ec.codes) AS ofhit FROM ec, epci e
		WHERE e.code = ANY(ARRAY(SELECT code FROM cand)) AND e.communes > 0
		ORDER BY ofhit DESC, e.population DESC, e.nom LIMIT ` + elim + `)
	SELECT * FROM (
		SELECT 0 AS kind, n, code, nom, codes_postaux, departement, dnom, population, epci, enom, holder, hname, 0 AS communes FROM hits
		UNION ALL
		SELECT 1, row_number() OVER (ORDER BY ofhit DESC, population DESC, nom), code, nom, NULL, '', '', population, '', '', 0, '', communes FROM es) r
	ORDER BY kind, n`
	rows, err := s.sys().Query(ctx, sql, a...)
	if err != nil {
		return TerritorySearch{}, pgError("store.SearchTerritory", err)
	}
	defer rows.Close()
	var out TerritorySearch
	for rows.Next() {
		var kind, n int
		var h CommuneHit
		var communes int
		if err := rows.Scan(&kind, &n, &h.Code, &h.Name, &h.PostalCodes, &h.Departement, &h.DepartementName, &h.Population,
			&h.EPCI, &h.EPCIName, &h.HolderID, &h.HolderName, &communes); err != nil {
			return TerritorySearch{}, pgError("store.SearchTerritory", err)
		}
		if kind == 0 {
			out.Hits = append(out.Hits, h)
		} else {
			out.EPCIs = append(out.EPCIs, EPCIHit{Code: h.Code, Name: h.Name, Communes: communes, Population: h.Population})
		}
	}
	return out, pgError("store.SearchTerritory", rows.Err())
}

// TerritoryCommune is one commune of a territory.
type TerritoryCommune struct {
	Code        string
	Name        string
	PostalCodes []string
	Departement string
	Population  int64
	AddedAt     time.Time
}

// Territory is a CPTS's territory as its editor shows it.
type Territory struct {
	StructureID    int64
	StructureName  string
	Departement    string
	Communes       []TerritoryCommune // ordered by name
	Population     int64              // sum of the communes' legal populations
	Tier           int                // funding.Tier(Population); 0 when there is no commune
	PopulationYear string             // millésime of the populations légales ("2023")
	Version        int                // for optimistic locking of the editor
	UpdatedAt      *time.Time
	UpdatedBy      string
}

// canEditTerritory reports whether the scope may edit structure id's
// territory: its own coordinator, or a national admin (docs/rules.md §21).
// CPAM, ARS and DCGDR read only.
func canEditTerritory(sc Scope, structureID int64) bool {
	return access.For(sc.Viewer(), access.Structure(structureID, "", false)).Can(access.ActEditTerritory)
}

// terrTierOf is funding.Tier for a territory: 0 (no tier) when it is empty.
func terrTierOf(pop int64, n int) (int, error) {
	if n == 0 {
		return 0, nil
	}
	return funding.Tier(pop)
}

// cptsInScope returns the name of the CPTS id when it is in the scope;
// anything else (missing, outside the scope, not a CPTS) is not found.
func cptsInScope(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, sc Scope, id int64) (name, dep string, err error) {
	var a args
	err = q.QueryRow(ctx, cptsCheckSQL(sc, id, &a), a...).Scan(&name, &dep)
	return name, dep, err
}

// cptsCheckSQL is the read of CPTS id's name and seat in sc (cptsInScope,
// Reads.cptsCheck).
func cptsCheckSQL(sc Scope, id int64, a *args) string {
	return "SELECT o.name, o.departement FROM organisations o WHERE o.id = " + a.add(id) +
		" AND o.structure_type = 'CPTS' AND " + sc.structures("o", a)
}

// populationYearSQL reads the millésime of the loaded legal populations.
const populationYearSQL = "SELECT version FROM refdata_versions WHERE name = 'population'"

// Territory returns the territory of CPTS id in scope (not found outside the
// scope and for structures that are not CPTS).
func (s *Store) Territory(ctx context.Context, sc Scope, id int64) (Territory, error) {
	var t Territory
	var found bool
	rd := NewReads(sc)
	rd.Territory(id, &t, &found)
	if err := s.send(ctx, rd); err != nil {
		return t, pgError("store.Territory", err)
	}
	if !found {
		return t, pgError("store.Territory", pgx.ErrNoRows)
	}
	return t, nil
}

// cptsCheck queues cptsInScope's read: the name and seat of CPTS id when it
// is in the scope (*found false otherwise).
func (rd *Reads) cptsCheck(id int64, name, dep *string, found *bool) {
	var a args
	*found = false
	rd.b.Queue(cptsCheckSQL(rd.sc, id, &a), a...).QueryRow(func(r pgx.Row) error {
		err := r.Scan(name, dep)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		*found = err == nil
		return err
	})
}

// territoryGuard is cptsInScope's rule as a predicate (CPTS id is in the
// scope): each read of a territory queued in the same batch as its check
// carries it, so that none reads the shared map of a CPTS outside the scope
// (docs/rules.md §35.1, §36).
func (rd *Reads) territoryGuard(id int64, a *args) string {
	return "EXISTS (SELECT 1 FROM organisations tg WHERE tg.id = " + a.add(id) + " AND tg.structure_type = 'CPTS' AND " +
		rd.sc.structures("tg", a) + ")"
}

// Territory queues the reads of Store.Territory into *t — the CPTS's check,
// its communes, its version and the population vintage; *found false
// outside the scope.
func (rd *Reads) Territory(id int64, t *Territory, found *bool) {
	*t = Territory{StructureID: id}
	rd.cptsCheck(id, &t.StructureName, &t.Departement, found)
	var a args
	rd.b.Queue(`SELECT c.code, c.nom, c.codes_postaux, c.departement, c.population, tc.added_at
		FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code
		WHERE tc.structure_id = `+a.add(id)+` AND `+rd.territoryGuard(id, &a)+` ORDER BY c.nom_norm, c.code`, a...).Query(func(rows pgx.Rows) error {
		var err error
		t.Communes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TerritoryCommune, error) {
			var c TerritoryCommune
			err := r.Scan(&c.Code, &c.Name, &c.PostalCodes, &c.Departement, &c.Population, &c.AddedAt)
			return c, err
		})
		if err != nil {
			return err
		}
		for _, c := range t.Communes {
			t.Population += c.Population
		}
		t.Tier, err = terrTierOf(t.Population, len(t.Communes))
		return err
	})
	var b args
	rd.b.Queue(`SELECT t.version, t.updated_at, coalesce(u.name, '') FROM territories t
		LEFT JOIN users u ON u.id = t.updated_by WHERE t.structure_id = `+b.add(id)+` AND `+rd.territoryGuard(id, &b), b...).QueryRow(func(r pgx.Row) error {
		var at time.Time
		var by string
		err := r.Scan(&t.Version, &at, &by)
		switch {
		case err == nil:
			t.UpdatedAt, t.UpdatedBy = &at, by
		case errors.Is(err, pgx.ErrNoRows):
			t.Version = firstTerritoryVersion // the row editTx will create
		default:
			return err
		}
		return nil
	})
	rd.b.Queue(populationYearSQL).QueryRow(func(r pgx.Row) error {
		_ = r.Scan(&t.PopulationYear) // none loaded: no vintage shown
		return nil
	})
}

// TerritoryChange is one row of a territory's history.
type TerritoryChange struct {
	ID               int64
	At               time.Time
	UserName         string
	Action           string // add, remove, add_epci
	EPCI, EPCIName   string
	Communes         []string // "Nom (code)"
	Skipped          []string // add_epci: "Nom (code) — CPTS X"
	PopulationBefore int64
	PopulationAfter  int64
	TierBefore       int // 0: no tier (empty territory)
	TierAfter        int
}

// TerritoryChanges returns one page of the history of CPTS id's territory,
// newest first, and the total number of changes.
func (s *Store) TerritoryChanges(ctx context.Context, sc Scope, id int64, p Page) ([]TerritoryChange, int, error) {
	var name, dep string
	var found bool
	var out []TerritoryChange
	var total int
	rd := NewReads(sc)
	rd.cptsCheck(id, &name, &dep, &found)
	rd.TerritoryChanges(id, p, &out, &total)
	if err := s.send(ctx, rd); err != nil {
		return nil, 0, pgError("store.TerritoryChanges", err)
	}
	if !found {
		return nil, 0, pgError("store.TerritoryChanges", pgx.ErrNoRows)
	}
	return out, total, nil
}

// TerritoryChanges queues the count and one page of CPTS id's history
// (newest first), each read guarded by the CPTS's scope (territoryGuard):
// queued after a check of the CPTS (cptsCheck, Reads.Territory).
func (rd *Reads) TerritoryChanges(id int64, p Page, out *[]TerritoryChange, total *int) {
	if p.Size <= 0 {
		p.Size = 50
	}
	var a args
	rd.b.Queue("SELECT count(*) FROM territory_changes WHERE structure_id = "+a.add(id)+" AND "+rd.territoryGuard(id, &a), a...).QueryRow(func(r pgx.Row) error {
		return r.Scan(total)
	})
	var b args
	rd.b.Queue(`SELECT ch.id, ch.at, coalesce(u.name, ''), ch.action, coalesce(ch.epci, ''), coalesce(e.nom, ''),
		ARRAY(SELECT coalesce(c.nom, x.code) || ' (' || x.code || ')' FROM unnest(ch.communes) WITH ORDINALITY AS x(code, n)
			LEFT JOIN communes c ON c.code = x.code ORDER BY x.n),
		ch.skipped, ch.population_before, ch.population_after, coalesce(ch.tier_before, 0), coalesce(ch.tier_after, 0)
		FROM territory_changes ch LEFT JOIN users u ON u.id = ch.user_id LEFT JOIN epci e ON e.code = ch.epci
		WHERE ch.structure_id = `+b.add(id)+` AND `+rd.territoryGuard(id, &b)+` ORDER BY ch.at DESC, ch.id DESC`+p.limitOffset(), b...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TerritoryChange, error) {
			var c TerritoryChange
			err := r.Scan(&c.ID, &c.At, &c.UserName, &c.Action, &c.EPCI, &c.EPCIName, &c.Communes, &c.Skipped,
				&c.PopulationBefore, &c.PopulationAfter, &c.TierBefore, &c.TierAfter)
			return c, err
		})
		return err
	})
}

// HeldCommune is a commune another CPTS already holds.
type HeldCommune struct {
	Code, Name, Holder string
}

// TerritoryEdit is the outcome of an edit.
type TerritoryEdit struct {
	Added      []string      // names of the communes added
	Removed    []string      // names of the communes removed
	Held       []HeldCommune // add_epci: communes left out, held by another CPTS
	Already    int           // add_epci: communes already in this territory
	Population int64         // after the edit
	Tier       int           // after the edit (0: empty)
	Version    int           // after the edit
}

// errTaken is the message when a commune belongs to another CPTS
// (docs/rules.md §2: a commune belongs to at most one CPTS).
func errTaken(nom, holder string) error {
	return &domain.Error{Code: domain.EConflict, Field: "q",
		Message: fmt.Sprintf("La commune %s appartient déjà au territoire de la CPTS %s.", nom, strings.TrimPrefix(holder, "CPTS "))}
}

// firstTerritoryVersion is the version of a territory never edited
// (migration 00060): versions start at 1, so 0 is never current.
const firstTerritoryVersion = 1

// editTx runs one edit of CPTS id's territory in one transaction: checks the
// scope and the right to edit, locks the territory row, checks the expected
// version (any other, 0 or missing included, is stale), runs fn, then writes the change row
// with population and tier before and after, and bumps the version. When fn
// reports no commune changed, nothing is written.
func (s *Store) editTx(ctx context.Context, sc Scope, id int64, expected int, fn func(tx pgx.Tx) (terrChange, error)) (TerritoryEdit, error) {
	var res TerritoryEdit
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		if _, _, err := cptsInScope(ctx, tx, sc, id); err != nil {
			return err
		}
		if !canEditTerritory(sc, id) {
			// Readers (CPAM, ARS, DCGDR, members) cannot edit: not found, as
			// everywhere an action is outside the caller's rights.
			return domain.Errorf(domain.ENotFound, "introuvable")
		}
		if _, err := tx.Exec(ctx, "INSERT INTO territories (structure_id, version) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, firstTerritoryVersion); err != nil {
			return err
		}
		var version int
		var at time.Time
		var by string
		if err := tx.QueryRow(ctx, `SELECT t.version, t.updated_at, coalesce(u.name, '') FROM territories t
			LEFT JOIN users u ON u.id = t.updated_by WHERE t.structure_id = $1 FOR UPDATE OF t`, id).Scan(&version, &at, &by); err != nil {
			return err
		}
		// Frozen once the contractualisation request is filed (docs/rules.md
		// §7): the dossiers are read FOR SHARE, so a filing under way is
		// waited for and seen.
		if _, err := tx.Exec(ctx, "SELECT 1 FROM dossiers WHERE structure_id = $1 FOR SHARE", id); err != nil {
			return err
		}
		if f, err := territoryFreeze(ctx, tx, id); err != nil {
			return err
		} else if f.Frozen {
			return errTerritoryFrozen
		}
		if expected != version {
			if by == "" {
				by = "un autre utilisateur"
			}
			return domain.Errorf(domain.EConflict, "Le territoire a été modifié entre-temps par %s (le %s) : rechargez la page et recommencez.",
				by, domain.FrenchDateTime(at))
		}
		var before int64
		var n int
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(c.population), 0), count(*) FROM territory_communes tc
			JOIN communes c ON c.code = tc.commune_code WHERE tc.structure_id = $1`, id).Scan(&before, &n); err != nil {
			return err
		}
		tierBefore, err := terrTierOf(before, n)
		if err != nil {
			return err
		}
		ch, err := fn(tx)
		if err != nil {
			return err
		}
		res = ch.edit
		if len(ch.codes) == 0 {
			res.Population, res.Tier, res.Version = before, tierBefore, version
			return nil
		}
		var after int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(c.population), 0), count(*) FROM territory_communes tc
			JOIN communes c ON c.code = tc.commune_code WHERE tc.structure_id = $1`, id).Scan(&after, &n); err != nil {
			return err
		}
		tierAfter, err := terrTierOf(after, n)
		if err != nil {
			return err
		}
		version++
		if _, err := tx.Exec(ctx, "UPDATE territories SET version = $2, updated_at = now(), updated_by = $3 WHERE structure_id = $1",
			id, version, terrNullID(sc.UserID)); err != nil {
			return err
		}
		var epci *string
		if ch.epci != "" {
			epci = &ch.epci
		}
		skipped := []string{}
		for _, h := range ch.edit.Held {
			skipped = append(skipped, h.Name+" ("+h.Code+") — "+h.Holder)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO territory_changes (structure_id, user_id, action, epci, communes, skipped,
			population_before, population_after, tier_before, tier_after, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			id, terrNullID(sc.UserID), ch.action, epci, ch.codes, skipped, before, after, terrNullTier(tierBefore), terrNullTier(tierAfter), version); err != nil {
			return err
		}
		res.Population, res.Tier, res.Version = after, tierAfter, version
		return nil
	})
	return res, err
}

// terrChange is what an edit did, for editTx's history row.
type terrChange struct {
	action string
	epci   string
	codes  []string
	edit   TerritoryEdit
}

func terrNullID(id int64) *int64 {
	if id <= 0 {
		return nil
	}
	return &id
}

func terrNullTier(t int) *int {
	if t == 0 {
		return nil
	}
	return &t
}

// takenError turns the unique violation on territory_communes.commune_code
// (another transaction committed the same commune first) into the message
// naming the holder, looked up after the failed transaction.
func (s *Store) takenError(ctx context.Context, err error, codes []string) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" || pe.ConstraintName != "territory_communes_commune_key" {
		return err
	}
	var nom, holder string
	if qerr := s.sys().QueryRow(ctx, `SELECT c.nom, o.name FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code
		JOIN organisations o ON o.id = tc.structure_id WHERE tc.commune_code = ANY($1::text[]) ORDER BY c.nom LIMIT 1`, codes).Scan(&nom, &holder); qerr != nil {
		return &domain.Error{Code: domain.EConflict, Field: "q", Message: "Une des communes vient d'être ajoutée à un autre territoire : rechargez la page."}
	}
	return errTaken(nom, holder)
}

// AddCommune adds commune code to CPTS id's territory, in one transaction
// with its history row. A commune held by another CPTS is refused with a
// message naming it; two concurrent additions of the same commune: the
// database's unique constraint lets one commit, the other gets that message.
func (s *Store) AddCommune(ctx context.Context, sc Scope, id int64, expected int, code string) (TerritoryEdit, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	res, err := s.editTx(ctx, sc, id, expected, func(tx pgx.Tx) (terrChange, error) {
		var nom, holder string
		var holderID int64
		err := tx.QueryRow(ctx, `SELECT c.nom, coalesce(tc.structure_id, 0), coalesce(o.name, '') FROM communes c
			LEFT JOIN territory_communes tc ON tc.commune_code = c.code LEFT JOIN organisations o ON o.id = tc.structure_id
			WHERE c.code = $1 AND c.actuelle`, code).Scan(&nom, &holderID, &holder)
		if errors.Is(err, pgx.ErrNoRows) {
			return terrChange{}, domain.FieldError("q", "Commune inconnue (code %q) : cherchez-la par son nom ou son code postal.", code)
		}
		if err != nil {
			return terrChange{}, err
		}
		switch {
		case holderID == id:
			return terrChange{}, domain.Errorf(domain.EConflict, "La commune %s fait déjà partie du territoire.", nom)
		case holderID != 0:
			return terrChange{}, errTaken(nom, holder)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO territory_communes (structure_id, commune_code, added_by) VALUES ($1, $2, $3)",
			id, code, terrNullID(sc.UserID)); err != nil {
			return terrChange{}, err
		}
		return terrChange{action: "add", codes: []string{code}, edit: TerritoryEdit{Added: []string{nom}}}, nil
	})
	if err != nil {
		return res, pgError("store.AddCommune", s.takenError(ctx, err, []string{code}))
	}
	return res, nil
}

// AddEPCI adds every current member commune of EPCI code that no CPTS holds
// yet, in one transaction with one history row; those held by another CPTS
// are left out and reported with the holder's name.
func (s *Store) AddEPCI(ctx context.Context, sc Scope, id int64, expected int, code string) (TerritoryEdit, error) {
	code = strings.TrimSpace(code)
	var want []string
	res, err := s.editTx(ctx, sc, id, expected, func(tx pgx.Tx) (terrChange, error) {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM epci WHERE code = $1", code).Scan(&n); err != nil {
			return terrChange{}, err
		}
		if n == 0 {
			return terrChange{}, domain.FieldError("q", "Intercommunalité inconnue (code %q).", code)
		}
		var ch terrChange
		ch.action, ch.epci = "add_epci", code
		var names []string
		rows, err := tx.Query(ctx, `SELECT c.code, c.nom, coalesce(tc.structure_id, 0), coalesce(o.name, '') FROM communes c
			LEFT JOIN territory_communes tc ON tc.commune_code = c.code LEFT JOIN organisations o ON o.id = tc.structure_id
			WHERE c.epci = $1 AND c.actuelle ORDER BY c.nom_norm, c.code`, code)
		if err != nil {
			return terrChange{}, err
		}
		for rows.Next() {
			var cc, nom, holder string
			var hid int64
			if err := rows.Scan(&cc, &nom, &hid, &holder); err != nil {
				rows.Close()
				return terrChange{}, err
			}
			switch {
			case hid == id:
				ch.edit.Already++
			case hid != 0:
				ch.edit.Held = append(ch.edit.Held, HeldCommune{Code: cc, Name: nom, Holder: holder})
			default:
				ch.codes = append(ch.codes, cc)
				names = append(names, nom)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return terrChange{}, err
		}
		want = ch.codes
		if len(ch.codes) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO territory_communes (structure_id, commune_code, added_by)
				SELECT $1, x, $3 FROM unnest($2::text[]) AS x`, id, ch.codes, terrNullID(sc.UserID)); err != nil {
				return terrChange{}, err
			}
		}
		ch.edit.Added = names
		return ch, nil
	})
	if err != nil {
		return res, pgError("store.AddEPCI", s.takenError(ctx, err, want))
	}
	return res, nil
}

// RemoveCommune removes commune code from CPTS id's territory, in one
// transaction with its history row.
func (s *Store) RemoveCommune(ctx context.Context, sc Scope, id int64, expected int, code string) (TerritoryEdit, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	res, err := s.editTx(ctx, sc, id, expected, func(tx pgx.Tx) (terrChange, error) {
		var nom string
		err := tx.QueryRow(ctx, `DELETE FROM territory_communes tc USING communes c
			WHERE tc.structure_id = $1 AND tc.commune_code = $2 AND c.code = tc.commune_code RETURNING c.nom`, id, code).Scan(&nom)
		if errors.Is(err, pgx.ErrNoRows) {
			return terrChange{}, domain.Errorf(domain.EConflict, "Cette commune ne fait pas (ou plus) partie du territoire : rechargez la page.")
		}
		if err != nil {
			return terrChange{}, err
		}
		return terrChange{action: "remove", codes: []string{code}, edit: TerritoryEdit{Removed: []string{nom}}}, nil
	})
	return res, pgError("store.RemoveCommune", err)
}

// TerritoryTotal is a territory's population and tier (0: no commune).
type TerritoryTotal struct {
	Communes   int
	Population int64
	Tier       int
}

// TerritoryTotals returns the population and tier of the territories of the
// given structures that are in scope, for lists. Structures without commune
// (or not CPTS, or outside the scope) are absent from the map.
func (s *Store) TerritoryTotals(ctx context.Context, sc Scope, ids []int64) (map[int64]TerritoryTotal, error) {
	out := map[int64]TerritoryTotal{}
	if len(ids) == 0 {
		return out, nil
	}
	var a args
	rd := NewReads(sc)
	rd.territoryTotals(`o.id = ANY(`+a.add(ids)+`::bigint[])`, &a, out)
	return out, pgError("store.TerritoryTotals", s.send(ctx, rd))
}

// TerritoryTotalsOfPage queues the read of Store.TerritoryTotals of the
// structures of ListStructures(f, p) — the page's ids as its subquery, so
// that both go in one batch — into out.
func (rd *Reads) TerritoryTotalsOfPage(f StructureFilter, p Page, out map[int64]TerritoryTotal) {
	var a args
	ids, _ := structurePageIDs(rd.sc, f, p, &a)
	rd.territoryTotals(`o.id IN (`+ids+`)`, &a, out)
}

// territoryTotals queues the totals of the structures matching which (its
// arguments in a) in scope into out.
func (rd *Reads) territoryTotals(which string, a *args, out map[int64]TerritoryTotal) {
	q := `SELECT o.id, count(*), coalesce(sum(c.population), 0) FROM organisations o
		JOIN territory_communes tc ON tc.structure_id = o.id JOIN communes c ON c.code = tc.commune_code
		WHERE ` + which + ` AND ` + rd.sc.structures("o", a) + ` GROUP BY o.id`
	rd.b.Queue(q, *a...).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var id int64
			var t TerritoryTotal
			if err := rows.Scan(&id, &t.Communes, &t.Population); err != nil {
				return err
			}
			var err error
			if t.Tier, err = terrTierOf(t.Population, t.Communes); err != nil {
				return err
			}
			out[id] = t
		}
		return rows.Err()
	})
}

// AddCommunes adds the communes codes to CPTS id's territory as ONE change
// (one history row), with AddCommune's rights and version check: a list
// typed or pasted at once. Every code must be a current commune that no CPTS
// holds yet, or nothing is added.
func (s *Store) AddCommunes(ctx context.Context, sc Scope, id int64, expected int, codes []string) (TerritoryEdit, error) {
	codes = slices.Clone(codes)
	for i, c := range codes {
		codes[i] = strings.ToUpper(strings.TrimSpace(c))
	}
	res, err := s.editTx(ctx, sc, id, expected, func(tx pgx.Tx) (terrChange, error) {
		rows, err := tx.Query(ctx, `SELECT x, coalesce(c.nom, ''), coalesce(tc.structure_id, 0), coalesce(o.name, '')
			FROM unnest($1::text[]) WITH ORDINALITY AS u(x, n) LEFT JOIN communes c ON c.code = u.x AND c.actuelle
			LEFT JOIN territory_communes tc ON tc.commune_code = c.code LEFT JOIN organisations o ON o.id = tc.structure_id
			ORDER BY u.n`, codes)
		if err != nil {
			return terrChange{}, err
		}
		var added []string
		for rows.Next() {
			var code, nom, holder string
			var holderID int64
			if err := rows.Scan(&code, &nom, &holderID, &holder); err != nil {
				rows.Close()
				return terrChange{}, err
			}
			switch {
			case nom == "":
				rows.Close()
				return terrChange{}, domain.FieldError("q", "Commune inconnue (code %q) : cherchez-la par son nom ou son code postal.", code)
			case holderID == id:
				rows.Close()
				return terrChange{}, domain.Errorf(domain.EConflict, "La commune %s fait déjà partie du territoire.", nom)
			case holderID != 0:
				rows.Close()
				return terrChange{}, errTaken(nom, holder)
			}
			added = append(added, nom)
		}
		if err := rows.Err(); err != nil {
			return terrChange{}, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO territory_communes (structure_id, commune_code, added_by)
			SELECT $1, x, $3 FROM unnest($2::text[]) AS x`, id, codes, terrNullID(sc.UserID)); err != nil {
			return terrChange{}, err
		}
		return terrChange{action: "add", codes: codes, edit: TerritoryEdit{Added: added}}, nil
	})
	if err != nil {
		return res, pgError("store.AddCommunes", s.takenError(ctx, err, codes))
	}
	return res, nil
}

// truncRunes cuts s to at most n runes (never inside a UTF-8 sequence).
func truncRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// errTerritoryFrozen refuses an edit of a frozen territory.
var errTerritoryFrozen = domain.Errorf(domain.EConflict, "Le territoire est figé depuis le dépôt de la demande de contractualisation : une modification passe par un avenant de territoire.")

// TerritoryFreeze says whether the territory of CPTS id is frozen
// (contractlife.FreezesTerritory, docs/rules.md §7) and, when a contract is
// in force, its id (the territory avenant is proposed there).
type TerritoryFreeze struct {
	Frozen     bool
	ContractID int64 // an actif contract, 0 otherwise
}

// territoryFreezeSQL reads the states that decide a territory's freeze: the
// dossiers and contracts of the CPTS whose id is the parameter p.
func territoryFreezeSQL(p string) string {
	return `SELECT state, 0::bigint FROM dossiers WHERE structure_id = ` + p + `
		UNION ALL SELECT state, id FROM contracts WHERE structure_id = ` + p
}

func territoryFreeze(ctx context.Context, q querier, id int64) (TerritoryFreeze, error) {
	rows, err := q.Query(ctx, territoryFreezeSQL("$1"), id)
	if err != nil {
		return TerritoryFreeze{}, err
	}
	return freezeOf(rows)
}

// freezeOf reads the rows of territoryFreezeSQL.
func freezeOf(rows pgx.Rows) (TerritoryFreeze, error) {
	var f TerritoryFreeze
	var st string
	var cid int64
	_, err := pgx.ForEachRow(rows, []any{&st, &cid}, func() error {
		if contractlife.FreezesTerritory(workflow.State(st)) {
			f.Frozen = true
		}
		if workflow.State(st) == workflow.Actif && cid != 0 {
			f.ContractID = cid
		}
		return nil
	})
	return f, err
}

// TerritoryFrozen reports the freeze of CPTS id's territory (in scope).
func (s *Store) TerritoryFrozen(ctx context.Context, sc Scope, id int64) (TerritoryFreeze, error) {
	var name, dep string
	var found bool
	var f TerritoryFreeze
	rd := NewReads(sc)
	rd.cptsCheck(id, &name, &dep, &found)
	rd.TerritoryFrozen(id, &f)
	if err := s.send(ctx, rd); err != nil {
		return TerritoryFreeze{}, pgError("store.TerritoryFrozen", err)
	}
	if !found {
		return TerritoryFreeze{}, pgError("store.TerritoryFrozen", pgx.ErrNoRows)
	}
	return f, nil
}

// TerritoryFrozen queues the read of CPTS id's freeze, guarded by its scope
// (territoryGuard): queued after a check of the CPTS.
func (rd *Reads) TerritoryFrozen(id int64, f *TerritoryFreeze) {
	var a args
	q := `SELECT fz.* FROM (` + territoryFreezeSQL(a.add(id)) + `) fz WHERE ` + rd.territoryGuard(id, &a)
	rd.b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*f, err = freezeOf(rows)
		return err
	})
}
