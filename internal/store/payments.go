package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// PaymentStatus is the state of a payment (docs/rules.md §30): the codes of
// contractlife.PaymentState.
type PaymentStatus string

const (
	PaymentPrevu      PaymentStatus = PaymentStatus(contractlife.Planned)
	PaymentOrdonnance PaymentStatus = PaymentStatus(contractlife.Ordered)
	PaymentVerse      PaymentStatus = PaymentStatus(contractlife.Paid)
	PaymentAnnule     PaymentStatus = PaymentStatus(contractlife.Cancelled)
	PaymentRecouvre   PaymentStatus = PaymentStatus(contractlife.Recovered)
)

// State is the lifecycle state.
func (p PaymentStatus) State() contractlife.PaymentState { return contractlife.PaymentState(p) }

// Label is the French status, capitalised.
func (p PaymentStatus) Label() string {
	l := p.State().Label()
	if l == "" {
		return l
	}
	r := []rune(l)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// PaymentRow is one stored payment of a contract's schedule (migrations
// 00048, 00065).
type PaymentRow struct {
	ID           int64
	Seq          int
	Due          domain.Date
	ContractYear int
	Mission      funding.Mission // "" for an MSP
	Kind         funding.Kind
	Amount       domain.Cents
	Rule         string
	Status       PaymentStatus
	PaidOn       domain.Date // paid or recovered on
	OrderedOn    domain.Date
	PaidRef      string
	CancelledOn  domain.Date
	CancelReason string
}

// createPayments stores the payments the signature of contract c (started
// on c.Start) creates, in the transaction of its third signature
// (signaturePayments, docs/rules.md §8, §28).
func createPayments(ctx context.Context, tx pgx.Tx, c Contract, baremes []funding.Bareme, at time.Time) error {
	ps, err := signaturePayments(c, baremes)
	if err != nil {
		return fmt.Errorf("createPayments: %w", err)
	}
	news := make([]NewPayment, len(ps))
	for i, p := range ps {
		news[i] = NewPayment{Payment: p}
	}
	_, err = addPayments(ctx, tx, ContractOwner(c), news, at)
	return err
}

const paymentRowColumns = `p.id, p.seq, p.due_on, p.contract_year, p.mission, p.kind, p.amount_cents, p.rule, p.status, p.paid_on,
	p.ordered_on, p.paid_ref, p.cancelled_on, p.cancel_reason`

func scanPaymentRow(r pgx.Row, extra ...any) (PaymentRow, error) {
	var p PaymentRow
	var due time.Time
	var paid, ordered, cancelled *time.Time
	var m, k, st string
	var amount int64
	dest := append([]any{&p.ID, &p.Seq, &due, &p.ContractYear, &m, &k, &amount, &p.Rule, &st, &paid,
		&ordered, &p.PaidRef, &cancelled, &p.CancelReason}, extra...)
	err := r.Scan(dest...)
	p.Due, p.PaidOn, p.OrderedOn, p.CancelledOn = domain.DateOf0(due), dateOf(paid), dateOf(ordered), dateOf(cancelled)
	p.Mission, p.Kind, p.Amount, p.Status = funding.Mission(m), funding.Kind(k), domain.Cents(amount), PaymentStatus(st)
	return p, err
}

func listPayments(ctx context.Context, q batcher, contractID int64) ([]PaymentRow, error) {
	var b pgx.Batch
	var out []PaymentRow
	queuePayments(&b, contractID, &out)
	err := q.SendBatch(ctx, &b).Close()
	return out, err
}

// queuePayments queues on b the read of listPayments into *out.
func queuePayments(b *pgx.Batch, contractID int64, out *[]PaymentRow) {
	b.Queue(`SELECT `+paymentRowColumns+`
		FROM payments p WHERE p.contract_id = $1 ORDER BY p.due_on, p.seq`, contractID).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (PaymentRow, error) { return scanPaymentRow(r) })
		return err
	})
}

// ContractPayments returns the payment schedule of the contract of a
// dossier in scope (a contract has at most 6 × 15 lines: no pagination).
func (s *Store) ContractPayments(ctx context.Context, sc Scope, dossierID int64) ([]PaymentRow, error) {
	var a args
	var id int64
	q := "SELECT c.id" + contractFrom + " WHERE c.dossier_id = " + a.add(dossierID) + " AND " + sc.contracts("c", &a)
	if err := s.db(sc).QueryRow(ctx, q, a...).Scan(&id); err != nil {
		return nil, contractNotFound(pgError("store.ContractPayments", err))
	}
	ps, err := listPayments(ctx, s.db(sc), id)
	return ps, pgError("store.ContractPayments", err)
}

// DossierPayments returns the payments of a dossier in scope that belong to
// no contract: the lettre d'intention amorçage (docs/rules.md §5, §30).
func (s *Store) DossierPayments(ctx context.Context, sc Scope, dossierID int64) ([]PaymentRow, error) {
	var b pgx.Batch
	var out []PaymentRow
	queueDossierPayments(&b, sc, dossierID, &out)
	err := s.db(sc).SendBatch(ctx, &b).Close()
	return out, pgError("store.DossierPayments", err)
}

