package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// accountScope is the scope of the only membership of the account email.
func accountScope(t *testing.T, st *store.Store, email string) store.Scope {
	t.Helper()
	ctx := context.Background()
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.Memberships(ctx, u.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("%s: memberships %v, %v", email, ms, err)
	}
	sc, err := st.ScopeFor(ctx, u.ID, ms[0].OrgID)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestSeatChangeKeepsTheDossierWithItsFirstAgencies: a CPTS of the Ain files
// its lettre d'intention (bound to the CPAM de l'Ain, the ARS and DCGDR
// Auvergne-Rhône-Alpes), then moves to the Nord. Its coordinator can no
// longer change the seat directly (the hole: the seat moved the dossier to
// the Nord's CPAM and ARS); the request approved by the CPAM de l'Ain moves
// the structure, and the dossier, its internal notes, documents, history
// and complements stay with the Ain's agencies: the Nord's see none of it.
func TestSeatChangeKeepsTheDossierWithItsFirstAgencies(t *testing.T) {
	st, scopes := fixture(t)
	ctx := context.Background()
	cpamNord := accountScope(t, st, "cpam.nord@demo.portail-aci.fr")
	arsHdF := accountScope(t, st, "ars.hdf@demo.portail-aci.fr")
	coord := scopes[coordA]
	id := freshDossier(t, st, coord)
	if _, err := apply(t, st, scopes, id, step{who: coordA, tr: workflow.DeposerLettreIntention}, time.Now()); err != nil {
		t.Fatal(err)
	}
	var cpam, ars, dcgdr *int64
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT cpam_id, ars_id, dcgdr_id FROM dossiers WHERE id = $1`, id).Scan(&cpam, &ars, &dcgdr); err != nil {
		t.Fatal(err)
	}
	if cpam == nil || *cpam != scopes[referen].OrgID || ars == nil || *ars != scopes[arsDir].OrgID || dcgdr == nil || *dcgdr != scopes[dcgdrR].OrgID {
		t.Fatalf("binding cpam=%v ars=%v dcgdr=%v, want %d %d %d", cpam, ars, dcgdr, scopes[referen].OrgID, scopes[arsDir].OrgID, scopes[dcgdrR].OrgID)
	}
	if _, err := st.PostMessage(ctx, scopes[referen], store.NewMessage{DossierID: id, Body: "Note interne de la CPAM de l'Ain", Internal: true}); err != nil {
		t.Fatal(err)
	}

	// The seat is read-only for the coordinator once the dossier is filed.
	d, err := st.StructureDetail(ctx, coord, coord.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	if !d.SeatLocked {
		t.Fatal("seat not locked after filing")
	}
	in := store.StructureInput{Type: d.StructureType, Name: d.Name, LegalForm: string(d.LegalForm), Departement: "59", CommuneCode: "59350"}
	err = st.UpdateStructure(ctx, coord, coord.OrgID, d.Version, in)
	if !hasField(err, "departement") {
		t.Fatalf("direct change of the seat: %v, want a field error on departement", err)
	}
	// Other fields still change.
	in.Departement, in.CommuneCode, in.Address1 = "01", "", "1 rue du Test"
	if err := st.UpdateStructure(ctx, coord, coord.OrgID, d.Version, in); err != nil {
		t.Fatalf("edit without a seat change: %v", err)
	}

	// The request; the Nord's CPAM does not decide it, the Ain's does.
	rid, err := st.RequestSeatChange(ctx, coord, coord.OrgID, store.SeatChangeInput{Departement: "59", CommuneCode: "59350", Reason: "Déménagement à Lille"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RequestSeatChange(ctx, coord, coord.OrgID, store.SeatChangeInput{Departement: "59", Reason: "Encore"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second pending request: %v", err)
	}
	if err := st.DecideSeatChange(ctx, cpamNord, rid, true, ""); !domain.IsNotFound(err) {
		t.Fatalf("the Nord's CPAM decides: %v", err)
	}
	if err := st.DecideSeatChange(ctx, coord, rid, true, ""); !domain.IsNotFound(err) {
		t.Fatalf("the coordinator decides: %v", err)
	}
	if pend, n, err := st.PendingSeatChanges(ctx, scopes[referen], store.Page{}); err != nil || n != 1 || pend[0].ID != rid {
		t.Fatalf("pending for the Ain's CPAM: %v %d %v", pend, n, err)
	}
	if err := st.DecideSeatChange(ctx, scopes[referen], rid, true, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.DecideSeatChange(ctx, scopes[adminD], rid, true, ""); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("decided twice: %v", err)
	}
	d, err = st.StructureDetail(ctx, coord, coord.OrgID)
	if err != nil || d.Departement != "59" || d.CommuneCode != "59350" {
		t.Fatalf("after approval: %s %s %v", d.Departement, d.CommuneCode, err)
	}
	hist, err := st.StructureChanges(ctx, coord, coord.OrgID, 10)
	if err != nil || len(hist) == 0 || hist[0].Action != "seat_approve" {
		t.Fatalf("history: %+v %v", hist, err)
	}

	// The first agencies keep everything; the Nord's see nothing of it.
	for name, sc := range map[string]store.Scope{"CPAM Ain": scopes[referen], "ARS ARA": scopes[arsDir], "DCGDR ARA": scopes[dcgdrR]} {
		if _, err := st.Dossier(ctx, sc, id); err != nil {
			t.Errorf("%s lost the dossier: %v", name, err)
		}
		ms, err := st.ListMessages(ctx, sc, id)
		if err != nil || len(ms) != 1 {
			t.Errorf("%s: messages %d, %v", name, len(ms), err)
		}
		if _, err := st.DossierHistory(ctx, sc, id); err != nil {
			t.Errorf("%s: history %v", name, err)
		}
		if _, err := st.StructureDetail(ctx, sc, coord.OrgID); err != nil {
			t.Errorf("%s: structure %v", name, err)
		}
	}
	if got, _ := st.Dossier(ctx, scopes[referen], id); got.Departement != "01" {
		t.Errorf("the dossier's département is %q, want the seat when filed (01)", got.Departement)
	}
	for name, sc := range map[string]store.Scope{"CPAM Nord": cpamNord, "ARS HdF": arsHdF} {
		if _, err := st.Dossier(ctx, sc, id); !domain.IsNotFound(err) {
			t.Errorf("%s reads the dossier: %v", name, err)
		}
		if ms, err := st.ListMessages(ctx, sc, id); err == nil || len(ms) > 0 {
			t.Errorf("%s reads the notes: %d, %v", name, len(ms), err)
		}
		if h, err := st.DossierHistory(ctx, sc, id); len(h) > 0 {
			t.Errorf("%s reads the audit trail: %v", name, err)
		}
		if c, _ := st.ListComplementRequests(ctx, sc, id); len(c) > 0 {
			t.Errorf("%s reads the complements", name)
		}
		if _, err := st.ListDocuments(ctx, sc, id); !domain.IsNotFound(err) {
			t.Errorf("%s reads the documents: %v", name, err)
		}
		ds, _, err := st.ListDossiers(ctx, sc, store.DossierFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ds {
			if x.ID == id {
				t.Errorf("%s lists the dossier", name)
			}
		}
		if _, err := st.PostMessage(ctx, sc, store.NewMessage{DossierID: id, Body: "intrus"}); !domain.IsNotFound(err) {
			t.Errorf("%s posts in the thread: %v", name, err)
		}
		// The structure itself is now in the Nord's territory.
		if _, err := st.StructureDetail(ctx, sc, coord.OrgID); err != nil {
			t.Errorf("%s: structure %v", name, err)
		}
	}
}

// TestSeatChangeRefusalNeedsAReason: a refusal without reason is refused;
// with one, the seat does not move and the request is closed.
func TestSeatChangeRefusalNeedsAReason(t *testing.T) {
	st, scopes := fixture(t)
	ctx := context.Background()
	coord := scopes[coordA]
	id := freshDossier(t, st, coord)
	if _, err := apply(t, st, scopes, id, step{who: coordA, tr: workflow.DeposerLettreIntention}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RequestSeatChange(ctx, coord, coord.OrgID, store.SeatChangeInput{Departement: "01", Reason: "x"}); !hasField(err, "to_departement") {
		t.Fatalf("same seat: %v", err)
	}
	rid, err := st.RequestSeatChange(ctx, coord, coord.OrgID, store.SeatChangeInput{Departement: "69", CommuneCode: "59350", Reason: "x"})
	if !hasField(err, "to_commune") {
		t.Fatalf("commune outside the département: %v (%d)", err, rid)
	}
	rid, err = st.RequestSeatChange(ctx, coord, coord.OrgID, store.SeatChangeInput{Departement: "69", Reason: "Fusion"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DecideSeatChange(ctx, scopes[referen], rid, false, " "); fieldOf(err) != "decision_reason" {
		t.Fatalf("refusal without reason: %v", err)
	}
	if err := st.DecideSeatChange(ctx, scopes[adminD], rid, false, "Pièces manquantes"); err != nil {
		t.Fatal(err)
	}
	d, _ := st.StructureDetail(ctx, coord, coord.OrgID)
	if d.Departement != "01" {
		t.Fatalf("refused, the seat moved to %s", d.Departement)
	}
	cs, err := st.StructureSeatChanges(ctx, coord, coord.OrgID)
	if err != nil || len(cs) != 1 || cs[0].State != store.SeatRefused || cs[0].DecisionReason != "Pièces manquantes" {
		t.Fatalf("requests: %+v %v", cs, err)
	}
}

// hasField reports whether err is a registry.FieldErrors naming field.
func hasField(err error, field string) bool {
	fe, ok := err.(registry.FieldErrors)
	_, has := fe[field]
	return ok && has
}
