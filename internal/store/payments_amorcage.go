package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// ruleAmorcage is the rule text of the lettre d'intention amorçage.
const ruleAmorcage = "Amorçage à la validation de la lettre d'intention, taille %d (population %s) : à verser à l'association (avenant 2, docs/rules.md §5)"

// amorcageOnLetter creates the lettre d'intention amorçage of a CPTS when
// the ARS validates its lettre d'intention, in the transition's transaction
// (docs/rules.md §5, decision "start-up money is a payment"): a payment of
// the dossier (no contract, contract year 0, kind amorcage), due that day,
// of the amount of the tier of the territory's population on the barème in
// force that day. The dossier row is locked by the transition (numbering).
// A dossier that already has it keeps it (never created twice).
func amorcageOnLetter(ctx context.Context, tx pgx.Tx, d *Dossier, in TransitionRequest) error {
	if in.Transition != workflow.ValiderLettreIntention || d.StructureType != domain.CPTS {
		return nil
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payments WHERE dossier_id = $1 AND contract_id IS NULL AND kind = 'amorcage' AND status <> 'annule')`, d.ID).Scan(&exists); err != nil || exists {
		return err
	}
	var pop int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(c.population), 0) FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code
		WHERE tc.structure_id = $1`, d.StructureID).Scan(&pop); err != nil {
		return fmt.Errorf("amorcageOnLetter: population: %w", err)
	}
	p, err := LetterAmorcage(pop, in.Today)
	if err != nil {
		return err
	}
	_, err = addPayments(ctx, tx, PaymentOwner{DossierID: d.ID, StructureID: d.StructureID}, []NewPayment{{Payment: p}}, in.At)
	return err
}

// LetterAmorcage is the lettre d'intention amorçage of a CPTS of population
// pop whose letter is validated on day (docs/rules.md §5: T1 15 000 · T2
// 17 500 · T3 25 000 · T4 30 000 €, on the barème in force that day).
func LetterAmorcage(pop int64, day domain.Date) (funding.Payment, error) {
	b, err := funding.BaremeAt(funding.Builtin(), day)
	if err != nil {
		return funding.Payment{}, err
	}
	tier, err := b.Tier(pop)
	if err != nil {
		return funding.Payment{}, err
	}
	amount, err := funding.AmorcageLettreIntention(b, tier)
	if err != nil {
		return funding.Payment{}, err
	}
	return funding.Payment{Due: day, ContractYear: 0, Kind: funding.KindAmorcage, Amount: amount,
		Rule: fmt.Sprintf(ruleAmorcage, tier, domain.GroupThousands(pop))}, nil
}
