package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

const structuresPerPage = 50

func (s *Server) structureList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	q := r.URL.Query()
	f := store.StructureFilter{Query: q.Get("q"), Departement: q.Get("departement")}
	if len(f.Query) > 100 {
		f.Query = f.Query[:100]
	}
	if t := domain.StructureType(q.Get("type")); t.Valid() {
		f.Type = t
	}
	page := pageNumber(r)
	rows, total, err := s.store.ListStructures(ctx, sc, f, store.Page{Number: page, Size: structuresPerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.StructureListView{Total: total, Query: f.Query}
	for _, t := range []domain.StructureType{domain.CPTS, domain.MSP, domain.ESP, domain.ESS} {
		v.Types = append(v.Types, pages.Option{Value: string(t), Label: string(t), Selected: t == f.Type})
	}
	for _, d := range sc.Departements {
		v.Departments = append(v.Departments, pages.Option{Value: d, Label: d, Selected: d == f.Departement})
	}
	for _, o := range rows {
		v.Rows = append(v.Rows, pages.StructureRow{ID: o.ID, Name: o.Name, Type: string(o.StructureType),
			Departement: o.Departement + " — " + o.DepartementNom})
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
	v.Pager = components.Pager{Page: page, Pages: (total + structuresPerPage - 1) / structuresPerPage, Total: total, Base: "/structures?" + enc}
	s.render(w, r, http.StatusOK, pages.StructureList(s.page(r, "Structures"), v))
}

func (s *Server) structureShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	id, ok := pathID(chiParam(r, "id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	o, err := s.store.GetStructure(ctx, sc, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.StructureView{ID: o.ID, Name: o.Name, Type: string(o.StructureType), Facts: []pages.Fact{
		{Label: "Type", Value: string(o.StructureType)},
		{Label: "Département du siège", Value: o.Departement + " — " + o.DepartementNom},
		{Label: "Région", Value: o.RegionNom},
		{Label: "Enregistrée le", Value: domain.DateOf(o.CreatedAt).French()},
		{Label: "Identifiant", Value: strconv.FormatInt(o.ID, 10)},
	}}
	s.render(w, r, http.StatusOK, pages.StructureShow(s.page(r, o.Name), v))
}
