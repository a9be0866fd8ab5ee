package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// « Mot de passe oublié » (migration 00060). System path, no scope: these
// functions serve people who are not logged in, about their own account.
const (
	// ResetTTL is how long a reset link is valid.
	ResetTTL = 30 * time.Minute
	// ResetWindow, ResetMaxPerEmail and ResetMaxPerIP bound the requests:
	// per address (an account or not) and per client address.
	ResetWindow      = time.Hour
	ResetMaxPerEmail = 3
	ResetMaxPerIP    = 10
)

// ErrTooManyResets refuses a request over the limits; it says nothing about
// whether the address is an account (unknown addresses count the same).
var ErrTooManyResets = domain.Errorf(domain.EConflict, "Trop de demandes de réinitialisation : attendez une heure avant de réessayer.")

// ResetRequest is one « mot de passe oublié » request. Subject and Body are
// the e-mail sent when Email is an active account; TokenHash is the SHA-256
// of the token the body's link carries.
type ResetRequest struct {
	Email, IP     string
	At            time.Time
	TokenHash     []byte
	Subject, Body string
}

// RequestPasswordReset records a request and, when its address is an active
// account, the token and the e-mail (outbox), in one transaction. The caller
// answers the same whatever happened, except ErrTooManyResets.
func (s *Store) RequestPasswordReset(ctx context.Context, in ResetRequest) error {
	email := NormalizeEmail(in.Email)
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		// Requests for one address are serialised, so the limit holds.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('password_reset:' || $1))`, email); err != nil {
			return err
		}
		var byEmail, byIP int
		since := in.At.Add(-ResetWindow)
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE email = $1), count(*) FILTER (WHERE ip = $2)
			FROM password_reset_requests WHERE at > $3 AND (email = $1 OR ip = $2)`, email, in.IP, since).Scan(&byEmail, &byIP); err != nil {
			return err
		}
		if byEmail >= ResetMaxPerEmail || byIP >= ResetMaxPerIP {
			return ErrTooManyResets
		}
		var uid int64
		err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&uid)
		if errors.Is(err, pgx.ErrNoRows) {
			_, err = tx.Exec(ctx, `INSERT INTO password_reset_requests (email, ip, at) VALUES ($1, $2, $3)`, email, in.IP, in.At)
			return err
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO password_reset_requests (email, ip, at, user_id, token_hash, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, email, in.IP, in.At, uid, in.TokenHash, in.At.Add(ResetTTL)); err != nil {
			return err
		}
		return outboxEnqueue(ctx, tx, email, uid, in.Subject, in.Body, in.At)
	})
	if errors.Is(err, ErrTooManyResets) {
		return err
	}
	return pgError("store.RequestPasswordReset", err)
}

var errResetLink = domain.Errorf(domain.ENotFound, "Ce lien de réinitialisation n'est plus valable : il a déjà servi, a expiré (30 minutes) ou a été remplacé. Demandez-en un nouveau.")

// PasswordResetAccount returns the e-mail of the account a valid, unused
// token opens (not found otherwise).
func (s *Store) PasswordResetAccount(ctx context.Context, tokenHash []byte, now time.Time) (string, error) {
	var email string
	err := s.sys().QueryRow(ctx, `SELECT u.email FROM password_reset_requests r JOIN users u ON u.id = r.user_id
		WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.disabled_at IS NULL`, tokenHash, now).Scan(&email)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errResetLink
	}
	return email, pgError("store.PasswordResetAccount", err)
}

// ResetPassword sets the password of the account a valid token opens, in one
// transaction: the token and every other unused token of the account are
// spent, the session epoch is raised (every session of the account ends),
// the first-login obligation is lifted, and the audit row is written.
func (s *Store) ResetPassword(ctx context.Context, tokenHash []byte, passwordHash string, now time.Time) (int64, error) {
	var uid int64
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `SELECT u.id, u.name FROM password_reset_requests r JOIN users u ON u.id = r.user_id
			WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.disabled_at IS NULL
			FOR UPDATE OF r, u`, tokenHash, now).Scan(&uid, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return errResetLink
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE password_reset_requests SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, uid, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, must_change_password = false
			WHERE id = $1`, uid, passwordHash); err != nil {
			return err
		}
		return writeAdminAudit(ctx, tx, Actor{UserID: uid, Name: name}, AuditPasswordReset, uid, 0, "par le lien « mot de passe oublié »")
	})
	if errors.Is(err, errResetLink) {
		return 0, err
	}
	return uid, pgError("store.ResetPassword", err)
}
