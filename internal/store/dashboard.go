package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// The read side of the money: the homes' figures, the steering page and the
// yearly statement of sums paid (docs/rules.md §32). Every query goes
// through the Scope and aggregates in SQL (GROUP BY): a page needs a handful
// of queries whatever the number of structures.

// MoneyTotals are the sums of a set of payments by where they stand
// (migration 00065's states). Recoveries (negative amounts) are counted
// apart, as positive sums, so that no total mixes money out and money back.
type MoneyTotals struct {
	Planned   domain.Cents // prévu (positive amounts)
	Ordered   domain.Cents // ordonnancé (positive amounts)
	Paid      domain.Cents // versé
	ToRecover domain.Cents // recoveries prévues or ordonnancées
	Recovered domain.Cents // recoveries recouvrées
	Count     int          // payments not cancelled
}

// ToCome is the money still to be paid: planned and ordered.
func (m MoneyTotals) ToCome() domain.Cents { return m.Planned + m.Ordered }

// moneySums is the SELECT list of MoneyTotals over payments aliased p; scan
// it with moneyScan.
const moneySums = `coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'prevu' AND p.amount_cents > 0), 0)::bigint,
	coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'ordonnance' AND p.amount_cents > 0), 0)::bigint,
	coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'verse'), 0)::bigint,
	coalesce(-sum(p.amount_cents) FILTER (WHERE p.status IN ('prevu', 'ordonnance') AND p.amount_cents < 0), 0)::bigint,
	coalesce(-sum(p.amount_cents) FILTER (WHERE p.status = 'recouvre'), 0)::bigint,
	count(*) FILTER (WHERE p.status <> 'annule')`

func (m *MoneyTotals) targets() []any {
	return []any{(*int64)(&m.Planned), (*int64)(&m.Ordered), (*int64)(&m.Paid), (*int64)(&m.ToRecover), (*int64)(&m.Recovered), &m.Count}
}

// YearMoney is the money of one contract year (0: before the contract, the
// lettre d'intention amorçage).
type YearMoney struct {
	Year int
	MoneyTotals
}

// StructureMoney returns the money of structure id (in scope) per contract
// year, years in order; nothing when it has no payment.
func (s *Store) StructureMoney(ctx context.Context, sc Scope, id int64) ([]YearMoney, error) {
	var out []YearMoney
	rd := NewReads(sc)
	rd.StructureMoney(id, &out)
	return out, pgError("store.StructureMoney", s.send(ctx, rd))
}

// StructureMoney queues the read of Store.StructureMoney into *out.
func (rd *Reads) StructureMoney(id int64, out *[]YearMoney) {
	var a args
	q := `SELECT p.contract_year, ` + moneySums + ` FROM payments p JOIN organisations o ON o.id = p.structure_id
		WHERE p.structure_id = ` + a.add(id) + ` AND ` + rd.sc.ofDossier("p.dossier_id", &a) + ` GROUP BY p.contract_year ORDER BY p.contract_year`
	rd.b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (YearMoney, error) {
			var y YearMoney
			return y, r.Scan(append([]any{&y.Year}, y.targets()...)...)
		})
		return err
	})
}

// HomeContract is the last contract of a structure, as its home needs it.
type HomeContract struct {
	ID, DossierID int64
	StructureType domain.StructureType
	State         workflow.State
	Start         domain.Date // zero before the third signature
	End           domain.Date
	// TerminationEffective is the day a requested termination takes effect.
	TerminationEffective domain.Date
}

// StructureContract returns the last contract of structure id in scope; ok
// false when it has none.
func (s *Store) StructureContract(ctx context.Context, sc Scope, id int64) (HomeContract, bool, error) {
	var c HomeContract
	var ok bool
	rd := NewReads(sc)
	rd.StructureContract(id, &c, &ok)
	if err := s.send(ctx, rd); err != nil {
		return HomeContract{}, false, pgError("store.StructureContract", err)
	}
	return c, ok, nil
}

