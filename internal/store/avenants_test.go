package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

type payRow struct {
	id     int64
	due    domain.Date
	year   int
	m      funding.Mission
	kind   funding.Kind
	amount domain.Cents
	status string
	reason string
}

func contractPayments(t *testing.T, st *store.Store, cid int64) []payRow {
	t.Helper()
	rows, err := pgtest.Owner(t, st).Query(context.Background(), `SELECT id, due_on, contract_year, mission, kind, amount_cents, status, cancel_reason
		FROM payments WHERE contract_id = $1 ORDER BY id`, cid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []payRow
	for rows.Next() {
		var p payRow
		var due time.Time
		var m, k string
		var a int64
		if err := rows.Scan(&p.id, &due, &p.year, &m, &k, &a, &p.status, &p.reason); err != nil {
			t.Fatal(err)
		}
		p.due, p.m, p.kind, p.amount = domain.DateOf0(due), funding.Mission(m), funding.Kind(k), domain.Cents(a)
		out = append(out, p)
	}
	return out
}

// An avenant with effect (docs/rules.md §7, §31): a territory avenant of a
// tier-2 CPTS moves it to tier 3 from the first anniversary on or after its
// effective date; the payments due before stay as they are; the planned
// advances of the later years are cancelled and recreated at the tier-3
// amounts of contractlife; the document gets a version 2 with the avenant;
// 50 concurrent proposals make one avenant; an avenant that would change an
// ordered payment is refused and nothing is applied.
func TestTerritoryAvenantMovesTierFromNextAnniversary(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	signed := domain.NewDate(2026, time.March, 2)
	_, c := tieredContract(t, st, scopes, coordA, 40000, 80000, signed)
	if c.Tier != 2 {
		t.Fatalf("tier %d", c.Tier)
	}
	// The schedule the avenant recomputes: every mission started at the
	// signature (each with its start advance) and year 2 opened by the
	// anniversary job (its advances, due on the anniversary, after the
	// avenant's effective date); years 3 to 5 are not opened yet.
	startMissions(t, st, scopes[coordA], c, signed)
	const opened = 2
	if n := jobFor(t, st, scopes[referen], c, contractlife.Anniversary(signed, opened-1)); n == 0 {
		t.Fatal("the anniversary job created no year-2 advance")
	}
	tr, err := st.Territory(ctx, scopes[coordA], c.StructureID)
	if err != nil {
		t.Fatal(err)
	}
	held := make([]string, len(tr.Communes))
	for i, m := range tr.Communes {
		held[i] = m.Code
	}
	// Frozen: the territory editor refuses; the avenant is the way.
	if _, err := st.AddCommune(ctx, scopes[coordA], c.StructureID, tr.Version, "01450"); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("edit after filing: %v", err)
	}
	add, _ := freeCommunes(t, st, "01", 80000-tr.Population, 175000-tr.Population, held)
	eff := domain.NewDate(2026, time.June, 1)
	day := domain.NewDate(2026, time.May, 20)
	prop := store.AvenantProposal{ContractID: c.ID, Version: c.Version, Object: "Extension du territoire", Effective: eff, AddCommunes: add, At: at(day)}

	// Bad proposals: at their field.
	for name, tc := range map[string]struct {
		mut   func(p *store.AvenantProposal)
		field string
	}{
		"no object":       {func(p *store.AvenantProposal) { p.Object = " " }, "object"},
		"before signing":  {func(p *store.AvenantProposal) { p.Effective = signed.AddDays(-1) }, "effective"},
		"socle mission":   {func(p *store.AvenantProposal) { p.Missions = []funding.Mission{funding.Acces} }, "missions"},
		"unknown commune": {func(p *store.AvenantProposal) { p.AddCommunes = []string{"99999"} }, "add"},
		"nothing":         {func(p *store.AvenantProposal) { p.AddCommunes = nil }, "changes"},
	} {
		p := prop
		tc.mut(&p)
		_, err := st.ProposeAvenant(ctx, scopes[coordA], p)
		if de, ok := err.(*domain.Error); !ok || de.Field != tc.field {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, who := range []string{arsDir, dcgdrR, coordB} {
		if _, err := st.ProposeAvenant(ctx, scopes[who], prop); !domain.IsNotFound(err) {
			t.Errorf("%s proposes: %v", who, err)
		}
	}

	// 50 concurrent posts of the same form: one avenant.
	var wg sync.WaitGroup
	errs := make([]error, 50)
	ids := make([]int64, 50)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = st.ProposeAvenant(ctx, scopes[coordA], prop)
		}()
	}
	wg.Wait()
	var aid int64
	for i, err := range errs {
		switch {
		case err == nil:
			if aid != 0 {
				t.Fatalf("two avenants: %d and %d", aid, ids[i])
			}
			aid = ids[i]
		case domain.ErrorCode(err) != domain.EConflict:
			t.Fatalf("concurrent proposal: %v", err)
		}
	}
	if avs, _ := st.ContractAvenants(ctx, scopes[coordA], c.ID); aid == 0 || len(avs) != 1 || avs[0].Status != store.AvenantPropose {
		t.Fatalf("avenants %+v", avs)
	}
	v, _ := st.ContractAvenant(ctx, scopes[referen], c.ID, aid)
	if v.Changes.Territory == nil || v.Changes.Territory.TierAfter != 3 || v.Changes.Territory.FromYear != 2 {
		t.Fatalf("territory change %+v", v.Changes.Territory)
	}

	// Signing before acceptance is refused; the CPAM accepts.
	if _, err := st.SignAvenant(ctx, scopes[coordA], c.ID, aid, at(day)); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("signed before acceptance: %v", err)
	}
	if err := st.DecideAvenant(ctx, scopes[coordA], c.ID, aid, true, "", at(day)); !domain.IsNotFound(err) {
		t.Fatalf("structure accepts: %v", err)
	}
	if err := st.DecideAvenant(ctx, scopes[referen], c.ID, aid, true, "", at(day)); err != nil {
		t.Fatal(err)
	}
	before := contractPayments(t, st, c.ID)
	if !slices.ContainsFunc(before, func(p payRow) bool { return p.year == 2 && p.kind == funding.KindAvance }) {
		t.Fatal("fixture: no year-2 advance planned before the avenant")
	}
	for _, who := range []string{coordA, arsDir} {
		if e, err := st.SignAvenant(ctx, scopes[who], c.ID, aid, at(day)); err != nil || e.Applied {
			t.Fatalf("%s signs: %+v %v", who, e, err)
		}
	}
	if _, err := st.SignAvenant(ctx, scopes[arsDir], c.ID, aid, at(day)); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("ARS signs twice: %v", err)
	}
	if _, err := st.SignAvenant(ctx, scopes[referen], c.ID, aid, at(day)); !domain.IsNotFound(err) {
		t.Fatalf("a referent signs for the CPAM: %v", err)
	}
	effect, err := st.SignAvenant(ctx, scopes[cpamMgr], c.ID, aid, at(day))
	if err != nil || !effect.Applied || effect.Version != 2 || effect.Created == 0 || effect.Cancelled < effect.Created {
		t.Fatalf("third signature: %+v %v", effect, err)
	}

	// Earlier payments unchanged; later planned advances at the tier-3 amounts.
	tiers, err := contractlife.TiersByYear(signed, 2, []contractlife.TerritoryAvenant{{Effective: eff, Tier: 3}})
	if err != nil || tiers != [funding.ContractYears]int{2, 3, 3, 3, 3} {
		t.Fatalf("tiers %v %v", tiers, err)
	}
	life := crisisLifeOf(t, c, tiers)
	life.Starts = map[funding.Mission]domain.Date{}
	for _, m := range c.Terms.Missions {
		if m.Code != funding.Crise && m.Code != funding.Fonctionnement {
			life.Starts[m.Code] = signed // as the fixture declared them
		}
	}
	after := contractPayments(t, st, c.ID)
	byID := map[int64]payRow{}
	for _, p := range after {
		byID[p.id] = p
	}
	for _, p := range before {
		q := byID[p.id]
		switch {
		case p.due.Before(eff) || (p.kind != funding.KindAvance && p.kind != funding.KindAmorcage):
			if q != p {
				t.Errorf("payment before the effective date changed: %+v → %+v", p, q)
			}
		case q.status == "annule" && !strings.Contains(q.reason, "avenant n° 1"):
			t.Errorf("cancelled without its reason: %+v", q)
		}
	}
	for n := 2; n <= funding.ContractYears; n++ {
		want, err := contractlife.AnniversaryAdvances(life, n)
		if err != nil {
			t.Fatal(err)
		}
		if n > opened {
			want = nil // a year not opened: the avenant creates nothing in it
		}
		got := map[funding.Mission]domain.Cents{}
		for _, p := range after {
			if p.year == n && p.kind == funding.KindAvance && p.status != "annule" {
				got[p.m] += p.amount
			}
		}
		for _, w := range want {
			if got[w.Mission] != w.Amount {
				t.Errorf("year %d %s: %s, want %s (tier 3)", n, w.Mission, domain.FormatEUR(got[w.Mission]), domain.FormatEUR(w.Amount))
			}
			delete(got, w.Mission)
		}
		for m, a := range got {
			if m != funding.Crise {
				t.Errorf("year %d %s: unexpected %s", n, m, domain.FormatEUR(a))
			}
		}
	}
	// The document: version 2 = the signed one + the avenant; the original
	// and its hash untouched.
	doc, err := st.AvenantDocument(ctx, scopes[coordA], c.ID, aid)
	sum := sha256.Sum256([]byte(doc.HTML))
	if err != nil || doc.Version != 2 || doc.SHA256 != hex.EncodeToString(sum[:]) || !strings.Contains(doc.HTML, "Avenant n° 1") ||
		!strings.Contains(doc.HTML, "taille 2 → 3") {
		t.Fatalf("document %d %v", doc.Version, err)
	}
	now, _ := st.ContractByID(ctx, scopes[coordA], c.ID)
	if now.DocumentSHA256 != c.DocumentSHA256 || now.DocumentHTML != c.DocumentHTML {
		t.Fatal("the signed document changed")
	}
	if tr2, _ := st.Territory(ctx, scopes[coordA], c.StructureID); tr2.Tier != 3 || len(tr2.Communes) != len(held)+len(add) {
		t.Fatalf("territory after: tier %d, %d communes", tr2.Tier, len(tr2.Communes))
	}

	// A second avenant back to tier 2 that would change an ordered payment:
	// refused at the third signature, nothing applied.
	now, _ = st.ContractByID(ctx, scopes[coordA], c.ID)
	aid2, err := st.ProposeAvenant(ctx, scopes[referen], store.AvenantProposal{ContractID: c.ID, Version: now.Version, Object: "Retour",
		Effective: domain.NewDate(2026, time.July, 1), RemoveCommunes: add, Missions: []funding.Mission{funding.Qualite}, At: at(day),
		AddIndicator: store.AvenantNewIndicator{Mission: "qualite", Label: "Revues de pertinence", Direction: "croissant", Unit: "nombre", Baseline: "0", Target: "4", Weight: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DecideAvenant(ctx, scopes[referen], c.ID, aid2, true, "", at(day)); err != nil {
		t.Fatal(err)
	}
	var ordered int64
	for _, p := range after {
		if p.year == 2 && p.kind == funding.KindAvance && p.m == funding.Fonctionnement && p.status == "prevu" {
			ordered = p.id
		}
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE payments SET status = 'ordonnance', ordered_on = '2026-05-21' WHERE id = $1`, ordered); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{coordA, arsDir} {
		if _, err := st.SignAvenant(ctx, scopes[who], c.ID, aid2, at(day)); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := contractPayments(t, st, c.ID)
	_, err = st.SignAvenant(ctx, scopes[cpamMgr], c.ID, aid2, at(day))
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.ErrorMessage(err), "déjà ordonnancés") {
		t.Fatalf("avenant over an ordered payment: %v", err)
	}
	if got := contractPayments(t, st, c.ID); len(got) != len(snapshot) {
		t.Fatalf("payments changed by a refused avenant")
	}
	if v2, _ := st.ContractAvenant(ctx, scopes[coordA], c.ID, aid2); v2.Status != store.AvenantAccepte || len(v2.Signatures) != 2 {
		t.Fatalf("refused avenant state %+v", v2)
	}
	// It can no longer take effect: the CPAM refuses (abandons) it — not
	// the structure, not without a reason, not an acceptance again — and a
	// new avenant may be proposed.
	if err := st.DecideAvenant(ctx, scopes[referen], c.ID, aid2, true, "", at(day)); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("accepted twice: %v", err)
	}
	if err := st.DecideAvenant(ctx, scopes[coordA], c.ID, aid2, false, "abandon", at(day)); !domain.IsNotFound(err) {
		t.Fatalf("the structure refuses: %v", err)
	}
	if err := st.DecideAvenant(ctx, scopes[referen], c.ID, aid2, false, " ", at(day)); yearFields(err)["reason"] == "" {
		t.Fatalf("refusal without reason: %v", err)
	}
	if err := st.DecideAvenant(ctx, scopes[referen], c.ID, aid2, false, "Ne peut plus prendre effet", at(day)); err != nil {
		t.Fatal(err)
	}
	if v2, _ := st.ContractAvenant(ctx, scopes[coordA], c.ID, aid2); v2.Status != store.AvenantRefuse {
		t.Fatalf("abandoned avenant state %+v", v2.Status)
	}
	now, _ = st.ContractByID(ctx, scopes[coordA], c.ID)
	if _, err := st.ProposeAvenant(ctx, scopes[referen], store.AvenantProposal{ContractID: c.ID, Version: now.Version, Object: "Suivant",
		Effective: domain.NewDate(2026, time.July, 1), Targets: map[string]string{"consultations_snp": "5 000"}, At: at(day)}); err != nil {
		t.Fatalf("a new avenant after the abandoned one: %v", err)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}
