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
// well. It queues its read on rd (the home's batch; for a structure, the
// batch of its contract's reads: no contract, no alert) and builds the block
// once it is sent.
func (s *Server) yearHomeBlocks(r *http.Request, rd *store.Reads, h *homeReads) func() ([]pages.HomeBlock, error) {
	structure := viewerCan(r, access.ActWorkAsStructure)
	if !structure && !viewerCan(r, access.ActSeePayments) { // the CPAM (referent, manager) validates the declarations
		return func() ([]pages.HomeBlock, error) { return nil, nil }
	}
	var as []store.ContractAlert
	var total int
	today := domain.DateOf(s.now())
	if structure {
		h.onContract(func(rd *store.Reads) { rd.ContractAlerts(today, homeItemsMax*4, &as, &total) })
	} else {
		rd.ContractAlerts(today, homeItemsMax*4, &as, &total)
	}
	return func() ([]pages.HomeBlock, error) {
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
}
