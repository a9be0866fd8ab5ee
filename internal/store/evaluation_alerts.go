package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// ContractAlert is one thing to look at on a contract in force, for the
// homes (docs/rules.md §7, §29).
type ContractAlert struct {
	Kind      string // "mission_en_retard", "declaration_en_retard", "declaration_ouverte", "a_valider"
	Structure string
	Label     string
	Detail    string
	Href      string
}

// Alert kinds.
const (
	AlertLateMission    = "mission_en_retard"
	AlertOverdue        = "declaration_en_retard"
	AlertOpenWindow     = "declaration_ouverte"
	AlertAwaitingReview = "a_valider"
)

// maxAlertContracts bounds the contracts a home looks at (the oldest first).
const maxAlertContracts = 200

// ContractAlerts lists, for the contracts in force in scope, the late
// missions (contractlife.Lateness), the declarations overdue (window closed,
// not submitted, year not closed), the windows open and the declarations
// submitted awaiting the CPAM, as of today; at most limit, and the total.
func (s *Store) ContractAlerts(ctx context.Context, sc Scope, today domain.Date, limit int) ([]ContractAlert, int, error) {
	var a args
	q := "SELECT " + contractColumns + contractFrom + " WHERE c.state IN ('actif', 'resiliation_demandee') AND c.start_date IS NOT NULL AND " +
		sc.contracts("c", &a) + " ORDER BY c.start_date, c.id LIMIT " + strconv.Itoa(maxAlertContracts)
	rows, err := s.Pool.Query(ctx, q, a...)
	if err != nil {
		return nil, 0, pgError("store.ContractAlerts", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contract, error) { return scanContract(r) })
	if err != nil {
		return nil, 0, pgError("store.ContractAlerts", err)
	}
	var out []ContractAlert
	for _, c := range cs {
		as, err := contractAlerts(ctx, s.Pool, c, today)
		if err != nil {
			return nil, 0, pgError("store.ContractAlerts", err)
		}
		out = append(out, as...)
	}
	total := len(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, total, nil
}

func contractAlerts(ctx context.Context, q contentQuerier, c Contract, today domain.Date) ([]ContractAlert, error) {
	var out []ContractAlert
	base := "/contrats/" + strconv.FormatInt(c.ID, 10)
	if c.StructureType == domain.CPTS {
		progress, err := missionProgress(ctx, q, c)
		if err != nil {
			return nil, err
		}
		for _, m := range c.Terms.Missions {
			p := progress[m.Code]
			p.Mission = m.Code
			if l := contractlife.Lateness(p, c.Start, today); l.Any() {
				for _, why := range l.Reasons {
					out = append(out, ContractAlert{Kind: AlertLateMission, Structure: c.StructureName, Href: base,
						Label: fmt.Sprintf("Mission %s en retard", m.Code.Label()), Detail: why})
				}
			}
		}
	}
	rows, err := q.Query(ctx, `SELECT year, status FROM year_evaluations WHERE contract_id = $1`, c.ID)
	if err != nil {
		return nil, err
	}
	type ev struct {
		n      int
		status string
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ev, error) {
		var x ev
		return x, r.Scan(&x.n, &x.status)
	})
	if err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT contract_year FROM contract_year_closings WHERE contract_id = $1`, c.ID)
	if err != nil {
		return nil, err
	}
	closed, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, err
	}
	for _, n := range contractYears(c) {
		y, err := yearOf(c, n)
		if err != nil {
			return nil, err
		}
		isClosed := false
		for _, x := range closed {
			isClosed = isClosed || x == y.Index
		}
		if isClosed || today.Before(y.Window.Open) {
			continue
		}
		status := ""
		for _, e := range evs {
			if e.n == n {
				status = e.status
			}
		}
		href := base + "/annees/" + strconv.Itoa(n)
		switch {
		case status == "soumise":
			out = append(out, ContractAlert{Kind: AlertAwaitingReview, Structure: c.StructureName, Href: href,
				Label: fmt.Sprintf("Déclaration de l'année %s à valider", yearName(y)), Detail: "Transmise par la structure : validez ou corrigez chaque valeur."})
		case today.After(y.Window.Close):
			out = append(out, ContractAlert{Kind: AlertOverdue, Structure: c.StructureName, Href: href,
				Label: fmt.Sprintf("Déclaration de l'année %s en retard", yearName(y)), Detail: "La période de déclaration s'est terminée le " + y.Window.Close.French() + "."})
		default:
			out = append(out, ContractAlert{Kind: AlertOpenWindow, Structure: c.StructureName, Href: href,
				Label: fmt.Sprintf("Déclaration de l'année %s ouverte", yearName(y)), Detail: "À transmettre au plus tard le " + y.Window.Close.French() + "."})
		}
	}
	return out, nil
}

// missionProgress is the start and deployment of each mission, as declared
// in contract_missions (docs/rules.md §28).
func missionProgress(ctx context.Context, q contentQuerier, c Contract) (map[funding.Mission]contractlife.Progress, error) {
	out := map[funding.Mission]contractlife.Progress{}
	rows, err := q.Query(ctx, `SELECT mission, started_on, deployed_on FROM contract_missions WHERE contract_id = $1`, c.ID)
	if err != nil {
		return nil, err
	}
	type row struct {
		m   string
		s   time.Time
		dep *time.Time
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.m, &x.s, &x.dep)
	})
	for _, x := range got {
		out[funding.Mission(x.m)] = contractlife.Progress{Mission: funding.Mission(x.m), Started: domain.DateOf0(x.s), Deployed: dateOf(x.dep)}
	}
	return out, err
}
