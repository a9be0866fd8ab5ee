package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
)

// The second factor of an account (docs/rules.md §34): its TOTP secret, the
// last time step accepted (a code is never accepted twice) and its
// single-use recovery codes (their SHA-256 only). Every change writes its
// admin_audit row in the same transaction.
//
// No scope: a user's own rows (WHERE user_id), not a structure's data; the
// login and account handlers pass the user being authenticated, the admin
// pages (behind requireNationalAdmin) the account they show.

// Admin audit actions of the second factor (migrations/00100_user_mfa.sql).
const (
	AuditMFAEnable       = "mfa_enable"
	AuditMFADisable      = "mfa_disable"
	AuditMFAReset        = "mfa_reset"
	AuditMFARecoveryUsed = "mfa_recovery_used"
	AuditMFARecoveryNew  = "mfa_recovery_renew"
)

// MFAStatus is an account's second factor as /compte and the admin pages
// show it.
type MFAStatus struct {
	Enabled      bool
	EnabledAt    time.Time
	RecoveryLeft int // recovery codes not used yet
}

// MFA reads the second factor of userID (Enabled false when none).
func (s *Store) MFA(ctx context.Context, userID int64) (MFAStatus, error) {
	var m MFAStatus
	err := s.sys().QueryRow(ctx, `SELECT m.enabled_at,
			(SELECT count(*) FROM user_mfa_recovery_codes c WHERE c.user_id = m.user_id AND c.used_at IS NULL)
		FROM user_mfa m WHERE m.user_id = $1`, userID).Scan(&m.EnabledAt, &m.RecoveryLeft)
	if errors.Is(err, pgx.ErrNoRows) {
		return MFAStatus{}, nil
	}
	m.Enabled = err == nil
	return m, pgError("store.MFA", err)
}

// MFACheck is the outcome of a code given as a second factor.
type MFACheck struct {
	OK bool
	// Replay: a TOTP code of a time step already accepted (refused).
	Replay bool
	// Recovery: a recovery code was used (it is spent); RecoveryLeft are
	// still unused.
	Recovery     bool
	RecoveryLeft int
}

// msgWrongCode is the answer to a wrong second-factor code.
const msgWrongCode = "Code incorrect ou expiré. Saisissez le code à 6 chiffres affiché maintenant par votre application, ou un code de secours."

// Message is the French message of a refused check (next to the field).
func (c MFACheck) Message() string {
	if c.Replay {
		return "Ce code vient déjà d'être utilisé. Attendez que votre application en affiche un nouveau (toutes les 30 secondes), puis saisissez-le."
	}
	return msgWrongCode
}

// EnableMFA turns the second factor on for userID with secret (drawn by
// auth.NewTOTPKey and shown to the user), once code proves that the user's
// app holds it at time at; it returns the recovery codes, to be shown once.
// A wrong code is a field error on "code"; an account that already has a
// second factor is a conflict.
func (s *Store) EnableMFA(ctx context.Context, userID int64, secret, code string, at time.Time) ([]string, error) {
	step, ok, _ := auth.CheckTOTP(secret, code, at, 0)
	if !ok {
		return nil, domain.FieldError("code", "Code incorrect. Saisissez le code à 6 chiffres que votre application affiche maintenant pour « Portail ACI ».")
	}
	codes, err := auth.NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.sysTx(ctx, func(tx pgx.Tx) error {
		name, err := lockUserName(ctx, tx, userID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO user_mfa (user_id, secret, enabled_at, last_step) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO NOTHING`, userID, secret, at, step)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.EConflict, "La double authentification est déjà activée sur ce compte.")
		}
		if err := insertRecoveryCodes(ctx, tx, userID, codes); err != nil {
			return err
		}
		return writeAdminAudit(ctx, tx, Actor{UserID: userID, Name: name}, AuditMFAEnable, userID, 0, "")
	})
	if err != nil {
		return nil, pgError("store.EnableMFA", err)
	}
	return codes, nil
}

func insertRecoveryCodes(ctx context.Context, tx pgx.Tx, userID int64, codes []string) error {
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		hashes[i] = auth.RecoveryHash(c)
	}
	_, err := tx.Exec(ctx, `INSERT INTO user_mfa_recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) h`, userID, hashes)
	return err
}

// lockUserName locks the account's row and returns its name (the actor of
// the account's own changes).
func lockUserName(ctx context.Context, tx pgx.Tx, userID int64) (string, error) {
	var name string
	err := tx.QueryRow(ctx, `SELECT name FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", domain.Errorf(domain.ENotFound, "utilisateur introuvable")
	}
	return name, err
}

// VerifyMFA checks code — a TOTP code of the account's app at time at, or
// one of its recovery codes — as the second factor of userID, and spends
// it: the TOTP step is remembered (the same code is then a replay), the
// recovery code is marked used (audited). An account without a second
// factor is not found.
func (s *Store) VerifyMFA(ctx context.Context, userID int64, code string, at time.Time) (MFACheck, error) {
	var c MFACheck
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		var err error
		c, _, err = verifyMFATx(ctx, tx, userID, code, at)
		return err
	})
	return c, pgError("store.VerifyMFA", err)
}

