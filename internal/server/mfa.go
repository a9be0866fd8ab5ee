package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/templates/pages"
)

// The second factor (docs/rules.md §34). After the right password, an
// account with a second factor — or one that must enrol — is only
// "pending": the session holds the pending login under its own keys, never
// sessUserID, so loadViewer finds nobody and every page but the second
// step answers as to an anonymous visitor. The session becomes a login
// (new token, sessUserID) only once the code is right.

const (
	sessPendingUser  = "mfa_pending_user"
	sessPendingOrg   = "mfa_pending_org"
	sessPendingEpoch = "mfa_pending_epoch"
	sessPendingNext  = "mfa_pending_next"
	sessPendingAt    = "mfa_pending_at"   // unix seconds of the right password
	sessEnrolSecret  = "mfa_enrol_secret" // the secret being enrolled, until confirmed
	sessMFAVerified  = "mfa_verified"     // this login proved a second factor
	pendingLifetime  = 10 * time.Minute   // from the password to the code
	msgPendingExpire = "La connexion a expiré : saisissez de nouveau votre adresse e-mail et votre mot de passe."
)

// pendingLogin is a login waiting for its second factor.
type pendingLogin struct {
	userID, orgID int64
	epoch         int
	next          string
}

// pending reads the session's pending login; a missing or expired one
// answers false (an expired one is forgotten).
func (s *Server) pending(ctx context.Context) (pendingLogin, bool) {
	p := pendingLogin{userID: s.sessions.GetInt64(ctx, sessPendingUser), orgID: s.sessions.GetInt64(ctx, sessPendingOrg),
		epoch: s.sessions.GetInt(ctx, sessPendingEpoch), next: s.sessions.GetString(ctx, sessPendingNext)}
	if p.userID == 0 {
		return p, false
	}
	at := time.Unix(s.sessions.GetInt64(ctx, sessPendingAt), 0)
	if now := s.now(); now.Before(at) || now.Sub(at) > pendingLifetime {
		s.clearPending(ctx)
		return p, false
	}
	return p, true
}

// pendingExpired answers a second step without its pending login: the
// login form again, saying why.
func (s *Server) pendingExpired(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.Login(s.page(r, "Connexion"), pages.LoginForm{Next: "/", Error: msgPendingExpire}))
}

func (s *Server) clearPending(ctx context.Context) {
	for _, k := range []string{sessPendingUser, sessPendingOrg, sessPendingEpoch, sessPendingNext, sessPendingAt, sessEnrolSecret} {
		s.sessions.Remove(ctx, k)
	}
}

// mfaRequiredFor reports whether the account must have a second factor:
// MFA=required and one of its active memberships is of a kind that
// requires it (access.MFARequired).
func (s *Server) mfaRequiredFor(ctx context.Context, userID int64) (bool, error) {
	if s.cfg.MFA != config.MFARequired {
		return false, nil
	}
	ms, err := s.store.Memberships(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if !m.Archived && access.MFARequired(access.Viewer{UserID: userID, OrgID: m.OrgID, Kind: m.Kind, Role: m.Role}) {
			return true, nil
		}
	}
	return false, nil
}

// secondStep, after the right password, sends a login to its second factor
// when the account has one or must enrol one; it reports whether it did
// (the caller then does nothing more).
func (s *Server) secondStep(w http.ResponseWriter, r *http.Request, uid, orgID int64, epoch int, email, next string) bool {
	ctx := r.Context()
	m, err := s.store.MFA(ctx, uid)
	if err != nil {
		s.internalError(w, r, err)
		return true
	}
	enrol := false
	if !m.Enabled {
		if enrol, err = s.mfaRequiredFor(ctx, uid); err != nil {
			s.internalError(w, r, err)
			return true
		}
		if !enrol {
			return false
		}
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.internalError(w, r, err)
		return true
	}
	// A pending session is nobody's login, whatever it was before.
	for _, k := range []string{sessUserID, sessOrgID, sessEpoch, sessMFAVerified} {
		s.sessions.Remove(ctx, k)
	}
	s.sessions.Put(ctx, sessPendingUser, uid)
	s.sessions.Put(ctx, sessPendingOrg, orgID)
	s.sessions.Put(ctx, sessPendingEpoch, epoch)
	s.sessions.Put(ctx, sessPendingNext, next)
	s.sessions.Put(ctx, sessPendingAt, s.now().Unix())
	if !enrol {
		s.sessions.Remove(ctx, sessEnrolSecret)
		s.log.Info("login: password right, second factor asked", "user_id", uid, "request_id", requestIDFrom(ctx))
		redirect(w, r, "/login/code")
		return true
	}
	k, err := auth.NewTOTPKey(email)
	if err != nil {
		s.internalError(w, r, err)
		return true
	}
	s.sessions.Put(ctx, sessEnrolSecret, k.Secret())
	s.log.Info("login: password right, second factor to enrol", "user_id", uid, "request_id", requestIDFrom(ctx))
	redirect(w, r, "/login/activation")
	return true
}

