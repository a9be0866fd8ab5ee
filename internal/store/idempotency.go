package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// idemKey is the context key of a request's idempotency key.
type idemKey struct{}

// validIdemKey reports whether key has the shape of an idempotency key:
// 16 to 64 characters of A-Z a-z 0-9 _ - (the table checks it too).
func validIdemKey(key string) bool {
	if len(key) < 16 || len(key) > 64 {
		return false
	}
	for _, c := range key {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// WithIdempotencyKey returns ctx carrying the idempotency key of the
// creation form being posted ("" or a malformed key: none). The store's
// creations read it (once): a replay of the same key by the same user
// returns the first result instead of creating again.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	if !validIdemKey(key) {
		return ctx
	}
	return context.WithValue(ctx, idemKey{}, key)
}

// errReplay is returned by once's body to roll back a transaction whose
// creation was already done by an earlier request with the same key.
var errReplay = errors.New("store: idempotent replay")

// once runs create — the whole body of a creation's transaction, its checks
// included, so that a replay is not refused by them — inside tx under the request's idempotency key
// (docs/rules.md §33) and stores its result in *id:
//
//   - without a key, create runs;
//   - the key is claimed first (a row of idempotency_keys for the user and
//     the key, in tx): a concurrent request with the same key waits on the
//     unique key until this transaction ends;
//   - a key already used returns errReplay with *id set to the first
//     result: callers pass the error to replayed, which makes it a success.
//
// The claim, the creation and the result are one transaction: a failed
// creation leaves no key behind, and a committed one always has it.
func (s *Store) once(ctx context.Context, tx pgx.Tx, userID int64, action string, id *int64, create func() (int64, error)) error {
	key, _ := ctx.Value(idemKey{}).(string)
	if key == "" || userID <= 0 {
		n, err := create()
		*id = n
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (user_id, key, action, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, key) DO NOTHING`, userID, key, action, s.now())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		var prevAction string
		var prev *int64
		if err := tx.QueryRow(ctx, `SELECT action, result_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key).
			Scan(&prevAction, &prev); err != nil {
			return err
		}
		if prevAction != action || prev == nil {
			return domain.Errorf(domain.EConflict, "Ce formulaire a déjà été envoyé : rechargez la page avant de recommencer.")
		}
		*id = *prev
		return errReplay
	}
	n, err := create()
	if err != nil {
		return err
	}
	*id = n
	_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET result_id = $3 WHERE user_id = $1 AND key = $2`, userID, key, n)
	return err
}

// replayed turns once's errReplay (the transaction rolled back, the first
// result is kept) into success.
func replayed(err error) error {
	if errors.Is(err, errReplay) {
		return nil
	}
	return err
}
