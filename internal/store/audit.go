package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain/workflow"
)

// SystemActorName is the actor name recorded for the scheduler's transitions.
const SystemActorName = "Système"

// AuditEntry is one row of a dossier's history, as shown on its timeline.
type AuditEntry struct {
	ID          int64
	DossierID   int64
	Seq         int
	ActorUserID *int64 // nil: the system
	ActorName   string
	At          time.Time
	Transition  workflow.Transition
	From        workflow.State
	To          workflow.State
	Motivation  string
	PrevHash    string
	Hash        string
	NotifiedAt  *time.Time
}

// Row converts e to the workflow's hashing form.
func (e AuditEntry) Row() workflow.AuditRow {
	r := workflow.AuditRow{DossierID: e.DossierID, ActorName: e.ActorName, At: e.At, Transition: e.Transition,
		From: e.From, To: e.To, Motivation: e.Motivation, PrevHash: e.PrevHash, Hash: e.Hash}
	if e.ActorUserID != nil {
		r.ActorUserID = *e.ActorUserID
	}
	return r
}

// appendAudit appends one row to the dossier's hash-chained audit trail
// (workflow.AuditHash) and moves dossiers.audit_head to its hash. It must run
// in the transaction of the change it records; it locks the dossier row
// (again: harmless when the caller already did) so rows are chained in order.
// actorID nil means the system. at is truncated to the microsecond (the
// precision of timestamptz) so the stored row hashes the same when read back.
func appendAudit(ctx context.Context, tx pgx.Tx, dossierID int64, actorID *int64, actorName string, at time.Time,
	t workflow.Transition, from, to workflow.State, motivation string) error {
	var head string
	var seq int
	if err := tx.QueryRow(ctx, `SELECT audit_head, audit_seq FROM dossiers WHERE id = $1 FOR UPDATE`, dossierID).Scan(&head, &seq); err != nil {
		return fmt.Errorf("appendAudit: %w", err)
	}
	actorName = strings.TrimSpace(actorName)
	if actorName == "" {
		if actorID == nil {
			actorName = SystemActorName
		} else {
			actorName = fmt.Sprintf("Utilisateur n° %d", *actorID)
		}
	}
	row := workflow.AuditRow{DossierID: dossierID, ActorName: actorName, At: at.UTC().Truncate(time.Microsecond),
		Transition: t, From: from, To: to, Motivation: motivation, PrevHash: head}
	if actorID != nil {
		row.ActorUserID = *actorID
	}
	row.Hash = workflow.AuditHash(head, row)
	if _, err := tx.Exec(ctx, `INSERT INTO dossier_audit (dossier_id, seq, actor_user_id, actor_name, at, transition,
		from_state, to_state, motivation, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		dossierID, seq+1, actorID, row.ActorName, row.At, string(t), string(from), string(to), motivation, head, row.Hash); err != nil {
		return fmt.Errorf("appendAudit: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE dossiers SET audit_head = $2, audit_seq = $3 WHERE id = $1`, dossierID, row.Hash, seq+1); err != nil {
		return fmt.Errorf("appendAudit: %w", err)
	}
	return nil
}

const auditColumns = `a.id, a.dossier_id, a.seq, a.actor_user_id, a.actor_name, a.at, a.transition, a.from_state,
	a.to_state, a.motivation, a.prev_hash, a.hash, a.notified_at`

func scanAudit(r pgx.Row) (AuditEntry, error) {
	var e AuditEntry
	var t, from, to string
	err := r.Scan(&e.ID, &e.DossierID, &e.Seq, &e.ActorUserID, &e.ActorName, &e.At, &t, &from, &to,
		&e.Motivation, &e.PrevHash, &e.Hash, &e.NotifiedAt)
	e.Transition, e.From, e.To = workflow.Transition(t), workflow.State(from), workflow.State(to)
	return e, err
}

