package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Audit-only actions of the payment lifecycle (docs/rules.md §30); the
// payment marked paid keeps TransitionVersement.
const (
	TransitionOrdonnancement workflow.Transition = "ordonnancement"
	TransitionAnnulation     workflow.Transition = "annulation_paiement"
	TransitionRecouvrement   workflow.Transition = "recouvrement"
)

// paymentTransition is the audit code of a payment action.
func paymentTransition(a contractlife.PaymentAction) workflow.Transition {
	switch a {
	case contractlife.Order:
		return TransitionOrdonnancement
	case contractlife.Pay:
		return TransitionVersement
	case contractlife.Recover:
		return TransitionRecouvrement
	}
	return TransitionAnnulation
}

// paymentAct is the access act of a payment action.
func paymentAct(a contractlife.PaymentAction) access.Act {
	switch a {
	case contractlife.Order:
		return access.ActOrderPayment
	case contractlife.Pay:
		return access.ActPayPayment
	case contractlife.Recover:
		return access.ActRecoverPayment
	}
	return access.ActCancelPayment
}

// PaymentItem is a payment as the CPAM's payments page shows it: the row,
// its structure and contract, the facts its guards read and what may be done.
type PaymentItem struct {
	PaymentRow
	DossierID     int64
	StructureID   int64
	StructureName string
	StructureType domain.StructureType
	SIRET         string
	ContractID    int64  // 0: a payment of the dossier (amorçage)
	ContractRef   string // the contract's reference in its terms
	Facts         contractlife.PaymentFacts
	// Block is why a planned payment cannot be ordered ("" when it can).
	Block string
}

// Reference is the payment's stable reference in the accounting export and
// the confirmation file: the dossier and the payment's number in it.
func (p PaymentItem) Reference() string { return PaymentReference(p.DossierID, p.Seq) }

// PaymentReference is the reference of payment n° seq of a dossier.
func PaymentReference(dossierID int64, seq int) string {
	return fmt.Sprintf("PAI-%06d-%03d", dossierID, seq)
}

// Actions lists what the lifecycle allows on the payment now (guards aside:
// Block says why an order would be refused).
func (p PaymentItem) Actions() []contractlife.PaymentAction {
	return contractlife.AvailableActions(p.Facts)
}

// paymentItemColumns reads a PaymentItem from payments p, organisations o
// and the LEFT JOINed contracts c.
const paymentItemColumns = paymentRowColumns + `, p.dossier_id, p.structure_id, o.name, o.structure_type, coalesce(o.siret, ''),
	coalesce(p.contract_id, 0), coalesce(c.terms->>'reference', ''), coalesce(o.legal_form, '') = 'sisa', coalesce(o.finess, '') <> '',
	CASE WHEN c.state IN ('resiliation_demandee', 'resilie') THEN c.resiliation_effective_on END,
	EXISTS (SELECT 1 FROM contract_year_closings y WHERE y.contract_id = p.contract_id AND y.contract_year = p.contract_year),
	coalesce(c.state, d.state)`

const paymentItemFrom = ` FROM payments p` + paymentItemJoins

// paymentItemJoins joins a payment (alias p) to what its line shows. They
// never drop a payment: its structure is a row of organisations (readable by
// every membership, rules §36), its dossier is visible whenever the payment
// is (the payment's scope is its dossier's), its contract is a LEFT JOIN. So
// a page of payments may be chosen first and joined after (Payments).
const paymentItemJoins = ` JOIN organisations o ON o.id = p.structure_id JOIN dossiers d ON d.id = p.dossier_id
	LEFT JOIN contracts c ON c.id = p.contract_id`

