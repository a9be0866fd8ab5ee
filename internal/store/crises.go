package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Audit-only actions of the crises and the crisis plan (docs/rules.md §31).
const (
	TransitionCrise            workflow.Transition = "crise_declaree"
	TransitionPlanCriseDepose  workflow.Transition = "plan_crise_depose"
	TransitionPlanCriseAccepte workflow.Transition = "plan_crise_accepte"
	TransitionPlanCriseRefuse  workflow.Transition = "plan_crise_refuse"
)

// CrisisInput is a crisis as an ARS director declares it.
type CrisisInput struct {
	Name         string
	Start, End   domain.Date
	Departements []string // empty: the whole region
	At           time.Time
}

// Crisis is a declared crisis.
type Crisis struct {
	ID             int64
	Region         string
	RegionName     string
	ARSName        string
	Name           string
	Start, End     domain.Date
	Departements   []string
	Declared       domain.Date
	DeclaredByName string
	Paid           int          // CPTS paid
	Total          domain.Cents // sum of the payments
}

// CrisisResult is what one CPTS got from a crisis: its payment, or the
// reason it got nothing.
type CrisisResult struct {
	StructureID   int64
	StructureName string
	Departement   string
	ContractID    int64
	PaymentID     int64 // 0: nothing
	ContractYear  int
	Amount        domain.Cents
	Reason        string
	PaymentStatus string
}

