package server

import (
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"net/url"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

const dossiersPerPage = 50

// dossierList is /dossiers: a structure's own dossier(s), with "Créer le
// dossier" when there is none; for CPAM, ARS, DCGDR and admin, the dossiers
// in scope filtered by state, type and name, 50 per page.
func (s *Server) dossierList(w http.ResponseWriter, r *http.Request) {
	s.renderDossierList(w, r, http.StatusOK, "")
}

func (s *Server) renderDossierList(w http.ResponseWriter, r *http.Request, status int, createErr string) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	today := domain.DateOf(s.now())
	q := r.URL.Query()
	f, st := dossierListFilter(r, sc)
	v := pages.DossierListView{IsStructure: viewerCan(r, access.ActWorkAsStructure), CreateError: createErr, Query: f.Query,
		ShowQueueLink: viewerCan(r, access.ActWorkInstruction)}
	page := pageNumber(r)
	// The list (count and page) and the frame's badge: one batch
	// (docs/rules.md §35.1).
	rd := store.NewReads(sc)
	fr := s.readFrame(rd)
	var rows []store.Dossier
	var total int
	rd.ListDossiers(f, store.Page{Number: page, Size: dossiersPerPage}, &rows, &total)
	if err := s.store.Send(ctx, rd); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Total = total
	for _, d := range rows {
		v.Rows = append(v.Rows, dossierRow(sc, d, today))
	}
	if v.IsStructure && len(rows) == 0 {
		v.CanCreate, v.CreateRefusal = s.canCreateDossier(r, sc)
	}
	for _, x := range workflow.DossierStates() {
		v.States = append(v.States, pages.Option{Value: string(x), Label: x.Label(), Selected: x == st})
	}
	for _, t := range []domain.StructureType{domain.CPTS, domain.MSP, domain.ESP} {
		v.Types = append(v.Types, pages.Option{Value: string(t), Label: string(t), Selected: t == f.Type})
	}
	base := url.Values{}
	for k, vs := range q {
		if k != "page" {
			base[k] = vs
		}
	}
	enc := base.Encode()
	if enc != "" {
		enc += "&"
	}
	v.Pager = components.Pager{Page: page, Pages: (total + dossiersPerPage - 1) / dossiersPerPage, Total: total, Base: "/dossiers?" + enc}
	v.ExportURL = "/dossiers/export.csv"
	if enc != "" {
		v.ExportURL += "?" + enc[:len(enc)-1]
	}
	s.render(w, r, status, pages.DossierList(s.pageOf(r, "Dossiers", fr), v))
}

// dossierListFilter reads the list's filters (q, etat, type); a structure's
// users see their own dossiers, unfiltered.
func dossierListFilter(r *http.Request, sc store.Scope) (store.DossierFilter, workflow.State) {
	q := r.URL.Query()
	if viewerCan(r, access.ActWorkAsStructure) {
		return store.DossierFilter{StructureID: sc.OrgID}, ""
	}
	f := store.DossierFilter{Query: q.Get("q")}
	if len([]rune(f.Query)) > 100 {
		f.Query = string([]rune(f.Query)[:100])
	}
	st := workflow.State(q.Get("etat"))
	if st.Valid() && !st.IsContract() {
		f.States = []workflow.State{st}
	}
	if t := domain.StructureType(q.Get("type")); t == domain.CPTS || t == domain.MSP || t == domain.ESP {
		f.Type = t
	}
	return f, st
}

// canCreateDossier says whether the viewer may create their structure's
// dossier, or why not (member role, ESS: workflow.Eligible).
func (s *Server) canCreateDossier(r *http.Request, sc store.Scope) (bool, string) {
	o, err := s.store.Structure(r.Context(), sc, sc.OrgID)
	return canCreateDossierOf(sc, o, err == nil)
}

// canCreateDossierOf is canCreateDossier for the viewer's structure o,
// already read (found false: not in scope).
func canCreateDossierOf(sc store.Scope, o store.Organisation, found bool) (bool, string) {
	if !found {
		return false, "Votre structure est introuvable."
	}
	if err := workflow.Eligible(o.StructureType); err != nil {
		return false, domain.ErrorMessage(err)
	}
	if !access.For(sc.Viewer(), access.Structure(o.ID, o.StructureType, o.ArchivedAt != nil)).Can(access.ActCreateDossier) {
		return false, "Votre structure n'a pas encore de dossier. Seul·e son ou sa coordinateur·rice peut le créer."
	}
	return true, ""
}

// dossierCreate creates the viewer's structure's dossier (POST /dossiers).
func (s *Server) dossierCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, _ := scopeFrom(r.Context())
	if !viewerCan(r, access.ActWorkAsStructure) {
		s.notFound(w, r)
		return
	}
	id, err := s.store.CreateDossier(idempotent(r), sc, sc.OrgID, s.now())
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EInvalid, domain.EConflict:
			s.renderDossierList(w, r, dErrorStatus(err), domain.ErrorMessage(err))
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.flash(r, "ok", "Le dossier est créé. Complétez-le, puis déposez-le quand il est prêt.")
	redirect(w, r, "/dossiers/"+dItoa(id))
}
