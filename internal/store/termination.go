package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Audit-only acts of a termination (docs/rules.md §30).
const (
	TransitionReceptionResiliation workflow.Transition = "reception_resiliation"
	TransitionRecours              workflow.Transition = "recours_resiliation"
	TransitionDecisionRecours      workflow.Transition = "decision_recours"
)

// terminationReason is the cancellation reason of the payments a
// termination cancels.
func terminationReason(eff domain.Date) string {
	return "Résiliation du contrat effective le " + eff.French() + " : échéance postérieure à la date d'effet"
}

// TerminationRecord is what the CPAM records on a requested termination:
// the receipt of the structure's letter (Received), the structure's recourse
// to the commission paritaire (RecourseFiled) or the commission's decision
// (Decided, Upheld).
type TerminationRecord struct {
	DossierID     int64
	Received      domain.Date
	RecourseFiled domain.Date
	Decided       domain.Date
	Upheld        bool
	At            time.Time
}

// RecordTermination records, in ONE transaction with its audit row, one fact
// of a requested termination (docs/rules.md §30), then applies it at once
// when its effective date is already reached:
//
//   - Received: the receipt of a letter the structure sent through the
//     portal → effective two months later (contractlife.TerminationEffective);
//   - RecourseFiled: a recourse against a CPAM termination → suspended;
//   - Decided: the commission's decision → effective (Upheld) on the later
//     of the notice's end and the decision, or annulled: the contract is
//     back in force (contractlife.CPAMTermination).
func (s *Store) RecordTermination(ctx context.Context, sc Scope, in TerminationRecord) error {
	at := in.At
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	today := domain.DateOf(at)
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		var a args
		q := "SELECT " + contractColumns + contractFrom + " WHERE c.dossier_id = " + a.add(in.DossierID) + " AND " + sc.contracts("c", &a) + " FOR UPDATE OF c"
		c, err := scanContract(tx.QueryRow(ctx, q, a...))
		if err != nil {
			return contractNotFound(err)
		}
		if err := loadSignatures(ctx, tx, &c); err != nil {
			return err
		}
		if !c.Permission(sc).Can(access.ActRecordTermination) {
			return domain.Errorf(domain.ENotFound, "Contrat introuvable.")
		}
		if c.State != workflow.ResiliationDemandee {
			return domain.Errorf(domain.EConflict, "Aucune résiliation n'est demandée sur ce contrat : rechargez la page.")
		}
		uid := sc.UserID
		var text string
		tr := TransitionReceptionResiliation
		to := c.State
		var eff domain.Date
		switch {
		case !in.Received.IsZero():
			if c.TerminationBy != workflow.PartyStructure || !c.TerminationReceived.IsZero() {
				return domain.Errorf(domain.EConflict, "La date de réception de ce courrier est déjà enregistrée : rechargez la page.")
			}
			if in.Received.After(today) {
				return domain.FieldError("received", "la date de réception (%s) ne peut pas être dans le futur", in.Received.French())
			}
			if !c.TerminationLetter.IsZero() && in.Received.Before(c.TerminationLetter) {
				return domain.FieldError("received", "la date de réception (%s) précède l'envoi du courrier par le portail (%s)", in.Received.French(), c.TerminationLetter.French())
			}
			if eff, err = contractlife.TerminationEffective(c.Start, in.Received); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE contracts SET resiliation_received_on = $2, resiliation_effective_on = $3, resiliation_status = 'programmee',
				version = version + 1, updated_at = $4, updated_by = $5 WHERE id = $1`, c.ID, dateArg(in.Received), dateArg(eff), at, uid); err != nil {
				return err
			}
			text = workflow.ResiliationRequestRecord(in.Received, eff, "")
		case !in.RecourseFiled.IsZero():
			if c.TerminationBy != workflow.PartyCPAM || !c.RecourseFiled.IsZero() {
				return domain.Errorf(domain.EConflict, "Un recours n'est possible qu'une fois, contre une résiliation décidée par la CPAM.")
			}
			if in.RecourseFiled.After(today) {
				return domain.FieldError("recourse", "la date du recours (%s) ne peut pas être dans le futur", in.RecourseFiled.French())
			}
			t := contractlife.CPAMTermination{Notified: c.TerminationNotified, RecourseFiled: in.RecourseFiled}
			if _, _, err := t.Effective(); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE contracts SET recourse_filed_on = $2, resiliation_effective_on = NULL, resiliation_status = 'suspendue',
				version = version + 1, updated_at = $3, updated_by = $4 WHERE id = $1`, c.ID, dateArg(in.RecourseFiled), at, uid); err != nil {
				return err
			}
			tr, text = TransitionRecours, "Recours devant la commission paritaire formé le "+in.RecourseFiled.French()+" : la résiliation est suspendue jusqu'à sa décision"
		case !in.Decided.IsZero():
			if c.TerminationStatus != contractlife.TerminationSuspended {
				return domain.Errorf(domain.EConflict, "Aucun recours en attente de décision sur ce contrat : rechargez la page.")
			}
			if in.Decided.After(today) {
				return domain.FieldError("decided", "la date de la décision (%s) ne peut pas être dans le futur", in.Decided.French())
			}
			t := contractlife.CPAMTermination{Notified: c.TerminationNotified, RecourseFiled: c.RecourseFiled, Decided: in.Decided, Upheld: in.Upheld}
			status, e, err := t.Effective()
			if err != nil {
				return err
			}
			eff = e
			tr = TransitionDecisionRecours
			if status == contractlife.TerminationAnnulled {
				to = workflow.Actif
				if _, err := tx.Exec(ctx, `UPDATE contracts SET state = 'actif', recourse_decided_on = $2, recourse_upheld = false, resiliation_status = 'annulee',
					resiliation_effective_on = NULL, version = version + 1, updated_at = $3, updated_by = $4 WHERE id = $1`, c.ID, dateArg(in.Decided), at, uid); err != nil {
					return err
				}
				text = "La commission paritaire n'a pas confirmé la résiliation (décision du " + in.Decided.French() + ") : le contrat reste en vigueur"
			} else {
				if _, err := tx.Exec(ctx, `UPDATE contracts SET recourse_decided_on = $2, recourse_upheld = true, resiliation_status = 'programmee',
					resiliation_effective_on = $3, version = version + 1, updated_at = $4, updated_by = $5 WHERE id = $1`, c.ID, dateArg(in.Decided), dateArg(eff), at, uid); err != nil {
					return err
				}
				text = "La commission paritaire a confirmé la résiliation (décision du " + in.Decided.French() + ") : effet le " + eff.French()
			}
		default:
			return domain.FieldError("received", "date obligatoire")
		}
		if err := appendAudit(ctx, tx, c.DossierID, &uid, sc.UserName, at, tr, c.State, to, text); err != nil {
			return err
		}
		if to == workflow.ResiliationDemandee && !eff.IsZero() && !eff.After(today) {
			c.TerminationEffective = eff
			return terminateAt(ctx, tx, c, today, at)
		}
		return nil
	})
	return pgError("store.RecordTermination", err)
}