// completeLogin makes the session a login of uid (a new token: session
// fixation), recorded for the owner's list on /compte.
func (s *Server) completeLogin(r *http.Request, uid, orgID int64, epoch int, verified bool) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.clearPending(ctx)
	s.sessions.Put(ctx, sessUserID, uid)
	s.sessions.Put(ctx, sessOrgID, orgID)
	s.sessions.Put(ctx, sessEpoch, epoch)
	if verified {
		s.sessions.Put(ctx, sessMFAVerified, true)
	} else {
		s.sessions.Remove(ctx, sessMFAVerified)
	}
	// A failure here is logged, it does not refuse a correct login.
	if err := s.store.RecordSession(ctx, s.sessions.Token(ctx), uid, r.UserAgent(), s.clientIP(r), s.now()); err != nil {
		s.log.Error("session not recorded", append(logAttrs(r), "error", err.Error())...)
	}
	return nil
}

// throttled answers the French message of an attempt the login throttle
// refuses now (auth.LoginWait), and true; or "", false.
func (s *Server) throttled(ctx context.Context, email, ip string, now time.Time) (string, bool, error) {
	hist, err := s.store.LoginHistory(ctx, email, ip, now)
	if err != nil {
		return "", false, err
	}
	if until := auth.LoginWait(hist, now); !until.IsZero() {
		mins := int(until.Sub(now).Minutes()) + 1
		s.log.Warn("second factor refused: rate limited", "email", email, "ip", ip, "until", until, "request_id", requestIDFrom(ctx))
		return fmt.Sprintf("Trop de tentatives infructueuses. Par sécurité, attendez %d minute(s) avant de réessayer.", mins), true, nil
	}
	return "", false, nil
}

// codeFailed counts a wrong second-factor code as a login failure of the
// account (the throttle's rules, and its lock e-mail).
func (s *Server) codeFailed(r *http.Request, email, ip string, now time.Time) error {
	ctx := r.Context()
	hist, err := s.store.LoginHistory(ctx, email, ip, now)
	if err != nil {
		return err
	}
	if err := s.store.RecordLoginAttempt(ctx, email, ip, false, now); err != nil {
		return err
	}
	s.log.Warn("second factor: wrong code", "email", email, "ip", ip, "request_id", requestIDFrom(ctx))
	// As noteLoginFailure, but the owner's e-mail says that the password
	// was right: it must be changed.
	hist.AccountFailures++
	hist.AccountLastFailure = now
	if !auth.LockStarts(hist.AccountFailures) {
		return nil
	}
	hist.KnownAddress = false
	until := auth.LoginWait(hist, now)
	s.log.Warn("account locked for new addresses: wrong second-factor codes", "email", email, "ip", ip, "until", until, "request_id", requestIDFrom(ctx))
	if err := s.store.NotifySecondFactorLocked(ctx, email, ip, now, until, s.cfg.BaseURL); err != nil {
		s.log.Error("account lock e-mail not queued", append(logAttrs(r), "error", err.Error())...)
	}
	return nil
}

// isTOTP tells a 6-digit code from a recovery code (which field to blame).
func isTOTP(code string) bool { return len(auth.NormalizeTOTP(code)) == 6 }

func (s *Server) mfaLoginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.pending(r.Context()); !ok {
		redirect(w, r, "/login")
		return
	}
	if s.sessions.GetString(r.Context(), sessEnrolSecret) != "" {
		redirect(w, r, "/login/activation") // nothing to check yet: enrol
		return
	}
	s.render(w, r, http.StatusOK, pages.MFALogin(s.page(r, "Vérification en deux étapes"), pages.MFACodeForm{}))
}