// StructureContract queues the read of Store.StructureContract into *c and
// *ok.
func (rd *Reads) StructureContract(id int64, c *HomeContract, ok *bool) {
	var a args
	rd.homeContract(`c.structure_id = `+a.add(id), &a, c, ok)
}

// DossierContract queues the read of the contract of dossier id in scope,
// as a home shows it, into *c and *ok (false: none).
func (rd *Reads) DossierContract(id int64, c *HomeContract, ok *bool) {
	var a args
	rd.homeContract(`c.dossier_id = `+a.add(id), &a, c, ok)
}

// homeContract queues the read of the last contract matching where (its
// arguments in a) in scope.
func (rd *Reads) homeContract(where string, a *args, c *HomeContract, ok *bool) {
	q := `SELECT c.id, c.dossier_id, c.structure_type, c.state, c.start_date, c.end_date, c.resiliation_effective_on` + contractFrom +
		` WHERE ` + where + ` AND ` + rd.sc.contracts("c", a) + ` ORDER BY c.id DESC LIMIT 1`
	*c, *ok = HomeContract{}, false
	rd.b.Queue(q, *a...).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		if !rows.Next() {
			return rows.Err()
		}
		var st, state string
		var start, end, eff *time.Time
		if err := rows.Scan(&c.ID, &c.DossierID, &st, &state, &start, &end, &eff); err != nil {
			return err
		}
		c.StructureType, c.State, c.Start = domain.StructureType(st), workflow.State(state), dateOf(start)
		c.End, c.TerminationEffective = dateOf(end), dateOf(eff)
		*ok = true
		return nil
	})
}

// PaymentDue is a payment still to move (prévu or ordonnancé).
type PaymentDue struct {
	ID           int64
	Due          domain.Date
	ContractYear int
	Mission      funding.Mission
	Kind         funding.Kind
	Amount       domain.Cents
	Status       string
	Rule         string
}

// NextPayments returns the limit next payments of structure id (in scope)
// still prévus or ordonnancés, by due date.
func (s *Store) NextPayments(ctx context.Context, sc Scope, id int64, limit int) ([]PaymentDue, error) {
	var out []PaymentDue
	rd := NewReads(sc)
	rd.NextPayments(id, limit, &out)
	return out, pgError("store.NextPayments", s.send(ctx, rd))
}

// NextPayments queues the read of Store.NextPayments into *out.
func (rd *Reads) NextPayments(id int64, limit int, out *[]PaymentDue) {
	var a args
	q := `SELECT p.id, p.due_on, p.contract_year, p.mission, p.kind, p.amount_cents, p.status, p.rule
		FROM payments p JOIN organisations o ON o.id = p.structure_id
		WHERE p.structure_id = ` + a.add(id) + ` AND p.status IN ('prevu', 'ordonnance') AND ` + rd.sc.ofDossier("p.dossier_id", &a) +
		` ORDER BY p.due_on, p.id LIMIT ` + a.add(limit)
	rd.b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (PaymentDue, error) {
			var p PaymentDue
			var due time.Time
			var m, k string
			err := r.Scan(&p.ID, &due, &p.ContractYear, &m, &k, (*int64)(&p.Amount), &p.Status, &p.Rule)
			p.Due, p.Mission, p.Kind = domain.DateOf0(due), funding.Mission(m), funding.Kind(k)
			return p, err
		})
		return err
	})
}

// PaymentsToOrder counts and sums the payments in scope still prévus whose
// due date is on or before today (what a CPAM has to order).
func (s *Store) PaymentsToOrder(ctx context.Context, sc Scope, today domain.Date) (int, domain.Cents, error) {
	var n int
	var sum domain.Cents
	rd := NewReads(sc)
	rd.PaymentsToOrder(today, &n, &sum)
	if err := s.send(ctx, rd); err != nil {
		return 0, 0, pgError("store.PaymentsToOrder", err)
	}
	return n, sum, nil
}

