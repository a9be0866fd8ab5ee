package server

import (
	"net/http"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/templates/pages"
)

func (s *Server) accountShow(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	u, err := s.store.UserByID(r.Context(), sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sessions, err := s.accountSessions(r, sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mfa, err := s.mfaSummary(r.Context(), sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.Account(s.page(r, "Mon compte"), pages.AccountView{Name: u.Name, Email: u.Email, Mode: u.EmailMode,
		MustChange: u.MustChangePassword, Password: pages.PasswordForm{MinRunes: auth.MinPasswordRunes}, Sessions: sessions, MFA: mfa}))
}

func (s *Server) accountSave(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	if !s.parseForm(w, r) {
		return
	}
	mode := formValue(r, "email_mode", 20)
	if err := s.store.SetEmailMode(r.Context(), sc.UserID, mode); err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "Vous recevrez un e-mail à chaque notification."
	if mode == "digest" {
		msg = "Vous recevrez un récapitulatif par jour, vers 7 h."
	}
	s.flash(r, "ok", msg)
	redirect(w, r, "/compte")
}
