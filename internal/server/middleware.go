package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyScope
	keyUser
	keyMemberships // []store.Membership read with the session
	keyWho         // *requestWho, filled by loadViewer for logRequests
	keyViewerPerm  // access.Permission of the viewer outside any record, computed once per request
)

// requestWho is the user and organisation of a request, which loadViewer
// learns inside the router and logRequests, outside it, writes in the
// request's log line (with several instances, what ties a user's requests
// across their logs).
type requestWho struct{ userID, orgID int64 }

// requestID gives every request an id, in the response header and the logs.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

func requestIDFrom(ctx context.Context) string { v, _ := ctx.Value(keyRequestID).(string); return v }

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// dbDeadline bounds the request's database work (REQUEST_TIMEOUT): waiting
// for a pooled connection and every statement end with the request's
// context, and the request then answers 503 (errors.go).
func (s *Server) dbDeadline(next http.Handler) http.Handler {
	if s.cfg.RequestTimeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// logRequests writes one line per request: method, path, status, duration, id.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		who := &requestWho{}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), keyWho, who)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "bytes", sw.bytes,
			"request_id", requestIDFrom(r.Context())}
		if who.userID != 0 {
			attrs = append(attrs, "user_id", who.userID, "org_id", who.orgID)
		}
		s.log.Info("request", attrs...)
	})
}

// recoverPanics turns a panic into the 500 page, logged once.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.internalError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.HTTPS() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses non-GET requests from another origin (Go 1.25's
// http.CrossOriginProtection, which reads Sec-Fetch-Site and Origin).
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if s.cfg.BaseURL != "" {
		if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Host != "" {
			_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("access refused: cross-origin request", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "request_id", requestIDFrom(r.Context()))
		s.renderError(w, r, http.StatusForbidden, "Requête refusée",
			"Cette action a été envoyée depuis un autre site : elle est refusée par sécurité. Recommencez depuis le Portail ACI.")
	}))
	return cop.Handler(next)
}

// limitBody caps the request body; parseForm turns an overflow into 413.
func (s *Server) limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

const (
	sessUserID = "user_id"
	sessOrgID  = "org_id"
	sessEpoch  = "session_epoch"
)