func scanPaymentItem(r pgx.Row, state *workflow.State) (PaymentItem, error) {
	var it PaymentItem
	var st, wst string
	var sisa, finess bool
	var terminated *time.Time
	row, err := scanPaymentRow(r, &it.DossierID, &it.StructureID, &it.StructureName, &st, &it.SIRET,
		&it.ContractID, &it.ContractRef, &sisa, &finess, &terminated, &it.Facts.YearClosed, &wst)
	if err != nil {
		return it, err
	}
	it.PaymentRow, it.StructureType = row, domain.StructureType(st)
	if state != nil {
		*state = workflow.State(wst)
	}
	it.Facts.Kind, it.Facts.Amount, it.Facts.State, it.Facts.Due = row.Kind, row.Amount, row.Status.State(), row.Due
	it.Facts.ContractYear, it.Facts.Terminated = row.ContractYear, dateOf(terminated)
	it.Facts.MSP, it.Facts.HasSISA, it.Facts.HasFINESS = it.StructureType == domain.MSP, sisa, finess
	if it.Facts.State == contractlife.Planned {
		it.Block = contractlife.OrderBlock(it.Facts)
	}
	return it, nil
}

// PaymentRequest is one action on one payment.
type PaymentRequest struct {
	PaymentID int64
	Action    contractlife.PaymentAction
	On        domain.Date // paid on / recovered on
	Reference string      // accounting reference (paid)
	Reason    string      // cancellation reason
	// Amount, when set, must be the payment's (the confirmation file's
	// amount column): a payment is never edited.
	Amount *domain.Cents
	// Source names where the act comes from in its audit row ("" a page,
	// or the accounting confirmation file).
	Source string
	At     time.Time
}

// ActOnPayment applies one action of the payment lifecycle (docs/rules.md
// §30) in ONE transaction: the payment locked in scope (not found outside
// it), the viewer's right read from the lifecycle table (internal/access),
// contractlife.CheckPayment on the locked row (a second order is a
// conflict), the update, and the audit row in the dossier's chain. The
// amount is never changed.
func (s *Store) ActOnPayment(ctx context.Context, sc Scope, in PaymentRequest) (PaymentItem, error) {
	var it PaymentItem
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		var err error
		it, err = s.actOnPayment(ctx, tx, sc, in)
		return err
	})
	return it, pgError("store.ActOnPayment", err)
}

func paymentNotFound() error { return domain.Errorf(domain.ENotFound, "Paiement introuvable.") }

func (s *Store) actOnPayment(ctx context.Context, tx pgx.Tx, sc Scope, in PaymentRequest) (PaymentItem, error) {
	if !sc.Valid() || !access.ForViewer(sc.Viewer()).Can(access.ActSeePayments) {
		return PaymentItem{}, paymentNotFound()
	}
	at := in.At
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	today := domain.DateOf(at)
	var a args
	q := "SELECT " + paymentItemColumns + paymentItemFrom + " WHERE p.id = " + a.add(in.PaymentID) + " AND " + sc.ofDossier("p.dossier_id", &a) + " FOR UPDATE OF p"
	var wst workflow.State
	it, err := scanPaymentItem(tx.QueryRow(ctx, q, a...), &wst)
	if errors.Is(err, pgx.ErrNoRows) {
		return it, paymentNotFound()
	}
	if err != nil {
		return it, err
	}
	if !access.ForViewer(sc.Viewer()).Can(paymentAct(in.Action)) {
		r, _ := contractlife.PaymentRule(in.Action)
		return it, domain.Errorf(domain.EInvalid, "Votre rôle ne permet pas l'action « %s » sur un paiement.", strings.ToLower(r.Label))
	}
	if in.Amount != nil && *in.Amount != it.Amount {
		return it, domain.FieldError("amount", "montant %s différent du paiement (%s)", domain.FormatEUR(*in.Amount), domain.FormatEUR(it.Amount))
	}
	to, err := contractlife.CheckPayment(in.Action, it.Facts, contractlife.ActionInput{On: in.On, Reference: in.Reference, Reason: in.Reason})
	if err != nil {
		return it, err
	}
	if (in.Action == contractlife.Pay || in.Action == contractlife.Recover) && in.On.After(today) {
		return it, domain.FieldError("on", "la date (%s) ne peut pas être dans le futur", in.On.French())
	}
	if (in.Action == contractlife.Pay || in.Action == contractlife.Recover) && !it.OrderedOn.IsZero() && in.On.Before(it.OrderedOn) {
		return it, domain.FieldError("on", "la date (%s) précède l'ordonnancement du %s", in.On.French(), it.OrderedOn.French())
	}
	uid := sc.UserID
	if err := setPaymentState(ctx, tx, &it, in.Action, to, &uid, today, in); err != nil {
		return it, err
	}
	text := paymentRecord(it, in)
	return it, appendAudit(ctx, tx, it.DossierID, &uid, sc.UserName, at, paymentTransition(in.Action), wst, wst, text)
}

