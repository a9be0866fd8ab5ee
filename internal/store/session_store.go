package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// The scs session rows (table sessions: token, data, expiry, plus user_id,
// org_id and deadline from migration 00105). The server's session store
// (internal/server/sessions.go) calls these; a page view reads its session
// and its viewer in one round trip and writes nothing, but for the expiry
// moved at most once a minute (docs/rules.md §35).

// Viewer is what a request needs of its logged-in user before the page:
// the scope of the active membership and the user's memberships (the
// switcher in the frame).
type Viewer struct {
	Scope       Scope
	Memberships []Membership
}

// FoundSession is a live session row. Viewer is nil when the row names no
// viewer (anonymous, or a row written before the columns) or when its user
// is disabled, its membership gone or its organisation archived: the caller
// then takes the slow path (ScopeFor, the first membership, or the end of
// the session).
type FoundSession struct {
	Data     []byte
	Expiry   time.Time
	Deadline time.Time // the absolute end; equals Expiry for a row without one
	Viewer   *Viewer
}

// scopeColumns selects a Scope's fields from users u, memberships m and
// organisations o (scanScope reads them in this order): the one place that
// says what a scope is made of, for ScopeFor and FindSession.
const scopeColumns = `u.id, u.name, u.session_epoch, u.must_change_password, o.id, o.name, o.kind::text, m.role::text, o.region,
	coalesce((SELECT array_agg(od.departement ORDER BY od.departement) FROM organisation_departements od WHERE od.org_id = o.id), '{}')`

// activeMembership joins a user to one organisation they may act for now.
const activeMembership = `users u JOIN memberships m ON m.user_id = u.id JOIN organisations o ON o.id = m.org_id`

const activeMembershipWhere = `u.disabled_at IS NULL AND o.archived_at IS NULL`

// FindSession returns the live session of token as of at (expiry after at)
// with its viewer, in one query. found is false for an unknown or expired
// token.
// System path, no scope: the session is what the scope is built from.
func (s *Store) FindSession(ctx context.Context, token string, at time.Time) (FoundSession, bool, error) {
	var f FoundSession
	var deadline *time.Time
	var uid, oid *int64
	var name, orgName, kind, role *string
	var epoch *int
	var mustChange *bool
	var region *string
	var deps []string
	var mOrg []int64
	var mName, mKind, mRole []string
	var mArchived []bool
	err := s.sys().QueryRow(ctx, `SELECT s.data, s.expiry, s.deadline, v.*, ms.*
		FROM sessions s
		LEFT JOIN LATERAL (SELECT `+scopeColumns+` FROM `+activeMembership+`
			WHERE u.id = s.user_id AND o.id = s.org_id AND `+activeMembershipWhere+`) v ON TRUE
		LEFT JOIN LATERAL (SELECT array_agg(m2.org_id ORDER BY o2.name, o2.id), array_agg(o2.name ORDER BY o2.name, o2.id),
				array_agg(o2.kind::text ORDER BY o2.name, o2.id), array_agg(m2.role::text ORDER BY o2.name, o2.id),
				array_agg(o2.archived_at IS NOT NULL ORDER BY o2.name, o2.id)
			FROM memberships m2 JOIN organisations o2 ON o2.id = m2.org_id WHERE m2.user_id = s.user_id) ms ON TRUE
		WHERE s.token = $1 AND s.expiry > $2`, token, at).
		Scan(&f.Data, &f.Expiry, &deadline, &uid, &name, &epoch, &mustChange, &oid, &orgName, &kind, &role, &region, &deps,
			&mOrg, &mName, &mKind, &mRole, &mArchived)
	if errors.Is(err, pgx.ErrNoRows) {
		return FoundSession{}, false, nil
	}
	if err != nil {
		return FoundSession{}, false, pgError("store.FindSession", err)
	}
	f.Deadline = f.Expiry
	if deadline != nil {
		f.Deadline = *deadline
	}
	if uid != nil && oid != nil {
		sc := Scope{UserID: *uid, UserName: *name, SessionEpoch: *epoch, MustChangePassword: *mustChange,
			OrgID: *oid, OrgName: *orgName, Kind: domain.OrgKind(*kind), Role: domain.Role(*role), Departements: deps}
		if region != nil {
			sc.Region = *region
		}
		v := &Viewer{Scope: sc}
		for i := range mOrg {
			v.Memberships = append(v.Memberships, Membership{OrgID: mOrg[i], OrgName: mName[i],
				Kind: domain.OrgKind(mKind[i]), Role: domain.Role(mRole[i]), Archived: mArchived[i]})
		}
		f.Viewer = v
	}
	return f, true, nil
}

// CommitSession writes the session of token: its data, its idle expiry, its
// absolute deadline and the viewer it names (0: none).
// System path, no scope.
func (s *Store) CommitSession(ctx context.Context, token string, data []byte, expiry, deadline time.Time, userID, orgID int64) error {
	_, err := s.sys().Exec(ctx, `INSERT INTO sessions (token, data, expiry, deadline, user_id, org_id)
		VALUES ($1, $2, $3, $4, nullif($5::bigint, 0), nullif($6::bigint, 0))
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, deadline = excluded.deadline,
			user_id = excluded.user_id, org_id = excluded.org_id`, token, data, expiry, deadline, userID, orgID)
	return pgError("store.CommitSession", err)
}

// ExtendSession moves the idle expiry of a live session to expiry (never
// past its deadline, never backwards). The caller does it at most once a
// minute per session: the one write a page view may cause.
// System path, no scope.
func (s *Store) ExtendSession(ctx context.Context, token string, expiry time.Time) error {
	_, err := s.sys().Exec(ctx, `UPDATE sessions SET expiry = least(coalesce(deadline, expiry), $2)
		WHERE token = $1 AND expiry < least(coalesce(deadline, expiry), $2)`, token, expiry)
	return pgError("store.ExtendSession", err)
}

// DeleteSession removes the session of token (logout, token renewal).
// System path, no scope.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	_, err := s.sys().Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return pgError("store.DeleteSession", err)
}

// DeleteExpiredSessions removes the sessions expired at at (a background
// job) and returns how many.
// System path, no scope.
func (s *Store) DeleteExpiredSessions(ctx context.Context, at time.Time) (int64, error) {
	tag, err := s.sys().Exec(ctx, `DELETE FROM sessions WHERE expiry <= $1`, at)
	return tag.RowsAffected(), pgError("store.DeleteExpiredSessions", err)
}
