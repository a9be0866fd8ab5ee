package server

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/templates/pages"
)

// msgBadCredentials is the same whether the e-mail is unknown or the password
// wrong, so that the form tells nothing about which accounts exist.
const msgBadCredentials = "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie et réessayez."

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := scopeFrom(r.Context()); ok {
		redirect(w, r, "/")
		return
	}
	s.render(w, r, http.StatusOK, pages.Login(s.page(r, "Connexion"), pages.LoginForm{Next: safeNext(r.URL.Query().Get("next"))}))
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	email := strings.ToLower(formValue(r, "email", 254))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	form := pages.LoginForm{Email: email, Next: next}
	if email == "" || password == "" {
		// Nothing to check yet: say which field is missing (no attempt is
		// counted, nothing is learnt about the account).
		if email == "" {
			form.EmailError = "Indiquez votre adresse e-mail."
		}
		if password == "" {
			form.PasswordError = "Indiquez votre mot de passe."
		}
		s.render(w, r, http.StatusUnprocessableEntity, pages.Login(s.page(r, "Connexion"), form))
		return
	}
	ip := s.clientIP(r)
	now := s.now()

	hist, err := s.store.LoginHistory(ctx, email, ip, now)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if until := auth.LoginWait(hist, now); !until.IsZero() {
		mins := int(until.Sub(now).Minutes()) + 1
		s.log.Warn("login refused: rate limited", "email", email, "ip", ip, "until", until, "request_id", requestIDFrom(ctx))
		form.Error = fmt.Sprintf("Trop de tentatives de connexion infructueuses. Par sécurité, attendez %d minute(s) avant de réessayer.", mins)
		form.Blocked = true
		s.render(w, r, http.StatusTooManyRequests, pages.Login(s.page(r, "Connexion"), form))
		return
	}

	ok := false
	var uid int64
	u, err := s.store.UserByEmail(ctx, email)
	switch {
	case err == nil:
		ok = email != "" && password != "" && auth.Check(u.PasswordHash, password) && u.DisabledAt == nil
		uid = u.ID
	case domain.IsNotFound(err):
		auth.DummyCheck(password)
	default:
		s.internalError(w, r, err)
		return
	}
	var sc struct{ orgID int64 }
	if ok {
		if fs, err := s.firstScope(ctx, uid); err == nil {
			sc.orgID = fs.OrgID
		} else if oa, isArchived := err.(*onlyArchivedError); isArchived {
			// The right password, but every organisation of the account is
			// archived: say so instead of "identifiants incorrects".
			s.log.Warn("login refused: only archived organisations", "user_id", uid, "request_id", requestIDFrom(ctx))
			form.Error = oa.message()
			s.render(w, r, http.StatusForbidden, pages.Login(s.page(r, "Connexion"), form))
			return
		} else if !domain.IsNotFound(err) {
			s.internalError(w, r, err)
			return
		} else {
			ok = false // an account without any active organisation cannot log in
		}
	}
	// The right password of an account with a second factor (or that must
	// enrol one): nothing is recorded yet, the code decides (docs/rules.md §34).
	if ok && s.secondStep(w, r, uid, sc.orgID, u.SessionEpoch, u.Email, next) {
		return
	}
	if err := s.store.RecordLoginAttempt(ctx, email, ip, ok, now); err != nil {
		s.internalError(w, r, err)
		return
	}
	if !ok {
		s.log.Warn("login failure", "email", email, "ip", ip, "request_id", requestIDFrom(ctx))
		s.noteLoginFailure(r, email, ip, hist, now)
		form.Error = msgBadCredentials
		s.render(w, r, http.StatusOK, pages.Login(s.page(r, "Connexion"), form))
		return
	}
	// A new token on every privilege change (session fixation).
	if err := s.completeLogin(r, uid, sc.orgID, u.SessionEpoch, false); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.Info("login success", "user_id", uid, "email", email, "ip", ip, "request_id", requestIDFrom(ctx))
	redirect(w, r, next)
}

// noteLoginFailure, after a failure was recorded on top of hist, e-mails
// the account's owner when that failure starts an account lock
// (auth.LockStarts). A mail that cannot be queued is logged, not shown: the
// login answer stays the same whether the account exists or not.
func (s *Server) noteLoginFailure(r *http.Request, email, ip string, hist auth.LoginHistory, now time.Time) {
	hist.AccountFailures++
	hist.AccountLastFailure = now
	if !auth.LockStarts(hist.AccountFailures) {
		return
	}
	hist.KnownAddress = false
	until := auth.LoginWait(hist, now)
	s.log.Warn("account locked for new addresses", "email", email, "ip", ip, "until", until, "request_id", requestIDFrom(r.Context()))
	if err := s.store.NotifyAccountLocked(r.Context(), email, ip, now, until, s.cfg.BaseURL); err != nil {
		s.log.Error("account lock e-mail not queued", append(logAttrs(r), "error", err.Error())...)
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if sc, ok := scopeFrom(ctx); ok {
		s.log.Info("logout", "user_id", sc.UserID, "request_id", requestIDFrom(ctx))
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		s.internalError(w, r, err)
		return
	}
	redirect(w, r, "/login")
}

// switchOrganisation makes another of the user's memberships the active one.
func (s *Server) switchOrganisation(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	cur, _ := scopeFrom(ctx)
	orgID, ok := pathID(r.PostFormValue("org_id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	sc, err := s.store.ScopeFor(ctx, cur.UserID, orgID)
	if err != nil {
		// An archived organisation of the user's: say so, never a silent
		// failure (ScopeFor refuses it).
		if ms, merr := s.store.Memberships(ctx, cur.UserID); domain.IsNotFound(err) && merr == nil {
			for _, m := range ms {
				if m.OrgID == orgID && m.Archived {
					s.flash(r, "error", "« "+m.OrgName+" » est archivée : personne ne peut plus agir pour elle. Vous agissez toujours pour "+cur.OrgName+".")
					redirect(w, r, "/")
					return
				}
			}
		}
		s.fail(w, r, err)
		return
	}
	oldToken := s.sessions.Token(ctx)
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.internalError(w, r, err)
		return
	}
	if err := s.store.RenewSession(ctx, oldToken, s.sessions.Token(ctx), s.now()); err != nil {
		s.log.Error("session renewal not recorded", append(logAttrs(r), "error", err.Error())...)
	}
	s.sessions.Put(ctx, sessOrgID, sc.OrgID)
	s.log.Info("membership switch", "user_id", sc.UserID, "org_id", sc.OrgID, "request_id", requestIDFrom(ctx))
	s.flash(r, "ok", "Vous agissez maintenant pour "+sc.OrgName+" ("+sc.Role.Label()+").")
	redirect(w, r, "/")
}