// setPaymentState writes the new state of it and its facts.
func setPaymentState(ctx context.Context, tx pgx.Tx, it *PaymentItem, a contractlife.PaymentAction, to contractlife.PaymentState, uid *int64, today domain.Date, in PaymentRequest) error {
	var err error
	switch a {
	case contractlife.Order:
		_, err = tx.Exec(ctx, `UPDATE payments SET status = $2, ordered_on = $3, ordered_by = $4 WHERE id = $1`, it.ID, string(to), today.String(), uid)
		it.OrderedOn = today
	case contractlife.Pay, contractlife.Recover:
		ref := strings.TrimSpace(in.Reference)
		_, err = tx.Exec(ctx, `UPDATE payments SET status = $2, paid_on = $3, paid_by = $4, paid_ref = $5 WHERE id = $1`, it.ID, string(to), in.On.String(), uid, ref)
		it.PaidOn, it.PaidRef = in.On, ref
	case contractlife.Cancel:
		reason := strings.TrimSpace(in.Reason)
		_, err = tx.Exec(ctx, `UPDATE payments SET status = $2, cancelled_on = $3, cancelled_by = $4, cancel_reason = $5 WHERE id = $1`, it.ID, string(to), today.String(), uid, reason)
		it.CancelledOn, it.CancelReason = today, reason
	}
	it.Status, it.Facts.State, it.Block = PaymentStatus(to), to, ""
	return err
}

// paymentRecord is the audit text of an action on a payment.
func paymentRecord(it PaymentItem, in PaymentRequest) string {
	what := fmt.Sprintf("Paiement n° %d (%s, %s, échéance du %s) de %s", it.Seq, it.Reference(), paymentKindName(it.Kind), it.Due.French(), domain.FormatEUR(it.Amount))
	var s string
	switch in.Action {
	case contractlife.Order:
		s = what + " ordonnancé le " + it.OrderedOn.French()
	case contractlife.Pay:
		s = what + " versé le " + in.On.French() + " — référence comptable " + strings.TrimSpace(in.Reference)
	case contractlife.Recover:
		s = what + " recouvré le " + in.On.French()
	default:
		s = what + " annulé — motif : " + strings.TrimSpace(in.Reason)
	}
	if in.Source != "" {
		s += " (" + in.Source + ")"
	}
	if len([]rune(s)) > MaxMotivation {
		s = string([]rune(s)[:MaxMotivation])
	}
	return s
}

// paymentKindName is the French name of a payment kind (audit texts).
func paymentKindName(k funding.Kind) string {
	switch k {
	case funding.KindAvance:
		return "avance"
	case funding.KindSolde:
		return "solde"
	case funding.KindAmorcage:
		return "amorçage"
	case funding.KindCrise:
		return "crise sanitaire"
	case contractlife.KindPlanCrise:
		return "plan de crise"
	case contractlife.KindAjustement:
		return "ajustement"
	case contractlife.KindRecouvrement:
		return "recouvrement"
	case contractlife.KindSoldeResiliation:
		return "solde de résiliation"
	}
	return string(k)
}

