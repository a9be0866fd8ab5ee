package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Reads are the independent reads of one page — its frame (the unread
// badge) and its blocks — queued by the handler, then sent in one batch:
// one round trip to PostgreSQL (docs/rules.md §35.1). Each read keeps its
// own scope predicate, and its statement is the one of its single-read
// function (both queue it with the same queueX function): one SQL per read.
// A read's result is in its destination once Send has returned nil.
type Reads struct {
	sc    Scope
	b     pgx.Batch
	after []func(ctx context.Context, s *Store) error
	snap  bool // one read-only snapshot (Snapshot)
	sys   bool // sent as the system (sysReads)
}

// sysReads are reads of the system paths (s.sys()): a single read of a
// user's own rows outside any scope, as ListNotifications.
func sysReads() *Reads { return &Reads{sys: true} }

// Snapshot makes the batch one read-only snapshot (REPEATABLE READ): its
// reads see the same state, as the instruction checklist needs
// (docs/rules.md §35.1).
func (rd *Reads) Snapshot() { rd.snap = true }

// NewReads starts the reads of a page, all run for sc.
func NewReads(sc Scope) *Reads { return &Reads{sc: sc} }

// Len is the number of statements queued.
func (rd *Reads) Len() int { return len(rd.b.QueuedQueries) }

// then runs f once the batch has been read: what a read needs only when the
// batch found something (another round trip then, as the avenants'
// signatures when a contract has avenants).
func (rd *Reads) then(f func(ctx context.Context, s *Store) error) { rd.after = append(rd.after, f) }

// Send runs the reads queued on rd in one batch. A failed read fails the
// page (as each single read did).
func (s *Store) Send(ctx context.Context, rd *Reads) error {
	return pgError("store.Send", s.send(ctx, rd))
}

// send is Send without its error's origin: a single read names its own.
func (s *Store) send(ctx context.Context, rd *Reads) error {
	if len(rd.b.QueuedQueries) > 0 {
		b := &rd.b
		if rd.snap {
			b = &pgx.Batch{}
			b.Queue(beginSnapshot)
			b.QueuedQueries = append(b.QueuedQueries, rd.b.QueuedQueries...)
			b.Queue(endSnapshot)
		}
		q := s.db(rd.sc)
		if rd.sys {
			q = s.sys()
		}
		if err := q.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
	}
	for _, f := range rd.after {
		if err := f(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
