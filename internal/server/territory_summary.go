package server

import (
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// The territory block of the structure page and the population/tier columns
// of the structures list.

// territorySummary gives the territory block of CPTS id (scoped: not found
// outside the scope; ok false for a structure that has no territory).
func (s *Server) territorySummary(r *http.Request, id int64, canEdit bool) (pages.TerritorySummary, bool, error) {
	sc, _ := scopeFrom(r.Context())
	t, err := s.store.Territory(r.Context(), sc, id)
	if domain.IsNotFound(err) {
		return pages.TerritorySummary{}, false, nil // not a CPTS: nothing to show
	}
	if err != nil {
		return pages.TerritorySummary{}, false, err
	}
	return pages.TerritorySummary{Communes: len(t.Communes), Population: domain.GroupThousands(t.Population),
		Tier: tierLabel(t.Tier), Year: t.PopulationYear, EditURL: territoryBase(id), CanEdit: canEdit}, true, nil
}

// territorySummaries are the structures list's summaries of its
// territories' totals (store.TerritoryTotals, read in the list's batch).
func territorySummaries(tot map[int64]store.TerritoryTotal) map[int64]pages.TerritorySummary {
	out := make(map[int64]pages.TerritorySummary, len(tot))
	for id, t := range tot {
		out[id] = pages.TerritorySummary{Communes: t.Communes, Population: domain.GroupThousands(t.Population),
			Tier: strconv.Itoa(t.Tier), EditURL: territoryBase(id)}
	}
	return out
}