// PaymentsToOrder queues the read of Store.PaymentsToOrder into *n and
// *sum.
func (rd *Reads) PaymentsToOrder(today domain.Date, n *int, sum *domain.Cents) {
	var a args
	q := `SELECT count(*), coalesce(sum(p.amount_cents), 0)::bigint FROM payments p JOIN organisations o ON o.id = p.structure_id
		WHERE p.status = 'prevu' AND p.due_on <= ` + a.add(today.String()) + `::date AND ` + rd.sc.ofDossier("p.dossier_id", &a)
	rd.b.Queue(q, a...).QueryRow(func(r pgx.Row) error { return r.Scan(n, (*int64)(sum)) })
}

// scanMoneyLine reads one row of the steering money's grouping sets: the
// four GROUPING() flags say which axis the line is of.
func scanMoneyLine(r pgx.CollectableRow) (MoneyLine, error) {
	var l MoneyLine
	var gr, gm, gy, gc int
	var reg, name, mission string
	var cy, civil int
	err := r.Scan(append([]any{&gr, &gm, &gy, &gc, &reg, &name, &mission, &cy, &civil}, l.targets()...)...)
	switch {
	case gr == 0:
		l.Axis, l.Key, l.Label = AxisRegion, reg, name
	case gm == 0:
		l.Axis, l.Key = AxisMission, mission
	case gy == 0:
		l.Axis, l.Key = AxisContractYear, strconv.Itoa(cy)
	case gc == 0:
		l.Axis, l.Key = AxisCivilYear, strconv.Itoa(civil)
	default:
		l.Axis = AxisTotal
	}
	return l, err
}

// tierCase is the SQL of the size tier of a territory population pop (the
// ranges of tierPopulation, the inverse of funding.Tier); 0 for a CPTS
// without commune.
func tierCase(pop string) string {
	q := "CASE"
	for t := 1; t <= 4; t++ {
		lo, hi, _ := tierPopulation(t)
		q += " WHEN " + pop + " BETWEEN " + strconv.FormatInt(lo, 10) + " AND " + strconv.FormatInt(hi, 10) + " THEN " + strconv.Itoa(t)
	}
	return q + " ELSE 0 END"
}

// TierStateCount is a number of CPTS of one size tier in one state.
type TierStateCount struct {
	State workflow.State // the contract's state, else the last dossier's; "" without dossier
	Tier  int            // of the territory's population; 0 without commune
	N     int
}

// cptsStates is the FROM clause of the CPTS of the scope (not archived) with
// the state of their last dossier or its contract; the population of their
// territory is kept with them (organisations.territory_population,
// migration 00141), never summed here (docs/rules.md §35).
const cptsStates = ` FROM organisations o
	LEFT JOIN LATERAL (SELECT d.id, d.state FROM dossiers d WHERE d.structure_id = o.id ORDER BY d.id DESC LIMIT 1) ld ON true
	LEFT JOIN contracts c ON c.dossier_id = ld.id`

// RegionalCPTS counts the CPTS in scope (not archived) by tier and state
// (docs/rules.md §32), in one query.
func (s *Store) RegionalCPTS(ctx context.Context, sc Scope) ([]TierStateCount, error) {
	var out []TierStateCount
	rd := NewReads(sc)
	rd.RegionalCPTS(&out)
	return out, pgError("store.RegionalCPTS", s.send(ctx, rd))
}

// RegionalCPTS queues the read of Store.RegionalCPTS into *out.
func (rd *Reads) RegionalCPTS(out *[]TierStateCount) {
	var a args
	q := `SELECT coalesce(c.state, ld.state, ''), ` + tierCase("o.territory_population") + ` AS tier, count(*)` + cptsStates +
		` WHERE o.structure_type = 'CPTS' AND o.archived_at IS NULL AND ` + rd.sc.structures("o", &a) + ` GROUP BY 1, 2 ORDER BY 1, 2`
	rd.b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TierStateCount, error) {
			var c TierStateCount
			var st string
			err := r.Scan(&st, &c.Tier, &c.N)
			c.State = workflow.State(st)
			return c, err
		})
		return err
	})
}

// SteeringFilter narrows the steering page: a region code ("" for every
// region of the scope).
type SteeringFilter struct {
	Region string
}

// Count is a number of records of one kind (a type, a state...).
type Count struct {
	Key string
	N   int
}

