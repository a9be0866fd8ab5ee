package server

import (
	"fmt"
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/filetype"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// Documents tab of a dossier (docs/rules.md §16): required documents with
// their review state, free attachments, uploads, generation from the
// territory and the registry, review marks by the CPAM referent, scoped
// downloads.

// uploadBodyLimit caps an upload request: one file of filetype.MaxSize plus
// the multipart envelope and a title. A larger body is not read: the
// documents page says why (documentUpload).
const uploadBodyLimit = filetype.MaxSize + 1<<20

// documentsState is what a refused POST keeps on the re-rendered page.
type documentsState struct {
	status      int
	summary     []string
	uploadErr   map[string]string // by DocumentRow.Key
	reviewErr   map[int64]string  // by document id
	reviewDraft map[int64]string
	newTitle    string
	newTitleErr string
	newFileErr  string
}

func (s *Server) documentsPage(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	s.renderDocuments(w, r, sc, d, documentsState{status: http.StatusOK})
}

func docKey(x store.DossierDocument) string {
	if x.Code == store.DocAutre {
		return "autre-" + strconv.FormatInt(x.ID, 10)
	}
	return x.Code
}

func docStateStatus(st store.DocState) string {
	switch st {
	case store.DocAccepte:
		return "ok"
	case store.DocARefaire:
		return "error"
	case store.DocManquant:
		return "warn"
	}
	return ""
}

// formatSize is a French file size ("1,2 Mo", "830 o").
func formatSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " o"
	case n < 1000*1000:
		return frDecimal(float64(n)/1000) + " ko"
	}
	return frDecimal(float64(n)/1000/1000) + " Mo"
}

func frDecimal(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	for i := range s {
		if s[i] == '.' {
			return s[:i] + "," + s[i+1:]
		}
	}
	return s
}

// documentsIntro says what the viewer can do on the documents tab.
func documentsIntro(p access.Permission, d store.Dossier) string {
	switch {
	case p.Can(access.ActEditContent): // the structure's coordinators
		if p.CanUploadDocument(store.DocAutre) {
			return "Déposez chaque pièce demandée : elle est enregistrée dès l'envoi. La demande de contractualisation peut être déposée quand chaque pièce est fournie et qu'aucune n'est à refaire ; la CPAM les examine pendant l'instruction."
		}
		return "Le dossier est à l'état « " + d.State.Label() + " » : les pièces ne peuvent pas être modifiées pour l'instant (elles le seront à nouveau si la CPAM demande des compléments)."
	case p.Can(access.ActReviewDocuments):
		return "Examinez chaque pièce : acceptez-la, ou marquez-la à refaire avec un commentaire que la structure verra à côté de la pièce."
	}
	return "Les pièces du dossier, en lecture seule."
}

func (s *Server) renderDocuments(w http.ResponseWriter, r *http.Request, sc store.Scope, d store.Dossier, st documentsState) {
	ctx := r.Context()
	list, err := s.store.ListDocuments(ctx, sc, d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d = list.Dossier
	comps, err := s.store.ListComplementRequests(ctx, sc, d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	open := map[string][]string{}
	for _, c := range comps {
		if c.Open() {
			open[c.Target] = append(open[c.Target], c.Request)
		}
	}
	p := dossierPerm(sc, d)
	canReview := p.Can(access.ActReviewDocuments)
	v := pages.DocumentsView{
		ID: d.ID, StructureName: d.StructureName, StructureType: string(d.StructureType),
		StateCode: string(d.State), StateLabel: d.State.Label(), StateStatus: dossierStateStatus(d.State),
		Errors: st.summary, Intro: documentsIntro(p, d), Accept: filetype.Accept, Allowed: filetype.Allowed, MaxBytes: filetype.MaxSize,
		CanUpload: p.CanUploadDocument(store.DocAutre), CanReview: canReview,
		NewTitle: st.newTitle, NewTitleError: st.newTitleErr, NewFileError: st.newFileErr,
	}
	row := func(x store.DossierDocument) pages.DocumentRow {
		key := docKey(x)
		dr := pages.DocumentRow{
			Key: key, ID: x.ID, Code: x.Code, Title: x.Title, StateCode: string(x.State), StateLabel: x.State.Label(),
			StateStatus: docStateStatus(x.State), ReviewComment: x.ReviewComment, ReviewedBy: x.ReviewedBy, Version: x.Version,
			Complements: open["doc:"+x.Code],
			CanUpload:   p.CanUploadDocument(x.Code),
			CanReview:   canReview && len(x.Versions) > 0,
			UploadError: st.uploadErr[key], ReviewError: st.reviewErr[x.ID], ReviewDraft: st.reviewDraft[x.ID],
		}
		if !dr.CanUpload && p.CanUploadDocument(store.DocAutre) {
			dr.FrozenNote = "Cette pièce est en cours d'examen par l'ARS : elle ne peut pas être remplacée pour l'instant."
		}
		if x.ReviewedAt != nil {
			dr.ReviewedAt = domain.FrenchDateTime(*x.ReviewedAt)
		}
		if x.Required && store.Generable(workflow.Document(x.Code)) && dr.CanUpload {
			dr.CanGenerate = true
			dr.GenerateHint = "Crée une nouvelle version (tableau CSV) à partir des données du portail ; vérifiez-les d'abord."
			if x.Code == string(workflow.DocContoursTerritoire) {
				dr.GenerateHint = "Crée une nouvelle version (tableau CSV : communes, codes, populations, total et niveau) à partir de l'éditeur du territoire."
			} else {
				dr.GenerateHint = "Crée une nouvelle version (tableau CSV : nom, profession, mode d'exercice, commune, RPPS) à partir du registre des membres."
			}
		}
		for i, ver := range x.Versions {
			dr.Versions = append(dr.Versions, pages.DocumentVersionRow{
				N: ver.N, Href: fmt.Sprintf("/dossiers/%d/documents/%d/versions/%d", d.ID, x.ID, ver.N),
				Filename: ver.Filename, Type: shortType(ver.MediaType), Size: formatSize(ver.Size),
				SHAShort: ver.SHA256[:12], SHA: ver.SHA256, At: domain.FrenchDateTime(ver.UploadedAt), By: orDash(ver.UploadedBy),
				Generated: ver.Generated, Current: i == 0,
			})
		}
		return dr
	}
	for _, x := range list.Required {
		v.Required = append(v.Required, row(x))
	}
	for _, x := range list.Others {
		v.Others = append(v.Others, row(x))
	}
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, st.status, pages.Documents(s.page(r, "Documents — "+d.StructureName), v))
}

func shortType(mt string) string {
	switch mt {
	case filetype.PDF:
		return "PDF"
	case filetype.PNG:
		return "PNG"
	case filetype.JPEG:
		return "JPEG"
	case filetype.CSV:
		return "CSV"
	case filetype.ODT:
		return "ODT"
	case filetype.ODS:
		return "ODS"
	case filetype.DOCX:
		return "DOCX"
	case filetype.XLSX:
		return "XLSX"
	}
	return mt
}
