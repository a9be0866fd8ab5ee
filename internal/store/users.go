package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
)

// User is an account.
type User struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string
	EmailMode    string
	DisabledAt   *time.Time
	// SessionEpoch is raised by every password change: sessions opened in
	// an older epoch end at their next request.
	SessionEpoch int
	// MustChangePassword: the account was created with an initial password;
	// its owner must choose their own before anything else.
	MustChangePassword bool
}

// Membership is a user's role in one organisation.
type Membership struct {
	OrgID   int64
	OrgName string
	Kind    domain.OrgKind
	Role    domain.Role
	// Archived: the organisation is archived; nobody acts for it (ScopeFor
	// refuses it), the switcher shows it disabled.
	Archived bool
}

// NormalizeEmail trims and lower-cases an e-mail address.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateUser inserts a user with an already hashed password.
// System path, no scope: authentication and sessions (login, middleware,
// CLI, seed) read the account itself, not a structure's data.
func (s *Store) CreateUser(ctx context.Context, email, name, passwordHash string) (int64, error) {
	var id int64
	err := s.sys().QueryRow(ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id`,
		NormalizeEmail(email), strings.TrimSpace(name), passwordHash).Scan(&id)
	return id, pgError("store.CreateUser", err)
}

const userColumns = `id, email, name, password_hash, email_mode, disabled_at, session_epoch, must_change_password`

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.EmailMode, &u.DisabledAt, &u.SessionEpoch, &u.MustChangePassword)
	return u, err
}

// UserByEmail finds a user by e-mail (normalised).
// System path, no scope: authentication and sessions (login, middleware,
// CLI, seed) read the account itself, not a structure's data.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.sys().QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, NormalizeEmail(email)))
	return u, pgError("store.UserByEmail", err)
}

// UserByID finds a user by id.
// System path, no scope: authentication and sessions (login, middleware,
// CLI, seed) read the account itself, not a structure's data.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.sys().QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, pgError("store.UserByID", err)
}

// AddMembership gives user a role in org (or changes it).
// System path, no scope: authentication and sessions (login, middleware,
// CLI, seed) read the account itself, not a structure's data.
func (s *Store) AddMembership(ctx context.Context, userID, orgID int64, role domain.Role) error {
	var kind string
	if err := s.sys().QueryRow(ctx, `SELECT kind FROM organisations WHERE id = $1`, orgID).Scan(&kind); err != nil {
		return pgError("store.AddMembership", err)
	}
	if !role.AllowedFor(domain.OrgKind(kind)) {
		return domain.Errorf(domain.EInvalid, "le rôle %s n'existe pas pour une organisation de type %s", role.Label(), domain.OrgKind(kind).Label())
	}
	_, err := s.sys().Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`, userID, orgID, string(role))
	return pgError("store.AddMembership", err)
}

// Memberships lists a user's memberships, ordered by organisation name.
// System path, no scope: authentication and sessions (login, middleware,
// CLI, seed) read the account itself, not a structure's data.
func (s *Store) Memberships(ctx context.Context, userID int64) ([]Membership, error) {
	rows, err := s.sys().Query(ctx, `SELECT m.org_id, o.name, o.kind, m.role, o.archived_at IS NOT NULL FROM memberships m
		JOIN organisations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name, o.id`, userID)
	if err != nil {
		return nil, pgError("store.Memberships", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Membership, error) {
		var m Membership
		var kind, role string
		err := r.Scan(&m.OrgID, &m.OrgName, &kind, &role, &m.Archived)
		m.Kind, m.Role = domain.OrgKind(kind), domain.Role(role)
		return m, err
	})
	return out, pgError("store.Memberships", err)
}

// ScopeFor builds the scope of userID acting for orgID. It fails with
// not_found when the user is unknown, disabled, or holds no membership there.
// System path, no scope: authentication and sessions (login, middleware,
// CLI, seed) read the account itself, not a structure's data.
func (s *Store) ScopeFor(ctx context.Context, userID, orgID int64) (Scope, error) {
	var sc Scope
	var kind, role string
	var region *string
	err := s.sys().QueryRow(ctx, `SELECT `+scopeColumns+` FROM `+activeMembership+`
		WHERE u.id = $1 AND o.id = $2 AND `+activeMembershipWhere, userID, orgID).
		Scan(&sc.UserID, &sc.UserName, &sc.SessionEpoch, &sc.MustChangePassword, &sc.OrgID, &sc.OrgName, &kind, &role, &region, &sc.Departements)
	if err != nil {
		return Scope{}, pgError("store.ScopeFor", err)
	}
	sc.Kind, sc.Role = domain.OrgKind(kind), domain.Role(role)
	if region != nil {
		sc.Region = *region
	}
	return sc, nil
}

