package server

import "github.com/go-chi/chi/v5"

// mountFunding adds the funding area's routes (all behind requireLogin).
func (s *Server) mountFunding(r chi.Router) {
}
