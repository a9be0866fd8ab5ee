package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

func pdfBytes(s string) []byte {
	return []byte("%PDF-1.4\n% " + s + "\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

func upload(t *testing.T, st *store.Store, sc store.Scope, id int64, code, name string, data []byte) (int64, int) {
	t.Helper()
	docID, n, err := st.UploadDocument(context.Background(), sc, id, store.DocumentUpload{Code: code, Filename: name, Data: data})
	if err != nil {
		t.Fatalf("upload %s: %v", code, err)
	}
	return docID, n
}

// toProjetSanteValide walks an MSP dossier to projet_sante_valide; the
// projet de santé is filed with a real document (no AssumeDocuments).
// (An MSP: a CPTS's request also needs its content, the core's hook.)
func toProjetSanteValide(t *testing.T, st *store.Store, scopes map[string]store.Scope, who string, id int64) {
	t.Helper()
	ctx := context.Background()
	at := time.Now()
	_, err := st.ApplyTransition(ctx, scopes[who], store.TransitionRequest{DossierID: id, Transition: workflow.DeposerProjetSante, Seen: workflow.Brouillon})
	var me *workflow.MissingError
	if !errors.As(err, &me) || !strings.Contains(strings.Join(me.Missing, "|"), "projet de santé") {
		t.Fatalf("deposer_projet_sante without document: %v", err)
	}
	upload(t, st, scopes[who], id, "projet_sante", "projet.pdf", pdfBytes("projet"))
	if _, err := st.ApplyTransition(ctx, scopes[who], store.TransitionRequest{DossierID: id, Transition: workflow.DeposerProjetSante, Seen: workflow.Brouillon}); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(t, st, scopes, id, step{who: arsDir, tr: workflow.ValiderProjetSante}, at); err != nil {
		t.Fatal(err)
	}
}

func TestDocumentVersionsAndDownloadScope(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	sc := scopes[coordA]
	id := freshDossier(t, st, sc)
	v1, v2 := pdfBytes("v1"), pdfBytes("version 2")
	docID, n := upload(t, st, sc, id, "statuts", `C:\docs\Statuts signés.pdf`, v1)
	if n != 1 {
		t.Fatalf("n = %d", n)
	}
	if _, n = upload(t, st, sc, id, "statuts", "statuts-v2.pdf", v2); n != 2 {
		t.Fatalf("second upload n = %d", n)
	}
	list, err := st.ListDocuments(ctx, sc, id)
	if err != nil {
		t.Fatal(err)
	}
	var doc store.DossierDocument
	for _, d := range list.Required {
		if d.Code == "statuts" {
			doc = d
		}
	}
	if doc.ID != docID || doc.State != store.DocFourni || len(doc.Versions) != 2 || doc.Versions[0].N != 2 {
		t.Fatalf("statuts: %+v", doc)
	}
	if got := doc.Versions[1]; got.Filename != "Statuts signés.pdf" || got.MediaType != "application/pdf" || got.Size != int64(len(v1)) {
		t.Fatalf("v1 meta %+v", got)
	}
	sum := sha256.Sum256(v1)
	if doc.Versions[1].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("sha256 %s", doc.Versions[1].SHA256)
	}
	if len(list.Required) != 4 || list.Required[0].State != store.DocManquant {
		t.Fatalf("required %+v", list.Required)
	}
	// Old versions stay downloadable; the scope decides who can.
	tests := []struct {
		who  string
		want string // domain error code, "" for OK
	}{
		{coordA, ""}, {referen, ""}, {arsDir, ""}, {dcgdrR, ""}, {adminD, ""},
		{coordB, domain.ENotFound}, {coordM, domain.ENotFound}, {"coordinateur.b@demo.portail-aci.fr", domain.ENotFound},
		{"msp@demo.portail-aci.fr", domain.ENotFound},
	}
	for _, tt := range tests {
		f, err := st.DocumentFile(ctx, scopes[tt.who], id, docID, 1)
		if domain.ErrorCode(err) != tt.want && !(tt.want == "" && err == nil) {
			t.Errorf("%s: %v", tt.who, err)
		}
		if tt.want == "" && !bytes.Equal(f.Content, v1) {
			t.Errorf("%s: content differs", tt.who)
		}
	}
	// A version of another dossier's document through this dossier: not found.
	other := freshDossier(t, st, scopes[coordM])
	otherDoc, _ := upload(t, st, scopes[coordM], other, "statuts", "s.pdf", v1)
	if _, err := st.DocumentFile(ctx, sc, id, otherDoc, 1); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("cross-dossier: %v", err)
	}
	if _, err := st.DocumentFile(ctx, scopes[adminD], id, otherDoc, 1); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("cross-dossier via admin: %v", err)
	}
}