// RecordLoginAttempt logs one login attempt for the rate limit.
// System path, no scope: authentication and sessions (login, middleware,
// CLI, seed) read the account itself, not a structure's data.
func (s *Store) RecordLoginAttempt(ctx context.Context, email, ip string, success bool, at time.Time) error {
	_, err := s.sys().Exec(ctx, `INSERT INTO login_attempts (email, ip, success, at) VALUES ($1, $2, $3, $4)`,
		NormalizeEmail(email), ip, success, at)
	return pgError("store.RecordLoginAttempt", err)
}

// LoginHistory counts, for auth.LoginWait, the login attempts of the
// account email and of the address ip as of now (auth.LoginHistory says
// what each count is).
// System path, no scope: authentication and sessions (login, middleware,
// CLI, seed) read the account itself, not a structure's data.
func (s *Store) LoginHistory(ctx context.Context, email, ip string, now time.Time) (auth.LoginHistory, error) {
	var h auth.LoginHistory
	var acctLast, pairLast, addrLast *time.Time
	err := s.sys().QueryRow(ctx, `
		WITH ok AS (
			SELECT coalesce(max(at), '-infinity') AS at FROM login_attempts WHERE email = $1 AND success AND at <= $3
		), acct AS (
			SELECT count(*) AS n, max(a.at) AS last FROM login_attempts a, ok
			WHERE a.email = $1 AND NOT a.success AND a.at > ok.at AND a.at >= $4 AND a.at <= $3
		), pair AS (
			SELECT count(*) AS n, max(a.at) AS last FROM login_attempts a, ok
			WHERE a.email = $1 AND a.ip = $2 AND NOT a.success AND a.at > ok.at AND a.at >= $5 AND a.at <= $3
		), addr AS (
			SELECT count(DISTINCT email) AS n, max(at) AS last FROM login_attempts
			WHERE ip = $2 AND NOT success AND at >= $5 AND at <= $3
		)
		SELECT EXISTS (SELECT 1 FROM login_attempts WHERE email = $1 AND ip = $2 AND success AND at <= $3),
		       acct.n, acct.last, pair.n, pair.last, addr.n, addr.last
		FROM acct, pair, addr`,
		NormalizeEmail(email), ip, now, now.Add(-auth.LockMemory), now.Add(-auth.Window)).Scan(
		&h.KnownAddress, &h.AccountFailures, &acctLast, &h.PairFailures, &pairLast, &h.AddressAccounts, &addrLast)
	if err != nil {
		return h, pgError("store.LoginHistory", err)
	}
	for _, p := range []struct {
		src *time.Time
		dst *time.Time
	}{{acctLast, &h.AccountLastFailure}, {pairLast, &h.PairLastFailure}, {addrLast, &h.AddressLastFailure}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return h, nil
}

// NotifyAccountLocked tells the owner of the active account email, through
// the outbox, that its login is locked for new addresses after repeated
// failures from ip (auth.LockStarts). Nothing happens for an unknown or
// disabled e-mail (the form says the same either way).
// System path, no scope.
func (s *Store) NotifyAccountLocked(ctx context.Context, email, ip string, at, until time.Time, linkBase string) error {
	return s.mailLockedAccount(ctx, "store.NotifyAccountLocked", email, at, func(name string) string {
		return fmt.Sprintf("Bonjour %s,\n\n"+
			"Plusieurs tentatives de connexion à votre compte du Portail ACI ont échoué (mot de passe incorrect), la dernière le %s depuis l'adresse %s.\n\n"+
			"Par sécurité, les connexions à votre compte depuis un appareil ou une adresse où vous ne vous êtes jamais connecté·e sont suspendues jusqu'au %s au moins. "+
			"Depuis les appareils et les lieux où vous vous connectez d'habitude, votre mot de passe fonctionne toujours.\n\n"+
			"Si ces tentatives ne viennent pas de vous, quelqu'un essaie peut-être de deviner votre mot de passe : "+
			"connectez-vous depuis un lieu habituel et changez-le (Mon compte : %s/compte), ou prévenez l'administrateur du portail.\n",
			name, parisMinute(at), ip, parisMinute(until), linkBase)
	})
}

// parisMinute is an instant as a French reader reads it: « 01/12/2026 à 14:05 ».
func parisMinute(t time.Time) string { return t.In(domain.Paris).Format("02/01/2006 à 15:04") }

// mailLockedAccount queues, through the outbox, the e-mail body(name) to the
// owner of an account whose login was locked (docs/rules.md §23); nothing
// for an unknown or disabled e-mail. System path, no scope.
func (s *Store) mailLockedAccount(ctx context.Context, op, email string, at time.Time, body func(name string) string) error {
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		var id int64
		var name, to string
		err := tx.QueryRow(ctx, `SELECT id, name, email FROM users WHERE email = $1 AND disabled_at IS NULL`, NormalizeEmail(email)).Scan(&id, &name, &to)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		return outboxEnqueue(ctx, tx, to, id, "[Portail ACI] Tentatives de connexion refusées sur votre compte", body(name), at)
	})
	return pgError(op, err)
}