// PaymentFilter selects payments on the CPAM's payments page.
type PaymentFilter struct {
	State       contractlife.PaymentState // "" any
	DueFrom     domain.Date               // inclusive, zero: open
	DueTo       domain.Date               // inclusive, zero: open
	StructureID int64
	Kind        funding.Kind
	Mission     funding.Mission // "" any; MSPMission: an MSP's payments (no mission)
	ContractID  int64
	Page        int // 1-based
	PerPage     int // 0: DefaultPaymentsPerPage
}

// MSPMission is the mission filter value of an MSP's payments, which have no
// mission.
const MSPMission funding.Mission = "msp"

// DefaultPaymentsPerPage is the page size of the payments list; MaxPaymentsExport
// bounds a selection acted on at once (a batch order and its preview); the
// CSV export streams and has no bound (EachPaymentForExport).
const (
	DefaultPaymentsPerPage = 50
	MaxPaymentsExport      = 20000
)

// where adds the filter's predicates.
func (f PaymentFilter) where(sc Scope, a *args) string {
	w := []string{sc.ofDossier("p.dossier_id", a)}
	if f.State != "" {
		w = append(w, "p.status = "+a.add(string(f.State)))
	}
	if !f.DueFrom.IsZero() {
		w = append(w, "p.due_on >= "+a.add(f.DueFrom.String())+"::date")
	}
	if !f.DueTo.IsZero() {
		w = append(w, "p.due_on <= "+a.add(f.DueTo.String())+"::date")
	}
	if f.StructureID != 0 {
		w = append(w, "p.structure_id = "+a.add(f.StructureID))
	}
	if f.Kind != "" {
		w = append(w, "p.kind = "+a.add(string(f.Kind)))
	}
	switch f.Mission {
	case "":
	case MSPMission:
		w = append(w, "p.mission = ''")
	default:
		w = append(w, "p.mission = "+a.add(string(f.Mission)))
	}
	if f.ContractID != 0 {
		w = append(w, "p.contract_id = "+a.add(f.ContractID))
	}
	return " WHERE " + strings.Join(w, " AND ")
}

// PaymentTotals sums a selection: all of it, and per state.
type PaymentTotals struct {
	Count   int
	Sum     domain.Cents
	ByState map[contractlife.PaymentState]StateTotal
}

// StateTotal is the count and sum of one state.
type StateTotal struct {
	Count int
	Sum   domain.Cents
}

// PaymentPage is one page of the payments list with the selection's totals.
type PaymentPage struct {
	Items   []PaymentItem
	Totals  PaymentTotals
	Page    int
	PerPage int
}

// Pages is the number of pages of the selection.
func (p PaymentPage) Pages() int {
	if p.PerPage <= 0 || p.Totals.Count == 0 {
		return 1
	}
	return (p.Totals.Count + p.PerPage - 1) / p.PerPage
}

// add reads rows of (status, count, sum of amounts) into the totals.
func (t *PaymentTotals) add(rows pgx.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		var sum int64
		if err := rows.Scan(&st, &n, &sum); err != nil {
			return err
		}
		t.ByState[contractlife.PaymentState(st)] = StateTotal{Count: n, Sum: domain.Cents(sum)}
		t.Count += n
		t.Sum += domain.Cents(sum)
	}
	return rows.Err()
}

