// Package refdata holds national reference data (régions, départements,
// communes) and its loader. OWNED BY the refdata work; this file is a
// placeholder with the agreed signature until that work lands.
package refdata

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Load loads régions, départements and communes into their tables,
// idempotently.
func Load(ctx context.Context, pool *pgxpool.Pool) error { return nil }
