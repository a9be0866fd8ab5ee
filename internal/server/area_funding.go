package server

import "github.com/go-chi/chi/v5"

// mountFunding adds the funding area's routes (all behind requireLogin):
// the simulator (simulator_*.go) and the barèmes (bareme_*.go). Barèmes are
// national reference data: every role reads them, only a national admin
// edits the MSP indicators (others get 404 on the admin routes).
func (s *Server) mountFunding(r chi.Router) {
	r.Get("/simulateur", s.simulator)
	r.Get("/baremes", s.baremes)
	r.Group(func(r chi.Router) {
		r.Use(s.requireNationalAdmin)
		r.With(s.limitBody(16<<10)).Post("/baremes/msp", s.mspCreate)
		r.Get("/baremes/msp/{id}", s.mspEdit)
		r.With(s.limitBody(16<<10)).Post("/baremes/msp/{id}", s.mspUpdate)
		r.With(s.limitBody(4<<10)).Post("/baremes/msp/{id}/supprimer", s.mspDelete)
	})
}