// Payments lists the payments in scope that match f, by due date, one page,
// with the totals of the whole selection (docs/rules.md §30). A CPAM
// referent or manager, or a national admin (read-only, §35), sees the list;
// anyone else gets an empty page.
func (s *Store) Payments(ctx context.Context, sc Scope, f PaymentFilter) (PaymentPage, error) {
	out := PaymentPage{Page: max(f.Page, 1), PerPage: f.PerPage, Totals: PaymentTotals{ByState: map[contractlife.PaymentState]StateTotal{}}}
	if out.PerPage <= 0 {
		out.PerPage = DefaultPaymentsPerPage
	}
	if !access.ForViewer(sc.Viewer()).Can(access.ActViewPayments) {
		return out, nil
	}
	var a args
	w := f.where(sc, &a)
	// The totals read the payments alone (docs/rules.md §35.2): the joins
	// of a line drop no payment (paymentItemJoins), and under row-level
	// security each one probed the structure, the dossier and the contract
	// (its policy) of every payment of the selection.
	rows, err := s.db(sc).Query(ctx, `SELECT p.status, count(*), coalesce(sum(p.amount_cents), 0) FROM payments p`+w+` GROUP BY p.status`, a...)
	if err == nil {
		err = out.Totals.add(rows)
	}
	if err != nil {
		return out, pgError("store.Payments", err)
	}
	// The page's payments first (the scope and the filter on the payments
	// alone, the order, the limit), then the joins for those 50 lines only:
	// the same lines (paymentItemJoins), where every payment of the
	// selection was joined, its contract's terms read, before the sort.
	q := "SELECT " + paymentItemColumns + " FROM (SELECT p.* FROM payments p" + w + " ORDER BY p.due_on, p.dossier_id, p.seq LIMIT " +
		a.add(out.PerPage) + " OFFSET " + a.add((out.Page-1)*out.PerPage) + ") p" + paymentItemJoins + " ORDER BY p.due_on, p.dossier_id, p.seq"
	out.Items, err = s.paymentItems(ctx, sc, q, a)
	return out, pgError("store.Payments", err)
}

