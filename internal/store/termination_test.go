package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// expectedSettlement recomputes the settlement of contract c at eff from
// its payments, with contractlife.Settle directly: the missions started as
// declared, every year on the barème of its first day and the contract's
// tier, the validated rates given.
func expectedSettlement(t *testing.T, st *store.Store, sc store.Scope, c store.Contract, ps []store.PaymentRow, eff domain.Date,
	rates [funding.ContractYears]map[funding.Mission]funding.Rate) contractlife.Settlement {
	t.Helper()
	bs, err := contractlife.BaremesByYear(funding.Builtin(), c.Start)
	if err != nil {
		t.Fatal(err)
	}
	in := contractlife.SettleInput{Effective: eff, Rates: rates, Contract: contractlife.Contract{Signed: c.Start, Starts: map[funding.Mission]domain.Date{}}}
	for i := range bs {
		in.Contract.Terms[i] = contractlife.Terms{Bareme: bs[i], Tier: c.Tier}
	}
	progress, err := st.ContractMissions(context.Background(), sc, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range progress {
		if !p.StartedOn.IsZero() {
			in.Contract.Starts[p.Mission] = p.StartedOn
		}
	}
	for _, p := range ps {
		in.Payments = append(in.Payments, contractlife.Scheduled{ID: p.ID, State: p.Status.State(),
			Payment: funding.Payment{Due: p.Due, ContractYear: p.ContractYear, Mission: p.Mission, Kind: p.Kind, Amount: p.Amount}})
	}
	s, err := contractlife.Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTerminationByTheStructureRecoversTheTropPercu(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, start)
	// The missions start at the signature, each with its advance; the
	// year-2 advance of a mission stands for a schedule planned before the
	// termination (a contract signed under the former full schedule).
	startMissions(t, st, scopes[coordA], c, start)
	y2 := store.NewPayment{Payment: funding.Payment{Due: contractlife.Anniversary(start, 1), ContractYear: 2, Mission: funding.Acces, Kind: funding.KindAvance,
		Amount: domain.Euros(10_000), Rule: "Test"}}
	if _, err := st.AddPaymentsForTest(ctx, store.ContractOwner(c), []store.NewPayment{y2}, time.Now()); err != nil {
		t.Fatal(err)
	}
	ps := paymentsOf(t, st, scopes[referen], id)
	// The CPAM orders and pays what is due at the signature.
	paidAt := start.Time().Add(30 * time.Hour)
	for _, p := range ps {
		if p.Due == start {
			if err := act(st, scopes[referen], p.ID, contractlife.Order, domain.Date{}, "", "", paidAt); err != nil {
				t.Fatal(err)
			}
			if err := act(st, scopes[referen], p.ID, contractlife.Pay, domain.DateOf(paidAt), "VIR", "", paidAt); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The structure sends its letter through the portal; the CPAM records
	// the receipt; the effective date is two months later.
	sent := domain.NewDate(2026, time.September, 14)
	if _, err := st.ApplyContractTransition(ctx, scopes[coordA], store.ContractRequest{DossierID: id, Transition: workflow.DemanderResiliation,
		Seen: workflow.Actif, Motivation: "Dissolution", Today: sent, At: sent.Time().Add(9 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c, _ = st.ContractByDossier(ctx, scopes[referen], id)
	if c.State != workflow.ResiliationDemandee || c.TerminationLetter != sent || !c.TerminationEffective.IsZero() {
		t.Fatalf("letter: %+v", c)
	}
	received := sent.AddDays(1)
	rec := store.TerminationRecord{DossierID: id, Received: received, At: received.Time().Add(10 * time.Hour)}
	if err := st.RecordTermination(ctx, scopes[coordA], rec); !domain.IsNotFound(err) {
		t.Fatalf("structure records the receipt: %v", err)
	}
	bad := rec
	bad.Received = sent.AddDays(-1)
	if err := st.RecordTermination(ctx, scopes[referen], bad); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("receipt before the letter: %v", err)
	}
	if err := st.RecordTermination(ctx, scopes[referen], rec); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordTermination(ctx, scopes[referen], rec); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("receipt twice: %v", err)
	}
	eff, _ := contractlife.TerminationEffective(start, received)
	c, _ = st.ContractByDossier(ctx, scopes[referen], id)
	if c.TerminationEffective != eff || eff != domain.NewDate(2026, time.November, 15) {
		t.Fatalf("effective %s", c.TerminationEffective.French())
	}
	// Nothing due on or after the effective date can be ordered.
	after := firstOf(ps, funding.KindAvance, 2)
	err := act(st, scopes[referen], after.ID, contractlife.Order, domain.Date{}, "", "", received.Time().Add(11*time.Hour))
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "postérieure à la résiliation") {
		t.Fatalf("ordered after the termination: %v", err)
	}
	// The job: nothing before the date, then once, idempotent.
	before := paymentsOf(t, st, scopes[referen], id)
	// The year the termination cuts counts its variable parts at 0 %.
	var rates [funding.ContractYears]map[funding.Mission]funding.Rate
	rates[0] = map[funding.Mission]funding.Rate{}
	want := expectedSettlement(t, st, scopes[referen], c, before, eff, rates)
	if n, err := st.ApplyDueTerminations(ctx, eff.AddDays(-1), time.Now()); err != nil || n != 0 {
		t.Fatalf("early: %d %v", n, err)
	}
	if n, err := st.ApplyDueTerminations(ctx, eff, eff.Time().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("job: %d %v", n, err)
	}
	if n, err := st.ApplyDueTerminations(ctx, eff, eff.Time().Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("job twice: %d %v", n, err)
	}
	c, _ = st.ContractByDossier(ctx, scopes[referen], id)
	got := paymentsOf(t, st, scopes[referen], id)
	var cancelled int
	var recovery store.PaymentRow
	for _, p := range got {
		switch {
		case p.Kind == contractlife.KindRecouvrement:
			recovery = p
		case p.Status == store.PaymentAnnule:
			cancelled++
			if !strings.Contains(p.CancelReason, eff.French()) || p.Due.Before(eff) {
				t.Errorf("cancelled %+v", p)
			}
		case p.Status == store.PaymentPrevu && !p.Due.Before(eff):
			t.Errorf("still planned after the termination: %+v", p)
		}
	}
	if want.Line == nil || want.Line.Amount >= 0 {
		t.Fatalf("expected a trop-perçu, settlement %+v", want)
	}
	if c.State != workflow.Resilie || cancelled != len(want.Cancel) || recovery.Amount != want.Line.Amount || recovery.Due != eff ||
		c.Overpaid == nil || *c.Overpaid != -want.Line.Amount {
		t.Fatalf("state %s, %d cancelled (want %d), recovery %s (want %s)", c.State, cancelled, len(want.Cancel),
			domain.FormatEUR(recovery.Amount), domain.FormatEUR(want.Line.Amount))
	}
	// The money to recover blocks the archive, until it is recovered.
	blk, err := st.ArchiveBlockers(ctx, scopes[coordA], c.StructureID)
	if err != nil || len(blk) != 1 || !strings.Contains(blk[0], domain.FormatEUR(-want.Line.Amount)) {
		t.Fatalf("blockers %v %v", blk, err)
	}
	at := eff.Time().Add(30 * time.Hour)
	if err := act(st, scopes[referen], recovery.ID, contractlife.Pay, domain.DateOf(at), "X", "", at); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("recovery paid before ordered: %v", err)
	}
	if err := act(st, scopes[referen], recovery.ID, contractlife.Order, domain.Date{}, "", "", at); err != nil {
		t.Fatalf("recovery ordered: %v", err)
	}
	if err := act(st, scopes[referen], recovery.ID, contractlife.Pay, domain.DateOf(at), "X", "", at); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("recovery paid: %v", err)
	}
	if err := act(st, scopes[referen], recovery.ID, contractlife.Recover, domain.DateOf(at), "", "", at); err != nil {
		t.Fatalf("recovered: %v", err)
	}
	if blk, err := st.ArchiveBlockers(ctx, scopes[coordA], c.StructureID); err != nil || len(blk) != 0 {
		t.Fatalf("blockers after recovery %v %v", blk, err)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}

func TestTerminationByTheCPAMWithRecourse(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, _ := activeContract(t, st, scopes, coordA, start)
	notified := domain.NewDate(2026, time.June, 1)
	req := store.ContractRequest{DossierID: id, Transition: workflow.DemanderResiliation, Seen: workflow.Actif, ByCPAM: true,
		ReceivedOn: notified, Today: notified, At: notified.Time().Add(9 * time.Hour)}
	if _, err := st.ApplyContractTransition(ctx, scopes[cpamMgr], req); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("CPAM termination without motivation: %v", err)
	}
	req.Motivation = "Engagements non tenus"
	if _, err := st.ApplyContractTransition(ctx, scopes[cpamMgr], req); err != nil {
		t.Fatal(err)
	}
	c, _ := st.ContractByDossier(ctx, scopes[referen], id)
	if c.TerminationBy != workflow.PartyCPAM || c.TerminationEffective != domain.NewDate(2026, time.August, 1) {
		t.Fatalf("CPAM termination %+v", c)
	}
	// A recourse before the effective date suspends it: the job leaves it.
	filed := notified.AddDays(10)
	if err := st.RecordTermination(ctx, scopes[referen], store.TerminationRecord{DossierID: id, RecourseFiled: filed, At: filed.Time().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.ApplyDueTerminations(ctx, domain.NewDate(2026, time.September, 1), time.Now()); err != nil || n != 0 {
		t.Fatalf("suspended applied: %d %v", n, err)
	}
	// A decision before the recourse is refused; not confirmed → back in force.
	if err := st.RecordTermination(ctx, scopes[referen], store.TerminationRecord{DossierID: id, Decided: filed.AddDays(-1), At: filed.Time().Add(2 * time.Hour)}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("decision before the recourse: %v", err)
	}
	decided := domain.NewDate(2026, time.September, 10)
	if err := st.RecordTermination(ctx, scopes[referen], store.TerminationRecord{DossierID: id, Decided: decided, Upheld: false, At: decided.Time().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c, _ = st.ContractByDossier(ctx, scopes[referen], id)
	if c.State != workflow.Actif || c.TerminationStatus != contractlife.TerminationAnnulled {
		t.Fatalf("annulled: %s %s", c.State, c.TerminationStatus)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}

	// An MSP: the commission confirms the termination after the notice's
	// end: effective on the decision day, already reached, so applied at once.
	idM, _ := activeContract(t, st, scopes, coordM, start)
	req.DossierID = idM
	if _, err := st.ApplyContractTransition(ctx, scopes[cpamMgr], req); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordTermination(ctx, scopes[referen], store.TerminationRecord{DossierID: idM, RecourseFiled: filed, At: filed.Time().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordTermination(ctx, scopes[referen], store.TerminationRecord{DossierID: idM, RecourseFiled: filed, At: filed.Time().Add(time.Hour)}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second recourse: %v", err)
	}
	if err := st.RecordTermination(ctx, scopes[referen], store.TerminationRecord{DossierID: idM, Decided: decided, Upheld: true, At: decided.Time().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	m, _ := st.ContractByDossier(ctx, scopes[referen], idM)
	if m.State != workflow.Resilie || m.TerminationEffective != decided || !m.DecidedUpheld() {
		t.Fatalf("upheld: %s effective %s", m.State, m.TerminationEffective.French())
	}
	for _, p := range paymentsOf(t, st, scopes[referen], idM) {
		if p.Status == store.PaymentPrevu && !p.Due.Before(decided) && p.Kind != contractlife.KindRecouvrement && p.Kind != contractlife.KindSoldeResiliation {
			t.Errorf("still planned after the termination: %+v", p)
		}
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}

// closeYearOne evaluates year 1 of CPTS contract c with the values vals
// (declared and submitted by the coordinator, validated by the referent),
// records its dialogue de gestion and closes it two days after its end; it
// returns the closing day.
func closeYearOne(t *testing.T, st *store.Store, scopes map[string]store.Scope, c store.Contract, vals map[string]string) domain.Date {
	t.Helper()
	ctx := context.Background()
	w, _ := contractlife.DeclarationWindow(c.Start, 1)
	day := w.Open.AddDays(3)
	at := day.Time().Add(9 * time.Hour)
	if err := st.SaveDeclaration(ctx, scopes[coordA], store.DeclarationInput{ContractID: c.ID, Year: 1, Values: vals, Submit: true, Today: day, At: at}); err != nil {
		t.Fatal(err)
	}
	y := yearOf(t, st, scopes[referen], c, 1, day)
	for _, ind := range y.Indicators {
		if err := st.ValidateValue(ctx, scopes[referen], store.ValidationInput{ContractID: c.ID, Year: 1, Code: ind.Code, Version: ind.Version, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordMeeting(ctx, scopes[referen], store.MeetingInput{ContractID: c.ID, Year: 1, HeldOn: y.End.AddDays(-10), Structure: "Dr A", CPAM: "Mme B", ARS: "M. C",
		Minutes: "Compte rendu", Today: y.End}); err != nil {
		t.Fatal(err)
	}
	closed := y.End.AddDays(2)
	if err := st.CloseYear(ctx, scopes[referen], c.ID, 1, closed, closed.Time().Add(10*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return closed
}

func TestTerminationInYearTwoUsesTheClosedYearsRates(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, start)
	evalIndicators(t, st, c.DossierID)
	startMissions(t, st, scopes[coordA], c, start)
	// Year 1 evaluated and closed (its balances), year 2 opened by the
	// anniversary job (its advances).
	vals := map[string]string{"patientele_mt": "85 %", "sans_mt_ald_70_cmuc": "10", "urgences_sans_hospitalisation": "45,5",
		"admissions_directes_ville": "15", "consultations_snp": "2 000", "depistage": "150"}
	closeYearOne(t, st, scopes, c, vals)
	anniv := contractlife.Anniversary(start, 1)
	if n := jobFor(t, st, scopes[referen], c, anniv); n == 0 {
		t.Fatal("no year-2 advance created at the anniversary")
	}
	// The structure terminates in year 2: effective two months after the
	// receipt of its letter.
	sent := anniv.AddMonths(4)
	if _, err := st.ApplyContractTransition(ctx, scopes[coordA], store.ContractRequest{DossierID: id, Transition: workflow.DemanderResiliation,
		Seen: workflow.Actif, Motivation: "Dissolution", Today: sent, At: sent.Time().Add(9 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	received := sent.AddDays(1)
	if err := st.RecordTermination(ctx, scopes[referen], store.TerminationRecord{DossierID: id, Received: received, At: received.Time().Add(10 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c, _ = st.ContractByDossier(ctx, scopes[referen], id)
	eff := c.TerminationEffective
	if y, _ := contractlife.YearAt(start, eff); y.N != 2 {
		t.Fatalf("effective %s in year %d", eff.French(), y.N)
	}
	// Expected: year 1 at the rates of its validated values (as its closing
	// computed them), year 2, cut, with its variable parts at 0 %.
	y1 := yearOf(t, st, scopes[referen], c, 1, eff)
	var ms []contractlife.Measure
	for _, ind := range y1.Indicators {
		ms = append(ms, contractlife.Measure{Mission: ind.Mission, Direction: ind.Direction, Weight: ind.Weight, Baseline: ind.Baseline, Target: ind.Target,
			Value: contractlife.Value{Unit: ind.Unit, N: *ind.Validated}})
	}
	r1, err := contractlife.MissionRates(ms)
	if err != nil {
		t.Fatal(err)
	}
	var rates [funding.ContractYears]map[funding.Mission]funding.Rate
	rates[0], rates[1] = r1, map[funding.Mission]funding.Rate{}
	for m := range c.Terms.Missions {
		if code := c.Terms.Missions[m].Code; code.HasAchievement() && code != funding.Crise {
			if _, ok := rates[0][code]; !ok {
				rates[0][code] = 0 // a started mission without indicator
			}
		}
	}
	before := paymentsOf(t, st, scopes[referen], id)
	want := expectedSettlement(t, st, scopes[referen], c, before, eff, rates)
	var zero [funding.ContractYears]map[funding.Mission]funding.Rate
	zero[0] = map[funding.Mission]funding.Rate{}
	for m := range rates[0] {
		zero[0][m] = 0
	}
	if atZero := expectedSettlement(t, st, scopes[referen], c, before, eff, zero); atZero.Due >= want.Due {
		t.Fatalf("year 1's validated rates change nothing: due %s at 0 %%, %s validated", domain.FormatEUR(atZero.Due), domain.FormatEUR(want.Due))
	}
	if n, err := st.ApplyDueTerminations(ctx, eff, eff.Time().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("job: %d %v", n, err)
	}
	c, _ = st.ContractByDossier(ctx, scopes[referen], id)
	if want.Line == nil {
		t.Fatalf("settlement without a line: %+v", want)
	}
	var line store.PaymentRow
	cancelled := 0
	for _, p := range paymentsOf(t, st, scopes[referen], id) {
		switch {
		case p.Kind == want.Line.Kind:
			line = p
		case p.Status == store.PaymentAnnule && strings.Contains(p.CancelReason, eff.French()):
			cancelled++
		}
	}
	if c.State != workflow.Resilie || line.Amount != want.Line.Amount || line.Due != eff || line.ContractYear != 2 || cancelled != len(want.Cancel) {
		t.Fatalf("state %s, %s %s due %s year %d (want %s), %d cancelled (want %d)", c.State, line.Kind, domain.FormatEUR(line.Amount), line.Due.French(),
			line.ContractYear, domain.FormatEUR(want.Line.Amount), cancelled, len(want.Cancel))
	}
	switch {
	case want.Line.Amount < 0 && (c.Overpaid == nil || *c.Overpaid != -want.Line.Amount):
		t.Fatalf("trop-perçu recorded %v, want %s", c.Overpaid, domain.FormatEUR(-want.Line.Amount))
	case want.Line.Amount > 0 && (c.StillDue == nil || *c.StillDue != want.Line.Amount):
		t.Fatalf("still due recorded %v, want %s", c.StillDue, domain.FormatEUR(want.Line.Amount))
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}
