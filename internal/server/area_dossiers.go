package server

import "github.com/go-chi/chi/v5"

// mountDossiers adds the dossiers area's routes (all behind requireLogin).
func (s *Server) mountDossiers(r chi.Router) {
}
