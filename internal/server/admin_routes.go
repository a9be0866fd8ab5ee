package server

import (
	"github.com/go-chi/chi/v5"
)

// mountAdmin adds the accounts administration (issue 2 item 6; DESIGN.md §2
// "national admin: reference data, barèmes, users"): admin_users.go,
// admin_orgs.go, behind requireNationalAdmin (bareme_admin.go: 404 to anyone else); and the password change of
// /compte for everyone (account_password.go).
func (s *Server) mountAdmin(r chi.Router) {
	r.With(s.limitBody(8<<10)).Post("/compte/mot-de-passe", s.accountPassword)
	r.Group(func(r chi.Router) {
		r.Use(s.requireNationalAdmin)
		r.Get("/admin/utilisateurs", s.adminUsers)
		r.Get("/admin/utilisateurs/nouveau", s.adminUserNew)
		r.Get("/admin/utilisateurs/{id}", s.adminUserShow)
		r.Get("/admin/organisations", s.adminOrgs)
		form := r.With(s.limitBody(16 << 10))
		form.Post("/admin/utilisateurs/nouveau", s.adminUserCreate)
		form.Post("/admin/utilisateurs/{id}/rattachements", s.adminMembershipAdd)
		form.Post("/admin/utilisateurs/{id}/rattachements/retirer", s.adminMembershipRemove)
		form.Post("/admin/utilisateurs/{id}/desactiver", s.adminUserDisable)
		form.Post("/admin/utilisateurs/{id}/reactiver", s.adminUserEnable)
		form.Post("/admin/organisations", s.adminOrgCreate)
	})
}