// MoneyAxis says what a line of Steering.Money groups by.
type MoneyAxis string

const (
	AxisTotal        MoneyAxis = "total"
	AxisRegion       MoneyAxis = "region"
	AxisMission      MoneyAxis = "mission"
	AxisContractYear MoneyAxis = "annee_contrat"
	AxisCivilYear    MoneyAxis = "annee_civile" // of the due date
)

// MoneyLine is the money of one value of an axis.
type MoneyLine struct {
	Axis  MoneyAxis
	Key   string // region code, mission code ("" for an MSP's), year number
	Label string // region name
	MoneyTotals
}

// Coverage is the population of a region (or of the whole scope, Code "")
// and the part of it living in the territory of a CPTS whose contract is
// actif (docs/rules.md §32).
type Coverage struct {
	Code, Name string
	Population int64
	Covered    int64
}

// Steering is the national (or regional) steering view.
type Steering struct {
	Structures []Count          // by structure type
	Contracts  [][3]string      // structure type, state, count (as text)
	ContractsN map[string]int   // count by state, every type
	Money      []MoneyLine      // total, then by region, mission, contract year, civil year
	Coverage   []Coverage       // by region, then the total (Code "")
	CPTS       []TierStateCount // CPTS by tier and state
}

// Steering computes the steering view of the scope narrowed by f, in five
// queries (docs/rules.md §32).
func (s *Store) Steering(ctx context.Context, sc Scope, f SteeringFilter) (Steering, error) {
	var out Steering
	// inRegion adds the chosen region (of the structure's seat, alias o)
	// to the scope's predicate for the rows read: the registry by the seat,
	// contracts and payments by their dossier's binding (docs/rules.md §33).
	inRegion := func(scoped string, a *args) string {
		if f.Region != "" {
			scoped += " AND o.departement IN (SELECT code FROM departements WHERE region = " + a.add(f.Region) + ")"
		}
		return scoped
	}
	// 1. Structures by type (kept for a national user: steering_counts,
	// migration 00182, docs/rules.md §35.2).
	var a args
	rows, err := s.db(sc).Query(ctx, steeringStructures(sc, f.Region, &a, !hasSteeringCounts(sc)), a...)
	if err != nil {
		return out, pgError("store.Steering", err)
	}
	if out.Structures, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Count, error) {
		var c Count
		return c, r.Scan(&c.Key, &c.N)
	}); err != nil {
		return out, pgError("store.Steering", err)
	}
	// 2. Contracts by type and state.
	a = nil
	rows, err = s.db(sc).Query(ctx, steeringContracts(sc, f.Region, &a, !hasSteeringCounts(sc)), a...)
	if err != nil {
		return out, pgError("store.Steering", err)
	}
	out.ContractsN = map[string]int{}
	if out.Contracts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var t, st string
		var n int
		err := r.Scan(&t, &st, &n)
		out.ContractsN[st] += n
		return [3]string{t, st, strconv.Itoa(n)}, err
	}); err != nil {
		return out, pgError("store.Steering", err)
	}
	// 3. Money, every axis in one pass (GROUPING SETS), from the summary kept
	// by the payments' triggers (migration 00160): the rows of the scope's
	// own set, O(groups) instead of every payment of France (docs/rules.md
	// §35). A scope without a set of its own (a structure) sums its payments.
	a = nil
	// The groups are summed first, then named: joined to the regions
	// before grouping, each of the ~2 900 rows of France probed the regions
	// (a nested loop the generic plan chose, expecting one row under the
	// policy's filter); every region of payment_money is a region of the
	// departements it was computed from (docs/rules.md §35.2).
	q := `SELECT g.gr, g.gm, g.gy, g.gc, coalesce(g.region, ''), coalesce(rg.nom, ''), coalesce(g.mission, ''),
			coalesce(g.contract_year, 0), coalesce(g.civil_year, 0), g.planned, g.ordered, g.paid, g.to_recover, g.recovered, g.n
		FROM (SELECT GROUPING(m.region) AS gr, GROUPING(m.mission) AS gm, GROUPING(m.contract_year) AS gy, GROUPING(m.civil_year) AS gc,
			m.region, m.mission, m.contract_year, m.civil_year, coalesce(sum(m.planned), 0)::bigint AS planned,
			coalesce(sum(m.ordered), 0)::bigint AS ordered, coalesce(sum(m.paid), 0)::bigint AS paid,
			coalesce(sum(m.to_recover), 0)::bigint AS to_recover, coalesce(sum(m.recovered), 0)::bigint AS recovered,
			coalesce(sum(m.n), 0)::bigint AS n
		FROM payment_money m
		WHERE m.scope_kind = ` + a.add(string(sc.Kind)) + ` AND m.scope_id = ` + a.add(moneyScopeID(sc))
	if f.Region != "" {
		q += ` AND m.region = ` + a.add(f.Region)
	}
	q += `
		GROUP BY GROUPING SETS ((), (m.region), (m.mission), (m.contract_year), (m.civil_year))) g
		LEFT JOIN regions rg ON rg.code = g.region`
	if !hasMoneySet(sc) {
		a = nil
		q = steeringMoneyByPayments + inRegion(sc.ofDossier("p.dossier_id", &a), &a) + steeringMoneyGroups
	}
	rows, err = s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return out, pgError("store.Steering", err)
	}
	if out.Money, err = pgx.CollectRows(rows, scanMoneyLine); err != nil {
		return out, pgError("store.Steering", err)
	}
	sortMoney(out.Money)
	// 4. Population covered by a CPTS whose contract is actif, by region of
	// the commune, and the total of the regions shown. A region's population
	// is kept with the region (migration 00130); for a national user the
	// covered population too (covered_population, migration 00181: every
	// structure is in the national scope, so the kept sums are the query's);
	// an agency sums the communes of its own CPTS (docs/rules.md §35.2).
	a = nil
	q = steeringCoverage(sc, f.Region, &a)
	rows, err = s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return out, pgError("store.Steering", err)
	}
	if out.Coverage, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Coverage, error) {
		var c Coverage
		return c, r.Scan(&c.Code, &c.Name, &c.Population, &c.Covered)
	}); err != nil {
		return out, pgError("store.Steering", err)
	}
	// 5. CPTS by tier and state (kept for a national user by state, seat
	// and population: steering_cpts, migration 00182).
	a = nil
	rows, err = s.db(sc).Query(ctx, steeringCPTS(sc, f.Region, &a, !hasSteeringCounts(sc)), a...)
	if err != nil {
		return out, pgError("store.Steering", err)
	}
	out.CPTS, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TierStateCount, error) {
		var c TierStateCount
		var st string
		err := r.Scan(&st, &c.Tier, &c.N)
		c.State = workflow.State(st)
		return c, err
	})
	return out, pgError("store.Steering", err)
}