// EachPaymentForExport calls fn with every payment in scope that matches f,
// in the export's order, as PostgreSQL sends them: one row in memory at a
// time, whatever the selection — every payment of a CPAM, or of France —
// so the export streams (docs/rules.md §35). fn's error stops the reading.
func (s *Store) EachPaymentForExport(ctx context.Context, sc Scope, f PaymentFilter, fn func(PaymentItem) error) error {
	if !access.ForViewer(sc.Viewer()).Can(access.ActViewPayments) {
		return nil
	}
	var a args
	rows, err := s.db(sc).Query(ctx, "SELECT "+paymentItemColumns+paymentItemFrom+f.where(sc, &a)+" ORDER BY p.due_on, p.dossier_id, p.seq", a...)
	if err != nil {
		return pgError("store.EachPaymentForExport", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanPaymentItem(rows, nil)
		if err != nil {
			return pgError("store.EachPaymentForExport", err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return pgError("store.EachPaymentForExport", rows.Err())
}

func (s *Store) paymentItems(ctx context.Context, sc Scope, q string, a args) ([]PaymentItem, error) {
	rows, err := s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PaymentItem, error) { return scanPaymentItem(r, nil) })
}

// PaymentByID returns one payment in scope (not found outside it, or for a
// viewer who may not see payments).
func (s *Store) PaymentByID(ctx context.Context, sc Scope, id int64) (PaymentItem, error) {
	if !access.ForViewer(sc.Viewer()).Can(access.ActSeePayments) {
		return PaymentItem{}, paymentNotFound()
	}
	var a args
	q := "SELECT " + paymentItemColumns + paymentItemFrom + " WHERE p.id = " + a.add(id) + " AND " + sc.ofDossier("p.dossier_id", &a)
	it, err := scanPaymentItem(s.db(sc).QueryRow(ctx, q, a...), nil)
	if errors.Is(err, pgx.ErrNoRows) {
		return it, paymentNotFound()
	}
	return it, pgError("store.PaymentByID", err)
}

// BatchPreview is what ordering a selection would do: the payments it would
// order (count and sum) and those it leaves, blocked by a guard.
type BatchPreview struct {
	Count   int
	Sum     domain.Cents
	Blocked int
	Reasons []string // distinct reasons of the blocked ones
}

// OrderPreview computes the batch order of the planned payments in scope
// due between from and to (inclusive) matching f (docs/rules.md §30): the
// confirmation page shows it. Nothing is written.
func (s *Store) OrderPreview(ctx context.Context, sc Scope, f PaymentFilter) (BatchPreview, error) {
	var out BatchPreview
	if !access.ForViewer(sc.Viewer()).Can(access.ActOrderPayment) {
		return out, domain.Errorf(domain.ENotFound, "Page introuvable.")
	}
	f.State = contractlife.Planned
	var a args
	items, err := s.paymentItems(ctx, sc, "SELECT "+paymentItemColumns+paymentItemFrom+f.where(sc, &a)+" ORDER BY p.due_on, p.dossier_id, p.seq LIMIT "+a.add(MaxPaymentsExport), a)
	if err != nil {
		return out, pgError("store.OrderPreview", err)
	}
	out.add(items)
	return out, nil
}

func (b *BatchPreview) add(items []PaymentItem) {
	for _, it := range items {
		if it.Block != "" {
			b.Blocked++
			if !containsString(b.Reasons, it.Block) {
				b.Reasons = append(b.Reasons, it.Block)
			}
			continue
		}
		b.Count++
		b.Sum += it.Amount
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OrderBatch orders, in ONE transaction, every planned payment in scope
// matching f that no guard blocks (docs/rules.md §30: "one by one or as a
// batch for a chosen due-date range"), each with its audit row. seen is the
// preview the user confirmed: when the selection changed since (another
// order, a new payment), nothing is ordered and the answer is a conflict.
func (s *Store) OrderBatch(ctx context.Context, sc Scope, f PaymentFilter, seen BatchPreview, at time.Time) (BatchPreview, error) {
	var done BatchPreview
	if !access.ForViewer(sc.Viewer()).Can(access.ActOrderPayment) {
		return done, domain.Errorf(domain.ENotFound, "Page introuvable.")
	}
	if at.IsZero() {
		at = s.now()
	}
	f.State = contractlife.Planned
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		var a args
		q := "SELECT " + paymentItemColumns + paymentItemFrom + f.where(sc, &a) + " ORDER BY p.due_on, p.dossier_id, p.seq LIMIT " + a.add(MaxPaymentsExport) + " FOR UPDATE OF p"
		rows, err := tx.Query(ctx, q, a...)
		if err != nil {
			return err
		}
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PaymentItem, error) { return scanPaymentItem(r, nil) })
		if err != nil {
			return err
		}
		var now BatchPreview
		now.add(items)
		if now.Count != seen.Count || now.Sum != seen.Sum {
			return domain.Errorf(domain.EConflict, "La sélection a changé depuis la confirmation (%d paiements pour %s, au lieu de %d pour %s) : rechargez la page.",
				now.Count, domain.FormatEUR(now.Sum), seen.Count, domain.FormatEUR(seen.Sum))
		}
		if now.Count == 0 {
			return domain.Errorf(domain.EInvalid, "Aucun paiement prévu à ordonnancer dans cette sélection.")
		}
		for _, it := range items {
			if it.Block != "" {
				done.Blocked++
				continue
			}
			if _, err := s.actOnPayment(ctx, tx, sc, PaymentRequest{PaymentID: it.ID, Action: contractlife.Order, Source: "ordonnancement groupé", At: at}); err != nil {
				return err
			}
			done.Count++
			done.Sum += it.Amount
		}
		return nil
	})
	return done, pgError("store.OrderBatch", err)
}

// ImportReport is the outcome of a confirmation file: the lines applied and
// those refused, each with its reason.
type ImportReport struct {
	Applied  int
	Sum      domain.Cents
	Refusals []contractlife.Refusal
}

