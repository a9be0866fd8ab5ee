package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// UserSession is one active session of a user (migration 00061), for the
// owner's list on /compte.
type UserSession struct {
	ID        int64
	UserAgent string
	Address   string
	CreatedAt time.Time
	LastUsed  time.Time
	Current   bool
}

// sessionTouchEvery bounds how often the last use of a session is written.
const sessionTouchEvery = time.Minute

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// liveSession is the condition that the user_sessions row us still has its
// scs session (sessions: token, data, expiry) and that it has not expired.
const liveSession = `EXISTS (SELECT 1 FROM sessions s WHERE sha256(convert_to(s.token, 'UTF8')) = us.token_hash AND s.expiry > now())`

// RecordSession notes, at login, who the session of token belongs to, from
// which browser and address. Rows of the user's sessions already ended are
// dropped (older than a minute, so a login in flight keeps its row).
func (s *Store) RecordSession(ctx context.Context, token string, userID int64, userAgent, address string, at time.Time) error {
	return pgError("store.RecordSession", s.sysTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM user_sessions us WHERE us.user_id = $1 AND us.created_at < $2 AND NOT `+liveSession,
			userID, at.Add(-time.Minute)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO user_sessions (token_hash, user_id, user_agent, address, created_at, last_used_at)
			VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (token_hash) DO UPDATE SET user_id = $2, user_agent = $3, address = $4, last_used_at = $5`,
			tokenHash(token), userID, truncRunes(userAgent, 500), truncRunes(address, 100), at)
		return err
	}))
}

// RenewSession follows a token renewal (membership switch): the row keeps
// its history under the new token.
func (s *Store) RenewSession(ctx context.Context, oldToken, newToken string, at time.Time) error {
	_, err := s.sys().Exec(ctx, `UPDATE user_sessions SET token_hash = $2, last_used_at = $3 WHERE token_hash = $1`,
		tokenHash(oldToken), tokenHash(newToken), at)
	return pgError("store.RenewSession", err)
}

// TouchSession records a use of the session (called on POSTs, never in a
// GET: docs/architecture.md §5), at most once a minute per session.
func (s *Store) TouchSession(ctx context.Context, token, address string, at time.Time) error {
	_, err := s.sys().Exec(ctx, `UPDATE user_sessions SET last_used_at = $2, address = $3
		WHERE token_hash = $1 AND last_used_at < $4`, tokenHash(token), at, truncRunes(address, 100), at.Add(-sessionTouchEvery))
	return pgError("store.TouchSession", err)
}

// UserSessions lists the user's live sessions, the most recently used
// first; Current marks the one of token.
func (s *Store) UserSessions(ctx context.Context, userID int64, token string) ([]UserSession, error) {
	rows, err := s.sys().Query(ctx, `SELECT us.id, us.user_agent, us.address, us.created_at, us.last_used_at, us.token_hash = $2
		FROM user_sessions us WHERE us.user_id = $1 AND `+liveSession+` ORDER BY us.token_hash = $2 DESC, us.last_used_at DESC, us.id DESC`,
		userID, tokenHash(token))
	if err != nil {
		return nil, pgError("store.UserSessions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UserSession, error) {
		var v UserSession
		err := r.Scan(&v.ID, &v.UserAgent, &v.Address, &v.CreatedAt, &v.LastUsed, &v.Current)
		return v, err
	})
	return out, pgError("store.UserSessions", err)
}

// EndSession ends one of the user's sessions other than the current one
// (token): its scs row is deleted, so its next request is logged out. Not
// found for another user's session, an ended one, or the current one (that
// is the logout).
func (s *Store) EndSession(ctx context.Context, userID, id int64, token string) error {
	return pgError("store.EndSession", s.sysTx(ctx, func(tx pgx.Tx) error {
		var h []byte
		err := tx.QueryRow(ctx, `DELETE FROM user_sessions WHERE id = $1 AND user_id = $2 AND token_hash <> $3 RETURNING token_hash`,
			id, userID, tokenHash(token)).Scan(&h)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.ENotFound, "Session introuvable.")
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE sha256(convert_to(token, 'UTF8')) = $1`, h)
		return err
	}))
}

// EndOtherSessions ends every session of the user but the current one
// (token) and returns how many were live.
func (s *Store) EndOtherSessions(ctx context.Context, userID int64, token string) (int, error) {
	var n int64
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions s USING user_sessions us
			WHERE us.user_id = $1 AND us.token_hash <> $2 AND sha256(convert_to(s.token, 'UTF8')) = us.token_hash`,
			userID, tokenHash(token))
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND token_hash <> $2`, userID, tokenHash(token))
		return err
	})
	return int(n), pgError("store.EndOtherSessions", err)
}
