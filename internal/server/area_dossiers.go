package server

import "github.com/go-chi/chi/v5"

// mountDossiers adds the dossiers area's routes (all behind requireLogin).
// The dossier's other tabs are mounted by their areas, listed below: each
// adds its routes under /dossiers/{id}/... in its own files.
func (s *Server) mountDossiers(r chi.Router) {
	r.Get("/dossiers", s.dossierList)
	r.With(s.limitBody(4<<10)).Post("/dossiers", s.dossierCreate)
	r.Get("/instruction", s.instructionQueue)
	r.Get("/dossiers/{id}", s.dossierShow)
	r.With(s.limitBody(64<<10)).Post("/dossiers/{id}/transitions", s.dossierTransition)
	r.With(s.limitBody(32<<10)).Post("/dossiers/{id}/complements", s.complementAdd)
	r.With(s.limitBody(32<<10)).Post("/dossiers/{id}/complements/{cid}/reponse", s.complementAnswer)
	r.With(s.limitBody(8<<10)).Post("/dossiers/{id}/rendez-vous", s.dossierAppointment)
	for _, mount := range []func(chi.Router){
		// Other areas' dossier tabs, e.g.:
		s.mountDossierContent,   // dossier_content*.go: /dossiers/{id}/contenu
		s.mountDossierDocuments, // document_*.go: /dossiers/{id}/documents
		s.mountDossierMessages,  // message_*.go: /dossiers/{id}/messages (+ /notifications, /compte)
		s.mountDossierContract,  // contract_*.go: /dossiers/{id}/contrat
	} {
		mount(r)
	}
}
