package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/portail-aci/aci/web"
)

// routes is the whole URL surface of the product.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestID, s.logRequests, s.recoverPanics, s.securityHeaders)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusMethodNotAllowed, "Action impossible", "Cette adresse n'accepte pas cette action.")
	})

	r.Get("/healthz", s.healthz)
	r.Handle("/static/*", web.Handler())

	// Everything with a session. CrossOriginProtection refuses state-changing
	// requests (POST, PUT, DELETE...) sent from another origin; GET never
	// changes state.
	r.Group(func(r chi.Router) {
		r.Use(s.crossOrigin, s.sessions.LoadAndSave, s.loadViewer)

		r.Get("/login", s.loginForm)
		r.With(s.limitBody(64<<10)).Post("/login", s.loginSubmit)
		r.With(s.limitBody(4<<10)).Post("/logout", s.logout)

		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.With(s.limitBody(4<<10)).Post("/organisation", s.switchOrganisation)
			r.Get("/", s.home)
			r.Get("/structures", s.structureList)
			r.Get("/structures/{id}", s.structureShow)
			s.mountAreas(r)
		})
	})
	return r
}

// areas are route groups added by the product's areas (structures,
// funding, dossiers...) in their own files, so that routes.go stays the one
// list of what exists: each area's mount function is listed here.
func (s *Server) mountAreas(r chi.Router) {
	for _, mount := range []func(chi.Router){
		s.mountStructures, // structure_*.go, member_*.go: registry, members, CSV import/export
		s.mountTerritory,  // territory_*.go: communes search, CPTS territory editor
		s.mountFunding,    // simulator_*.go, bareme_*.go: simulator, barèmes
		s.mountDossiers,   // dossier_*.go, instruction_*.go: workflow
		s.mountAdmin,      // admin_*.go, account_password.go: accounts administration, password change
	} {
		mount(r)
	}
}