// ImportConfirmations applies the accounting system's confirmation lines
// (docs/rules.md §30): each line, in its own transaction with its audit row,
// marks its ordered payment paid (or its ordered recovery recovered) on the
// date given; a line is refused — and nothing of it applied — when its
// payment is unknown in the scope (another CPAM's payment is unknown), not
// ordered, of another amount than the one given, or its date is invalid.
// ref is the accounting reference of lines that give none.
func (s *Store) ImportConfirmations(ctx context.Context, sc Scope, lines []contractlife.Confirmation, ref string, at time.Time) (ImportReport, error) {
	var rep ImportReport
	if !access.ForViewer(sc.Viewer()).Can(access.ActPayPayment) {
		return rep, domain.Errorf(domain.ENotFound, "Page introuvable.")
	}
	for _, l := range lines {
		refuse := func(reason string) {
			rep.Refusals = append(rep.Refusals, contractlife.Refusal{Line: l.Line, Payment: l.Payment, Reason: reason})
		}
		id, err := s.resolvePayment(ctx, sc, l.Payment)
		if err != nil {
			if domain.IsNotFound(err) {
				refuse("paiement inconnu")
				continue
			}
			return rep, err
		}
		it, err := s.PaymentByID(ctx, sc, id)
		if err != nil {
			if domain.IsNotFound(err) {
				refuse("paiement inconnu")
				continue
			}
			return rep, err
		}
		if it.Status != PaymentOrdonnance {
			refuse("paiement non ordonnancé (" + it.Status.State().Label() + ")")
			continue
		}
		action := contractlife.Pay
		if it.Amount < 0 {
			action = contractlife.Recover
		}
		r := strings.TrimSpace(l.Reference)
		if r == "" {
			r = ref
		}
		done, err := s.ActOnPayment(ctx, sc, PaymentRequest{PaymentID: id, Action: action, On: l.PaidOn, Reference: r,
			Amount: l.Amount, Source: "fichier de confirmation comptable, ligne " + fmt.Sprint(l.Line), At: at})
		if err != nil {
			var de *domain.Error
			if errors.As(err, &de) && de.Code != domain.EInternal {
				refuse(de.Message)
				continue
			}
			return rep, err
		}
		rep.Applied++
		rep.Sum += done.Amount
	}
	return rep, nil
}

// resolvePayment returns the id of the payment a confirmation line names —
// its id, or its reference PAI-<dossier>-<n°> — in scope.
func (s *Store) resolvePayment(ctx context.Context, sc Scope, p string) (int64, error) {
	p = strings.TrimSpace(p)
	var a args
	var where string
	var dossier int64
	var seq int
	if _, err := fmt.Sscanf(strings.ToUpper(p), "PAI-%d-%d", &dossier, &seq); err == nil && PaymentReference(dossier, seq) == strings.ToUpper(p) {
		where = "p.dossier_id = " + a.add(dossier) + " AND p.seq = " + a.add(seq)
	} else if id, ok := parseID(p); ok {
		where = "p.id = " + a.add(id)
	} else {
		return 0, paymentNotFound()
	}
	var id int64
	err := s.db(sc).QueryRow(ctx, "SELECT p.id FROM payments p JOIN organisations o ON o.id = p.structure_id WHERE "+where+" AND "+sc.ofDossier("p.dossier_id", &a), a...).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, paymentNotFound()
	}
	return id, err
}

func parseID(s string) (int64, bool) {
	var id int64
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		id = id*10 + int64(r-'0')
	}
	return id, id > 0
}

// StructureOption is a structure offered in a filter.
type StructureOption struct {
	ID   int64
	Name string
}

// PaymentStructures lists the structures in scope that have payments, by
// name (the payments page's structure filter).
func (s *Store) PaymentStructures(ctx context.Context, sc Scope) ([]StructureOption, error) {
	if !access.ForViewer(sc.Viewer()).Can(access.ActViewPayments) {
		return nil, nil
	}
	var a args
	rows, err := s.db(sc).Query(ctx, `SELECT o.id, o.name FROM organisations o WHERE `+sc.structures("o", &a)+`
		AND EXISTS (SELECT 1 FROM payments p WHERE p.structure_id = o.id) ORDER BY o.name, o.id LIMIT 2000`, a...)
	if err != nil {
		return nil, pgError("store.PaymentStructures", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StructureOption, error) {
		var o StructureOption
		return o, r.Scan(&o.ID, &o.Name)
	})
	return out, pgError("store.PaymentStructures", err)
}