// steeringInRegion narrows to the structures seated in region (column
// col, a département), "" for every region.
func steeringInRegion(col, region string, a *args) string {
	if region == "" {
		return ""
	}
	return " AND " + col + " IN (SELECT code FROM departements WHERE region = " + a.add(region) + ")"
}

// hasSteeringCounts reports whether the scope reads the kept counts
// (steering_counts: the national set only — every structure and contract
// is in a national user's scope).
func hasSteeringCounts(sc Scope) bool { return sc.Kind == domain.OrgNational && sc.Valid() }

// steeringStructures counts the structures (not archived) by type: from the
// kept counts, or (direct) from the registry under the scope's predicate —
// for an agency, and the reference the counts are tested against.
func steeringStructures(sc Scope, region string, a *args, direct bool) string {
	if !direct {
		return `SELECT k.structure_type, sum(k.n)::bigint FROM steering_counts k WHERE k.kind = 'structure'` +
			steeringInRegion("k.departement", region, a) + ` GROUP BY 1 ORDER BY 1`
	}
	return `SELECT o.structure_type, count(*) FROM organisations o WHERE o.archived_at IS NULL AND ` + sc.structures("o", a) +
		steeringInRegion("o.departement", region, a) + ` GROUP BY 1 ORDER BY 1`
}