// queueDossierPayments queues on b the read of DossierPayments into *out.
func queueDossierPayments(b *pgx.Batch, sc Scope, dossierID int64, out *[]PaymentRow) {
	var a args
	q := `SELECT ` + paymentRowColumns + ` FROM payments p JOIN organisations o ON o.id = p.structure_id
		WHERE p.dossier_id = ` + a.add(dossierID) + ` AND p.contract_id IS NULL AND ` + sc.ofDossier("p.dossier_id", &a) + ` ORDER BY p.due_on, p.seq`
	b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (PaymentRow, error) { return scanPaymentRow(r) })
		return err
	})
}

// TransitionVersement is the audit-only action of a payment marked paid.
const TransitionVersement workflow.Transition = "versement"

// PaidTotal is the sum of the payments marked paid.
func PaidTotal(ps []PaymentRow) domain.Cents {
	var c domain.Cents
	for _, p := range ps {
		if p.Status == PaymentVerse {
			c += p.Amount
		}
	}
	return c
}

// ExpireContracts applies the system's echoir transition to every contract
// whose 5-year term has ended on or before today (end_date ≤ today), recorded
// as the system. Each contract is one transaction that takes its row FOR
// UPDATE SKIP LOCKED, so several instances can run it at once without doing
// anything twice. It returns how many contracts became échus.
// System path, no scope: background job (cmd/aci worker), never called on
// behalf of a user.
func (s *Store) ExpireContracts(ctx context.Context, today domain.Date, at time.Time) (int, error) {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	rows, err := s.sys().Query(ctx, `SELECT id FROM contracts WHERE state IN ('actif', 'resiliation_demandee') AND end_date <= $1::date ORDER BY end_date, id`, today.String())
	if err != nil {
		return 0, pgError("store.ExpireContracts", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, pgError("store.ExpireContracts", err)
	}
	n := 0
	for _, id := range ids {
		err := s.sysTx(ctx, func(tx pgx.Tx) error {
			c, err := scanContract(tx.QueryRow(ctx, "SELECT "+contractColumns+contractFrom+" WHERE c.id = $1 FOR UPDATE OF c SKIP LOCKED", id))
			if err != nil {
				return err
			}
			in := ContractRequest{DossierID: c.DossierID, Transition: workflow.Echoir, Seen: c.State, Today: today, At: at}
			_, err = contractTx(ctx, tx, c, workflow.Actor{System: true}, nil, SystemActorName, Scope{}, in)
			return err
		})
		switch {
		case err == nil:
			n++
		case errors.Is(err, pgx.ErrNoRows), domain.ErrorCode(err) == domain.EConflict:
			// another instance has it, or it changed meanwhile
		default:
			return n, pgError("store.ExpireContracts", err)
		}
	}
	return n, nil
}

// PaymentOwner is what a new payment belongs to: the dossier (its audit
// chain), the structure and, after the signature, the contract (0 for the
// lettre d'intention amorçage, a payment of the dossier, docs/rules.md §5).
type PaymentOwner struct {
	DossierID   int64
	StructureID int64
	ContractID  int64
}

// ContractOwner is the owner of the payments of contract c.
func ContractOwner(c Contract) PaymentOwner {
	return PaymentOwner{DossierID: c.DossierID, StructureID: c.StructureID, ContractID: c.ID}
}

// NewPayment is a payment to create: a line of the funding engine and its
// rule key (payments.rule_key, migration 00065: ” for a payment that
// exists once per kind, mission and year; 'ajustement:<id>' and the like for
// the legitimate repeats).
type NewPayment struct {
	funding.Payment
	RuleKey string
}

// ErrPaymentExists is the answer when a payment already exists for the same
// rule, mission, year and structure (the unique index payments_once).
var ErrPaymentExists = domain.Errorf(domain.EConflict, "Ce versement existe déjà pour cette règle, cette mission et cette année : rechargez la page.")

// addPayments creates payments for owner in tx, numbered after the
// dossier's last one, in state prévu, and returns their ids. The caller
// holds the lock of the dossier or contract row (the numbering relies on
// it) and writes the audit row of the act that created them. A payment that
// already exists (payments_once) fails the whole act with ErrPaymentExists:
// never created twice.
func addPayments(ctx context.Context, tx pgx.Tx, owner PaymentOwner, ps []NewPayment, at time.Time) ([]int64, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	var next int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM payments WHERE dossier_id = $1`, owner.DossierID).Scan(&next); err != nil {
		return nil, fmt.Errorf("addPayments: %w", err)
	}
	var contract any
	if owner.ContractID != 0 {
		contract = owner.ContractID
	}
	ids := make([]int64, 0, len(ps))
	for i, p := range ps {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO payments (contract_id, dossier_id, structure_id, seq, due_on, contract_year, mission, kind, amount_cents, rule, rule_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			contract, owner.DossierID, owner.StructureID, next+i, p.Due.String(), p.ContractYear, string(p.Mission), string(p.Kind),
			int64(p.Amount), p.Rule, p.RuleKey, at).Scan(&id)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "payments_once" {
			return nil, ErrPaymentExists
		}
		if err != nil {
			return nil, fmt.Errorf("addPayments: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
