package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// « Mot de passe oublié »: a single-use link by e-mail (store.ResetTTL), the
// same answer whether the address is an account or not, requests limited per
// address and per client (store.ResetMaxPerEmail, store.ResetMaxPerIP).

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.ForgotPassword(s.page(r, "Mot de passe oublié"), pages.ForgotView{}))
}

func (s *Server) forgotSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email := store.NormalizeEmail(formValue(r, "email", 254))
	v := pages.ForgotView{Email: email}
	if email == "" || !strings.Contains(email, "@") {
		v.Error = "Indiquez l'adresse e-mail de votre compte (par exemple prenom.nom@exemple.fr)."
		s.render(w, r, http.StatusUnprocessableEntity, pages.ForgotPassword(s.page(r, "Mot de passe oublié"), v))
		return
	}
	token, hash := newResetToken()
	link := s.cfg.BaseURL + "/mot-de-passe/nouveau?jeton=" + url.QueryEscape(token)
	err := s.store.RequestPasswordReset(r.Context(), store.ResetRequest{Email: email, IP: s.clientIP(r), At: s.now(), TokenHash: hash,
		Subject: "Vous avez demandé un nouveau mot de passe pour le Portail ACI",
		Body: "Bonjour,\n\nUne demande de nouveau mot de passe a été faite pour votre compte du Portail ACI.\n\n" +
			"Pour choisir votre nouveau mot de passe, ouvrez ce lien dans les 30 minutes (il ne sert qu'une fois) :\n" + link + "\n\n" +
			"Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.\n"})
	if errors.Is(err, store.ErrTooManyResets) {
		s.log.Warn("password reset refused: rate limited", "ip", s.clientIP(r), "request_id", requestIDFrom(r.Context()))
		v.Error = domain.ErrorMessage(err)
		s.render(w, r, http.StatusTooManyRequests, pages.ForgotPassword(s.page(r, "Mot de passe oublié"), v))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	v.Sent = true
	s.render(w, r, http.StatusOK, pages.ForgotPassword(s.page(r, "Mot de passe oublié"), v))
}

// newResetToken returns a random token (256 bits, URL-safe) and its SHA-256,
// the only form stored.
func newResetToken() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	t := base64.RawURLEncoding.EncodeToString(b)
	return t, resetTokenHash(t)
}

func resetTokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// resetForm is GET /mot-de-passe/nouveau?jeton=…: the new password form, or
// why the link no longer works. It commits nothing.
func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("jeton")
	v := pages.ResetView{Token: token, MinRunes: auth.MinPasswordRunes}
	if _, err := s.store.PasswordResetAccount(r.Context(), resetTokenHash(token), s.now()); err != nil {
		if !domain.IsNotFound(err) {
			s.internalError(w, r, err)
			return
		}
		v.Invalid = domain.ErrorMessage(err)
		s.render(w, r, http.StatusNotFound, pages.ResetPassword(s.page(r, "Nouveau mot de passe"), v))
		return
	}
	s.render(w, r, http.StatusOK, pages.ResetPassword(s.page(r, "Nouveau mot de passe"), v))
}

func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	token := r.PostFormValue("jeton")
	next, confirm := r.PostFormValue("new_password"), r.PostFormValue("confirm_password")
	v := pages.ResetView{Token: token, MinRunes: auth.MinPasswordRunes}
	email, err := s.store.PasswordResetAccount(ctx, resetTokenHash(token), s.now())
	if err != nil {
		if !domain.IsNotFound(err) {
			s.internalError(w, r, err)
			return
		}
		v.Invalid = domain.ErrorMessage(err)
		s.render(w, r, http.StatusNotFound, pages.ResetPassword(s.page(r, "Nouveau mot de passe"), v))
		return
	}
	if next == "" {
		v.NewError = "Choisissez un nouveau mot de passe."
	} else {
		v.NewError = auth.PasswordProblem(next, email)
	}
	if v.NewError == "" && confirm != next {
		v.ConfirmError = "La confirmation ne correspond pas au nouveau mot de passe : saisissez-le de nouveau."
	}
	if v.NewError != "" || v.ConfirmError != "" {
		for _, e := range []string{v.NewError, v.ConfirmError} {
			if e != "" {
				v.Errors = append(v.Errors, e)
			}
		}
		s.render(w, r, http.StatusUnprocessableEntity, pages.ResetPassword(s.page(r, "Nouveau mot de passe"), v))
		return
	}
	hash, err := auth.Hash(next)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	uid, err := s.store.ResetPassword(ctx, resetTokenHash(token), hash, s.now())
	if domain.IsNotFound(err) { // spent meanwhile (two tabs)
		v.Invalid = domain.ErrorMessage(err)
		s.render(w, r, http.StatusNotFound, pages.ResetPassword(s.page(r, "Nouveau mot de passe"), v))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.Info("password reset", "user_id", uid, "ip", s.clientIP(r), "request_id", requestIDFrom(ctx))
	s.flash(r, "ok", "Votre mot de passe a été changé. Connectez-vous avec votre nouveau mot de passe.")
	redirect(w, r, "/login")
}

// firstLoginAllowed lists what a user who must still choose their own
// password may reach: the account page and its password form.
func firstLoginAllowed(r *http.Request) bool {
	return (r.Method == http.MethodGet && r.URL.Path == "/compte") ||
		(r.Method == http.MethodPost && r.URL.Path == "/compte/mot-de-passe")
}
