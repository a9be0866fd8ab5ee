package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

const cpamMgr = "manager.ain@test.portail-aci.fr"

// contractFixture is the dossiers fixture plus a CPAM de l'Ain manager and
// an ARS agent (who may not sign).
func contractFixture(t *testing.T) (*store.Store, map[string]store.Scope) {
	t.Helper()
	st, scopes := fixture(t)
	ctx := context.Background()
	for email, spec := range map[string]struct {
		org  string
		kind domain.OrgKind
		role domain.Role
	}{
		cpamMgr:                         {"CPAM de l'Ain", domain.OrgCPAM, domain.RoleManager},
		"agent.ara@test.portail-aci.fr": {"ARS Auvergne-Rhône-Alpes", domain.OrgARS, domain.RoleAgent},
	} {
		org, err := st.OrganisationIDByName(ctx, spec.kind, spec.org)
		if err != nil {
			t.Fatal(err)
		}
		uid, err := st.CreateUser(ctx, email, "Test "+email, "x")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddMembership(ctx, uid, org, spec.role); err != nil {
			t.Fatal(err)
		}
		if scopes[email], err = st.ScopeFor(ctx, uid, org); err != nil {
			t.Fatal(err)
		}
	}
	return st, scopes
}

// acceptedDossier walks a fresh dossier of the structure of scopes[who] to
// acceptee (the contract is created then).
func acceptedDossier(t *testing.T, st *store.Store, scopes map[string]store.Scope, who string) int64 {
	t.Helper()
	id := freshDossier(t, st, scopes[who])
	steps := []step{
		{who, workflow.DeposerLettreIntention, "", "", workflow.LettreIntentionDeposee, nil},
		{arsDir, workflow.ValiderLettreIntention, "", "", workflow.LettreIntentionValidee, nil},
		{who, workflow.DeposerProjetSante, "", "", workflow.ProjetSanteDepose, nil},
		{arsDir, workflow.ValiderProjetSante, "", "", workflow.ProjetSanteValide, nil},
		{who, workflow.DeposerDemande, "", "", workflow.DemandeDeposee, nil},
		{referen, workflow.PrendreEnInstruction, "", "", workflow.EnInstruction, nil},
		{referen, workflow.DonnerAvisFavorable, "", "", workflow.AvisFavorable, nil},
		{referen, workflow.TransmettreExamenConjoint, "", "", workflow.ExamenConjoint, nil},
		{dcgdrR, workflow.PositionDCGDR, "", workflow.Favorable, workflow.ExamenConjoint, nil},
		{arsDir, workflow.PositionARS, "", workflow.Favorable, workflow.ExamenConjoint, nil},
		{arsDir, workflow.Accepter, "", "", workflow.Acceptee, nil},
	}
	if scopes[who].Kind == domain.OrgStructure {
		var typ string
		_ = pgtest.Owner(t, st).QueryRow(context.Background(), "SELECT structure_type FROM organisations WHERE id = $1", scopes[who].OrgID).Scan(&typ)
		if typ == "MSP" {
			steps = steps[2:]
		}
	}
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i, s := range steps {
		if _, err := apply(t, st, scopes, id, s, at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatalf("step %d %s: %v", i, s.tr, err)
		}
	}
	return id
}

func sign(st *store.Store, sc store.Scope, id int64, sha string, day domain.Date) (workflow.Outcome, error) {
	return st.ApplyContractTransition(context.Background(), sc, store.ContractRequest{
		DossierID: id, Transition: workflow.Signer, Seen: workflow.ASigner, DocumentSHA256: sha,
		Today: day, At: day.Time().Add(10 * time.Hour)})
}

