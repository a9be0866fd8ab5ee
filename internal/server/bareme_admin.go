package server

import (
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// requireNationalAdmin answers 404 to anyone but a national admin: the MSP
// indicator admin routes do not exist for them (docs/rules.md §12: refusals look
// like "not found").
func (s *Server) requireNationalAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !viewerCan(r, access.ActAdminister) {
			s.notFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mspCreate is POST /baremes/msp.
func (s *Server) mspCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, _ := scopeFrom(r.Context())
	ind, f, ok := mspForm(r, "/baremes/msp", "Ajouter l'indicateur")
	if ok {
		_, err := s.store.CreateMSPIndicator(r.Context(), sc, ind)
		if err == nil {
			s.flash(r, "ok", "Indicateur « "+ind.Label+" » ajouté au barème "+ind.Bareme+".")
			redirect(w, r, "/baremes#msp")
			return
		}
		if !fieldFail(&f, err) {
			s.fail(w, r, err)
			return
		}
	}
	s.renderBaremes(w, r, http.StatusUnprocessableEntity, true, f)
}

func (s *Server) mspIndicator(w http.ResponseWriter, r *http.Request) (store.MSPIndicatorRow, bool) {
	id, ok := pathID(chiParam(r, "id"))
	if !ok {
		s.notFound(w, r)
		return store.MSPIndicatorRow{}, false
	}
	rows, err := s.store.LoadMSPIndicators(r.Context(), "")
	if err != nil {
		s.fail(w, r, err)
		return store.MSPIndicatorRow{}, false
	}
	for _, x := range rows {
		if x.ID == id {
			return x, true
		}
	}
	s.notFound(w, r)
	return store.MSPIndicatorRow{}, false
}

func mspEditAction(id int64) string { return "/baremes/msp/" + strconv.FormatInt(id, 10) }

// mspEdit is GET /baremes/msp/{id}.
func (s *Server) mspEdit(w http.ResponseWriter, r *http.Request) {
	x, ok := s.mspIndicator(w, r)
	if !ok {
		return
	}
	f := pages.BaremeMSPForm{Action: mspEditAction(x.ID), Submit: "Enregistrer", Bareme: x.Bareme, Code: x.Code, Label: x.Label,
		Axis: string(x.Axis), Kind: string(x.Kind), Fixed: strconv.FormatInt(x.FixedPoints, 10), Variable: strconv.FormatInt(x.VariablePoints, 10), Group: x.Group}
	s.render(w, r, http.StatusOK, pages.BaremeMSPEdit(s.page(r, "Modifier un indicateur MSP"), f))
}

// mspUpdate is POST /baremes/msp/{id}.
func (s *Server) mspUpdate(w http.ResponseWriter, r *http.Request) {
	x, ok := s.mspIndicator(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	sc, _ := scopeFrom(r.Context())
	ind, f, ok := mspForm(r, mspEditAction(x.ID), "Enregistrer")
	if ok {
		err := s.store.UpdateMSPIndicator(r.Context(), sc, x.ID, ind)
		if err == nil {
			s.flash(r, "ok", "Indicateur « "+ind.Label+" » enregistré.")
			redirect(w, r, "/baremes#msp")
			return
		}
		if !fieldFail(&f, err) {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, pages.BaremeMSPEdit(s.page(r, "Modifier un indicateur MSP"), f))
}

// mspDelete is POST /baremes/msp/{id}/supprimer (the form asks for
// confirmation).
func (s *Server) mspDelete(w http.ResponseWriter, r *http.Request) {
	x, ok := s.mspIndicator(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Supprimer cet indicateur du barème MSP ? Cette action est définitive.") {
		return
	}
	sc, _ := scopeFrom(r.Context())
	if err := s.store.DeleteMSPIndicator(r.Context(), sc, x.ID); err != nil {
		if domain.IsNotFound(err) {
			s.notFound(w, r)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "Indicateur « "+x.Label+" » supprimé.")
	redirect(w, r, "/baremes#msp")
}