// steeringContracts counts the contracts by structure type and state, as
// steeringStructures.
func steeringContracts(sc Scope, region string, a *args, direct bool) string {
	if !direct {
		return `SELECT k.structure_type, k.state, sum(k.n)::bigint FROM steering_counts k WHERE k.kind = 'contract'` +
			steeringInRegion("k.departement", region, a) + ` GROUP BY 1, 2 ORDER BY 1, 2`
	}
	return `SELECT c.structure_type, c.state, count(*)` + contractFrom + ` WHERE ` + sc.contracts("c", a) +
		steeringInRegion("o.departement", region, a) + ` GROUP BY 1, 2 ORDER BY 1, 2`
}

// steeringCPTS counts the CPTS (not archived) by the state of their last
// dossier or its contract and by tier, as steeringStructures: the kept rows
// carry the population, grouped here by the barème's tier (tierCase).
func steeringCPTS(sc Scope, region string, a *args, direct bool) string {
	if !direct {
		return `SELECT k.state, ` + tierCase("k.population") + ` AS tier, sum(k.n)::bigint FROM steering_cpts k WHERE TRUE` +
			steeringInRegion("k.departement", region, a) + ` GROUP BY 1, 2 ORDER BY 1, 2`
	}
	return `SELECT coalesce(c.state, ld.state, ''), ` + tierCase("o.territory_population") + ` AS tier, count(*)` + cptsStates +
		` WHERE o.structure_type = 'CPTS' AND o.archived_at IS NULL AND ` + sc.structures("o", a) +
		steeringInRegion("o.departement", region, a) + ` GROUP BY 1, 2 ORDER BY 1, 2`
}

// steeringCoverage is the query of Steering's coverage (code, name,
// population, covered by region, then the total), kept predicate of the
// scope's regions included: read from covered_population for a national
// user, summed from the communes of the scope's CPTS otherwise.
func steeringCoverage(sc Scope, region string, a *args) string {
	if sc.Kind == domain.OrgNational && sc.Valid() {
		return steeringCoverageQuery("covered_population", sc, region, a)
	}
	return steeringCoverageByCommunes(sc, region, a)
}

// steeringCoverageByCommunes sums the covered communes themselves: the
// distinct communes of the scope's CPTS with a contract actif, joined to the
// communes (a hash join: as « code IN (...) » the planner, expecting ~900
// communes for 21 000, probed the communes one by one). The reference the
// kept summary is tested against.
func steeringCoverageByCommunes(sc Scope, region string, a *args) string {
	cov := `(SELECT cm.region, sum(cm.population) AS population FROM communes cm
			JOIN (SELECT DISTINCT tc.commune_code FROM territory_communes tc WHERE tc.structure_id IN (
				SELECT o.id FROM organisations o JOIN contracts c ON c.structure_id = o.id AND c.state = 'actif'
				WHERE o.structure_type = 'CPTS' AND ` + sc.structures("o", a) + `)) cc ON cc.commune_code = cm.code
			WHERE cm.actuelle
			GROUP BY cm.region)`
	return steeringCoverageQuery(cov, sc, region, a)
}

func steeringCoverageQuery(cov string, sc Scope, region string, a *args) string {
	where := sc.regions("rg.code", a)
	if region != "" {
		where += " AND rg.code = " + a.add(region)
	}
	return `SELECT coalesce(rg.code, ''), coalesce(min(rg.nom), ''), coalesce(sum(rg.population), 0)::bigint,
			coalesce(sum(cov.population), 0)::bigint
		FROM regions rg
		LEFT JOIN ` + cov + ` cov ON cov.region = rg.code
		WHERE rg.communes > 0 AND ` + where + `
		GROUP BY GROUPING SETS ((rg.code), ()) ORDER BY GROUPING(rg.code), rg.code`
}