func TestContractCreatedAtAcceptanceVisibleToTheParties(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	id := acceptedDossier(t, st, scopes, coordA)
	c, err := st.ContractByDossier(ctx, scopes[coordA], id)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(c.DocumentHTML))
	if c.State != workflow.ASigner || c.DocumentSHA256 != hex.EncodeToString(sum[:]) || c.Terms.Tier != 1 ||
		len(c.Terms.Missions) != 4 || c.Terms.CPAM.Name != "CPAM de l'Ain" || c.Terms.ARS.Name != "ARS Auvergne-Rhône-Alpes" ||
		c.Terms.Year1Total == 0 || len(c.Terms.YearTotals) != 5 || len(c.Signatures) != 0 {
		t.Fatalf("contract %+v", c)
	}
	// Preview before anyone signs: the three parties and everyone in scope.
	for _, who := range []string{coordA, cpamMgr, referen, arsDir, dcgdrR, adminD, "agent.ara@test.portail-aci.fr"} {
		got, err := st.ContractByDossier(ctx, scopes[who], id)
		if err != nil || got.DocumentSHA256 != c.DocumentSHA256 {
			t.Errorf("%s: %v", who, err)
		}
	}
	// Outside the scope: not found.
	for _, who := range []string{coordB, coordM} {
		if _, err := st.ContractByDossier(ctx, scopes[who], id); !domain.IsNotFound(err) {
			t.Errorf("%s sees the contract: %v", who, err)
		}
	}
	// A dossier not accepted has no contract.
	other := freshDossier(t, st, scopes[coordB])
	if _, err := st.ContractByDossier(ctx, scopes[coordB], other); !domain.IsNotFound(err) {
		t.Fatalf("contract of a brouillon: %v", err)
	}
}

