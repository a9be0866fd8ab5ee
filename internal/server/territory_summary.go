package server

import (
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
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

// territoryList gives the population and tier of the listed structures that
// have a territory.
func (s *Server) territoryList(r *http.Request, ids []int64) (map[int64]pages.TerritorySummary, error) {
	sc, _ := scopeFrom(r.Context())
	tot, err := s.store.TerritoryTotals(r.Context(), sc, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]pages.TerritorySummary, len(tot))
	for id, t := range tot {
		out[id] = pages.TerritorySummary{Communes: t.Communes, Population: domain.GroupThousands(t.Population),
			Tier: strconv.Itoa(t.Tier), EditURL: territoryBase(id)}
	}
	return out, nil
}
