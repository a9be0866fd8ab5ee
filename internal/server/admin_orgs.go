package server

import (
	"errors"
	"net/http"
	"slices"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// adminOrgs is /admin/organisations: the CPAM, ARS, DCGDR and national
// organisations, and the form that onboards a new one.
func (s *Server) adminOrgs(w http.ResponseWriter, r *http.Request) {
	s.renderOrgs(w, r, http.StatusOK, store.NewOrganisation{}, nil)
}

func (s *Server) renderOrgs(w http.ResponseWriter, r *http.Request, status int, o store.NewOrganisation, ferr *domain.Error) {
	ctx := r.Context()
	orgs, err := s.store.AdminOrganisations(ctx, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	deps, err := s.store.Departements(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	regions, err := s.store.Regions(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.AdminOrgsView{Kind: string(o.Kind),
		Name: pages.FieldView{Name: "name", Label: "Nom", Value: o.Name, Required: true, MaxLen: 200, Hint: "Par exemple : CPAM du Rhône, ARS Bretagne."}}
	for _, x := range orgs {
		v.Rows = append(v.Rows, pages.AdminOrgRow{Name: x.Name, Kind: x.Kind.Label(), Detail: x.Detail, Accounts: x.Accounts})
	}
	for _, d := range deps {
		v.Departements = append(v.Departements, pages.Option{Value: d[0], Label: d[0] + " — " + d[1], Selected: slices.Contains(o.Departements, d[0])})
	}
	regionOpts := []pages.Option{}
	for _, g := range regions {
		regionOpts = append(regionOpts, pages.Option{Value: g[0], Label: g[1], Selected: g[0] == o.Region})
	}
	v.Region = pages.FieldView{Name: "region", Label: "Région (ARS, DCGDR)", Options: regionOpts}
	if ferr != nil {
		v.Errors = []string{ferr.Message}
		switch ferr.Field {
		case "kind":
			v.KindError = ferr.Message
		case "name":
			v.Name.Error = ferr.Message
		case "departements":
			v.DepError = ferr.Message
		case "region":
			v.Region.Error = ferr.Message
		}
	}
	s.render(w, r, status, pages.AdminOrgs(s.page(r, "Administration — organisations"), v))
}

func (s *Server) adminOrgCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	o := store.NewOrganisation{Kind: domain.OrgKind(formValue(r, "kind", 20)), Name: formValue(r, "name", 200), Region: formValue(r, "region", 10)}
	switch o.Kind { // the kind of the organisation being created, not the viewer's
	case domain.OrgNational:
		o.Kind = "" // one national organisation, created by `aci user create`
	}
	deps := r.PostForm["departements"]
	if len(deps) > 200 {
		deps = deps[:200]
	}
	for _, d := range deps {
		if len(d) <= 3 && !slices.Contains(o.Departements, d) {
			o.Departements = append(o.Departements, d)
		}
	}
	id, err := s.store.AdminCreateOrganisation(idempotent(r), adminActor(sc), o)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EInvalid {
		s.renderOrgs(w, r, http.StatusUnprocessableEntity, o, de)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("admin: organisation created", "admin_user_id", sc.UserID, "org_id", id, "kind", o.Kind, "name", o.Name, "request_id", requestIDFrom(ctx))
	s.flash(r, "ok", o.Kind.Label()+" « "+o.Name+" » ajoutée. Créez maintenant ses comptes depuis « Utilisateurs ».")
	redirect(w, r, "/admin/organisations")
}
