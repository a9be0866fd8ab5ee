package server

import (
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/portail-aci/aci/internal/store"
)

// sessionStore is the scs store of the product (docs/rules.md §35): the
// session row and its viewer (user, active membership, scope, memberships)
// are read in one query, and a page view writes nothing but, at most once a
// minute, the session's idle expiry. scs runs without its IdleTimeout
// (which rewrites the whole row on every request): the idle end is kept
// here, as the row's expiry, never past the absolute deadline scs passes to
// Commit (SESSION_LIFETIME).
type sessionStore struct {
	st    *store.Store
	now   func() time.Time
	idle  time.Duration
	codec scs.Codec
	log   func(msg string, err error)
}

// sessionTouchEvery is how stale the idle expiry may become before a read
// moves it: at most one write per session and minute, whatever the traffic.
const sessionTouchEvery = time.Minute

var _ scs.CtxStore = (*sessionStore)(nil)

// viewerSlot carries, from FindCtx to loadViewer within one request, the
// viewer read with the session.
type viewerSlot struct{ viewer *store.Viewer }

type slotKey struct{}

// loadSession is scs's LoadAndSave with a slot in the context for the
// viewer that the store reads with the session.
func (s *Server) loadSession(next http.Handler) http.Handler {
	// The phase tells sessionError whether the handler ran (a failed save
	// after a committed write is logged, never an error page: commit.go).
	h := s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(sessionPhaseKey{}).(*sessionPhase); ok {
			p.loaded = true
		}
		next.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), slotKey{}, &viewerSlot{})
		h.ServeHTTP(w, r.WithContext(context.WithValue(ctx, sessionPhaseKey{}, &sessionPhase{})))
	})
}

// sessionViewer returns the viewer read with the session of this request
// (nil: none, take the slow path).
func sessionViewer(ctx context.Context) *store.Viewer {
	if v, ok := ctx.Value(slotKey{}).(*viewerSlot); ok {
		return v.viewer
	}
	return nil
}

func (ss *sessionStore) idleEnd(now, deadline time.Time) time.Time {
	if e := now.Add(ss.idle); e.Before(deadline) {
		return e
	}
	return deadline
}

// FindCtx reads the session and its viewer; it moves the idle expiry when
// the last move is a minute old or more.
func (ss *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	now := ss.now()
	f, found, err := ss.st.FindSession(ctx, token, now)
	if err != nil || !found {
		return nil, false, err
	}
	if slot, ok := ctx.Value(slotKey{}).(*viewerSlot); ok {
		slot.viewer = f.Viewer
	}
	if want := ss.idleEnd(now, f.Deadline); want.Sub(f.Expiry) >= sessionTouchEvery {
		if err := ss.st.ExtendSession(ctx, token, want); err != nil {
			// The session stays valid until its current expiry: the next
			// request tries again.
			ss.log("session expiry not extended", err)
		}
	}
	return f.Data, true, nil
}

// CommitCtx writes a changed session (login, switch of organisation,
// flash...): expiry is scs's absolute deadline; the row's expiry is the idle
// end. The viewer's ids are copied from the data into their columns.
func (ss *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, deadline time.Time) error {
	var uid, oid int64
	if _, values, err := ss.codec.Decode(b); err == nil {
		uid, _ = values[sessUserID].(int64)
		oid, _ = values[sessOrgID].(int64)
	}
	return ss.st.CommitSession(ctx, token, b, ss.idleEnd(ss.now(), deadline), deadline, uid, oid)
}

// DeleteCtx removes the session (logout, renewal of the token).
func (ss *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return ss.st.DeleteSession(ctx, token)
}

// Find, Commit and Delete complete scs.Store; scs calls the Ctx methods.
func (ss *sessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

func (ss *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

func (ss *sessionStore) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// runSessionCleanup deletes the expired sessions (a background job).
func (s *Server) runSessionCleanup(ctx context.Context) error {
	_, err := s.store.DeleteExpiredSessions(ctx, time.Now()) // the sessions' clock (server.go)
	return err
}
