package store

import (
	"context"
	"github.com/portail-aci/aci/internal/access"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// archiveFacts reads what archiving structure id looks at: each dossier's
// state, its contract's state and the money still to recover — the
// recoveries (negative payments) neither recovered nor cancelled
// (workflow.ArchiveBlockers; docs/rules.md §30).
func archiveFacts(ctx context.Context, q contentQuerier, id int64) ([]workflow.ArchiveFact, error) {
	rows, err := q.Query(ctx, `SELECT d.state, coalesce(c.state, ''),
		coalesce((SELECT -sum(p.amount_cents) FROM payments p WHERE p.dossier_id = d.id AND p.amount_cents < 0
			AND p.status IN ('prevu', 'ordonnance')), 0)
		FROM dossiers d LEFT JOIN contracts c ON c.dossier_id = d.id WHERE d.structure_id = $1 ORDER BY d.id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (workflow.ArchiveFact, error) {
		var f workflow.ArchiveFact
		var ds, cs string
		var tp int64
		err := r.Scan(&ds, &cs, &tp)
		f.Dossier, f.Contract, f.TropPercu = workflow.State(ds), workflow.State(cs), domain.Cents(tp)
		return f, err
	})
}

// ArchiveBlockers lists why structure id (in scope) cannot be archived now
// (workflow.ArchiveBlockers); empty when it can.
func (s *Store) ArchiveBlockers(ctx context.Context, sc Scope, id int64) ([]string, error) {
	var a args
	var ok bool
	if err := s.db(sc).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations o WHERE o.id = `+a.add(id)+` AND `+sc.structures("o", &a)+`)`, a...).
		Scan(&ok); err != nil {
		return nil, pgError("store.ArchiveBlockers", err)
	}
	if !ok {
		return nil, domain.Errorf(domain.ENotFound, "Structure introuvable.")
	}
	facts, err := archiveFacts(ctx, s.db(sc), id)
	if err != nil {
		return nil, pgError("store.ArchiveBlockers", err)
	}
	return workflow.ArchiveBlockers(facts), nil
}

// ArchiveRefusedError is returned by ArchiveStructure when the structure
// cannot be archived: it lists why (code domain.EInvalid).
type ArchiveRefusedError struct{ Blockers []string }

func (e *ArchiveRefusedError) Error() string { return e.coded().Message }

// Unwrap exposes the coded domain error.
func (e *ArchiveRefusedError) Unwrap() error { return e.coded() }

func (e *ArchiveRefusedError) coded() *domain.Error {
	return domain.Errorf(domain.EInvalid, "La structure ne peut pas être archivée : %s.", strings.Join(e.Blockers, " ; "))
}

// checkArchivable refuses, inside the archiving transaction, a structure
// whose dossiers or contracts block it. The dossiers are locked so that no
// transition slips in between the check and the archiving.
func checkArchivable(ctx context.Context, tx pgx.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM dossiers WHERE structure_id = $1 FOR UPDATE`, id); err != nil {
		return err
	}
	facts, err := archiveFacts(ctx, tx, id)
	if err != nil {
		return err
	}
	if b := workflow.ArchiveBlockers(facts); len(b) > 0 {
		return &ArchiveRefusedError{Blockers: b}
	}
	return nil
}

// UnarchiveStructure makes an archived structure active again: a national
// admin only (outside, or not archived: not found / conflict), with its
// history row (docs/rules.md §22).
func (s *Store) UnarchiveStructure(ctx context.Context, sc Scope, id int64, version int) error {
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		if !access.ForViewer(sc.Viewer()).Can(access.ActAdminister) {
			return domain.Errorf(domain.ENotFound, "Structure introuvable.")
		}
		var a args
		var cur int
		var archived bool
		var who string
		err := tx.QueryRow(ctx, `SELECT o.version, o.archived_at IS NOT NULL, coalesce(ub.name, '') FROM organisations o
			LEFT JOIN users ub ON ub.id = o.updated_by
			WHERE o.kind = 'structure' AND o.id = `+a.add(id)+` AND `+sc.structures("o", &a)+` FOR UPDATE OF o`, a...).Scan(&cur, &archived, &who)
		if err != nil {
			return err
		}
		if !archived {
			return domain.Errorf(domain.EConflict, "Cette structure n'est pas archivée : rechargez la page.")
		}
		if cur != version {
			return structureConflict(who)
		}
		if _, err := tx.Exec(ctx, `UPDATE organisations SET archived_at = NULL, updated_by = $2, updated_at = now(),
			version = version + 1 WHERE id = $1`, id, sc.UserID); err != nil {
			return err
		}
		return logChange(ctx, tx, id, sc.UserID, "unarchive", "Désarchivage de la structure")
	})
	return pgError("store.UnarchiveStructure", err)
}