// loadViewer reads the session and, when a user is logged in, puts their
// scope in the context. A disabled user, or one who lost the active
// membership, is logged out (their sessions end at the next request).
func (s *Server) loadViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		uid := s.sessions.GetInt64(ctx, sessUserID)
		if uid == 0 {
			next.ServeHTTP(w, r)
			return
		}
		oid := s.sessions.GetInt64(ctx, sessOrgID)
		// The viewer read with the session (one round trip, docs/rules.md
		// §35); otherwise — a row without its viewer's columns, a user
		// disabled, a membership gone — the slow path below.
		var sc store.Scope
		var err error
		v := sessionViewer(ctx)
		if v != nil && v.Scope.UserID == uid && v.Scope.OrgID == oid {
			sc = v.Scope
			ctx = context.WithValue(ctx, keyMemberships, v.Memberships)
		} else {
			sc, err = s.store.ScopeFor(ctx, uid, oid)
		}
		if domain.IsNotFound(err) {
			// Membership gone or user disabled: pick another membership of an
			// active user, or end the session.
			sc, err = s.firstScope(ctx, uid)
			if err == nil {
				s.sessions.Put(ctx, sessOrgID, sc.OrgID)
			}
		}
		if oa, isArchived := err.(*onlyArchivedError); isArchived {
			s.log.Warn("session ended: every organisation archived", "user_id", uid, "request_id", requestIDFrom(ctx))
			_ = s.sessions.Destroy(ctx)
			s.renderError(w, r, http.StatusForbidden, "Organisation archivée", oa.message())
			return
		}
		if err != nil {
			if !domain.IsNotFound(err) {
				s.fail(w, r, err)
				return
			}
			s.log.Warn("session ended: user disabled or without membership", "user_id", uid, "request_id", requestIDFrom(ctx))
			_ = s.sessions.Destroy(ctx)
			next.ServeHTTP(w, r)
			return
		}
		if s.sessions.GetInt(ctx, sessEpoch) != sc.SessionEpoch {
			// The password changed since this session was opened (elsewhere):
			// it ends here.
			s.log.Warn("session ended: password changed since login", "user_id", uid, "request_id", requestIDFrom(ctx))
			_ = s.sessions.Destroy(ctx)
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// The last use shown on /compte: written on POSTs only (a GET
			// commits nothing), at most once a minute per session.
			if err := s.store.TouchSession(ctx, s.sessions.Token(ctx), s.clientIP(r), s.now()); err != nil {
				s.log.Error("session use not recorded", append(logAttrs(r), "error", err.Error())...)
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		ctx = context.WithValue(ctx, keyScope, sc)
		if who, ok := ctx.Value(keyWho).(*requestWho); ok {
			who.userID, who.orgID = sc.UserID, sc.OrgID
		}
		// The viewer-level permission is read by the navigation and by
		// several blocks of a page: computed once here (docs/rules.md §35).
		ctx = context.WithValue(ctx, keyViewerPerm, access.ForViewer(sc.Viewer()))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// firstScope returns the scope of the user's first membership.
func (s *Server) firstScope(ctx context.Context, uid int64) (store.Scope, error) {
	u, err := s.store.UserByID(ctx, uid)
	if err != nil {
		return store.Scope{}, err
	}
	if u.DisabledAt != nil {
		return store.Scope{}, domain.Errorf(domain.ENotFound, "compte désactivé")
	}
	ms, err := s.store.Memberships(ctx, uid)
	if err != nil {
		return store.Scope{}, err
	}
	var archived []string
	for _, m := range ms {
		if sc, err := s.store.ScopeFor(ctx, uid, m.OrgID); err == nil {
			return sc, nil
		}
		if m.Archived {
			archived = append(archived, m.OrgName)
		}
	}
	if len(archived) > 0 && len(archived) == len(ms) {
		return store.Scope{}, &onlyArchivedError{orgs: archived}
	}
	return store.Scope{}, domain.Errorf(domain.ENotFound, "aucune organisation active")
}

// onlyArchivedError: every organisation of an active account is archived.
// The user is told so (login, or a session whose organisation was archived
// meanwhile), never sent back to the login form without a word.
type onlyArchivedError struct{ orgs []string }

func (e *onlyArchivedError) Error() string { return "server: every membership is archived" }

func (e *onlyArchivedError) message() string {
	return "Votre compte n'est rattaché qu'à " + strings.Join(quoted(e.orgs), ", ") +
		", archivée(s) : vous ne pouvez plus agir pour elle(s). Si c'est une erreur, demandez à l'administration nationale du portail de la désarchiver, ou à votre organisation de vous rattacher à une autre."
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "« " + n + " »"
	}
	return out
}

func scopeFrom(ctx context.Context) (store.Scope, bool) {
	sc, ok := ctx.Value(keyScope).(store.Scope)
	return sc, ok
}

// viewerPerm is access.ForViewer of the request's viewer (computed once by
// loadViewer; the zero permission for an anonymous request).
func viewerPerm(ctx context.Context) access.Permission {
	if p, ok := ctx.Value(keyViewerPerm).(access.Permission); ok {
		return p
	}
	sc, _ := scopeFrom(ctx)
	return access.ForViewer(sc.Viewer())
}

// requireLogin sends anonymous visitors to the login page (and back after),
// a login that must still enrol a second factor to its enrolment (mfa.go),
// and a user who must still choose their own password to /compte.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := scopeFrom(r.Context()); !ok {
			if r.Method != http.MethodGet {
				s.renderError(w, r, http.StatusUnauthorized, "Session expirée",
					"Votre session a expiré ou vous n'êtes pas connecté·e. Connectez-vous, puis recommencez.")
				return
			}
			target := "/login"
			if r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if s.mfaGate(w, r) {
			return
		}
		if sc, _ := scopeFrom(r.Context()); sc.MustChangePassword && !firstLoginAllowed(r) {
			// Created with an initial password: choose one's own first.
			http.Redirect(w, r, "/compte#mot-de-passe", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// safeNext keeps only a same-origin path for the post-login redirect: one
// leading "/" (not "//"), no backslash (browsers read it as "/"), no control
// or space character (browsers drop tabs and newlines: "/\t/evil.example"
// would become "//evil.example"), and no scheme, host or user once parsed.
// Anything else sends to the home page.
func safeNext(next string) string {
	bad := func(r rune) bool {
		return r == '\\' || r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) ||
			unicode.Is(unicode.Cf, r) // format characters (bidi marks, zero-width)
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.IndexFunc(next, bad) >= 0 {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return next
}

func logAttrs(r *http.Request) []any {
	attrs := []any{"method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(r.Context())}
	if sc, ok := scopeFrom(r.Context()); ok {
		attrs = append(attrs, "user_id", sc.UserID, "org_id", sc.OrgID, "role", string(sc.Role))
	}
	return attrs
}