func TestUploadRefusals(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	sc := scopes[coordA]
	id := freshDossier(t, st, sc)
	tests := []struct {
		name string
		sc   store.Scope
		in   store.DocumentUpload
		code string
		want string
	}{
		{"lying extension", sc, store.DocumentUpload{Code: "statuts", Filename: "s.pdf", Data: []byte("\x89PNG\r\n\x1a\nxxxx")}, domain.EInvalid, "prétend être un PDF"},
		{"empty", sc, store.DocumentUpload{Code: "statuts", Filename: "s.pdf"}, domain.EInvalid, "vide"},
		{"unknown code", sc, store.DocumentUpload{Code: "lettre", Filename: "s.pdf", Data: pdfBytes("x")}, domain.ENotFound, ""},
		{"attachment without title", sc, store.DocumentUpload{Code: store.DocAutre, Filename: "s.pdf", Data: pdfBytes("x")}, domain.EInvalid, "titre"},
		{"other structure", scopes[coordB], store.DocumentUpload{Code: "statuts", Filename: "s.pdf", Data: pdfBytes("x")}, domain.ENotFound, ""},
		{"referent", scopes[referen], store.DocumentUpload{Code: "statuts", Filename: "s.pdf", Data: pdfBytes("x")}, domain.ENotFound, ""},
		{"contours for an MSP", scopes[coordM], store.DocumentUpload{Code: "contours_territoire", Filename: "s.pdf", Data: pdfBytes("x")}, domain.ENotFound, ""},
	}
	mspID := freshDossier(t, st, scopes[coordM])
	for _, tt := range tests {
		target := id
		if tt.sc.OrgID == scopes[coordM].OrgID {
			target = mspID
		}
		_, _, err := st.UploadDocument(ctx, tt.sc, target, tt.in)
		if domain.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	var n int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM documents x JOIN dossiers d ON d.id = x.dossier_id WHERE d.structure_id = ANY($1)`, []int64{sc.OrgID, scopes[coordM].OrgID}).Scan(&n)
	if n != 0 {
		t.Fatalf("%d documents left by refused uploads", n)
	}
	// Free attachments: any number, each versioned.
	a1, _, err := st.UploadDocument(ctx, sc, id, store.DocumentUpload{Code: store.DocAutre, Title: "Compte rendu AG", Filename: "ag.csv", Data: []byte("a;b\n1;2\n")})
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := st.UploadDocument(ctx, sc, id, store.DocumentUpload{Code: store.DocAutre, DocumentID: a1, Filename: "ag2.csv", Data: []byte("a;b\n1;3\n")}); err != nil || n != 2 {
		t.Fatalf("attachment v2: %d %v", n, err)
	}
}

func TestReviewAndRequirementHook(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	sc := scopes[coordM] // MSP of the Ain: the CPAM de l'Ain instructs it
	id := freshDossier(t, st, sc)
	toProjetSanteValide(t, st, scopes, coordM, id)
	// Filing the request lists the missing documents.
	deposer := func() error {
		_, err := st.ApplyTransition(ctx, sc, store.TransitionRequest{DossierID: id, Transition: workflow.DeposerDemande, Seen: workflow.ProjetSanteValide})
		return err
	}
	var me *workflow.MissingError
	if err := deposer(); !errors.As(err, &me) {
		t.Fatalf("want MissingError, got %v", err)
	}
	joined := strings.Join(me.Missing, "|")
	for _, w := range []string{"les statuts", "la liste des membres"} {
		if !strings.Contains(joined, w) {
			t.Errorf("missing %q in %q", w, joined)
		}
	}
	if strings.Contains(joined, "projet de santé") {
		t.Errorf("projet de santé listed: %q", joined)
	}
	statuts, _ := upload(t, st, sc, id, "statuts", "statuts.pdf", pdfBytes("statuts"))
	if _, _, err := st.GenerateDocument(ctx, sc, id, workflow.DocListeMembres, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The referent sends the statuts back: filing is refused again.
	list, _ := st.ListDocuments(ctx, sc, id)
	ver := list.Required[1].Version
	reviews := []struct {
		who  string
		in   store.DocumentReview
		code string
	}{
		{coordA, store.DocumentReview{DocumentID: statuts, Version: ver, State: store.DocAccepte}, domain.ENotFound},
		{arsDir, store.DocumentReview{DocumentID: statuts, Version: ver, State: store.DocAccepte}, domain.ENotFound},
		{"coordinateur.b@demo.portail-aci.fr", store.DocumentReview{DocumentID: statuts, Version: ver, State: store.DocAccepte}, domain.ENotFound},
		{referen, store.DocumentReview{DocumentID: statuts, Version: ver, State: store.DocARefaire}, domain.EInvalid},
		{referen, store.DocumentReview{DocumentID: statuts, Version: ver - 1, State: store.DocAccepte}, domain.EConflict},
		{referen, store.DocumentReview{DocumentID: statuts, Version: ver, State: store.DocARefaire, Comment: "Statuts non signés"}, ""},
	}
	for i, r := range reviews {
		err := st.ReviewDocument(ctx, scopes[r.who], id, r.in)
		if domain.ErrorCode(err) != r.code && !(r.code == "" && err == nil) {
			t.Fatalf("review %d (%s): %v", i, r.who, err)
		}
	}
	list, _ = st.ListDocuments(ctx, sc, id)
	if d := list.Required[1]; d.State != store.DocARefaire || d.ReviewComment != "Statuts non signés" || d.ReviewedBy == "" {
		t.Fatalf("after review %+v", d)
	}
	if err := deposer(); !errors.As(err, &me) || !strings.Contains(strings.Join(me.Missing, "|"), "les statuts") || len(me.Missing) != 1 {
		t.Fatalf("à refaire must block: %v", err)
	}
	// A new version puts it back to fourni (provided suffices to file).
	upload(t, st, sc, id, "statuts", "statuts-signes.pdf", pdfBytes("signés"))
	if err := deposer(); err != nil {
		t.Fatal(err)
	}
	// Filed: documents are frozen for the coordinator.
	if _, _, err := st.UploadDocument(ctx, sc, id, store.DocumentUpload{Code: "statuts", Filename: "s.pdf", Data: pdfBytes("x")}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("upload after filing: %v", err)
	}
	list, _ = st.ListDocuments(ctx, sc, id)
	if err := st.ReviewDocument(ctx, scopes[referen], id, store.DocumentReview{DocumentID: statuts, Version: list.Required[1].Version, State: store.DocAccepte}); err != nil {
		t.Fatal(err)
	}
	var marks int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM document_reviews WHERE document_id = $1`, statuts).Scan(&marks)
	if marks != 2 {
		t.Fatalf("review history %d", marks)
	}
}

