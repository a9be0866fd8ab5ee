package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

// Territory edits (POST → 303 → GET). The store refuses anyone but the CPTS's
// coordinator and national admins (not found), and non-CPTS structures.
// Conflicts (commune held by another CPTS, stale version) re-render the page
// with the message next to the search, keeping the query.

func (s *Server) territoryAdd(w http.ResponseWriter, r *http.Request) {
	s.territoryEdit(w, r, func(sc store.Scope, id int64, version int) (store.TerritoryEdit, error) {
		return s.store.AddCommune(r.Context(), sc, id, version, formValue(r, "code", 10))
	})
}

func (s *Server) territoryAddEPCI(w http.ResponseWriter, r *http.Request) {
	s.territoryEdit(w, r, func(sc store.Scope, id int64, version int) (store.TerritoryEdit, error) {
		return s.store.AddEPCI(r.Context(), sc, id, version, formValue(r, "epci", 20))
	})
}

func (s *Server) territoryRemove(w http.ResponseWriter, r *http.Request) {
	s.territoryEdit(w, r, func(sc store.Scope, id int64, version int) (store.TerritoryEdit, error) {
		return s.store.RemoveCommune(r.Context(), sc, id, version, formValue(r, "code", 10))
	})
}

func (s *Server) territoryEdit(w http.ResponseWriter, r *http.Request, fn func(sc store.Scope, id int64, version int) (store.TerritoryEdit, error)) {
	sc, d, _ := structureFrom(r)
	id := d.ID
	if !s.parseForm(w, r) {
		return
	}
	version := formVersion(r) // a form without a version is stale by definition
	res, err := fn(sc, id, version)
	switch domain.ErrorCode(err) {
	case "":
	case domain.EConflict, domain.EInvalid:
		status := http.StatusConflict
		if domain.ErrorCode(err) == domain.EInvalid {
			status = http.StatusUnprocessableEntity
		}
		s.renderTerritory(w, r, id, status, domain.ErrorMessage(err))
		return
	default:
		s.fail(w, r, err)
		return
	}
	s.flash(r, territoryFlashKind(res), territoryFlash(res))
	to := territoryBase(id)
	if q := formValue(r, "q", 100); q != "" && len(res.Removed) == 0 {
		to += "?q=" + url.QueryEscape(q)
	}
	redirect(w, r, to)
}

func territoryFlashKind(res store.TerritoryEdit) string {
	if len(res.Held) > 0 || len(res.Added)+len(res.Removed) == 0 {
		return "warn"
	}
	return "ok"
}

// territoryFlash says what the edit did and the new population and tier.
func territoryFlash(res store.TerritoryEdit) string {
	var b strings.Builder
	switch {
	case len(res.Added) == 1:
		b.WriteString(res.Added[0] + " ajoutée au territoire. ")
	case len(res.Added) > 1:
		b.WriteString(strconv.Itoa(len(res.Added)) + " communes ajoutées au territoire. ")
	case len(res.Removed) == 1:
		b.WriteString(res.Removed[0] + " retirée du territoire. ")
	default:
		b.WriteString("Aucune commune ajoutée. ")
	}
	if res.Already > 0 {
		b.WriteString(strconv.Itoa(res.Already) + " commune(s) en faisaient déjà partie. ")
	}
	if len(res.Held) > 0 {
		var held []string
		for _, h := range res.Held {
			held = append(held, h.Name+" ("+h.Holder+")")
		}
		if len(held) > 15 {
			held = append(held[:15], "et "+strconv.Itoa(len(res.Held)-15)+" autre(s)")
		}
		b.WriteString("Non ajoutées, car elles appartiennent déjà à une autre CPTS : " + strings.Join(held, ", ") + ". ")
	}
	b.WriteString("Population : " + domain.GroupThousands(res.Population) + " habitants — " + tierLabel(res.Tier) + ".")
	return b.String()
}