// DossierHistory returns the audit trail of a dossier in scope, oldest first.
func (s *Store) DossierHistory(ctx context.Context, sc Scope, dossierID int64) ([]AuditEntry, error) {
	var b pgx.Batch
	var out []AuditEntry
	queueDossierHistory(&b, sc, dossierID, &out)
	err := s.db(sc).SendBatch(ctx, &b).Close()
	return out, pgError("store.DossierHistory", err)
}

// queueDossierHistory queues on b the read of DossierHistory into *out.
func queueDossierHistory(b *pgx.Batch, sc Scope, dossierID int64, out *[]AuditEntry) {
	var a args
	q := `SELECT ` + auditColumns + ` FROM dossier_audit a JOIN dossiers d ON d.id = a.dossier_id
		JOIN organisations o ON o.id = d.structure_id
		WHERE a.dossier_id = ` + a.add(dossierID) + ` AND ` + sc.dossiers("d", &a) + ` ORDER BY a.seq`
	b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) { return scanAudit(r) })
		return err
	})
}

// AuditReport is the result of VerifyAudit.
type AuditReport struct {
	Rows     int
	Dossiers int
	// Broken is empty for an intact trail; otherwise it describes the first
	// broken dossier and row, in French.
	Broken         string
	BrokenDossier  int64
	BrokenSeq      int // 0 when the tail was cut (audit_head mismatch)
	BrokenRowIndex int
}

// VerifyAudit reads every dossier's audit rows in order (no scope: operator
// command `aci audit verify`), checks each chain with workflow.VerifyChain
// and compares its last hash with dossiers.audit_head (a deleted tail row
// shows only there). It stops at the first broken dossier.
func (s *Store) VerifyAudit(ctx context.Context) (AuditReport, error) {
	var rep AuditReport
	rows, err := s.sys().Query(ctx, `SELECT id, audit_head, audit_seq FROM dossiers ORDER BY id`)
	if err != nil {
		return rep, pgError("store.VerifyAudit", err)
	}
	type head struct {
		id   int64
		hash string
		seq  int
	}
	heads, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (head, error) {
		var h head
		return h, r.Scan(&h.id, &h.hash, &h.seq)
	})
	if err != nil {
		return rep, pgError("store.VerifyAudit", err)
	}
	for _, h := range heads {
		rows, err := s.sys().Query(ctx, `SELECT `+auditColumns+` FROM dossier_audit a WHERE a.dossier_id = $1 ORDER BY a.seq`, h.id)
		if err != nil {
			return rep, pgError("store.VerifyAudit", err)
		}
		entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) { return scanAudit(r) })
		if err != nil {
			return rep, pgError("store.VerifyAudit", err)
		}
		rep.Dossiers++
		rep.Rows += len(entries)
		chain := make([]workflow.AuditRow, len(entries))
		for i, e := range entries {
			chain[i] = e.Row()
			if e.Seq != i+1 {
				return broken(rep, h.id, e.Seq, i, fmt.Sprintf("dossier n° %d : ligne n° %d attendue, ligne n° %d trouvée (ligne supprimée ou insérée)", h.id, i+1, e.Seq)), nil
			}
		}
		if i, ok := workflow.VerifyChain(chain); !ok {
			return broken(rep, h.id, entries[i].Seq, i, fmt.Sprintf("dossier n° %d : la ligne n° %d (id %d, %s) ne correspond pas à son empreinte", h.id, entries[i].Seq, entries[i].ID, entries[i].Transition)), nil
		}
		last := workflow.GenesisHash
		if len(entries) > 0 {
			last = entries[len(entries)-1].Hash
		}
		if last != h.hash || len(entries) != h.seq {
			return broken(rep, h.id, 0, len(entries), fmt.Sprintf("dossier n° %d : la dernière ligne (n° %d) ne correspond pas à la tête de chaîne du dossier (%d lignes attendues) : des lignes ont été supprimées", h.id, len(entries), h.seq)), nil
		}
	}
	return rep, nil
}

func broken(rep AuditReport, dossierID int64, seq, idx int, msg string) AuditReport {
	rep.Broken, rep.BrokenDossier, rep.BrokenSeq, rep.BrokenRowIndex = msg, dossierID, seq, idx
	return rep
}
