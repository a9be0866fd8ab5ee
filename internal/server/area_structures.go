package server

import "github.com/go-chi/chi/v5"

// mountStructures adds the structures area's routes (all behind requireLogin).
func (s *Server) mountStructures(r chi.Router) {
}
