package store

import "context"

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
	rd := NewReads(sc)
	rd.DossierPage(d, withChecklist, &out)
	if err := s.send(ctx, rd); err != nil {
		return DossierPage{}, pgError("store.DossierPageOf", err)
	}
	return out, nil
}

// DossierPage queues the reads of Store.DossierPageOf into *out; with the
// checklist, the whole batch of rd becomes one read-only snapshot.
func (rd *Reads) DossierPage(d Dossier, withChecklist bool, out *DossierPage) {
	sc := rd.sc
	queueDossierHistory(&rd.b, sc, d.ID, &out.History)
	queueComplementRequests(&rd.b, sc, d.ID, &out.Complements)
	queueDossierPayments(&rd.b, sc, d.ID, &out.Payments)
	if withChecklist {
		rd.Snapshot()
		checklist := queueChecklist(&rd.b, d)
		rd.then(func(context.Context, *Store) error {
			c := checklist()
			out.Checklist = &c
			return nil
		})
	}
}
