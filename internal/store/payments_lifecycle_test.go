package store_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

func act(st *store.Store, sc store.Scope, id int64, a contractlife.PaymentAction, on domain.Date, ref, reason string, at time.Time) error {
	_, err := st.ActOnPayment(context.Background(), sc, store.PaymentRequest{PaymentID: id, Action: a, On: on, Reference: ref, Reason: reason, At: at})
	return err
}

func paymentsOf(t *testing.T, st *store.Store, sc store.Scope, dossierID int64) []store.PaymentRow {
	t.Helper()
	ps, err := st.ContractPayments(context.Background(), sc, dossierID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func firstOf(ps []store.PaymentRow, k funding.Kind, year int) store.PaymentRow {
	for _, p := range ps {
		if p.Kind == k && p.ContractYear == year && p.Status != store.PaymentAnnule {
			return p
		}
	}
	return store.PaymentRow{}
}

func TestPaymentLifecycleTransitionsAndRefusals(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, start)
	startMissions(t, st, scopes[coordA], c, start)
	openBalance(t, st, c, 1)
	ps := paymentsOf(t, st, scopes[referen], id)
	if len(ps) < 4 {
		t.Fatalf("%d payments after the signature and the starts, want at least 4", len(ps))
	}
	p := ps[0]
	at := start.Time().Add(30 * time.Hour)
	day := domain.DateOf(at)

	// A structure, another CPAM's structure: not found.
	for _, who := range []string{coordA, coordB} {
		if err := act(st, scopes[who], p.ID, contractlife.Order, domain.Date{}, "", "", at); !domain.IsNotFound(err) {
			t.Fatalf("%s orders: %v", who, err)
		}
	}
	// Ordered by the referent, then a second order is a conflict in French.
	if err := act(st, scopes[referen], p.ID, contractlife.Order, domain.Date{}, "", "", at); err != nil {
		t.Fatal(err)
	}
	err := act(st, scopes[referen], p.ID, contractlife.Order, domain.Date{}, "", "", at)
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "ordonnancé") {
		t.Fatalf("ordered twice: %v", err)
	}
	// Paid: the date and the accounting reference are required, not in the future.
	if err := act(st, scopes[referen], p.ID, contractlife.Pay, day, "", "", at); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("paid without reference: %v", err)
	}
	if err := act(st, scopes[referen], p.ID, contractlife.Pay, day.AddDays(3), "VIR-1", "", at); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("paid in the future: %v", err)
	}
	if err := act(st, scopes[referen], p.ID, contractlife.Pay, day, "VIR-1", "", at); err != nil {
		t.Fatal(err)
	}
	// A paid payment is never cancelled; its amount never changed.
	if err := act(st, scopes[cpamMgr], p.ID, contractlife.Cancel, domain.Date{}, "", "erreur", at); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("paid cancelled: %v", err)
	}
	got := paymentsOf(t, st, scopes[referen], id)[0]
	if got.Status != store.PaymentVerse || got.PaidOn != day || got.PaidRef != "VIR-1" || got.OrderedOn != day || got.Amount != p.Amount {
		t.Fatalf("paid payment %+v", got)
	}

	// Cancelling is the manager's, with a reason.
	q := ps[1]
	if err := act(st, scopes[referen], q.ID, contractlife.Cancel, domain.Date{}, "", "doublon", at); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("referent cancels: %v", err)
	}
	if err := act(st, scopes[cpamMgr], q.ID, contractlife.Cancel, domain.Date{}, "", "  ", at); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("cancel without reason: %v", err)
	}
	if err := act(st, scopes[cpamMgr], q.ID, contractlife.Cancel, domain.Date{}, "", "Mission abandonnée", at); err != nil {
		t.Fatal(err)
	}
	if err := act(st, scopes[referen], q.ID, contractlife.Order, domain.Date{}, "", "", at); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("cancelled ordered: %v", err)
	}

	// A balance cannot be ordered before its year is closed.
	solde := firstOf(ps, funding.KindSolde, 1)
	if solde.ID == 0 {
		t.Fatal("no year-1 balance planned")
	}
	err = act(st, scopes[referen], solde.ID, contractlife.Order, domain.Date{}, "", "", at)
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "en attente de l'évaluation") {
		t.Fatalf("open year's balance ordered: %v", err)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO contract_year_closings (contract_id, contract_year, closed_on, closed_at, closed_by_name)
		VALUES ($1, 1, $2, now(), 'Test')`, c.ID, start.AddYears(1).String()); err != nil {
		t.Fatal(err)
	}
	if err := act(st, scopes[referen], solde.ID, contractlife.Order, domain.Date{}, "", "", at); err != nil {
		t.Fatalf("closed year's balance: %v", err)
	}

	// Concurrent orders of one payment: exactly one succeeds.
	r := ps[2]
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = act(st, scopes[referen], r.ID, contractlife.Order, domain.Date{}, "", "", at)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case domain.ErrorCode(err) != domain.EConflict:
			t.Errorf("concurrent order: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent orders succeeded", ok)
	}
	// Each change is one audit row of the dossier's chain.
	hist, err := st.DossierHistory(ctx, scopes[referen], id)
	if err != nil {
		t.Fatal(err)
	}
	n := map[workflow.Transition]int{}
	for _, h := range hist {
		n[h.Transition]++
	}
	if n[store.TransitionOrdonnancement] != 3 || n[store.TransitionVersement] != 1 || n[store.TransitionAnnulation] != 1 {
		t.Fatalf("audit rows %v", n)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}

func TestPaymentMSPGate(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordM, start)
	p := paymentsOf(t, st, scopes[referen], id)[0]
	at := start.Time().Add(30 * time.Hour)
	err := act(st, scopes[referen], p.ID, contractlife.Order, domain.Date{}, "", "", at)
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), contractlife.MSPBlocked) {
		t.Fatalf("MSP without SISA/FINESS ordered: %v", err)
	}
	it, err := st.PaymentByID(ctx, scopes[referen], p.ID)
	if err != nil || it.Block != contractlife.MSPBlocked {
		t.Fatalf("block shown %q %v", it.Block, err)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE organisations SET legal_form = 'sisa', finess = '010001234' WHERE id = $1`, c.StructureID); err != nil {
		t.Fatal(err)
	}
	if err := act(st, scopes[referen], p.ID, contractlife.Order, domain.Date{}, "", "", at); err != nil {
		t.Fatalf("MSP with SISA and FINESS: %v", err)
	}
}

