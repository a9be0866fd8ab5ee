package server

import (
	"net/http"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// yearHomeBlocks shows, on the homes of the structures and of the CPAM, the
// late missions and the yearly declarations to make, overdue or to
// validate (docs/rules.md §7, §29); nothing for the others or when all is
// well.
func (s *Server) yearHomeBlocks(r *http.Request) ([]pages.HomeBlock, error) {
	sc, _ := scopeFrom(r.Context())
	structure := viewerCan(r, access.ActWorkAsStructure)
	if !structure && !viewerCan(r, access.ActSeePayments) { // the CPAM (referent, manager) validates the declarations
		return nil, nil
	}
	as, _, err := s.store.ContractAlerts(r.Context(), sc, domain.DateOf(s.now()), homeItemsMax*4)
	if err != nil {
		return nil, err
	}
	b := pages.HomeBlock{Title: "Suivi des contrats : missions et évaluations annuelles"}
	for _, a := range as {
		if structure && a.Kind == store.AlertAwaitingReview || !structure && a.Kind == store.AlertOpenWindow {
			continue
		}
		if len(b.Items) == homeItemsMax {
			break
		}
		it := pages.HomeItem{Label: a.Label, Href: a.Href, Detail: a.Detail}
		if !structure {
			it.Label = a.Structure + " — " + a.Label
		}
		if a.Kind == store.AlertLateMission || a.Kind == store.AlertOverdue {
			it.Status = "En retard"
		}
		b.Items = append(b.Items, it)
	}
	if len(b.Items) == 0 {
		return nil, nil
	}
	return []pages.HomeBlock{b}, nil
}
