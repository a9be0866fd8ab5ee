package server

import "github.com/go-chi/chi/v5"

// mountStructures adds the structures area's routes (all behind
// requireLogin). /structures and /structures/{id} are in routes.go
// (structure_list.go, structure_show.go).
func (s *Server) mountStructures(r chi.Router) {
	r.Get("/structures/export.csv", s.structureExport)
	r.Get("/structures/nouvelle", s.structureNew)
	r.With(s.limitBody(64<<10)).Post("/structures/nouvelle", s.structureCreate)
	r.Get("/structures/{id}/modifier", s.structureEdit)
	r.With(s.limitBody(64<<10)).Post("/structures/{id}/modifier", s.structureUpdate)
	r.With(s.limitBody(4<<10)).Post("/structures/{id}/archiver", s.structureArchive)

	r.Get("/structures/{id}/membres", s.memberList)
	r.Get("/structures/{id}/membres/nouveau", s.memberNew)
	r.With(s.limitBody(64<<10)).Post("/structures/{id}/membres/nouveau", s.memberCreate)
	r.Get("/structures/{id}/membres/{mid}/modifier", s.memberEdit)
	r.With(s.limitBody(64<<10)).Post("/structures/{id}/membres/{mid}/modifier", s.memberUpdate)
	r.With(s.limitBody(4<<10)).Post("/structures/{id}/membres/{mid}/retirer", s.memberRemove)
	r.Get("/structures/{id}/membres/import", s.memberImportForm)
	r.With(s.limitBody(3<<20)).Post("/structures/{id}/membres/import", s.memberImport)
	r.Get("/structures/{id}/membres/import/rapport", s.memberImportReport)
}