// RegionDepartements are the codes of the départements of region reg.
func (s *Store) RegionDepartements(ctx context.Context, reg string) ([]string, error) {
	rows, err := s.sys().Query(ctx, `SELECT code FROM departements WHERE region = $1 ORDER BY code`, reg)
	if err != nil {
		return nil, pgError("store.RegionDepartements", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, pgError("store.RegionDepartements", err)
}

// DeclareCrisis records a crisis declared by an ARS director and, in the
// same transaction, the crisis variable part of every CPTS with a contract
// seated in its territory (docs/rules.md §4, decision "crisis mission
// payments"; contractlife.CrisisPayment): a payment of kind crise for each
// CPTS whose contract is in force and whose crisis plan is accepted that
// day, once per contract year; the reason for each other one. Every payment
// is written in its dossier's audit chain. Bad input (contractlife.Crisis.
// Validate) is refused at its field and nothing is saved.
func (s *Store) DeclareCrisis(ctx context.Context, sc Scope, in CrisisInput) (int64, error) {
	if !access.ForViewer(sc.Viewer()).Can(access.ActDeclareCrisis) || sc.Region == "" {
		return 0, domain.Errorf(domain.ENotFound, "introuvable")
	}
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.At = in.At.Truncate(time.Microsecond)
	deps := slices.Clone(in.Departements)
	slices.Sort(deps)
	deps = slices.Compact(deps)
	if deps == nil {
		deps = []string{} // the whole region
	}
	cr := contractlife.Crisis{Name: strings.TrimSpace(in.Name), Start: in.Start, End: in.End, Region: sc.Region,
		Departements: deps, Declared: domain.DateOf(in.At)}
	regionDeps, err := s.RegionDepartements(ctx, sc.Region)
	if err != nil {
		return 0, err
	}
	if err := cr.Validate(regionDeps); err != nil {
		return 0, err
	}
	covered := deps
	if len(covered) == 0 {
		covered = regionDeps
	}
	var id int64
	err = s.tx(ctx, sc, func(tx pgx.Tx) error {
		// A replayed form (its idempotency key, docs/rules.md §33) returns
		// the crisis already declared instead of a second one.
		return s.once(ctx, tx, sc.UserID, "declare_crisis", &id, func() (int64, error) {
			var created int64
			err := s.declareCrisisTx(ctx, tx, sc, cr, covered, in.At, &created)
			return created, err
		})
	})
	if err := replayed(err); err != nil {
		return 0, pgError("store.DeclareCrisis", err)
	}
	return id, nil
}

// declareCrisisTx records crisis cr and the crisis variable part of every
// CPTS contract of the territory covered, in tx.
func (s *Store) declareCrisisTx(ctx context.Context, tx pgx.Tx, sc Scope, cr contractlife.Crisis, covered []string, at time.Time, id *int64) error {
	if err := tx.QueryRow(ctx, `INSERT INTO crises (ars_id, region, name, start_on, end_on, departements, declared_on, declared_at, declared_by, declared_by_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, sc.OrgID, sc.Region, cr.Name, cr.Start.String(), cr.End.String(),
		cr.Departements, cr.Declared.String(), at, sc.UserID, actorName(sc)).Scan(id); err != nil {
		return err
	}
	// The CPTS contracts seated in the territory that were or may be in
	// force on the declaration day, locked in id order (payments are
	// numbered under the contract's lock).
	rows, err := tx.Query(ctx, "SELECT "+contractColumns+contractFrom+` WHERE o.structure_type = 'CPTS' AND o.departement = ANY($1::text[])
		AND (c.state IN ('a_signer', 'actif', 'resiliation_demandee') OR coalesce(c.resiliation_effective_on, c.end_date) > $2::date)
		ORDER BY c.id FOR UPDATE OF c`, covered, cr.Declared.String())
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contract, error) { return scanContract(r) })
	if err != nil {
		return err
	}
	for _, c := range list {
		if err := s.crisisFor(ctx, tx, sc, *id, cr, c, at); err != nil {
			return err
		}
	}
	return nil
}

// crisisFor computes and records the crisis variable part of contract c.
func (s *Store) crisisFor(ctx context.Context, tx pgx.Tx, sc Scope, crisisID int64, cr contractlife.Crisis, c Contract, at time.Time) error {
	var dep, region string
	if err := tx.QueryRow(ctx, `SELECT o.departement, coalesce(d.region, '') FROM organisations o LEFT JOIN departements d ON d.code = o.departement WHERE o.id = $1`,
		c.StructureID).Scan(&dep, &region); err != nil {
		return err
	}
	in := contractlife.CrisisCPTS{Region: region, Departement: dep, Contract: contractlife.Contract{Signed: c.Start},
		Active: c.State == workflow.Actif || c.State == workflow.ResiliationDemandee, Terminated: c.TerminationEffective}
	var err error
	if in.Active && !c.Start.IsZero() {
		if in.Contract, err = lifeTerms(ctx, tx, c); err != nil {
			var de *domain.Error
			if !errors.As(err, &de) {
				return err
			}
			// A contract the rules cannot compute (a year before every
			// barème, docs/rules.md §4): listed with the reason.
			_, err = tx.Exec(ctx, `INSERT INTO crisis_results (crisis_id, contract_id, structure_id, reason) VALUES ($1, $2, $3, $4)`,
				crisisID, c.ID, c.StructureID, de.Message)
			return err
		}
	}
	if in.PlanAccepted, err = acceptedPlanDays(ctx, tx, c.ID); err != nil {
		return err
	}
	if in.PaidYears, err = paidYears(ctx, tx, c.ID, "crise"); err != nil {
		return err
	}
	res := contractlife.CrisisPayment(cr, in)
	var paymentID any
	if res.Due() {
		ids, err := addPayments(ctx, tx, ContractOwner(c), []NewPayment{{Payment: res.Payment}}, at)
		if err != nil {
			return err
		}
		paymentID = ids[0]
		uid := sc.UserID
		if err := appendAudit(ctx, tx, c.DossierID, &uid, actorName(sc), at, TransitionCrise, c.State, c.State,
			fmt.Sprintf("Crise sanitaire « %s » déclarée par l'ARS le %s : part variable crise de l'année %d du contrat, %s.",
				cr.Name, cr.Declared.French(), res.Payment.ContractYear, domain.FormatEUR(res.Payment.Amount))); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO crisis_results (crisis_id, contract_id, structure_id, payment_id, amount_cents, reason)
		VALUES ($1, $2, $3, $4, $5, $6)`, crisisID, c.ID, c.StructureID, paymentID, int64(res.Payment.Amount), res.Reason)
	return err
}

// acceptedPlanDays are the days the CPAM accepted a version of the crisis
// plan of contract id.
func acceptedPlanDays(ctx context.Context, q querier, contractID int64) ([]domain.Date, error) {
	rows, err := q.Query(ctx, `SELECT decided_on FROM crisis_plan_versions WHERE contract_id = $1 AND state = 'accepte' ORDER BY decided_on`, contractID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Date, error) {
		var d time.Time
		err := r.Scan(&d)
		return domain.DateOf0(d), err
	})
}

// paidYears are the contract years of contract id with a payment of kind
// kind that is not cancelled (planned, ordered or paid).
func paidYears(ctx context.Context, q querier, contractID int64, kind string) ([]int, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT contract_year FROM payments WHERE contract_id = $1 AND kind = $2 AND status <> 'annule' ORDER BY 1`, contractID, kind)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

const crisisColumns = `k.id, k.region, coalesce((SELECT r.nom FROM regions r WHERE r.code = k.region), k.region),
	(SELECT o.name FROM organisations o WHERE o.id = k.ars_id), k.name, k.start_on, k.end_on, k.departements, k.declared_on, k.declared_by_name,
	(SELECT count(*) FROM crisis_results r WHERE r.crisis_id = k.id AND r.payment_id IS NOT NULL),
	(SELECT coalesce(sum(r.amount_cents), 0) FROM crisis_results r WHERE r.crisis_id = k.id AND r.payment_id IS NOT NULL)`

func scanCrisis(r pgx.Row) (Crisis, error) {
	var k Crisis
	var start, end, decl time.Time
	var total int64
	err := r.Scan(&k.ID, &k.Region, &k.RegionName, &k.ARSName, &k.Name, &start, &end, &k.Departements, &decl, &k.DeclaredByName, &k.Paid, &total)
	k.Start, k.End, k.Declared, k.Total = domain.DateOf0(start), domain.DateOf0(end), domain.DateOf0(decl), domain.Cents(total)
	return k, err
}

// Crises lists the crises in scope, latest declared first, one page, and
// their total.
func (s *Store) Crises(ctx context.Context, sc Scope, p Page) ([]Crisis, int, error) {
	var a args
	w := " FROM crises k WHERE " + sc.crises("k", &a)
	var total int
	if err := s.db(sc).QueryRow(ctx, "SELECT count(*)"+w, a...).Scan(&total); err != nil {
		return nil, 0, pgError("store.Crises", err)
	}
	rows, err := s.db(sc).Query(ctx, "SELECT "+crisisColumns+w+" ORDER BY k.declared_on DESC, k.id DESC"+p.limitOffset(), a...)
	if err != nil {
		return nil, 0, pgError("store.Crises", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Crisis, error) { return scanCrisis(r) })
	return out, total, pgError("store.Crises", err)
}

// CrisisByID returns crisis id in scope (not found outside it) with the
// results of the CPTS in scope.
func (s *Store) CrisisByID(ctx context.Context, sc Scope, id int64) (Crisis, []CrisisResult, error) {
	var a args
	k, err := scanCrisis(s.db(sc).QueryRow(ctx, "SELECT "+crisisColumns+" FROM crises k WHERE k.id = "+a.add(id)+" AND "+sc.crises("k", &a), a...))
	if errors.Is(err, pgx.ErrNoRows) {
		return k, nil, domain.Errorf(domain.ENotFound, "Crise introuvable.")
	}
	if err != nil {
		return k, nil, pgError("store.CrisisByID", err)
	}
	var b args
	rows, err := s.db(sc).Query(ctx, `SELECT o.id, o.name, o.departement, r.contract_id, coalesce(r.payment_id, 0), coalesce(p.contract_year, 0),
		r.amount_cents, r.reason, coalesce(p.status, '')
		FROM crisis_results r JOIN organisations o ON o.id = r.structure_id LEFT JOIN payments p ON p.id = r.payment_id
		WHERE r.crisis_id = `+b.add(id)+" AND "+"r.contract_id IN (SELECT rc.id FROM contracts rc WHERE "+sc.contracts("rc", &b)+")"+" ORDER BY o.name, r.contract_id", b...)
	if err != nil {
		return k, nil, pgError("store.CrisisByID", err)
	}
	res, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CrisisResult, error) {
		var x CrisisResult
		var amount int64
		err := r.Scan(&x.StructureID, &x.StructureName, &x.Departement, &x.ContractID, &x.PaymentID, &x.ContractYear, &amount, &x.Reason, &x.PaymentStatus)
		x.Amount = domain.Cents(amount)
		return x, err
	})
	return k, res, pgError("store.CrisisByID", err)
}

// lifeActionLabel is the French label of the audit-only actions of crises,
// the crisis plan and avenants (docs/rules.md §31).
func lifeActionLabel(t workflow.Transition) (string, bool) {
	l, ok := map[workflow.Transition]string{
		TransitionCrise:            "Part variable crise sanitaire",
		TransitionPlanCriseDepose:  "Plan de crise déposé",
		TransitionPlanCriseAccepte: "Plan de crise accepté par la CPAM",
		TransitionPlanCriseRefuse:  "Plan de crise refusé par la CPAM",
		TransitionAvenantPropose:   "Avenant proposé",
		TransitionAvenantAccepte:   "Avenant accepté par la CPAM",
		TransitionAvenantRefuse:    "Avenant refusé par la CPAM",
		TransitionAvenantSigne:     "Avenant signé",
	}[t]
	return l, ok
}

// ContractCrisis is one crisis of a contract's territory, as the contract
// page lists it: its amount, or the reason nothing was due.
type ContractCrisis struct {
	CrisisID int64
	Name     string
	Declared domain.Date
	Amount   domain.Cents
	Paid     bool
	Reason   string
}

// ContractCrises lists the crises that listed contract id (in scope),
// latest first, at most 50.
func (s *Store) ContractCrises(ctx context.Context, sc Scope, contractID int64) ([]ContractCrisis, error) {
	var out []ContractCrisis
	rd := NewReads(sc)
	rd.ContractCrises(contractID, &out)
	return out, pgError("store.ContractCrises", s.send(ctx, rd))
}

// ContractCrises queues the read of Store.ContractCrises into *out.
func (rd *Reads) ContractCrises(contractID int64, out *[]ContractCrisis) {
	var a args
	rd.b.Queue(`SELECT k.id, k.name, k.declared_on, r.amount_cents, r.payment_id IS NOT NULL, r.reason
		FROM crisis_results r JOIN crises k ON k.id = r.crisis_id JOIN organisations o ON o.id = r.structure_id
		WHERE r.contract_id = `+a.add(contractID)+" AND "+"r.contract_id IN (SELECT rc.id FROM contracts rc WHERE "+rd.sc.contracts("rc", &a)+")"+" ORDER BY k.declared_on DESC, k.id DESC LIMIT 50", a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContractCrisis, error) {
			var x ContractCrisis
			var d time.Time
			var amount int64
			err := r.Scan(&x.CrisisID, &x.Name, &d, &amount, &x.Paid, &x.Reason)
			x.Declared, x.Amount = domain.DateOf0(d), domain.Cents(amount)
			return x, err
		})
		return err
	})
}