// verifyMFATx is VerifyMFA inside tx (the account's second factor row is
// locked until tx ends, so that two requests cannot both spend one code).
func verifyMFATx(ctx context.Context, tx pgx.Tx, userID int64, code string, at time.Time) (MFACheck, string, error) {
	var c MFACheck
	var secret string
	var last int64
	// The account first, then its second factor: the order of every
	// function here (no deadlock with ResetMFA or EnableMFA).
	name, err := lockUserName(ctx, tx, userID)
	if err != nil {
		return c, "", err
	}
	err = tx.QueryRow(ctx, `SELECT secret, last_step FROM user_mfa WHERE user_id = $1 FOR UPDATE`, userID).Scan(&secret, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, name, domain.Errorf(domain.ENotFound, "double authentification non activée")
	} else if err != nil {
		return c, name, err
	}
	if len(auth.NormalizeTOTP(code)) == 6 {
		step, ok, replay := auth.CheckTOTP(secret, code, at, last)
		c.OK, c.Replay = ok, replay
		if ok {
			_, err = tx.Exec(ctx, `UPDATE user_mfa SET last_step = $2 WHERE user_id = $1`, userID, step)
		}
		return c, name, err
	}
	var id int64
	err = tx.QueryRow(ctx, `UPDATE user_mfa_recovery_codes SET used_at = $3
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id`, userID, auth.RecoveryHash(code), at).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, name, nil
	} else if err != nil {
		return c, name, err
	}
	c.OK, c.Recovery = true, true
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM user_mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&c.RecoveryLeft); err != nil {
		return c, name, err
	}
	return c, name, writeAdminAudit(ctx, tx, Actor{UserID: userID, Name: name}, AuditMFARecoveryUsed, userID, 0,
		fmt.Sprintf("%d code(s) de secours restant(s)", c.RecoveryLeft))
}

// DisableMFA turns off the second factor of userID, which code (a current
// TOTP code or a recovery code) must prove at time at. A refused code is
// returned as the check (nothing changes), with no error.
func (s *Store) DisableMFA(ctx context.Context, userID int64, code string, at time.Time) (MFACheck, error) {
	var c MFACheck
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		var err error
		var name string
		if c, name, err = verifyMFATx(ctx, tx, userID, code, at); err != nil || !c.OK {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_mfa WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return writeAdminAudit(ctx, tx, Actor{UserID: userID, Name: name}, AuditMFADisable, userID, 0, "")
	})
	return c, pgError("store.DisableMFA", err)
}

// RenewRecoveryCodes replaces every recovery code of userID by ten new ones
// (returned, to be shown once), once code proves the second factor at at.
// A refused code is returned as the check, with no codes and no change.
func (s *Store) RenewRecoveryCodes(ctx context.Context, userID int64, code string, at time.Time) (MFACheck, []string, error) {
	codes, err := auth.NewRecoveryCodes()
	if err != nil {
		return MFACheck{}, nil, err
	}
	var c MFACheck
	err = s.sysTx(ctx, func(tx pgx.Tx) error {
		var err error
		var name string
		if c, name, err = verifyMFATx(ctx, tx, userID, code, at); err != nil || !c.OK {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_mfa_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if err := insertRecoveryCodes(ctx, tx, userID, codes); err != nil {
			return err
		}
		return writeAdminAudit(ctx, tx, Actor{UserID: userID, Name: name}, AuditMFARecoveryNew, userID, 0, "")
	})
	if err != nil || !c.OK {
		return c, nil, pgError("store.RenewRecoveryCodes", err)
	}
	return c, codes, nil
}

// ResetMFA removes the second factor of userID (a national admin, for a
// lost phone), with its audit row; the account enrols again at its next
// login when its memberships require it.
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin).
func (s *Store) ResetMFA(ctx context.Context, a Actor, userID int64) error {
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM user_mfa WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.EConflict, "La double authentification n'est pas activée sur ce compte.")
		}
		return writeAdminAudit(ctx, tx, a, AuditMFAReset, userID, 0, "")
	})
	return pgError("store.ResetMFA", err)
}

// NotifySecondFactorLocked tells the owner of the active account email,
// through the outbox, that wrong second-factor codes locked its login for
// new addresses (auth.LockStarts) — after the right password: the password
// is known to whoever typed them and must be changed. Nothing happens for
// an unknown or disabled e-mail.
// System path, no scope.
func (s *Store) NotifySecondFactorLocked(ctx context.Context, email, ip string, at, until time.Time, linkBase string) error {
	return s.mailLockedAccount(ctx, "store.NotifySecondFactorLocked", email, at, func(name string) string {
		return fmt.Sprintf("Bonjour %s,\n\n"+
			"Plusieurs codes de vérification en deux étapes erronés ont été saisis pour votre compte du Portail ACI, le dernier le %s depuis l'adresse %s, "+
			"après le bon mot de passe.\n\n"+
			"Par sécurité, les connexions à votre compte depuis un appareil ou une adresse où vous ne vous êtes jamais connecté·e sont suspendues jusqu'au %s au moins.\n\n"+
			"Si ces tentatives ne viennent pas de vous, quelqu'un connaît votre mot de passe : connectez-vous depuis un lieu habituel et changez-le sans attendre "+
			"(Mon compte : %s/compte), puis prévenez l'administrateur du portail.\n",
			name, parisMinute(at), ip, parisMinute(until), linkBase)
	})
}