// steeringMoneyByPayments and steeringMoneyGroups are the steering page's
// money summed from the payments themselves, around the scope's predicate:
// for a scope without a summary set of its own, and the reference the
// summary is tested against (docs/rules.md §35).
const steeringMoneyByPayments = `SELECT GROUPING(dp.region), GROUPING(p.mission), GROUPING(p.contract_year), GROUPING(extract(year FROM p.due_on)),
			coalesce(dp.region, ''), coalesce(min(rg.nom), ''), coalesce(p.mission, ''), coalesce(p.contract_year, 0),
			coalesce(extract(year FROM p.due_on)::int, 0), ` + moneySums + `
		FROM payments p JOIN organisations o ON o.id = p.structure_id JOIN departements dp ON dp.code = o.departement
		JOIN regions rg ON rg.code = dp.region
		WHERE `

const steeringMoneyGroups = `
		GROUP BY GROUPING SETS ((), (dp.region), (p.mission), (p.contract_year), (extract(year FROM p.due_on)))`

// hasMoneySet reports whether the scope has its own rows in payment_money:
// national users, and each agency for the dossiers bound to it.
func hasMoneySet(sc Scope) bool {
	switch sc.Kind {
	case domain.OrgNational, domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR:
		return sc.Valid()
	}
	return false
}

// moneyScopeID is the scope_id of the scope's rows in payment_money (0 for
// the national set).
func moneyScopeID(sc Scope) int64 {
	if sc.Kind == domain.OrgNational {
		return 0
	}
	return sc.OrgID
}

// sortMoney orders the money lines: the total, then each axis in turn, by
// key (regions by code, years in order).
func sortMoney(ls []MoneyLine) {
	rank := map[MoneyAxis]int{AxisTotal: 0, AxisRegion: 1, AxisMission: 2, AxisContractYear: 3, AxisCivilYear: 4}
	slices.SortStableFunc(ls, func(x, y MoneyLine) int {
		if c := cmp.Compare(rank[x.Axis], rank[y.Axis]); c != 0 {
			return c
		}
		if x.Axis == AxisContractYear || x.Axis == AxisCivilYear {
			a, _ := strconv.Atoi(x.Key)
			b, _ := strconv.Atoi(y.Key)
			return cmp.Compare(a, b)
		}
		return cmp.Compare(x.Key, y.Key)
	})
}

// StatementLine is one movement of money of a yearly statement.
type StatementLine struct {
	On           domain.Date // paid or recovered on
	Kind         funding.Kind
	Mission      funding.Mission
	ContractYear int
	Rule         string
	Amount       domain.Cents // positive paid, negative recovered
	Ref          string       // accounting reference
	Contract     string       // the contract's reference ("" before the contract)
	Payer        string       // the CPAM party of the contract ("" before the contract)
}

// Statement returns the payments of structure id (in scope) paid (versé) or
// recovered (recouvré) in civil year year, by date: the lines of its yearly
// statement (docs/rules.md §32).
func (s *Store) Statement(ctx context.Context, sc Scope, id int64, year int) ([]StatementLine, error) {
	var a args
	q := `SELECT p.paid_on, p.kind, p.mission, p.contract_year, p.rule, p.amount_cents, p.paid_ref, coalesce(c.terms->>'reference', ''),
		coalesce(c.terms->'cpam'->>'name', '')
		FROM payments p JOIN organisations o ON o.id = p.structure_id LEFT JOIN contracts c ON c.id = p.contract_id
		WHERE p.structure_id = ` + a.add(id) + ` AND p.status IN ('verse', 'recouvre')
		AND p.paid_on >= make_date(` + a.add(year) + `::int, 1, 1) AND p.paid_on < make_date(` + a.add(year+1) + `::int, 1, 1)
		AND ` + sc.ofDossier("p.dossier_id", &a) + ` ORDER BY p.paid_on, p.id`
	rows, err := s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return nil, pgError("store.Statement", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatementLine, error) {
		var l StatementLine
		var on time.Time
		var k, m string
		err := r.Scan(&on, &k, &m, &l.ContractYear, &l.Rule, (*int64)(&l.Amount), &l.Ref, &l.Contract, &l.Payer)
		l.On, l.Kind, l.Mission = domain.DateOf0(on), funding.Kind(k), funding.Mission(m)
		return l, err
	})
	return out, pgError("store.Statement", err)
}