func (s *Server) mfaLoginSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	p, ok := s.pending(ctx)
	if !ok {
		s.pendingExpired(w, r)
		return
	}
	u, err := s.store.UserByID(ctx, p.userID)
	if err != nil || u.DisabledAt != nil {
		s.clearPending(ctx)
		redirect(w, r, "/login")
		return
	}
	ip, now := s.clientIP(r), s.now()
	title := "Vérification en deux étapes"
	if msg, wait, err := s.throttled(ctx, u.Email, ip, now); err != nil {
		s.internalError(w, r, err)
		return
	} else if wait {
		s.render(w, r, http.StatusTooManyRequests, pages.MFALogin(s.page(r, title), pages.MFACodeForm{Blocked: msg}))
		return
	}
	code := formValue(r, "code", 64)
	if code == "" {
		s.render(w, r, http.StatusUnprocessableEntity, pages.MFALogin(s.page(r, title), pages.MFACodeForm{Error: "Saisissez le code à 6 chiffres de votre application."}))
		return
	}
	c, err := s.store.VerifyMFA(ctx, u.ID, code, now)
	if domain.IsNotFound(err) {
		// The second factor was reset meanwhile: start again.
		s.clearPending(ctx)
		s.pendingExpired(w, r)
		return
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !c.OK {
		if err := s.codeFailed(r, u.Email, ip, now); err != nil {
			s.internalError(w, r, err)
			return
		}
		f := pages.MFACodeForm{Error: c.Message()}
		if !isTOTP(code) {
			f = pages.MFACodeForm{RecoveryError: "Ce code de secours est incorrect ou a déjà servi."}
		}
		s.render(w, r, http.StatusUnprocessableEntity, pages.MFALogin(s.page(r, title), f))
		return
	}
	if err := s.store.RecordLoginAttempt(ctx, u.Email, ip, true, now); err != nil {
		s.internalError(w, r, err)
		return
	}
	if err := s.completeLogin(r, u.ID, p.orgID, p.epoch, true); err != nil {
		s.internalError(w, r, err)
		return
	}
	if c.Recovery {
		s.flash(r, "warn", fmt.Sprintf("Vous vous êtes connecté·e avec un code de secours : il vous en reste %d. Si vous avez perdu votre téléphone, générez de nouveaux codes ou réactivez la vérification sur Mon compte.", c.RecoveryLeft))
	}
	s.log.Info("login success", "user_id", u.ID, "email", u.Email, "ip", ip, "second_factor", map[bool]string{true: "recovery", false: "totp"}[c.Recovery], "request_id", requestIDFrom(ctx))
	redirect(w, r, p.next)
}

// enrolView builds the enrolment page of secret for email.
func enrolView(action, secret, email string, required bool) (pages.MFAEnrolView, error) {
	k, err := auth.TOTPKey(secret, email)
	if err != nil {
		return pages.MFAEnrolView{}, err
	}
	qr, err := qrDataURI(k)
	if err != nil {
		return pages.MFAEnrolView{}, err
	}
	return pages.MFAEnrolView{Action: action, Required: required, QR: qr, Secret: groups(secret), Email: email}, nil
}