func TestContractSignaturesAnyOrderThenActifWithSchedule(t *testing.T) {
	ctx := context.Background()
	day := domain.NewDate(2026, time.March, 2)
	for _, order := range [][]string{{coordA, cpamMgr, arsDir}, {arsDir, cpamMgr, coordA}, {cpamMgr, coordA, arsDir}} {
		t.Run(order[0]+"→"+order[2], func(t *testing.T) {
			st, scopes := contractFixture(t)
			id := acceptedDossier(t, st, scopes, coordA)
			c, err := st.ContractByDossier(ctx, scopes[coordA], id)
			if err != nil {
				t.Fatal(err)
			}
			// Refused before and between signatures: wrong role (referent,
			// ARS agent, DCGDR), outside the scope, wrong hash.
			for _, who := range []string{referen, "agent.ara@test.portail-aci.fr", dcgdrR, coordB, adminD} {
				if _, err := sign(st, scopes[who], id, c.DocumentSHA256, day); !domain.IsNotFound(err) {
					t.Errorf("%s signs: %v", who, err)
				}
			}
			if _, err := sign(st, scopes[order[0]], id, "00"+c.DocumentSHA256[2:], day); domain.ErrorCode(err) != domain.EConflict {
				t.Fatalf("wrong hash: %v", err)
			}
			for i, who := range order {
				out, err := sign(st, scopes[who], id, c.DocumentSHA256, day.AddDays(i))
				if err != nil {
					t.Fatalf("%s: %v", who, err)
				}
				want := workflow.ASigner
				if i == 2 {
					want = workflow.Actif
				}
				if out.To != want {
					t.Fatalf("%s: to %s", who, out.To)
				}
				// Double signature refused.
				if _, err := sign(st, scopes[who], id, c.DocumentSHA256, day.AddDays(i)); domain.ErrorCode(err) != domain.EConflict {
					t.Fatalf("%s twice: %v", who, err)
				}
			}
			c, err = st.ContractByDossier(ctx, scopes[cpamMgr], id)
			if err != nil {
				t.Fatal(err)
			}
			start := day.AddDays(2)
			if c.State != workflow.Actif || c.Start != start || c.End != start.AddYears(5) || len(c.Signatures) != 3 {
				t.Fatalf("contract %+v", c)
			}
			for _, s := range c.Signatures {
				if s.DocumentSHA256 != c.DocumentSHA256 || s.UserName == "" || s.SignedAt.IsZero() {
					t.Fatalf("signature %+v", s)
				}
			}
			ps, err := st.ContractPayments(ctx, scopes[coordA], id)
			if err != nil {
				t.Fatal(err)
			}
			// The signature creates fonctionnement only (docs/rules.md
			// §8, §28): no mission has started yet.
			baremes, err := st.LoadBaremes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			life, err := store.LifeContract(c, baremes, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := contractlife.SignaturePayments(life)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != len(want) || len(ps) == 0 {
				t.Fatalf("payments %+v, want %+v", ps, want)
			}
			for i, p := range ps {
				if p.Amount != want[i].Amount || p.Mission != funding.Fonctionnement || p.Due != start || p.Status != store.PaymentPrevu || p.Rule != want[i].Rule {
					t.Fatalf("payment %d: %+v, want %+v", i, p, want[i])
				}
			}
			// The audit chain holds the signatures and stays intact.
			hist, err := st.DossierHistory(ctx, scopes[arsDir], id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, h := range hist {
				if h.Transition == workflow.Signer {
					n++
				}
			}
			if n != 3 || hist[len(hist)-1].To != workflow.Actif {
				t.Fatalf("history: %d signatures, last %+v", n, hist[len(hist)-1])
			}
			if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
				t.Fatalf("verify %+v %v", rep, err)
			}
		})
	}
}

func activeContract(t *testing.T, st *store.Store, scopes map[string]store.Scope, who string, day domain.Date) (int64, store.Contract) {
	t.Helper()
	id := acceptedDossier(t, st, scopes, who)
	c, err := st.ContractByDossier(context.Background(), scopes[who], id)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{who, cpamMgr, arsDir} {
		if _, err := sign(st, scopes[p], id, c.DocumentSHA256, day); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	c, err = st.ContractByDossier(context.Background(), scopes[who], id)
	if err != nil {
		t.Fatal(err)
	}
	return id, c
}

func TestContractEcheance(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	// Échéance: a contract reaches its 5-year term.
	id2, c2 := activeContract(t, st, scopes, coordM, start)
	var err error
	if _, err := st.ExpireContracts(ctx, c2.End.AddDays(-1), time.Now()); err != nil {
		t.Fatalf("early expiry: %v", err)
	}
	if c2, err = st.ContractByDossier(ctx, scopes[coordM], id2); err != nil || c2.State != workflow.Actif {
		t.Fatalf("expired early: %+v %v", c2.State, err)
	}
	if n, err := st.ExpireContracts(ctx, c2.End, time.Now()); err != nil || n != 1 {
		t.Fatalf("expiry: %d %v", n, err)
	}
	c2, err = st.ContractByDossier(ctx, scopes[coordM], id2)
	if err != nil || c2.State != workflow.Echu {
		t.Fatalf("échu: %+v %v", c2.State, err)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("verify %+v %v", rep, err)
	}
}

func TestMSPContractScheduleIsCivilYears(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordM, start)
	ps, err := st.ContractPayments(ctx, scopes[coordM], id)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := funding.ContractMSPBareme()
	if err != nil {
		t.Fatal(err)
	}
	// No declared patientèle: the reference patientèle of the MSP barème.
	if c.Terms.MSPAnnual == 0 || c.RegisteredPatients != mb.ReferencePatientele || len(ps) != 12 {
		t.Fatalf("msp contract %+v, %d payments", c.Terms, len(ps))
	}
	if ps[0].Due != start.AddMonths(3) || ps[0].Kind != funding.KindAvance || ps[len(ps)-1].Due != domain.NewDate(2032, time.April, 30) {
		t.Fatalf("payments %+v … %+v", ps[0], ps[len(ps)-1])
	}
}

// TestContractStartBeforeAvenant2Refused: a CPTS contract whose first year
// would start before avenant 2 took effect (01/04/2022) cannot get its
// schedule while the 2019 barème is not entered (docs/rules.md §4): the third
// signature is refused with the message and nothing is written.
func TestContractStartBeforeAvenant2Refused(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	id := acceptedDossier(t, st, scopes, coordA)
	c, err := st.ContractByDossier(ctx, scopes[coordA], id)
	if err != nil {
		t.Fatal(err)
	}
	day := domain.NewDate(2022, time.March, 31)
	for i, p := range []string{coordA, cpamMgr, arsDir} {
		_, err := sign(st, scopes[p], id, c.DocumentSHA256, day)
		if i < 2 {
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			continue
		}
		want := "barème ACI CPTS 2019 non saisi : aucun barème ACI CPTS en vigueur le 31/03/2022, premier jour de l'année 1 du contrat"
		if domain.ErrorCode(err) != domain.EInvalid || domain.ErrorMessage(err) != want {
			t.Fatalf("third signature on %s: %v; want invalid %q", day, err, want)
		}
	}
	got, err := st.ContractByDossier(ctx, scopes[coordA], id)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := st.ContractPayments(ctx, scopes[coordA], id)
	if got.State != workflow.ASigner || !got.Start.IsZero() || len(got.Signatures) != 2 || err != nil || len(ps) != 0 {
		t.Fatalf("after the refusal: state %s, start %s, %d signatures, %d payments, %v", got.State, got.Start, len(got.Signatures), len(ps), err)
	}
	// Signed on 01/04/2022, the day avenant 2 takes effect: accepted.
	if _, err := sign(st, scopes[arsDir], id, c.DocumentSHA256, day.AddDays(1)); err != nil {
		t.Fatalf("third signature on 01/04/2022: %v", err)
	}
}
