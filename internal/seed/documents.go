package seed

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// DemoDocuments attaches the demo dossiers' documents BEFORE DemoDossiers
// (the walks file them: deposer_projet_sante and deposer_demande need them),
// as their coordinators would, dated before the filings
// (store.UploadDocument, store.GenerateDocument):
//   - CPTS du Val de Démo (en instruction): the four required documents —
//     projet de santé and statuts as small PDFs, contours du territoire and
//     liste des membres generated from the territory and the registry —; the
//     CPAM de l'Ain's referent has accepted the projet de santé and sent the
//     liste des membres back with a comment;
//   - CPTS des Monts de Démo: its projet de santé (filed, at the ARS);
//   - MSP de Démo-Lille: its three required documents.
//
// The referent's review marks come after the walks (DemoDocumentReviews).
// Idempotent: a document that already has a version is left alone, and so
// is a document already reviewed; a dossier walked past the states where
// documents may change is left alone.
func DemoDocuments(ctx context.Context, st *store.Store) error {
	now := time.Now()
	type doc struct {
		code    workflow.Document
		file    string
		pdf     []string // nil: generated from the portal's data
		daysAgo int
	}
	walks := []struct {
		org, coord string
		docs       []doc
	}{
		{ValDeDemo, "coordinateur@demo.portail-aci.fr", []doc{
			{workflow.DocProjetSante, "projet-de-sante-val-de-demo.pdf", []string{"Projet de santé", ValDeDemo,
				"Diagnostic territorial, missions socle et optionnelles, gouvernance.", "Document de démonstration."}, 112},
			{workflow.DocStatuts, "statuts-association-val-de-demo.pdf", []string{"Statuts de l'association", ValDeDemo,
				"Association loi 1901 — statuts adoptés en assemblée générale constitutive.", "Document de démonstration."}, 25},
			{workflow.DocContoursTerritoire, "", nil, 22},
			{workflow.DocListeMembres, "", nil, 22},
		}},
		{CotiereDeDemo, CotiereCoordinator, []doc{
			{workflow.DocProjetSante, "projet-de-sante-cotiere-de-demo.pdf", []string{"Projet de santé", CotiereDeDemo,
				"Diagnostic territorial et missions socle.", "Document de démonstration."}, cotiereWalkDays - 35},
			{workflow.DocStatuts, "statuts-association-cotiere-de-demo.pdf", []string{"Statuts de l'association", CotiereDeDemo,
				"Association loi 1901.", "Document de démonstration."}, cotiereWalkDays - 75},
			{workflow.DocContoursTerritoire, "", nil, cotiereWalkDays - 75},
			{workflow.DocListeMembres, "", nil, cotiereWalkDays - 75},
		}},
		{MontsDeDemo, "coordinateur.b@demo.portail-aci.fr", []doc{
			{workflow.DocProjetSante, "projet-de-sante-monts-de-demo.pdf", []string{"Projet de santé", MontsDeDemo,
				"Diagnostic territorial et missions envisagées.", "Document de démonstration."}, 41},
		}},
		{MSPLille, "msp@demo.portail-aci.fr", []doc{
			{workflow.DocProjetSante, "projet-de-sante-msp-lille.pdf", []string{"Projet de santé", MSPLille,
				"Projet de santé de la maison de santé pluriprofessionnelle.", "Document de démonstration."}, 201},
			{workflow.DocStatuts, "statuts-sisa-msp-lille.pdf", []string{"Statuts de la SISA", MSPLille,
				"Société interprofessionnelle de soins ambulatoires.", "Document de démonstration."}, 95},
			{workflow.DocListeMembres, "", nil, 95},
		}},
	}
	for _, w := range walks {
		coord, err := demoScope(ctx, st, w.coord)
		if err != nil {
			return err
		}
		ds, _, err := st.ListDossiers(ctx, coord, store.DossierFilter{StructureID: coord.OrgID}, store.Page{Number: 1, Size: 5})
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			continue
		}
		id := ds[0].ID
		list, err := st.ListDocuments(ctx, coord, id)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, x := range list.Required {
			have[x.Code] = len(x.Versions) > 0
		}
		for _, d := range w.docs {
			if have[string(d.code)] || !list.Dossier.Permission(coord).CanUploadDocument(string(d.code)) {
				continue
			}
			at := time.Date(now.Year(), now.Month(), now.Day(), 9, 30, 0, 0, domain.Paris).AddDate(0, 0, -d.daysAgo)
			if d.pdf == nil {
				_, _, err = st.GenerateDocument(ctx, coord, id, d.code, at)
			} else {
				_, _, err = st.UploadDocument(ctx, coord, id, store.DocumentUpload{Code: string(d.code), Filename: d.file, Data: MinimalPDF(d.pdf), At: at})
			}
			if err != nil {
				return fmt.Errorf("DemoDocuments %s %s: %w", w.org, d.code, err)
			}
		}
	}
	return nil
}

// DemoDocumentReviews (after DemoDossiers): the referent accepted Val's
// projet de santé and sent its liste des membres back.
func DemoDocumentReviews(ctx context.Context, st *store.Store) error {
	now := time.Now()
	coord, err := demoScope(ctx, st, "coordinateur@demo.portail-aci.fr")
	if err != nil {
		return err
	}
	ds, _, err := st.ListDossiers(ctx, coord, store.DossierFilter{StructureID: coord.OrgID}, store.Page{Number: 1, Size: 5})
	if err != nil || len(ds) == 0 {
		return err
	}
	id := ds[0].ID
	ref, err := demoScope(ctx, st, "referent@demo.portail-aci.fr")
	if err != nil {
		return err
	}
	list, err := st.ListDocuments(ctx, ref, id)
	if err != nil {
		return err
	}
	if !list.Dossier.Permission(ref).Can(access.ActReviewDocuments) {
		return nil
	}
	marks := map[string]store.DocumentReview{
		string(workflow.DocProjetSante): {State: store.DocAccepte, At: now.AddDate(0, 0, -10)},
		string(workflow.DocListeMembres): {State: store.DocARefaire, At: now.AddDate(0, 0, -9),
			Comment: "Le mode d'exercice de deux membres ne correspond pas à leur inscription au RPPS : corrigez le registre puis régénérez la liste."},
	}
	for _, x := range list.Required {
		m, ok := marks[x.Code]
		if !ok || x.State != store.DocFourni {
			continue
		}
		m.DocumentID, m.Version = x.ID, x.Version
		if err := st.ReviewDocument(ctx, ref, id, m); err != nil {
			return fmt.Errorf("DemoDocuments review %s: %w", x.Code, err)
		}
	}
	return nil
}

// MinimalPDF returns a small valid one-page PDF (PDF 1.4, Helvetica,
// WinAnsiEncoding) showing lines, the first as a title. Characters outside
// Latin-1 are replaced by "?".
func MinimalPDF(lines []string) []byte {
	var content bytes.Buffer
	content.WriteString("BT\n/F1 18 Tf\n72 770 Td\n")
	for i, l := range lines {
		if i == 1 {
			content.WriteString("/F1 12 Tf\n0 -30 Td\n")
		} else if i > 1 {
			content.WriteString("0 -18 Td\n")
		}
		content.WriteString("(" + pdfString(l) + ") Tj\n")
	}
	content.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// pdfString escapes s for a PDF literal string in WinAnsiEncoding.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '’':
			b.WriteString("\\222")
		case r == '—':
			b.WriteString("\\227")
		case r < 0x80:
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