// qrDataURI renders the key's otpauth:// URL as a PNG QR code (the
// library's own image), inline: the CSP allows data: images.
func qrDataURI(k *otp.Key) (string, error) {
	img, err := k.Image(200, 200)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// groups writes a base32 secret in groups of four, easier to type.
func groups(s string) string {
	var parts []string
	for len(s) > 4 {
		parts, s = append(parts, s[:4]), s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

func (s *Server) mfaEnrolLoginForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, ok := s.pending(ctx)
	secret := s.sessions.GetString(ctx, sessEnrolSecret)
	if !ok || secret == "" {
		redirect(w, r, "/login")
		return
	}
	s.renderEnrol(w, r, http.StatusOK, "/login/activation", p.userID, secret, "")
}

func (s *Server) renderEnrol(w http.ResponseWriter, r *http.Request, status int, action string, uid int64, secret, errMsg string) {
	ctx := r.Context()
	u, err := s.store.UserByID(ctx, uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	required, err := s.mfaRequiredFor(ctx, uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := enrolView(action, secret, u.Email, required)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	v.Error = errMsg
	w.Header().Set("Cache-Control", "no-store") // the secret
	s.render(w, r, status, pages.MFAEnrol(s.page(r, "Activer la vérification en deux étapes"), v))
}

// mfaEnrolLoginSubmit confirms the enrolment asked at login: the login is
// then complete, and the recovery codes are shown (once, in this answer).
func (s *Server) mfaEnrolLoginSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	p, ok := s.pending(ctx)
	secret := s.sessions.GetString(ctx, sessEnrolSecret)
	if !ok || secret == "" {
		s.pendingExpired(w, r)
		return
	}
	u, err := s.store.UserByID(ctx, p.userID)
	if err != nil || u.DisabledAt != nil {
		s.clearPending(ctx)
		redirect(w, r, "/login")
		return
	}
	ip, now := s.clientIP(r), s.now()
	codes, err := s.store.EnableMFA(ctx, u.ID, secret, formValue(r, "code", 64), now)
	if e, isField := err.(*domain.Error); isField && e.Code == domain.EInvalid {
		s.renderEnrol(w, r, http.StatusUnprocessableEntity, "/login/activation", u.ID, secret, e.Message)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.RecordLoginAttempt(ctx, u.Email, ip, true, now); err != nil {
		s.internalError(w, r, err)
		return
	}
	if err := s.completeLogin(r, u.ID, p.orgID, p.epoch, true); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.log.Info("login success: second factor enrolled", "user_id", u.ID, "email", u.Email, "ip", ip, "request_id", requestIDFrom(ctx))
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, pages.MFARecovery(s.page(r, "Vos codes de secours"), pages.MFARecoveryView{Codes: codes, Continue: p.next}))
}

// mfaGate, in requireLogin: with MFA=required, a login of an organisation
// that requires a second factor but that proved none (an account added to
// a CPAM since, a session older than the setting) may only enrol one.
func (s *Server) mfaGate(w http.ResponseWriter, r *http.Request) bool {
	sc, _ := scopeFrom(r.Context())
	if s.cfg.MFA != config.MFARequired || !access.MFARequired(sc.Viewer()) || s.sessions.GetBool(r.Context(), sessMFAVerified) {
		return false
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/compte/double-authentification",
		r.Method == http.MethodPost && (r.URL.Path == "/compte/double-authentification" ||
			r.URL.Path == "/compte/double-authentification/activer" || r.URL.Path == "/organisation"):
		return false
	}
	if r.Method != http.MethodGet {
		s.renderError(w, r, http.StatusForbidden, "Vérification en deux étapes requise",
			"Votre organisation exige la vérification en deux étapes : activez-la sur Mon compte avant toute action.")
		return true
	}
	http.Redirect(w, r, "/compte/double-authentification", http.StatusSeeOther)
	return true
}

// mfaAccountShow is /compte/double-authentification: the enrolment (started
// by a POST, which draws the secret) or, once enrolled, the recovery codes'
// renewal and the disabling.
func (s *Server) mfaAccountShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	m, err := s.store.MFA(ctx, sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if m.Enabled {
		if !s.sessions.GetBool(ctx, sessMFAVerified) {
			// Enrolled elsewhere since this login: log in again, with the code.
			_ = s.sessions.Destroy(ctx)
			redirect(w, r, "/login")
			return
		}
		s.renderMFAAccount(w, r, http.StatusOK, pages.MFAAccountView{})
		return
	}
	secret := s.sessions.GetString(ctx, sessEnrolSecret)
	if secret == "" {
		required, err := s.mfaRequiredFor(ctx, sc.UserID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, pages.MFAStart(s.page(r, "Vérification en deux étapes"), required))
		return
	}
	s.renderEnrol(w, r, http.StatusOK, "/compte/double-authentification", sc.UserID, secret, "")
}

func (s *Server) renderMFAAccount(w http.ResponseWriter, r *http.Request, status int, v pages.MFAAccountView) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	m, err := s.store.MFA(ctx, sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !m.Enabled {
		redirect(w, r, "/compte/double-authentification")
		return
	}
	required, err := s.mfaRequiredFor(ctx, sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.EnabledOn, v.RecoveryLeft, v.Required = domain.DateOf(m.EnabledAt).French(), m.RecoveryLeft, required
	s.render(w, r, status, pages.MFAAccount(s.page(r, "Vérification en deux étapes"), v))
}

// mfaAccountStart draws a new secret for the enrolment from /compte.
func (s *Server) mfaAccountStart(w http.ResponseWriter, r *http.Request) {
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
	k, err := auth.NewTOTPKey(u.Email)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessEnrolSecret, k.Secret())
	redirect(w, r, "/compte/double-authentification")
}

// mfaAccountConfirm confirms the enrolment from /compte; the recovery
// codes are shown in the answer, once.
func (s *Server) mfaAccountConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	secret := s.sessions.GetString(ctx, sessEnrolSecret)
	if secret == "" {
		redirect(w, r, "/compte/double-authentification")
		return
	}
	codes, err := s.store.EnableMFA(ctx, sc.UserID, secret, formValue(r, "code", 64), s.now())
	if e, isField := err.(*domain.Error); isField && e.Code == domain.EInvalid {
		s.renderEnrol(w, r, http.StatusUnprocessableEntity, "/compte/double-authentification", sc.UserID, secret, e.Message)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Remove(ctx, sessEnrolSecret)
	s.sessions.Put(ctx, sessMFAVerified, true)
	s.log.Info("second factor enrolled", "user_id", sc.UserID, "request_id", requestIDFrom(ctx))
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, pages.MFARecovery(s.page(r, "Vos codes de secours"), pages.MFARecoveryView{Codes: codes, Continue: "/compte"}))
}

// mfaAccountDisable turns the second factor off, with a current code or a
// recovery code (a wrong one counts as a login failure); refused when the
// account's organisation requires it.
func (s *Server) mfaAccountDisable(w http.ResponseWriter, r *http.Request) {
	s.mfaAccountWithCode(w, r, false)
}

// mfaAccountRenew replaces the recovery codes, with a current code or a
// recovery code.
func (s *Server) mfaAccountRenew(w http.ResponseWriter, r *http.Request) {
	s.mfaAccountWithCode(w, r, true)
}

func (s *Server) mfaAccountWithCode(w http.ResponseWriter, r *http.Request, renew bool) {
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
	if !renew {
		if required, err := s.mfaRequiredFor(ctx, u.ID); err != nil {
			s.fail(w, r, err)
			return
		} else if required {
			s.renderError(w, r, http.StatusConflict, "Désactivation impossible",
				"Votre organisation exige la vérification en deux étapes : elle ne peut pas être désactivée.")
			return
		}
	}
	ip, now := s.clientIP(r), s.now()
	fieldErr := func(msg string) pages.MFAAccountView {
		if renew {
			return pages.MFAAccountView{RenewError: msg}
		}
		return pages.MFAAccountView{DisableError: msg}
	}
	if msg, wait, err := s.throttled(ctx, u.Email, ip, now); err != nil {
		s.internalError(w, r, err)
		return
	} else if wait {
		s.renderMFAAccount(w, r, http.StatusTooManyRequests, pages.MFAAccountView{Blocked: msg})
		return
	}
	code := formValue(r, "code", 64)
	if code == "" {
		s.renderMFAAccount(w, r, http.StatusUnprocessableEntity, fieldErr("Saisissez un code de votre application ou un code de secours."))
		return
	}
	var c interface{ Message() string }
	var ok bool
	var codes []string
	if renew {
		res, cs, err := s.store.RenewRecoveryCodes(ctx, u.ID, code, now)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c, ok, codes = res, res.OK, cs
	} else {
		res, err := s.store.DisableMFA(ctx, u.ID, code, now)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c, ok = res, res.OK
	}
	if !ok {
		if err := s.codeFailed(r, u.Email, ip, now); err != nil {
			s.internalError(w, r, err)
			return
		}
		s.renderMFAAccount(w, r, http.StatusUnprocessableEntity, fieldErr(c.Message()))
		return
	}
	if renew {
		s.log.Info("second factor: recovery codes renewed", "user_id", u.ID, "request_id", requestIDFrom(ctx))
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, http.StatusOK, pages.MFARecovery(s.page(r, "Vos codes de secours"), pages.MFARecoveryView{Codes: codes, Continue: "/compte/double-authentification"}))
		return
	}
	s.sessions.Remove(ctx, sessMFAVerified)
	s.log.Warn("second factor disabled", "user_id", u.ID, "request_id", requestIDFrom(ctx))
	s.flash(r, "ok", "La vérification en deux étapes est désactivée : la connexion ne demande plus que votre mot de passe.")
	redirect(w, r, "/compte")
}

// mfaSummary is the second factor's line on /compte.
func (s *Server) mfaSummary(ctx context.Context, uid int64) (pages.MFASummary, error) {
	m, err := s.store.MFA(ctx, uid)
	if err != nil {
		return pages.MFASummary{}, err
	}
	required, err := s.mfaRequiredFor(ctx, uid)
	if err != nil {
		return pages.MFASummary{}, err
	}
	v := pages.MFASummary{Enabled: m.Enabled, RecoveryLeft: m.RecoveryLeft, Required: required}
	if m.Enabled {
		v.EnabledOn = domain.DateOf(m.EnabledAt).French()
	}
	return v, nil
}

// adminMFAReset removes an account's second factor (lost phone), audited.
func (s *Server) adminMFAReset(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Réinitialiser la vérification en deux étapes de ce compte ? La personne devra l'activer de nouveau.") {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	id, ok := pathID(chiParam(r, "id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.store.ResetMFA(ctx, adminActor(sc), id); err != nil {
		s.adminActionFailed(w, r, id, err)
		return
	}
	s.log.Warn("admin: second factor reset", "admin_user_id", sc.UserID, "user_id", id, "request_id", requestIDFrom(ctx))
	s.flash(r, "ok", "La vérification en deux étapes de ce compte est réinitialisée.")
	redirect(w, r, "/admin/utilisateurs/"+chiParam(r, "id"))
}
