package server

import "github.com/go-chi/chi/v5"

// mountFunding adds the funding area's routes (all behind requireLogin):
// the simulator (simulator_*.go) and the barèmes (bareme_*.go). Barèmes are
// national reference data: every role reads them, only a national admin
// edits the MSP indicators (others get 404 on the admin routes).
func (s *Server) mountFunding(r chi.Router) {
	r.Get("/simulateur", s.simulator)
}
