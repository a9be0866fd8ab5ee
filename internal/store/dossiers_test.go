package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

const (
	coordA  = "cptsA"
	coordB  = "cptsB"
	coordM  = "mspA"
	coordN  = "mspN"
	referen = "referent@demo.portail-aci.fr"
	arsDir  = "ars@demo.portail-aci.fr"
	dcgdrR  = "dcgdr@demo.portail-aci.fr"
	adminD  = "admin@demo.portail-aci.fr"
)

// testStructure creates a structure of type typ in département dep with a
// coordinator account, a legal form and members that meet its composition
// rules (registry.Composition), and returns the coordinator's scope. Tests
// use their own structures: the demo seed's dossiers stay untouched.
func testStructure(t *testing.T, st *store.Store, name string, typ domain.StructureType, dep string) store.Scope {
	t.Helper()
	ctx := context.Background()
	id, err := st.CreateOrganisation(ctx, store.NewOrganisation{Kind: domain.OrgStructure, Name: name, StructureType: typ, Departement: dep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE organisations SET legal_form = 'association' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	commune := map[string]string{"01": "01053", "69": "69264", "59": "59350"}[dep]
	for _, p := range []string{"medecin_generaliste", "medecin_generaliste", "infirmier"} {
		if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO members (structure_id, last_name, profession, mode, commune_code)
			VALUES ($1, 'Test', $2, 'liberal', $3)`, id, p, commune); err != nil {
			t.Fatal(err)
		}
	}
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@test.portail-aci.fr"
	uid, err := st.CreateUser(ctx, email, "Coord "+name, "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddMembership(ctx, uid, id, domain.RoleCoordinator); err != nil {
		t.Fatal(err)
	}
	sc, err := st.ScopeFor(ctx, uid, id)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func freshDossier(t *testing.T, st *store.Store, sc store.Scope) int64 {
	t.Helper()
	id, err := st.CreateDossier(context.Background(), sc, sc.OrgID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// fixture loads the demo and adds test structures: "cptsA" (CPTS, Ain),
// "cptsB" (CPTS, Rhône), "mspA" (MSP, Ain), "mspN" (MSP, Nord).
func fixture(t *testing.T) (*store.Store, map[string]store.Scope) {
	t.Helper()
	st := newStore(t)
	scopes := demo(t, st)
	scopes["cptsA"] = testStructure(t, st, "CPTS Test Ain", domain.CPTS, "01")
	scopes["cptsB"] = testStructure(t, st, "CPTS Test Rhone", domain.CPTS, "69")
	scopes["mspA"] = testStructure(t, st, "MSP Test Ain", domain.MSP, "01")
	scopes["mspN"] = testStructure(t, st, "MSP Test Nord", domain.MSP, "59")
	return st, scopes
}

type step struct {
	who  string
	tr   workflow.Transition
	mot  string
	pos  workflow.Position
	want workflow.State
	xtra map[string]string
}

func apply(t *testing.T, st *store.Store, scopes map[string]store.Scope, id int64, s step, at time.Time) (workflow.Outcome, error) {
	t.Helper()
	d, err := st.Dossier(context.Background(), scopes[adminD], id)
	if err != nil {
		t.Fatal(err)
	}
	prepareFiling(t, st, scopes[s.who], d, s.tr)
	return st.ApplyTransition(context.Background(), scopes[s.who], store.TransitionRequest{
		DossierID: id, Transition: s.tr, Seen: d.State, Motivation: s.mot, Position: s.pos,
		At: at, Extra: s.xtra,
	})
}

// prepareFiling gives dossier d what filing tr needs, when sc is the
// coordinator of its structure, through the coordinator's own saves and
// uploads (the store has no shortcut): the lettre d'intention
// (deposer_lettre_intention, CPTS), the projet de santé document
// (deposer_projet_sante), every required document, the socle missions and
// the mandatory indicators (deposer_demande, CPTS). What is already there is
// kept.
func prepareFiling(t *testing.T, st *store.Store, sc store.Scope, d store.Dossier, tr workflow.Transition) {
	t.Helper()
	ctx := context.Background()
	if !d.Permission(sc).Can(access.ActEditContent) {
		return
	}
	c, err := st.DossierContent(ctx, sc, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	save := func(in store.ContentSave) {
		t.Helper()
		in.DossierID, in.Version = d.ID, c.Meta[in.Section].Version
		if _, err := st.SaveContent(ctx, sc, in); err != nil {
			t.Fatalf("prepareFiling %s: %v", in.Section, err)
		}
	}
	var docs []workflow.Document
	switch tr {
	case workflow.DeposerLettreIntention:
		if d.StructureType == domain.CPTS && c.Letter == "" {
			save(store.ContentSave{Section: store.SectionLettre, Text: "Lettre d'intention de test."})
		}
	case workflow.DeposerProjetSante:
		docs = []workflow.Document{workflow.DocProjetSante}
	case workflow.DeposerDemande:
		docs = workflow.RequiredDocuments(d.StructureType)
		if d.StructureType == domain.CPTS {
			if !c.MissionsSaved {
				save(store.ContentSave{Section: store.SectionMissions, Missions: []string{"acces", "parcours", "prevention", "crise"}})
			}
			if len(c.Missing(tr)) > 0 {
				save(store.ContentSave{Section: store.SectionIndicateurs, Indicators: mandatoryInputs(c, num(10), num(12))})
			}
		}
	}
	list, err := st.ListDocuments(ctx, sc, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list.Required {
		if slices.Contains(docs, workflow.Document(x.Code)) && len(x.Versions) == 0 {
			upload(t, st, sc, d.ID, x.Code, x.Code+".pdf", pdfBytes(x.Code))
		}
	}
}

func TestCPTSWalkToAcceptee(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	id := freshDossier(t, st, scopes[coordA])
	steps := []step{
		{coordA, workflow.DeposerLettreIntention, "", "", workflow.LettreIntentionDeposee, nil},
		{arsDir, workflow.RenvoyerLettreIntention, "Préciser le territoire", "", workflow.Brouillon, nil},
		{coordA, workflow.DeposerLettreIntention, "", "", workflow.LettreIntentionDeposee, nil},
		{arsDir, workflow.ValiderLettreIntention, "", "", workflow.LettreIntentionValidee, nil},
		{coordA, workflow.DeposerProjetSante, "", "", workflow.ProjetSanteDepose, nil},
		{arsDir, workflow.DemanderCompletionProjetSante, "Diagnostic incomplet", "", workflow.ProjetSanteACompleter, nil},
		{coordA, workflow.DeposerProjetSante, "", "", workflow.ProjetSanteDepose, nil},
		{arsDir, workflow.ValiderProjetSante, "", "", workflow.ProjetSanteValide, nil},
		{coordA, workflow.DeposerDemande, "", "", workflow.DemandeDeposee, nil},
		{referen, workflow.PrendreEnInstruction, "", "", workflow.EnInstruction, nil},
		{referen, workflow.DemanderComplements, "Pièces à préciser", "", workflow.ComplementsDemandes,
			map[string]string{store.ExtraComplementTarget: "doc:statuts", store.ExtraComplementText: "Statuts signés"}},
	}
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i, s := range steps {
		out, err := apply(t, st, scopes, id, s, at.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.tr, err)
		}
		if out.To != s.want {
			t.Fatalf("step %d %s: to %s, want %s", i, s.tr, out.To, s.want)
		}
	}
	// Open complement: repondre_complements is refused until answered.
	if _, err := apply(t, st, scopes, id, step{who: coordA, tr: workflow.RepondreComplements}, at.Add(20*time.Hour)); !isMissing(err) {
		t.Fatalf("repondre with open complement: %v", err)
	}
	cs, err := st.ListComplementRequests(ctx, scopes[coordA], id)
	if err != nil || len(cs) != 1 || !cs[0].Open() || cs[0].Target != "doc:statuts" {
		t.Fatalf("complements %+v %v", cs, err)
	}
	if err := st.AnswerComplementRequest(ctx, scopes[coordA], id, cs[0].ID, "Statuts joints", at.Add(21*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.AnswerComplementRequest(ctx, scopes[coordA], id, cs[0].ID, "encore", at.Add(21*time.Hour)); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second answer: %v", err)
	}
	rest := []step{
		{coordA, workflow.RepondreComplements, "", "", workflow.EnInstruction, nil},
		{referen, workflow.DonnerAvisFavorable, "", "", workflow.AvisFavorable, nil},
		{referen, workflow.TransmettreExamenConjoint, "", "", workflow.ExamenConjoint, nil},
		{dcgdrR, workflow.PositionDCGDR, "", workflow.Favorable, workflow.ExamenConjoint, nil},
		{arsDir, workflow.PositionARS, "", workflow.Favorable, workflow.ExamenConjoint, nil},
		{arsDir, workflow.Accepter, "", "", workflow.Acceptee, nil},
	}
	for i, s := range rest {
		out, err := apply(t, st, scopes, id, s, at.Add(time.Duration(30+i)*time.Hour))
		if err != nil {
			t.Fatalf("rest %d %s: %v", i, s.tr, err)
		}
		if out.To != s.want {
			t.Fatalf("rest %d %s: to %s, want %s", i, s.tr, out.To, s.want)
		}
	}
	d, err := st.Dossier(ctx, scopes[coordA], id)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != workflow.Acceptee || d.PositionARS == nil || *d.PositionARS != workflow.Favorable || d.Opinion != workflow.Favorable ||
		d.LetterValidatedOn.IsZero() || d.HealthProjectFiledOn.IsZero() || d.DecidedOn.IsZero() || d.InstructorUserID == nil {
		t.Fatalf("dossier %+v", d)
	}
	hist, err := st.DossierHistory(ctx, scopes[referen], id)
	if err != nil {
		t.Fatal(err)
	}
	// creation + 11 + answer + 6
	if len(hist) != 1+len(steps)+1+len(rest) || d.AuditSeq != len(hist) || d.AuditHead != hist[len(hist)-1].Hash {
		t.Fatalf("history %d rows, seq %d", len(hist), d.AuditSeq)
	}
	rows := make([]workflow.AuditRow, len(hist))
	for i, h := range hist {
		rows[i] = h.Row()
	}
	if i, ok := workflow.VerifyChain(rows); !ok {
		t.Fatalf("chain broken at %d", i)
	}
	if hist[2].Motivation != "Préciser le territoire" || hist[2].ActorName == "" || hist[2].ActorUserID == nil {
		t.Fatalf("row %+v", hist[2])
	}
	rep, err := st.VerifyAudit(ctx)
	if err != nil || rep.Broken != "" || rep.Rows < len(hist) {
		t.Fatalf("verify %+v %v", rep, err)
	}
	// Acceptee is final for the dossier.
	if _, err := apply(t, st, scopes, id, step{who: arsDir, tr: workflow.Refuser, mot: "x"}, at.Add(50*time.Hour)); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("refuser after acceptee: %v", err)
	}
}

func isMissing(err error) bool {
	var me *workflow.MissingError
	return errors.As(err, &me)
}

func TestTransitionRefusals(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	id := freshDossier(t, st, scopes[coordA])
	at := time.Now()
	// Wrong role: the referent cannot file the lettre d'intention.
	if _, err := apply(t, st, scopes, id, step{who: referen, tr: workflow.DeposerLettreIntention}, at); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("wrong role: %v", err)
	}
	// Wrong tenant: coordinator B, another structure of the Ain and the demo
	// coordinators do not see it (404).
	for _, who := range []string{coordB, coordM, "coordinateur@demo.portail-aci.fr", "msp@demo.portail-aci.fr"} {
		if _, err := apply(t, st, scopes, id, step{who: who, tr: workflow.DeposerLettreIntention}, at); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("%s: %v", who, err)
		}
		if _, err := st.Dossier(ctx, scopes[who], id); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("%s get: %v", who, err)
		}
	}
	// Stale Seen.
	_, err := st.ApplyTransition(ctx, scopes[coordA], store.TransitionRequest{DossierID: id,
		Transition: workflow.DeposerLettreIntention, Seen: workflow.LettreIntentionDeposee, At: at})
	if domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("stale seen: %v", err)
	}
	if _, err := apply(t, st, scopes, id, step{who: coordA, tr: workflow.DeposerLettreIntention}, at); err != nil {
		t.Fatal(err)
	}
	// Missing motivation.
	if _, err := apply(t, st, scopes, id, step{who: arsDir, tr: workflow.RenvoyerLettreIntention, mot: "   "}, at); !isMissing(err) {
		t.Fatalf("missing motivation: %v", err)
	}
	// Too long motivation.
	if _, err := apply(t, st, scopes, id, step{who: arsDir, tr: workflow.RenvoyerLettreIntention, mot: strings.Repeat("é", 5001)}, at); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("long motivation: %v", err)
	}
	// Unknown transition: not found.
	if _, err := apply(t, st, scopes, id, step{who: arsDir, tr: "supprimer"}, at); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown: %v", err)
	}
	// Nothing changed by the refusals.
	d, _ := st.Dossier(ctx, scopes[coordA], id)
	if d.State != workflow.LettreIntentionDeposee || d.AuditSeq != 2 {
		t.Fatalf("after refusals %s seq %d", d.State, d.AuditSeq)
	}
	// A second dossier for the same structure is refused.
	if _, err := st.CreateDossier(ctx, scopes[coordA], scopes[coordA].OrgID, at); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second dossier: %v", err)
	}
	// Another structure's coordinator cannot create for Val.
	if _, err := st.CreateDossier(ctx, scopes[coordB], scopes[coordA].OrgID, at); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("create for other: %v", err)
	}
}

func TestDepositRequiresDocumentsAndComposition(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	sc := scopes[coordM] // MSP of the Ain
	id := freshDossier(t, st, sc)
	at := time.Now()
	for _, s := range []step{{who: coordM, tr: workflow.DeposerProjetSante}, {who: arsDir, tr: workflow.ValiderProjetSante}} {
		if _, err := apply(t, st, scopes, id, s, at); err != nil {
			t.Fatal(err)
		}
	}
	// Composition from the registry: an MSP without members fails it.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `DELETE FROM members WHERE structure_id = $1`, sc.OrgID); err != nil {
		t.Fatal(err)
	}
	_, err := st.ApplyTransition(ctx, sc, store.TransitionRequest{DossierID: id, Transition: workflow.DeposerDemande, Seen: workflow.ProjetSanteValide, At: at})
	var me *workflow.MissingError
	if !errors.As(err, &me) {
		t.Fatalf("want MissingError, got %v", err)
	}
	joined := strings.Join(me.Missing, "|")
	if !strings.Contains(joined, "composition") {
		t.Fatalf("missing %q", joined)
	}
	d, _ := st.Dossier(ctx, sc, id)
	if d.State != workflow.ProjetSanteValide {
		t.Fatalf("state %s", d.State)
	}
}

func TestConcurrentDoubleSubmission(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	id := freshDossier(t, st, scopes[coordA])
	d, err := st.Dossier(ctx, scopes[coordA], id)
	if err != nil {
		t.Fatal(err)
	}
	prepareFiling(t, st, scopes[coordA], d, workflow.DeposerLettreIntention)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.ApplyTransition(ctx, scopes[coordA], store.TransitionRequest{DossierID: id,
				Transition: workflow.DeposerLettreIntention, Seen: workflow.Brouillon, At: time.Now()})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case domain.ErrorCode(err) != domain.EConflict:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d submissions won, want exactly 1", ok)
	}
	hist, _ := st.DossierHistory(ctx, scopes[coordA], id)
	if len(hist) != 2 {
		t.Fatalf("%d audit rows, want 2", len(hist))
	}
}

func TestReputeValideJob(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	id := freshDossier(t, st, scopes[coordA])
	filed := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	for _, s := range []step{
		{who: coordA, tr: workflow.DeposerLettreIntention},
		{who: arsDir, tr: workflow.ValiderLettreIntention},
		{who: coordA, tr: workflow.DeposerProjetSante},
	} {
		if _, err := apply(t, st, scopes, id, s, filed); err != nil {
			t.Fatal(err)
		}
	}
	// 31/01 + 2 months = 31/03 (the day it becomes réputé validé).
	n, err := st.ApplySystemTransitions(ctx, domain.NewDate(2026, 3, 30), time.Now())
	if err != nil || n != 0 {
		t.Fatalf("day before: %d %v", n, err)
	}
	// Two instances at once: exactly one applies it.
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := st.ApplySystemTransitions(ctx, domain.NewDate(2026, 3, 31), time.Now())
			if err != nil {
				t.Error(err)
			}
			counts[i] = c
		}()
	}
	wg.Wait()
	if counts[0]+counts[1]+counts[2]+counts[3] != 1 {
		t.Fatalf("applied %v times", counts)
	}
	d, _ := st.Dossier(ctx, scopes[coordA], id)
	if d.State != workflow.ProjetSanteValide {
		t.Fatalf("state %s", d.State)
	}
	hist, _ := st.DossierHistory(ctx, scopes[coordA], id)
	last := hist[len(hist)-1]
	if last.ActorUserID != nil || last.ActorName != store.SystemActorName || last.Motivation != store.ReputeValideMotivation {
		t.Fatalf("last row %+v", last)
	}
}

func TestAuditAppendOnlyAndVerify(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	id := freshDossier(t, st, scopes[coordA])
	for _, s := range []step{{who: coordA, tr: workflow.DeposerLettreIntention}, {who: arsDir, tr: workflow.RenvoyerLettreIntention, mot: "non"}} {
		if _, err := apply(t, st, scopes, id, s, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// The trigger refuses changes and deletions but lets notified_at be set.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE dossier_audit SET motivation = 'oui' WHERE dossier_id = $1`, id); err == nil {
		t.Fatal("update of motivation accepted")
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `DELETE FROM dossier_audit WHERE dossier_id = $1`, id); err == nil {
		t.Fatal("delete accepted")
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE dossier_audit SET notified_at = now() WHERE dossier_id = $1`, id); err != nil {
		t.Fatalf("notified_at: %v", err)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" || rep.Rows < 3 || rep.Dossiers < 1 {
		t.Fatalf("intact: %+v %v", rep, err)
	}
	// Tamper as the owner with its append-only triggers off.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `ALTER TABLE dossier_audit DISABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE dossier_audit SET motivation = 'oui' WHERE dossier_id = $1 AND seq = 3`, id); err != nil {
		t.Fatal(err)
	}
	rep, err := st.VerifyAudit(ctx)
	if err != nil || rep.BrokenDossier != id || rep.BrokenSeq != 3 {
		t.Fatalf("tampered: %+v %v", rep, err)
	}
	// Deleting the tail row is seen through dossiers.audit_head.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `DELETE FROM dossier_audit WHERE dossier_id = $1 AND seq = 3`, id); err != nil {
		t.Fatal(err)
	}
	rep, err = st.VerifyAudit(ctx)
	if err != nil || rep.BrokenDossier != id || rep.BrokenSeq != 0 || !strings.Contains(rep.Broken, "supprimées") {
		t.Fatalf("truncated: %+v %v", rep, err)
	}
}

func TestListDossiersScope(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	idA := freshDossier(t, st, scopes[coordA])
	idB := freshDossier(t, st, scopes[coordB])
	idM := freshDossier(t, st, scopes[coordM])
	idN := freshDossier(t, st, scopes[coordN])
	all := []int64{idA, idB, idM, idN}
	want := map[string][]int64{
		coordA: {idA}, coordB: {idB}, coordM: {idM}, coordN: {idN}, referen: {idA, idM},
		arsDir: {idA, idB, idM}, dcgdrR: {idA, idB, idM}, adminD: all,
	}
	for who, ids := range want {
		ds, total, err := st.ListDossiers(ctx, scopes[who], store.DossierFilter{}, store.Page{Number: 1, Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		for _, d := range ds {
			got[d.ID] = true
		}
		_ = total
		for _, id := range all {
			if got[id] != slices.Contains(ids, id) {
				t.Errorf("%s sees %d: %v, want %v", who, id, got[id], !got[id])
			}
		}
	}
	ds, _, _ := st.ListDossiers(ctx, scopes[adminD], store.DossierFilter{States: []workflow.State{workflow.Brouillon}, Type: domain.MSP}, store.Page{Number: 1, Size: 50})
	for _, d := range ds {
		if d.State != workflow.Brouillon || d.StructureType != domain.MSP {
			t.Fatalf("filter: %+v", d)
		}
	}
	if len(ds) < 2 {
		t.Fatalf("filter: %d", len(ds))
	}
}
