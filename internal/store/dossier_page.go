package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// DossierPage is what the dossier page reads besides the dossier itself:
// its history, its complement requests, its payments outside any contract
// (the amorçage) and, for the CPAM referent, the instruction checklist.
type DossierPage struct {
	History     []AuditEntry
	Complements []Complement
	Payments    []PaymentRow
	Checklist   *InstructionChecklist // nil unless asked for
}

// DossierPageOf reads the page of dossier d, already read through the
// viewer's scope (each read keeps its own scope predicate), in one batch:
// one round trip (docs/rules.md §35). With the checklist, the batch is one
// read-only snapshot, as DossierChecklistOf.
func (s *Store) DossierPageOf(ctx context.Context, sc Scope, d Dossier, withChecklist bool) (DossierPage, error) {
	var out DossierPage
	var b pgx.Batch
	if withChecklist {
		b.Queue(beginSnapshot)
	}
	queueDossierHistory(&b, sc, d.ID, &out.History)
	queueComplementRequests(&b, sc, d.ID, &out.Complements)
	queueDossierPayments(&b, sc, d.ID, &out.Payments)
	var checklist func() InstructionChecklist
	if withChecklist {
		checklist = queueChecklist(&b, d)
		b.Queue(endSnapshot)
	}
	if err := s.db(sc).SendBatch(ctx, &b).Close(); err != nil {
		return DossierPage{}, pgError("store.DossierPageOf", err)
	}
	if checklist != nil {
		c := checklist()
		out.Checklist = &c
	}
	return out, nil
}
