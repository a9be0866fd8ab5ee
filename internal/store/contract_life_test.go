package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
)

func declareStart(st *store.Store, sc store.Scope, contractID int64, m funding.Mission, on, today domain.Date) ([]int64, error) {
	return st.DeclareMissionStart(context.Background(), sc, store.MissionDeclaration{ContractID: contractID, Mission: m, On: on,
		Evidence: "Première réunion du groupe de travail", Today: today, At: today.Time().Add(11 * time.Hour)})
}

// lifeOf is contract c as the domain computes it, with what is stored.
func lifeOf(t *testing.T, st *store.Store, sc store.Scope, c store.Contract) contractlife.Contract {
	t.Helper()
	baremes, err := st.LoadBaremes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	progress, err := st.ContractMissions(context.Background(), sc, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	life, err := store.LifeContract(c, baremes, progress)
	if err != nil {
		t.Fatal(err)
	}
	return life
}

func missionPaymentsOf(t *testing.T, st *store.Store, sc store.Scope, dossierID int64, m funding.Mission) []store.PaymentRow {
	t.Helper()
	ps, err := st.ContractPayments(context.Background(), sc, dossierID)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.PaymentRow
	for _, p := range ps {
		if p.Mission == m {
			out = append(out, p)
		}
	}
	return out
}

// jobFor runs the anniversary job on today and returns how many payments it
// created for contract c (the demo's contracts are in the database too).
func jobFor(t *testing.T, st *store.Store, sc store.Scope, c store.Contract, today domain.Date) int {
	t.Helper()
	before := len(paymentsOfAll(t, st, sc, c.DossierID))
	if _, err := st.CreateAnniversaryAdvances(context.Background(), today, time.Now()); err != nil {
		t.Fatal(err)
	}
	return len(paymentsOfAll(t, st, sc, c.DossierID)) - before
}

func paymentsOfAll(t *testing.T, st *store.Store, sc store.Scope, dossierID int64) []store.PaymentRow {
	t.Helper()
	ps, err := st.ContractPayments(context.Background(), sc, dossierID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestMissionStartCreatesItsProratedAdvance: a start creates the mission's
// 75 % advance prorated to the next anniversary, to the cent of
// contractlife.StartAdvance (docs/rules.md §8, §28); the refusals.
func TestMissionStartCreatesItsProratedAdvance(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	signed := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, signed)
	on := domain.NewDate(2026, time.June, 1)
	today := on.AddDays(3)
	life := lifeOf(t, st, scopes[coordA], c)
	want, err := contractlife.StartAdvance(life, funding.Acces, on)
	if err != nil || len(want) != 1 {
		t.Fatalf("domain: %+v %v", want, err)
	}
	// Proration 274/365 (01/06/2026 → 02/03/2027 exclusive): 75 % of the T1 fixed
	// part, one rounding.
	a, _ := life.Terms[0].Bareme.Amounts(funding.Acces)
	if days := on.DaysUntil(signed.AddYears(1)); want[0].Amount != domain.MulDiv(a.Fixed.At(1), 75*int64(days), 100*365) || days != 274 {
		t.Fatalf("advance %s over %d days", domain.FormatEUR(want[0].Amount), days)
	}

	// Refused: the member, the CPAM, another structure (not found); dates
	// before the signature, after the end, in the future; no evidence.
	for _, who := range []string{referen, cpamMgr, arsDir, coordB, adminD} {
		if _, err := declareStart(st, scopes[who], c.ID, funding.Acces, on, today); !domain.IsNotFound(err) {
			t.Errorf("%s declares a start: %v", who, err)
		}
	}
	for _, tc := range []struct {
		name      string
		on, today domain.Date
	}{
		{"before the signature", signed.AddDays(-1), today},
		{"after the end", contractlife.LastDay(signed).AddDays(1), contractlife.LastDay(signed).AddDays(10)},
		{"in the future", today.AddDays(1), today},
	} {
		if _, err := declareStart(st, scopes[coordA], c.ID, funding.Acces, tc.on, tc.today); domain.ErrorCode(err) != domain.EInvalid || fieldOf(err) != "date" {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := st.DeclareMissionStart(ctx, scopes[coordA], store.MissionDeclaration{ContractID: c.ID, Mission: funding.Acces, On: on, Evidence: "  ", Today: today}); fieldOf(err) != "evidence" {
		t.Errorf("no evidence: %v", err)
	}
	if _, err := declareStart(st, scopes[coordA], c.ID, funding.Fonctionnement, on, today); err == nil {
		t.Error("fonctionnement started")
	}
	if got := missionPaymentsOf(t, st, scopes[coordA], id, funding.Acces); len(got) != 0 {
		t.Fatalf("a refusal created %+v", got)
	}

	ids, err := declareStart(st, scopes[coordA], c.ID, funding.Acces, on, today)
	if err != nil || len(ids) != 1 {
		t.Fatalf("start: %v %v", ids, err)
	}
	got := missionPaymentsOf(t, st, scopes[coordA], id, funding.Acces)
	if len(got) != 1 || got[0].Amount != want[0].Amount || got[0].Due != on || got[0].Kind != funding.KindAvance ||
		got[0].ContractYear != 1 || got[0].Rule != want[0].Rule || got[0].Status != store.PaymentPrevu {
		t.Fatalf("advance %+v, want %+v", got, want)
	}
	// Twice: refused, nothing more.
	if _, err := declareStart(st, scopes[coordA], c.ID, funding.Acces, on.AddDays(1), today); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second start: %v", err)
	}
	// The crisis mission: started, no advance (its plan pays it).
	if ids, err := declareStart(st, scopes[coordA], c.ID, funding.Crise, on, today); err != nil || len(ids) != 0 {
		t.Fatalf("crise: %v %v", ids, err)
	}
	// A late start (prévention, due within 12 months) is accepted and
	// stays flagged late.
	late := signed.AddMonths(13)
	if _, err := declareStart(st, scopes[coordA], c.ID, funding.Prevention, late, late); err != nil {
		t.Fatalf("late start: %v", err)
	}
	progress, err := st.ContractMissions(ctx, scopes[cpamMgr], c.ID)
	if err != nil || len(progress) != 3 {
		t.Fatalf("progress %+v %v", progress, err)
	}
	for _, p := range progress {
		l := contractlife.Lateness(p.Progress(), signed, late)
		if (p.Mission == funding.Prevention) != l.Start {
			t.Errorf("%s lateness %+v", p.Mission, l)
		}
	}
	if _, err := st.ContractMissions(ctx, scopes[coordB], c.ID); !domain.IsNotFound(err) {
		t.Errorf("another structure reads the missions: %v", err)
	}

	// Deployment: not before the start, once, no payment.
	if err := st.DeclareMissionDeployment(ctx, scopes[coordA], store.MissionDeclaration{ContractID: c.ID, Mission: funding.Acces, On: on.AddDays(-1), Evidence: "x", Today: today}); fieldOf(err) != "date" {
		t.Fatalf("deployed before its start: %v", err)
	}
	if err := st.DeclareMissionDeployment(ctx, scopes[coordA], store.MissionDeclaration{ContractID: c.ID, Mission: funding.Parcours, On: on, Evidence: "x", Today: today}); fieldOf(err) != "date" {
		t.Fatalf("deployed, not started: %v", err)
	}
	dep := store.MissionDeclaration{ContractID: c.ID, Mission: funding.Acces, On: today, Evidence: "Permanence ouverte", Today: today,
		Filename: "preuve.pdf", Data: []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")}
	if err := st.DeclareMissionDeployment(ctx, scopes[coordA], dep); err != nil {
		t.Fatalf("deployment: %v", err)
	}
	if err := st.DeclareMissionDeployment(ctx, scopes[coordA], dep); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("deployed twice: %v", err)
	}
	if f, err := st.MissionFile(ctx, scopes[referen], c.ID, funding.Acces, true); err != nil || f.MediaType != "application/pdf" {
		t.Fatalf("file %+v %v", f.StoredFile, err)
	}
	if _, err := st.MissionFile(ctx, scopes[coordB], c.ID, funding.Acces, true); !domain.IsNotFound(err) {
		t.Fatalf("file outside the scope: %v", err)
	}
	if n := len(missionPaymentsOf(t, st, scopes[coordA], id, funding.Acces)); n != 1 {
		t.Fatalf("%d accès payments after the deployment", n)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}

// TestMissionStartConcurrentCreatesOneAdvance: two posts of the same start
// at once create one start and one advance.
func TestMissionStartConcurrentCreatesOneAdvance(t *testing.T) {
	st, scopes := contractFixture(t)
	signed := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, signed)
	on := signed.AddDays(40)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = declareStart(st, scopes[coordA], c.ID, funding.Parcours, on, on)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case domain.ErrorCode(err) != domain.EConflict:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if got := missionPaymentsOf(t, st, scopes[coordA], id, funding.Parcours); ok != 1 || len(got) != 1 {
		t.Fatalf("%d starts succeeded, %d advances", ok, len(got))
	}
}

// TestAnniversaryAdvancesJobIsIdempotent: on each anniversary the job
// creates contractlife.AnniversaryAdvances of the year that opens, once.
func TestAnniversaryAdvancesJobIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	signed := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, signed)
	if _, err := declareStart(st, scopes[coordA], c.ID, funding.Acces, signed.AddDays(10), signed.AddDays(10)); err != nil {
		t.Fatal(err)
	}
	before, _ := st.ContractPayments(ctx, scopes[coordA], id)
	anniv := signed.AddYears(1)
	if n := jobFor(t, st, scopes[coordA], c, anniv.AddDays(-1)); n != 0 {
		t.Fatalf("the day before: %d", n)
	}
	want, err := contractlife.AnniversaryAdvances(lifeOf(t, st, scopes[coordA], c), 2)
	if err != nil || len(want) != 2 {
		t.Fatalf("domain: %+v %v", want, err)
	}
	if n := jobFor(t, st, scopes[coordA], c, anniv); n != len(want) {
		t.Fatalf("anniversary: %d, want %d", n, len(want))
	}
	for i := 0; i < 2; i++ {
		if n := jobFor(t, st, scopes[coordA], c, anniv.AddDays(i)); n != 0 {
			t.Fatalf("run again: %d", n)
		}
	}
	after, _ := st.ContractPayments(ctx, scopes[coordA], id)
	if len(after) != len(before)+len(want) {
		t.Fatalf("%d payments, then %d", len(before), len(after))
	}
	for _, w := range want {
		found := false
		for _, p := range after {
			if p.ContractYear == 2 && p.Mission == w.Mission && p.Kind == w.Kind {
				found = p.Amount == w.Amount && p.Due == anniv && p.Rule == w.Rule
			}
		}
		if !found {
			t.Errorf("missing or wrong %+v", w)
		}
	}
	// Two years later without a run in between: years 3 and 4 at once, once.
	life := lifeOf(t, st, scopes[coordA], c)
	var more int
	for n := 3; n <= 4; n++ {
		ps, err := contractlife.AnniversaryAdvances(life, n)
		if err != nil {
			t.Fatal(err)
		}
		more += len(ps)
	}
	if n := jobFor(t, st, scopes[coordA], c, signed.AddYears(3)); n != more || more != 4 {
		t.Fatalf("years 3 and 4: %d, want %d", n, more)
	}
	if n := jobFor(t, st, scopes[coordA], c, signed.AddYears(3)); n != 0 {
		t.Fatalf("again: %d", n)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}

// TestAnniversaryOf29February: signed on 29/02, the first anniversary is
// 28/02 of the next year (contractlife.Anniversary): the job creates year 2's
// advances that day, not the day after.
func TestAnniversaryOf29February(t *testing.T) {
	st, scopes := contractFixture(t)
	signed := domain.NewDate(2028, time.February, 29)
	_, c := activeContract(t, st, scopes, coordA, signed)
	if _, err := declareStart(st, scopes[coordA], c.ID, funding.Acces, signed, signed); err != nil {
		t.Fatal(err)
	}
	anniv := contractlife.Anniversary(signed, 1)
	if anniv != domain.NewDate(2029, time.February, 28) {
		t.Fatalf("anniversary %s", anniv)
	}
	want, err := contractlife.AnniversaryAdvances(lifeOf(t, st, scopes[coordA], c), 2)
	if err != nil || len(want) == 0 {
		t.Fatalf("%+v %v", want, err)
	}
	if n := jobFor(t, st, scopes[coordA], c, anniv.AddDays(-1)); n != 0 {
		t.Fatalf("the day before: %d", n)
	}
	if n := jobFor(t, st, scopes[coordA], c, anniv); n != len(want) {
		t.Fatalf("on 28/02: %d, want %d", n, len(want))
	}
}

// startMissions declares, as the structure's coordinator who, the start of
// every mission of contract c but crise (paid by its plan) on day on: each
// start creates the mission's prorated advance (docs/rules.md §8).
func startMissions(t *testing.T, st *store.Store, sc store.Scope, c store.Contract, on domain.Date) {
	t.Helper()
	for _, m := range c.Terms.Missions {
		if m.Code == funding.Crise || m.Code == funding.Fonctionnement {
			continue
		}
		if _, err := declareStart(st, sc, c.ID, m.Code, on, on); err != nil {
			t.Fatalf("start of %s: %v", m.Code, err)
		}
	}
}