func TestPaymentBatchOrder(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, start)
	startMissions(t, st, scopes[coordA], c, start)
	openBalance(t, st, c, 1)
	otherPayment(t, st, scopes, start) // another CPAM's: never in the batch
	ps := paymentsOf(t, st, scopes[referen], id)
	f := store.PaymentFilter{DueFrom: start, DueTo: start.AddYears(1), StructureID: c.StructureID}
	var want store.BatchPreview
	for _, p := range ps {
		if p.Due.Before(start) || p.Due.After(start.AddYears(1)) {
			continue
		}
		if p.Kind == funding.KindSolde {
			want.Blocked++
			continue
		}
		want.Count++
		want.Sum += p.Amount
	}
	got, err := st.OrderPreview(ctx, scopes[referen], f)
	if err != nil || got.Count != want.Count || got.Sum != want.Sum || got.Blocked != want.Blocked || want.Blocked == 0 || want.Count < 2 {
		t.Fatalf("preview %+v, want %+v (%v)", got, want, err)
	}
	// A structure may not order; a stale confirmation orders nothing.
	if _, err := st.OrderPreview(ctx, scopes[coordA], f); !domain.IsNotFound(err) {
		t.Fatalf("structure preview: %v", err)
	}
	stale := got
	stale.Sum++
	if _, err := st.OrderBatch(ctx, scopes[referen], f, stale, time.Now()); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("stale batch: %v", err)
	}
	page, err := st.Payments(ctx, scopes[referen], store.PaymentFilter{State: contractlife.Ordered})
	if err != nil || page.Totals.Count != 0 {
		t.Fatalf("half-applied batch: %+v %v", page.Totals, err)
	}
	done, err := st.OrderBatch(ctx, scopes[referen], f, got, time.Now())
	if err != nil || done.Count != want.Count || done.Sum != want.Sum {
		t.Fatalf("batch %+v %v", done, err)
	}
	page, err = st.Payments(ctx, scopes[referen], store.PaymentFilter{State: contractlife.Ordered, ContractID: c.ID})
	if err != nil || page.Totals.Count != want.Count || page.Totals.Sum != want.Sum {
		t.Fatalf("ordered after batch: %+v %v", page.Totals, err)
	}
	// Ordering the same selection again: nothing left, refused.
	again, _ := st.OrderPreview(ctx, scopes[referen], f)
	if again.Count != 0 {
		t.Fatalf("still orderable: %+v", again)
	}
	if _, err := st.OrderBatch(ctx, scopes[referen], f, again, time.Now()); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("empty batch: %v", err)
	}
	// The other CPAM's viewer sees nothing of this CPAM's payments.
	other, err := st.Payments(ctx, scopes[coordA], store.PaymentFilter{})
	if err != nil || other.Totals.Count != 0 || len(other.Items) != 0 {
		t.Fatalf("structure sees the payments list: %+v %v", other.Totals, err)
	}
}