// ApplyDueTerminations applies every requested termination whose effective
// date is reached (on or before today), as the system (docs/rules.md §30):
// each contract is one transaction that takes its row FOR UPDATE SKIP
// LOCKED and re-checks its state, so several instances may run it and a
// contract is never terminated twice. It returns how many were applied.
// System path, no scope: background job.
func (s *Store) ApplyDueTerminations(ctx context.Context, today domain.Date, at time.Time) (int, error) {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	rows, err := s.sys().Query(ctx, `SELECT id FROM contracts WHERE state = 'resiliation_demandee' AND resiliation_effective_on <= $1::date
		ORDER BY resiliation_effective_on, id`, today.String())
	if err != nil {
		return 0, pgError("store.ApplyDueTerminations", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, pgError("store.ApplyDueTerminations", err)
	}
	n := 0
	var errs []error
	for _, id := range ids {
		err := s.sysTx(ctx, func(tx pgx.Tx) error {
			c, err := scanContract(tx.QueryRow(ctx, "SELECT "+contractColumns+contractFrom+
				" WHERE c.id = $1 AND c.state = 'resiliation_demandee' AND c.resiliation_effective_on <= $2::date FOR UPDATE OF c SKIP LOCKED", id, today.String()))
			if err != nil {
				return err
			}
			return terminateAt(ctx, tx, c, today, at)
		})
		switch {
		case err == nil:
			n++
		case errors.Is(err, pgx.ErrNoRows):
			// another instance has it, or it changed meanwhile
		default:
			// one contract that cannot be settled (a year to close first)
			// does not hold back the others
			errs = append(errs, fmt.Errorf("contract %d: %w", id, err))
		}
	}
	return n, pgError("store.ApplyDueTerminations", errors.Join(errs...))
}

// terminateAt applies the termination of c (locked, résiliation demandée,
// effective on c.TerminationEffective ≤ today) in tx: the settlement
// (contractlife.Settle) cancels the planned payments due on or after the
// effective date with the reason, creates the recovery of the trop-perçu (a
// negative payment, kind recouvrement) or the final balance, and the
// contract becomes résilié, recorded by the system in the dossier's chain.
func terminateAt(ctx context.Context, tx pgx.Tx, c Contract, today domain.Date, at time.Time) error {
	set, err := settle(ctx, tx, c, at)
	if err != nil {
		return err
	}
	var tp, rd int64
	if set.Line != nil {
		if set.Line.Amount < 0 {
			tp = -int64(set.Line.Amount)
		} else {
			rd = int64(set.Line.Amount)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE contracts SET state = 'resilie', resilie_on = $2, trop_percu_cents = $3, reste_du_cents = $4,
		version = version + 1, updated_at = $5, updated_by = NULL WHERE id = $1`, c.ID, dateArg(today), tp, rd, at); err != nil {
		return err
	}
	text := fmt.Sprintf("Résiliation effective le %s — dû à la date d'effet : %s ; versé ou dû : %s ; %d échéance(s) postérieure(s) annulée(s)",
		set.Effective.French(), domain.FormatEUR(set.Due), domain.FormatEUR(set.Kept), len(set.Cancel))
	switch {
	case tp > 0:
		text += " ; trop-perçu à recouvrer : " + domain.FormatEUR(domain.Cents(tp))
	case rd > 0:
		text += " ; solde dû à la structure : " + domain.FormatEUR(domain.Cents(rd))
	}
	return appendAudit(ctx, tx, c.DossierID, nil, SystemActorName, at, workflow.Resilier, workflow.ResiliationDemandee, workflow.Resilie, text)
}

// settle computes and writes the settlement of c's termination.
func settle(ctx context.Context, tx pgx.Tx, c Contract, at time.Time) (contractlife.Settlement, error) {
	eff := c.TerminationEffective
	ps, err := listPayments(ctx, tx, c.ID)
	if err != nil {
		return contractlife.Settlement{}, err
	}
	in, err := settleInput(ctx, tx, c, ps)
	if err != nil {
		return contractlife.Settlement{}, err
	}
	var set contractlife.Settlement
	if c.StructureType == domain.CPTS {
		set, err = contractlife.Settle(in)
	} else {
		set, err = mspSettlement(c, in)
	}
	if err != nil {
		return set, err
	}
	reason := terminationReason(eff)
	for _, p := range set.Cancel {
		if _, err := tx.Exec(ctx, `UPDATE payments SET status = 'annule', cancelled_on = $2, cancel_reason = $3 WHERE id = $1 AND status = 'prevu'`,
			p.ID, dateArg(eff), reason); err != nil {
			return set, err
		}
	}
	if set.Line != nil {
		if _, err := addPayments(ctx, tx, ContractOwner(c), []NewPayment{{Payment: *set.Line}}, at); err != nil {
			return set, err
		}
	}
	return set, nil
}

// settleInput is what contractlife.Settle reads of contract c and its
// payments ps. An MSP contract is settled on its own rule (docs/rules.md §9:
// each civil year's scheduled amounts prorated by the days under contract):
// see mspSettlement.
//
// A CPTS contract is the contract's life as lifeTerms reads it (each year
// on the barème in force on its first day and the tier its signed territory
// avenants give it, docs/rules.md §4, §7; the missions' starts as the
// coordinator declared them, §28) and the validated rates of its years
// (validatedRates).
func settleInput(ctx context.Context, tx pgx.Tx, c Contract, ps []PaymentRow) (contractlife.SettleInput, error) {
	in := contractlife.SettleInput{Effective: c.TerminationEffective}
	for _, p := range ps {
		in.Payments = append(in.Payments, contractlife.Scheduled{ID: p.ID, State: p.Status.State(),
			Payment: funding.Payment{Due: p.Due, ContractYear: p.ContractYear, Mission: p.Mission, Kind: p.Kind, Amount: p.Amount, Rule: p.Rule}})
	}
	if c.StructureType != domain.CPTS {
		return in, nil
	}
	var err error
	if in.Contract, err = lifeTerms(ctx, tx, c); err != nil {
		return in, err
	}
	in.Rates, err = validatedRates(ctx, tx, c, in.Contract, in.Effective)
	return in, err
}

// mspSettlement settles an MSP contract: what is due is computed by the
// funding engine's MSP termination (docs/rules.md §9: each civil year's
// scheduled amounts prorated by the days under contract before the
// effective date, two months after the receipt); the planned payments due
// on or after the effective date are cancelled and what was paid or stays
// to be paid is compared with it, as contractlife.Settle does for a CPTS.
func mspSettlement(c Contract, in contractlife.SettleInput) (contractlife.Settlement, error) {
	set := contractlife.Settlement{Effective: in.Effective}
	for _, p := range in.Payments {
		if p.State == contractlife.Cancelled || p.Kind == contractlife.KindRecouvrement || p.Kind == contractlife.KindSoldeResiliation {
			continue
		}
		if p.State == contractlife.Planned && !p.Due.Before(in.Effective) {
			set.Cancel = append(set.Cancel, p)
			continue
		}
		set.Kept += p.Amount
	}
	received := c.TerminationReceived
	if received.IsZero() {
		received = c.TerminationNotified
	}
	t, err := funding.ContractTermination(c.Funding(), received, max(set.Kept, 0))
	if err != nil {
		return set, err
	}
	set.Due = t.Due
	year := in.Effective.Y - c.Start.Y + 1
	switch diff := set.Due - set.Kept; {
	case diff < 0:
		set.Line = &funding.Payment{Due: in.Effective, ContractYear: year, Kind: contractlife.KindRecouvrement, Amount: diff,
			Rule: fmt.Sprintf("Trop-perçu à la résiliation effective le %s : versé ou dû %s, dû %s (ACI MSP)", in.Effective.French(), domain.FormatEUR(set.Kept), domain.FormatEUR(set.Due))}
	case diff > 0:
		set.Line = &funding.Payment{Due: in.Effective, ContractYear: year, Kind: contractlife.KindSoldeResiliation, Amount: diff,
			Rule: fmt.Sprintf("Solde à la résiliation effective le %s : dû %s, versé ou dû %s (ACI MSP)", in.Effective.French(), domain.FormatEUR(set.Due), domain.FormatEUR(set.Kept))}
	}
	return set, nil
}

// validatedRates are the achievement rates of each contract year of c
// begun before the effective date eff: a year closed (contract_year_closings)
// has the rates of its validated values, corrections after closing
// included (yearRates, as CloseYear computes its balances, docs/rules.md
// §6). Decision (docs/rules.md §30): a year not closed at the effective
// date — the year the termination cuts, or a year ended but not yet
// evaluated — counts the variable part of each started mission at 0 %.
// The settlement is final: a résilié contract's years are no longer
// evaluated nor closed.
func validatedRates(ctx context.Context, tx pgx.Tx, c Contract, lc contractlife.Contract, eff domain.Date) ([funding.ContractYears]map[funding.Mission]funding.Rate, error) {
	var out [funding.ContractYears]map[funding.Mission]funding.Rate
	for n := 1; n <= funding.ContractYears; n++ {
		y, err := yearOf(c, n)
		if err != nil {
			return out, err
		}
		if !y.Start.Before(eff) {
			break
		}
		out[n-1] = map[funding.Mission]funding.Rate{}
		closed, _, _, err := yearClosed(ctx, tx, c, y.Index)
		if err != nil {
			return out, err
		}
		if closed {
			if err := readYear(ctx, tx, c, &y, eff); err != nil {
				return out, err
			}
			if out[n-1], err = yearRates(lc.Starts, y, values(y, nil)); err != nil {
				return out, fmt.Errorf("validatedRates: year %d: %w", n, err)
			}
		}
		for m, at := range lc.Starts {
			if _, ok := out[n-1][m]; !ok && m.HasAchievement() && at.Before(eff) && !at.After(y.End) {
				out[n-1][m] = 0
			}
		}
	}
	return out, nil
}
