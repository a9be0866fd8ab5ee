package server

import (
	"context"
	"net/http"

	"github.com/portail-aci/aci/internal/store"
)

// A committed write is never reported as a failure (docs/rules.md §33):
//
//   - the session (flash, active organisation) is saved by scs after the
//     handler, when the response starts; if that save fails once the
//     handler's work is done — the business transaction has committed — the
//     failure is logged and the handler's answer (its 303) goes out as it
//     is, without the session's change (a flash may be lost, never a
//     write). A failure to load the session, before any work, still answers
//     the error page (503 when the database does not answer);
//   - creation forms carry an idempotency key (components.IdemField): the
//     handlers pass it to the store (idempotent), which returns the first
//     result of a replayed POST instead of creating twice.

// sessionPhaseKey is the context key of a request's *sessionPhase.
type sessionPhaseKey struct{}

// sessionPhase records whether the session was loaded (the handler ran):
// scs's ErrorFunc is then about the save after the handler.
type sessionPhase struct{ loaded bool }

// sessionError is scs's ErrorFunc: a failed load answers the error page; a
// failed save after the handler is logged and the handler's own answer goes
// out (writing nothing here lets it).
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if p, ok := r.Context().Value(sessionPhaseKey{}).(*sessionPhase); ok && p.loaded {
		s.log.Warn("session not saved after the request's work", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	s.fail(w, r, err) // 503 when the sessions' table does not answer
}

// idempotent is the request's context with the idempotency key of the
// posted creation form (field "idem"), for the store (docs/rules.md §33).
func idempotent(r *http.Request) context.Context {
	return store.WithIdempotencyKey(r.Context(), r.PostFormValue("idem"))
}
