// Package server is Portail ACI's HTTP edge: chi routes (routes.go), one file
// per area/action, middleware, form parsing and the mapping of domain error
// codes to statuses and French messages (errors.go). No SQL and no business
// rules live here: they are in internal/store and internal/domain.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/pdf"
	"github.com/portail-aci/aci/internal/store"
)

// Server holds the dependencies of the handlers.
type Server struct {
	cfg   config.Config
	store *store.Store
	// reports is the store the CSV exports of lists and the steering page
	// read from: a read replica's (DATABASE_REPLICA_URL), or store itself
	// (docs/rules.md §40). Nothing is ever written through it.
	reports  *store.Store
	sessions *scs.SessionManager
	log      *slog.Logger
	now      func() time.Time
	pdf      *pdf.Printer
	handler  http.Handler
}

// Options are optional dependencies (tests replace the clock).
type Options struct {
	Now func() time.Time
	// PDF prints contracts; nil means pdf.New(pdf.Options{}).
	PDF *pdf.Printer
	// Reports is the read-only store of the reports (Server.reports); nil
	// means the main store.
	Reports *store.Store
}

// New builds the server and its router.
func New(cfg config.Config, st *store.Store, log *slog.Logger, opts Options) *Server {
	s := &Server{cfg: cfg, store: st, reports: opts.Reports, log: log, now: opts.Now, pdf: opts.PDF}
	if s.reports == nil {
		s.reports = st
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.pdf == nil {
		s.pdf = pdf.New(pdf.Options{})
	}
	sm := scs.New()
	sm.Codec = sessionCodec{} // read on every request: not gob (session_codec.go)
	// No scs IdleTimeout: it rewrites the session on every request. The
	// idle end is kept by sessionStore, moved at most once a minute
	// (docs/rules.md §35).
	// Its clock is the wall clock, as scs's own (the absolute deadline): the
	// tests' clock moves the product's dates, not the sessions' life.
	sm.Store = &sessionStore{st: st, now: time.Now, idle: cfg.SessionIdle, codec: sm.Codec,
		log: func(msg string, err error) { log.Warn(msg, "error", err.Error()) }}
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	if cfg.HTTPS() {
		// __Host- cookies must be Secure, have Path=/ and no Domain.
		sm.Cookie.Name = "__Host-aci_session"
		sm.Cookie.Secure = true
	} else {
		sm.Cookie.Name = "aci_session"
		sm.Cookie.Secure = false
	}
	s.sessions = sm
	sm.ErrorFunc = s.sessionError
	s.handler = s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
