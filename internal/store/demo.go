package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// The demo's records (make run, aci seed --demo) are found by a stable key
// (migration 00062), never by what users may change. System path, no
// scope: the seed only.

// demoLock serialises demo loads (two `make run` at once) inside the
// caller's transaction.
func demoLock(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('portail-aci demo'))`)
	return err
}

// EnsureDemoOrganisation finds the demo organisation of key (adopting, the
// first time, an unkeyed one of the same kind and name: a demo loaded
// before the keys existed), creates it when missing, and restores it as o
// says — name, type, département, région, départements, not archived — in
// one transaction. It returns its id.
func (s *Store) EnsureDemoOrganisation(ctx context.Context, key string, o NewOrganisation) (int64, error) {
	var id int64
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		if err := demoLock(ctx, tx); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT id FROM organisations WHERE demo_key = $1`, key).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, `UPDATE organisations SET demo_key = $1 WHERE id = (SELECT id FROM organisations
				WHERE demo_key IS NULL AND kind = $2 AND lower(name) = lower($3) ORDER BY id LIMIT 1) RETURNING id`,
				key, string(o.Kind), strings.TrimSpace(o.Name)).Scan(&id)
		}
		var st, dep, reg *string
		if o.StructureType != "" {
			v := string(o.StructureType)
			st = &v
		}
		if o.Departement != "" {
			dep = &o.Departement
		}
		if o.Region != "" {
			reg = &o.Region
		}
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, `INSERT INTO organisations (kind, name, structure_type, departement, region, demo_key)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, string(o.Kind), strings.TrimSpace(o.Name), st, dep, reg, key).Scan(&id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE organisations SET name = $2, structure_type = $3, departement = $4, region = $5, archived_at = NULL,
			version = version + 1 WHERE id = $1 AND (name, coalesce(structure_type, ''), coalesce(departement, ''), coalesce(region, ''), archived_at IS NULL)
			IS DISTINCT FROM ($2, coalesce($3, ''), coalesce($4, ''), coalesce($5, ''), true)`,
			id, strings.TrimSpace(o.Name), st, dep, reg); err != nil {
			return err
		}
		if o.Kind == domain.OrgCPAM {
			if _, err := tx.Exec(ctx, `DELETE FROM organisation_departements WHERE org_id = $1 AND NOT (departement = ANY($2::text[]))`, id, o.Departements); err != nil {
				return err
			}
			for _, d := range o.Departements {
				if _, err := tx.Exec(ctx, `INSERT INTO organisation_departements (org_id, departement) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, d); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return id, pgError("store.EnsureDemoOrganisation", fmtKey(err, key))
}

// DemoOrganisationID is the id of the demo organisation of key.
func (s *Store) DemoOrganisationID(ctx context.Context, key string) (int64, error) {
	var id int64
	err := s.sys().QueryRow(ctx, `SELECT id FROM organisations WHERE demo_key = $1`, key).Scan(&id)
	return id, pgError("store.DemoOrganisationID", fmtKey(err, key))
}

// DemoAccount is a demo login to ensure.
type DemoAccountInput struct {
	Key, Email, Name, PasswordHash string
	OrgID                          int64
	Role                           domain.Role
}

// EnsureDemoAccount finds the demo account of in.Key (adopting an unkeyed
// account of the same address the first time), creates it when missing, and
// restores it — address, name, the demo password, enabled, no pending
// password choice, its membership — in one transaction: an account is never
// left without its membership. A restored password or address ends the
// account's sessions (session epoch). It returns the user's id.
func (s *Store) EnsureDemoAccount(ctx context.Context, in DemoAccountInput) (int64, error) {
	var id int64
	email := NormalizeEmail(in.Email)
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		if err := demoLock(ctx, tx); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT id FROM users WHERE demo_key = $1`, in.Key).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, `UPDATE users SET demo_key = $1 WHERE email = $2 AND demo_key IS NULL RETURNING id`, in.Key, email).Scan(&id)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			// Someone took the demo address for another account: it is the
			// demo's; the other account keeps its rows under a freed address.
			if _, err := tx.Exec(ctx, `UPDATE users SET email = 'ancien-' || id || '-' || email WHERE email = $1`, email); err != nil {
				return err
			}
			err = tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, demo_key) VALUES ($1, $2, $3, $4) RETURNING id`,
				email, strings.TrimSpace(in.Name), in.PasswordHash, in.Key).Scan(&id)
		}
		if err != nil {
			return err
		}
		var curEmail, curHash string
		if err := tx.QueryRow(ctx, `SELECT email, password_hash FROM users WHERE id = $1 FOR UPDATE`, id).Scan(&curEmail, &curHash); err != nil {
			return err
		}
		if curEmail != email {
			if _, err := tx.Exec(ctx, `UPDATE users SET email = 'ancien-' || id || '-' || email WHERE email = $1 AND id <> $2`, email, id); err != nil {
				return err
			}
		}
		// The hash differs at every hashing (salt): keep a hash that is
		// already the demo password's (the caller checks it, see seed).
		if _, err := tx.Exec(ctx, `UPDATE users SET email = $2, name = $3, password_hash = $4, disabled_at = NULL, must_change_password = false,
			session_epoch = session_epoch + CASE WHEN email <> $2 OR password_hash <> $4 THEN 1 ELSE 0 END WHERE id = $1`,
			id, email, strings.TrimSpace(in.Name), in.PasswordHash); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, org_id) DO UPDATE SET role = EXCLUDED.role`, id, in.OrgID, string(in.Role))
		return err
	})
	return id, pgError("store.EnsureDemoAccount", fmtKey(err, in.Key))
}

// DemoPasswordHash returns the stored hash of the demo account of key ("" when
// absent), so the seed can keep it when it still matches the demo password.
func (s *Store) DemoPasswordHash(ctx context.Context, key string) (string, error) {
	var h string
	err := s.sys().QueryRow(ctx, `SELECT password_hash FROM users WHERE demo_key = $1`, key).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return h, pgError("store.DemoPasswordHash", err)
}

func fmtKey(err error, key string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("demo record %q: %w", key, err)
}
