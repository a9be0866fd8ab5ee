package server

import "github.com/go-chi/chi/v5"

// mountTerritory adds the territory area's routes (all behind requireLogin):
// the CPTS territory editor (territory_show.go, territory_edit.go) and its
// exports (territory_export.go).
func (s *Server) mountTerritory(r chi.Router) {
	r.Get("/structures/{id}/territoire", s.territoryShow)
	r.Get("/structures/{id}/territoire.csv", s.territoryCSV)
	r.Get("/structures/{id}/territoire/imprimer", s.territoryPrint)
	form := r.With(s.limitBody(8 << 10))
	form.Post("/structures/{id}/territoire/communes", s.territoryAdd)
	form.Post("/structures/{id}/territoire/epci", s.territoryAddEPCI)
	form.Post("/structures/{id}/territoire/retirer", s.territoryRemove)
}