func TestPaymentConfirmationImport(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, start)
	// The signature creates fonctionnement; each mission's start its advance.
	startMissions(t, st, scopes[coordA], c, start)
	other := otherPayment(t, st, scopes, start)
	ps := paymentsOf(t, st, scopes[referen], id)
	if len(ps) < 4 {
		t.Fatalf("%d payments after the signature and the starts, want at least 4", len(ps))
	}
	at := start.Time().Add(30 * time.Hour)
	for _, p := range ps[:3] {
		if err := act(st, scopes[referen], p.ID, contractlife.Order, domain.Date{}, "", "", at); err != nil {
			t.Fatal(err)
		}
	}
	it0, _ := st.PaymentByID(ctx, scopes[referen], ps[0].ID)
	day := domain.DateOf(at).French()
	file := "\uFEFFpaiement;date;montant;reference\r\n" +
		it0.Reference() + ";" + day + ";" + domain.FormatNumber(ps[0].Amount) + ";VIR-A\r\n" + // by reference, right amount
		itoa(ps[1].ID) + ";" + day + ";1,00;\r\n" + // wrong amount
		itoa(ps[2].ID) + ";31/02/2026;;\r\n" + // bad date
		itoa(ps[3].ID) + ";" + day + ";;\r\n" + // not ordered
		itoa(other.ID) + ";" + day + ";;\r\n" + // another CPAM's: unknown
		"999999999;" + day + ";;\r\n" + // unknown
		it0.Reference() + ";" + day + ";;\r\n" // already paid
	lines, refused, err := contractlife.ParseConfirmations([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.ImportConfirmations(ctx, scopes[referen], lines, "Import test", at)
	if err != nil {
		t.Fatal(err)
	}
	rep.Refusals = append(refused, rep.Refusals...)
	if rep.Applied != 1 || rep.Sum != ps[0].Amount {
		t.Fatalf("applied %d (%s)", rep.Applied, domain.FormatEUR(rep.Sum))
	}
	want := map[int]string{3: "montant", 4: "date", 5: "non ordonnancé", 6: "inconnu", 7: "inconnu", 8: "ordonnancé"}
	if len(rep.Refusals) != len(want) {
		t.Fatalf("refusals %+v", rep.Refusals)
	}
	for _, r := range rep.Refusals {
		if !strings.Contains(r.Reason, want[r.Line]) {
			t.Errorf("line %d: %q, want %q", r.Line, r.Reason, want[r.Line])
		}
	}
	got := paymentsOf(t, st, scopes[referen], id)
	if got[0].Status != store.PaymentVerse || got[0].PaidRef != "VIR-A" || got[1].Status != store.PaymentOrdonnance || got[2].Status != store.PaymentOrdonnance {
		t.Fatalf("after import %+v", got[:3])
	}
	var status string
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT status FROM payments WHERE id = $1`, other.ID).Scan(&status); err != nil || status != "prevu" {
		t.Fatalf("other CPAM's payment changed: %s %v", status, err)
	}
	// A file not in UTF-8 is refused as a whole.
	if _, _, err := contractlife.ParseConfirmations([]byte("paiement;date\r\n12;01/03/2026;\xe9\r\n")); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("latin-1 file: %v", err)
	}
}

func TestDuplicatePaymentRefusedByTheConstraint(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	_, c := activeContract(t, st, scopes, coordA, start)
	p := store.NewPayment{Payment: funding.Payment{Due: start, ContractYear: 2, Mission: funding.Acces, Kind: contractlife.KindPlanCrise, Amount: 100, Rule: "Test"}}
	if _, err := st.AddPaymentsForTest(ctx, store.ContractOwner(c), []store.NewPayment{p}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddPaymentsForTest(ctx, store.ContractOwner(c), []store.NewPayment{p}, time.Now()); err != store.ErrPaymentExists {
		t.Fatalf("second payment for the same rule, mission, year and structure: %v", err)
	}
	p.RuleKey = "ajustement:1"
	if _, err := st.AddPaymentsForTest(ctx, store.ContractOwner(c), []store.NewPayment{p}, time.Now()); err != nil {
		t.Fatalf("another rule key: %v", err)
	}
}

func TestAmorcageAtLettreIntentionPerTier(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	day := domain.NewDate(2026, time.January, 5)
	b, err := funding.BaremeAt(funding.Builtin(), day)
	if err != nil {
		t.Fatal(err)
	}
	for _, pop := range []int64{0, 39_999, 40_000, 80_000, 175_000, 175_001} {
		tier, _ := b.Tier(pop)
		want, _ := funding.AmorcageLettreIntention(b, tier)
		p, err := store.LetterAmorcage(pop, day)
		if err != nil || p.Amount != want || p.Kind != funding.KindAmorcage || p.ContractYear != 0 || p.Due != day {
			t.Errorf("population %d: %+v %v, want %s", pop, p, err, domain.FormatEUR(want))
		}
	}
	if p, _ := store.LetterAmorcage(100_000, day); p.Amount != domain.Euros(25_000) {
		t.Errorf("T3: %s", domain.FormatEUR(p.Amount))
	}
	// The ARS's validation of the letter creates it, a payment of the dossier.
	id := acceptedDossier(t, st, scopes, coordA)
	ps, err := st.DossierPayments(ctx, scopes[coordA], id)
	if err != nil || len(ps) != 1 || ps[0].Kind != funding.KindAmorcage || ps[0].Amount != domain.Euros(15_000) || ps[0].Status != store.PaymentPrevu {
		t.Fatalf("dossier payments %+v %v", ps, err)
	}
	if ps, err := st.DossierPayments(ctx, scopes[coordB], id); err != nil || len(ps) != 0 {
		t.Fatalf("other structure sees %+v %v", ps, err)
	}
	// It is ordered and paid like any payment.
	if err := act(st, scopes[referen], ps[0].ID, contractlife.Order, domain.Date{}, "", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	// An MSP's letter has no amorçage.
	idM := acceptedDossier(t, st, scopes, coordM)
	if ps, err := st.DossierPayments(ctx, scopes[coordM], idM); err != nil || len(ps) != 0 {
		t.Fatalf("MSP amorçage %+v %v", ps, err)
	}
}

// otherPayment is a planned payment of the Rhône test CPTS, outside the CPAM
// de l'Ain's scope (an amorçage of its dossier).
func otherPayment(t *testing.T, st *store.Store, scopes map[string]store.Scope, due domain.Date) store.PaymentRow {
	t.Helper()
	sc := scopes[coordB]
	d := freshDossier(t, st, sc)
	p := store.NewPayment{Payment: funding.Payment{Due: due, Kind: funding.KindAmorcage, Amount: domain.Euros(15_000), Rule: "Test"}}
	ids, err := st.AddPaymentsForTest(context.Background(), store.PaymentOwner{DossierID: d, StructureID: sc.OrgID}, []store.NewPayment{p}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return store.PaymentRow{ID: ids[0]}
}

// openBalance plans a balance of contract c's year n, its year not closed:
// the closing creates the balances now (store.CloseYear), this stands for
// one planned before it (the signature's former schedule), what the
// ordering guard « en attente de l'évaluation » is about.
func openBalance(t *testing.T, st *store.Store, c store.Contract, n int) {
	t.Helper()
	y, err := contractlife.ContractYearOf(c.Start, n)
	if err != nil {
		t.Fatal(err)
	}
	p := store.NewPayment{Payment: funding.Payment{Due: y.End, ContractYear: n, Mission: funding.Acces, Kind: funding.KindSolde, Amount: domain.Euros(1_000), Rule: "Test"}}
	if _, err := st.AddPaymentsForTest(context.Background(), store.ContractOwner(c), []store.NewPayment{p}, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
