package server

import "github.com/go-chi/chi/v5"

// mountTerritory adds the territory area's routes (all behind requireLogin).
func (s *Server) mountTerritory(r chi.Router) {
}