func TestGenerateDocuments(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	sc := scopes[coordA]
	id := freshDossier(t, st, sc)
	// Contours from the territory: empty is refused with the reason.
	if _, _, err := st.GenerateDocument(ctx, sc, id, workflow.DocContoursTerritoire, time.Now()); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("contours of an empty territory: %v", err)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `INSERT INTO territory_communes (structure_id, commune_code)
		SELECT $1, code FROM communes WHERE departement = '01' AND actuelle AND code NOT IN (SELECT commune_code FROM territory_communes) ORDER BY code LIMIT 2`, sc.OrgID); err != nil {
		t.Fatal(err)
	}
	for _, code := range []workflow.Document{workflow.DocContoursTerritoire, workflow.DocListeMembres} {
		docID, n, err := st.GenerateDocument(ctx, sc, id, code, time.Now())
		if err != nil || n != 1 {
			t.Fatalf("generate %s: %d %v", code, n, err)
		}
		f, err := st.DocumentFile(ctx, sc, id, docID, 1)
		if err != nil || f.MediaType != "text/csv" || !bytes.HasPrefix(f.Content, []byte("\ufeff")) || !bytes.Contains(f.Content, []byte(";")) {
			t.Fatalf("generated %s: %+v %v", code, f.StoredFile, err)
		}
		if code == workflow.DocContoursTerritoire && !bytes.Contains(f.Content, []byte("Total (2 communes)")) {
			t.Fatalf("contours:\n%s", f.Content)
		}
	}
	list, _ := st.ListDocuments(ctx, sc, id)
	if v, ok := list.Required[2].Current(); !ok || !v.Generated {
		t.Fatalf("contours not marked generated: %+v", list.Required[2])
	}
	// Not for someone else.
	if _, _, err := st.GenerateDocument(ctx, scopes[referen], id, workflow.DocListeMembres, time.Now()); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("referent generates: %v", err)
	}
}

func TestDemoDocuments(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	states := func(email string) map[string]store.DocState {
		sc := scopes[email]
		ds, _, err := st.ListDossiers(ctx, sc, store.DossierFilter{StructureID: sc.OrgID}, store.Page{Number: 1, Size: 5})
		if err != nil || len(ds) != 1 {
			t.Fatalf("%s dossiers: %v %v", email, ds, err)
		}
		list, err := st.ListDocuments(ctx, sc, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.DocState{}
		for _, x := range list.Required {
			out[x.Code] = x.State
		}
		return out
	}
	val := states("coordinateur@demo.portail-aci.fr")
	want := map[string]store.DocState{"projet_sante": store.DocAccepte, "statuts": store.DocFourni,
		"contours_territoire": store.DocFourni, "liste_membres": store.DocARefaire}
	for k, v := range want {
		if val[k] != v {
			t.Errorf("Val %s: %s, want %s", k, val[k], v)
		}
	}
	for k, v := range states("msp@demo.portail-aci.fr") {
		if v == store.DocManquant {
			t.Errorf("Lille %s missing", k)
		}
	}
}
