package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

const crisesPerPage = 20

// errField is the field a coded error names (fieldOf), or def.
func errField(err error, def string) string {
	if f := fieldOf(err); f != "" {
		return f
	}
	return def
}

// crisesList is /crises: the crises in the viewer's scope (docs/rules.md
// §31), and the declaration form for an ARS director.
func (s *Server) crisesList(w http.ResponseWriter, r *http.Request) {
	s.renderCrises(w, r, http.StatusOK, pages.CrisisForm{})
}

func (s *Server) renderCrises(w http.ResponseWriter, r *http.Request, status int, form pages.CrisisForm) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	if !viewerCan(r, access.ActSeeCrises) {
		s.notFound(w, r)
		return
	}
	page := pageNumber(r)
	list, total, err := s.store.Crises(ctx, sc, store.Page{Number: page, Size: crisesPerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.CrisesView{CanDeclare: viewerCan(r, access.ActDeclareCrisis) && sc.Region != "", Form: form,
		Pager: components.Pager{Page: page, Pages: (total + crisesPerPage - 1) / crisesPerPage, Total: total, Base: "/crises?"}}
	for _, k := range list {
		v.Rows = append(v.Rows, pages.CrisisRow{URL: "/crises/" + strconv.FormatInt(k.ID, 10), Name: k.Name,
			Dates: "du " + k.Start.French() + " au " + k.End.French(), Territory: crisisTerritory(k), Declared: k.Declared.French(),
			Paid: strconv.Itoa(k.Paid), Total: domain.FormatEUR(k.Total)})
	}
	if v.CanDeclare {
		deps, err := s.store.RegionDepartements(ctx, sc.Region)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		chosen := map[string]bool{}
		for _, o := range form.Departements {
			chosen[o.Value] = o.Selected
		}
		v.Form.Departements = nil
		for _, d := range deps {
			v.Form.Departements = append(v.Form.Departements, pages.Option{Value: d, Label: d, Selected: chosen[d]})
		}
	}
	if status != http.StatusOK {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, pages.Crises(s.page(r, "Crises sanitaires"), v))
}

func crisisTerritory(k store.Crisis) string {
	if len(k.Departements) == 0 {
		return "toute la région " + k.RegionName
	}
	return "départements " + strings.Join(k.Departements, ", ") + " (" + k.RegionName + ")"
}

// crisisDeclare records a crisis and its payments (store.DeclareCrisis);
// bad input comes back at its field, nothing saved.
func (s *Server) crisisDeclare(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, _ := scopeFrom(r.Context())
	if !viewerCan(r, access.ActDeclareCrisis) {
		s.notFound(w, r)
		return
	}
	if !s.confirmed(w, r, "Déclarer cette crise ? Les versements des CPTS concernées seront créés aussitôt.") {
		return
	}
	form := pages.CrisisForm{Name: formValue(r, "name", 300), Start: formValue(r, "start", 20), End: formValue(r, "end", 20), Errors: map[string]string{}}
	var deps []string
	for _, d := range r.PostForm["departements"] {
		if d = strings.TrimSpace(d); d != "" && len(d) <= 3 && len(deps) < 30 {
			deps = append(deps, d)
			form.Departements = append(form.Departements, pages.Option{Value: d, Selected: true})
		}
	}
	in := store.CrisisInput{Name: form.Name, Departements: deps, At: s.now()}
	var ok bool
	if in.Start, ok = parseFrenchDate(form.Start); !ok && form.Start != "" {
		form.Errors["start"] = "Indiquez la date de début au format jj/mm/aaaa."
	}
	if in.End, ok = parseFrenchDate(form.End); !ok && form.End != "" {
		form.Errors["end"] = "Indiquez la date de fin au format jj/mm/aaaa."
	}
	if len(form.Errors) > 0 {
		s.renderCrises(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	id, err := s.store.DeclareCrisis(idempotent(r), sc, in)
	if err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			form.Errors[errField(err, "form")] = domain.ErrorMessage(err)
			s.renderCrises(w, r, http.StatusUnprocessableEntity, form)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "La crise est déclarée ; les versements des CPTS éligibles sont créés.")
	redirect(w, r, "/crises/"+strconv.FormatInt(id, 10))
}

// crisisShow is /crises/{id}: the crisis and each CPTS of its territory in
// the viewer's scope, with its amount or the reason it gets nothing.
func (s *Server) crisisShow(w http.ResponseWriter, r *http.Request) {
	k, res := crisisFrom(r)
	v := pages.CrisisView{Name: k.Name, Dates: "du " + k.Start.French() + " au " + k.End.French(), Territory: crisisTerritory(k),
		Declared: k.Declared.French(), By: k.DeclaredByName + " (" + k.ARSName + ")", Total: domain.FormatEUR(k.Total)}
	for _, x := range res {
		row := pages.CrisisResultRow{Structure: x.StructureName, Departement: x.Departement, ContractURL: contractURL(x.ContractID, ""),
			Amount: domain.FormatEUR(x.Amount), Reason: x.Reason, Paid: x.PaymentID != 0, Year: strconv.Itoa(x.ContractYear),
			Status: contractlife.PaymentState(x.PaymentStatus).Label()}
		if !row.Paid {
			row.Amount = "—"
		}
		v.Results = append(v.Results, row)
	}
	s.render(w, r, http.StatusOK, pages.CrisisShow(s.page(r, "Crise — "+k.Name), v))
}
