package server

import (
	"fmt"
	"net/http"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/templates/pages"
)

// accountPassword is POST /compte/mot-de-passe: every user changes their own
// password (docs/rules.md §23). Guessing the current password counts as login
// failures of the account (store.RecordLoginAttempt / LoginHistory, the same
// throttle as /login: auth.LoginWait).
func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	u, err := s.store.UserByID(ctx, sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	current, next, confirm := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("confirm_password")
	f := pages.PasswordForm{MinRunes: auth.MinPasswordRunes}
	ip, now := s.clientIP(r), s.now()

	hist, err := s.store.LoginHistory(ctx, u.Email, ip, now)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if until := auth.LoginWait(hist, now); !until.IsZero() {
		mins := int(until.Sub(now).Minutes()) + 1
		s.log.Warn("password change refused: rate limited", "user_id", u.ID, "ip", ip, "until", until, "request_id", requestIDFrom(ctx))
		f.Blocked = fmt.Sprintf("Trop de tentatives infructueuses. Par sécurité, attendez %d minute(s) avant de réessayer.", mins)
		s.renderAccount(w, r, http.StatusTooManyRequests, f)
		return
	}

	switch {
	case current == "":
		f.CurrentError = "Indiquez votre mot de passe actuel."
	case len(current) > auth.MaxPasswordBytes || !auth.Check(u.PasswordHash, current):
		if err := s.store.RecordLoginAttempt(ctx, u.Email, ip, false, now); err != nil {
			s.internalError(w, r, err)
			return
		}
		s.log.Warn("password change: wrong current password", "user_id", u.ID, "ip", ip, "request_id", requestIDFrom(ctx))
		s.noteLoginFailure(r, u.Email, ip, hist, now)
		f.CurrentError = "Le mot de passe actuel est incorrect."
	}
	switch {
	case next == "":
		f.NewError = "Choisissez un nouveau mot de passe."
	case next == current:
		f.NewError = "Le nouveau mot de passe doit être différent de l'actuel."
	default:
		f.NewError = auth.PasswordProblem(next, u.Email)
	}
	if f.NewError == "" && confirm != next {
		f.ConfirmError = "La confirmation ne correspond pas au nouveau mot de passe : saisissez-le de nouveau."
	}
	for _, e := range []string{f.CurrentError, f.NewError, f.ConfirmError} {
		if e != "" {
			f.Errors = append(f.Errors, e)
		}
	}
	if len(f.Errors) > 0 {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	hash, err := auth.Hash(next)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if err := s.store.ChangePassword(ctx, u.ID, u.Name, hash); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.RecordLoginAttempt(ctx, u.Email, ip, true, now); err != nil {
		s.internalError(w, r, err)
		return
	}
	// A new session token after a credential change (session fixation); this
	// session moves to the new epoch, every other session of the user ends.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.internalError(w, r, err)
		return
	}
	nu, err := s.store.UserByID(ctx, u.ID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessEpoch, nu.SessionEpoch)
	s.log.Info("password changed", "user_id", u.ID, "ip", ip, "request_id", requestIDFrom(ctx))
	s.flash(r, "ok", "Votre mot de passe a été changé. Utilisez-le dès votre prochaine connexion.")
	redirect(w, r, "/compte")
}

// renderAccount shows /compte with the password form's state.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, f pages.PasswordForm) {
	sc, _ := scopeFrom(r.Context())
	u, err := s.store.UserByID(r.Context(), sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sessions, err := s.accountSessions(r, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mfa, err := s.mfaSummary(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.Account(s.page(r, "Mon compte"), pages.AccountView{Name: u.Name, Email: u.Email, Mode: u.EmailMode,
		MustChange: u.MustChangePassword, Password: f, Sessions: sessions, MFA: mfa}))
}
