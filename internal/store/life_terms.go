package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// signedTerritoryAvenants are the territory changes of the signed avenants
// of contract id, with extra (an avenant being signed) added: the input of
// contractlife.TiersByYear (docs/rules.md §7).
func signedTerritoryAvenants(ctx context.Context, q querier, contractID int64) ([]contractlife.TerritoryAvenant, error) {
	rows, err := q.Query(ctx, `SELECT effective_on, changes FROM contract_avenants
		WHERE contract_id = $1 AND status = 'signe' AND changes ? 'territory' ORDER BY effective_on, number`, contractID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (contractlife.TerritoryAvenant, error) {
		var eff time.Time
		var raw []byte
		if err := r.Scan(&eff, &raw); err != nil {
			return contractlife.TerritoryAvenant{}, err
		}
		var ch AvenantChanges
		if err := json.Unmarshal(raw, &ch); err != nil || ch.Territory == nil {
			return contractlife.TerritoryAvenant{}, fmt.Errorf("signedTerritoryAvenants: changes: %v", err)
		}
		return contractlife.TerritoryAvenant{Effective: domain.DateOf0(eff), Tier: ch.Territory.TierAfter}, nil
	})
}

// missionStarts are the start days of the missions of contract id, as the
// coordinator declared them (contract_missions, docs/rules.md §7, §28).
func missionStarts(ctx context.Context, q querier, contractID int64) (map[funding.Mission]domain.Date, error) {
	rows, err := q.Query(ctx, `SELECT mission, started_on FROM contract_missions WHERE contract_id = $1 AND started_on IS NOT NULL`, contractID)
	if err != nil {
		return nil, err
	}
	out := map[funding.Mission]domain.Date{}
	var m string
	var d time.Time
	_, err = pgx.ForEachRow(rows, []any{&m, &d}, func() error {
		out[funding.Mission(m)] = domain.DateOf0(d)
		return nil
	})
	return out, err
}

// lifeTerms is CPTS contract c as the contract's life sees it
// (contractlife.Contract, built by LifeContract): each contract year on the
// stored barème in force on its first day (docs/rules.md §4), the tier the
// signed territory avenants give it (§7) plus extra (an avenant being
// signed), and the missions' declared starts (§28). Every act that computes
// money on a signed CPTS contract reads its terms here, in its transaction.
func lifeTerms(ctx context.Context, tx pgx.Tx, c Contract, extra ...contractlife.TerritoryAvenant) (contractlife.Contract, error) {
	if c.Start.IsZero() {
		return contractlife.Contract{}, domain.Errorf(domain.EConflict, "Le contrat n'est pas encore signé.")
	}
	list, err := loadBaremes(ctx, tx)
	if err != nil {
		return contractlife.Contract{}, fmt.Errorf("lifeTerms: %w", err)
	}
	return readLife(ctx, tx, c, list, extra...)
}

// readLife reads what lifeTerms needs besides the barèmes: the signed
// territory avenants and the missions' declared starts.
func readLife(ctx context.Context, q querier, c Contract, list []funding.Bareme, extra ...contractlife.TerritoryAvenant) (contractlife.Contract, error) {
	avs, err := signedTerritoryAvenants(ctx, q, c.ID)
	if err != nil {
		return contractlife.Contract{}, fmt.Errorf("lifeTerms: %w", err)
	}
	progress, err := loadMissionProgress(ctx, q, c.ID)
	if err != nil {
		return contractlife.Contract{}, fmt.Errorf("lifeTerms: %w", err)
	}
	return LifeContract(c, list, progress, append(avs, extra...)...)
}
