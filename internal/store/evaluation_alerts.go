package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
	var out []ContractAlert
	var total int
	rd := NewReads(sc)
	rd.ContractAlerts(today, limit, &out, &total)
	if err := s.send(ctx, rd); err != nil {
		return nil, 0, pgError("store.ContractAlerts", err)
	}
	return out, total, nil
}

// ContractAlerts queues the read of Store.ContractAlerts into *out and
// *total: one statement, the contracts with their facts (docs/rules.md
// §35.1) — the facts of the contracts selected once (a materialized CTE),
// each table read for all of them at once, as the three reads by their ids
// did after the contracts (alertFacts in the tests, which TestContractAlertsSameAsFromTerms compares).
func (rd *Reads) ContractAlerts(today domain.Date, limit int, out *[]ContractAlert, total *int) {
	var a args
	// The alerts read the columns they use — the structure's name and type,
	// the contract's dates and its missions' codes — never the terms' JSON
	// (~2 kB each, decoded for up to 200 contracts per home view) nor the
	// document (docs/rules.md §35).
	q := `WITH k AS MATERIALIZED (SELECT c.id, o.name, c.structure_type, c.start_date, c.end_date,
			coalesce(ARRAY(SELECT m->>'code' FROM jsonb_array_elements(c.terms->'missions') m), '{}') AS missions` + contractFrom +
		" WHERE c.state IN ('actif', 'resiliation_demandee') AND c.start_date IS NOT NULL AND " +
		rd.sc.contracts("c", &a) + " ORDER BY c.start_date, c.id LIMIT " + strconv.Itoa(maxAlertContracts) + `)
		SELECT k.id, k.name, k.structure_type, k.start_date, k.end_date, k.missions,
			coalesce(m.codes, '{}'), coalesce(m.started, '{}'), coalesce(m.deployed, '{}'),
			coalesce(e.years, '{}'), coalesce(e.status, '{}'), coalesce(y.closed, '{}')
		FROM k
		LEFT JOIN (SELECT contract_id, array_agg(mission ORDER BY mission) AS codes, array_agg(started_on ORDER BY mission) AS started,
				array_agg(deployed_on ORDER BY mission) AS deployed
			FROM contract_missions WHERE contract_id IN (SELECT id FROM k) GROUP BY contract_id) m ON m.contract_id = k.id
		LEFT JOIN (SELECT contract_id, array_agg(year ORDER BY year) AS years, array_agg(status ORDER BY year) AS status
			FROM year_evaluations WHERE contract_id IN (SELECT id FROM k) GROUP BY contract_id) e ON e.contract_id = k.id
		LEFT JOIN (SELECT contract_id, array_agg(contract_year ORDER BY contract_year) AS closed
			FROM contract_year_closings WHERE contract_id IN (SELECT id FROM k) GROUP BY contract_id) y ON y.contract_id = k.id
		ORDER BY k.start_date, k.id`
	*out, *total = nil, 0
	rd.b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var c Contract
			var st string
			var start, end *time.Time
			var missions, codes, status []string
			var started []time.Time
			var deployed []pgtype.Date
			var years, closed []int
			if err := rows.Scan(&c.ID, &c.StructureName, &st, &start, &end, &missions, &codes, &started, &deployed, &years, &status, &closed); err != nil {
				return err
			}
			c.StructureType, c.Start, c.End = domain.StructureType(st), dateOf(start), dateOf(end)
			for _, m := range missions {
				c.Terms.Missions = append(c.Terms.Missions, ContractMission{Code: funding.Mission(m)})
			}
			f := &yearFacts{progress: map[funding.Mission]contractlife.Progress{}, status: map[int]string{}, closed: closed}
			for i, m := range codes {
				p := contractlife.Progress{Mission: funding.Mission(m), Started: domain.DateOf0(started[i])}
				if deployed[i].Valid {
					p.Deployed = domain.DateOf0(deployed[i].Time)
				}
				f.progress[p.Mission] = p
			}
			for i, y := range years {
				f.status[y] = status[i]
			}
			as, err := contractAlerts(c, f, today)
			if err != nil {
				return err
			}
			*out = append(*out, as...)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		*total = len(*out)
		if len(*out) > limit {
			*out = (*out)[:limit]
		}
		return nil
	})
}

// yearFacts are what the alerts of one contract read: its missions'
// progress, its evaluations' states by year and its closed years.
type yearFacts struct {
	progress map[funding.Mission]contractlife.Progress
	status   map[int]string // year → year_evaluations.status
	closed   []int          // contract_year of the closings
}

func contractAlerts(c Contract, f *yearFacts, today domain.Date) ([]ContractAlert, error) {
	var out []ContractAlert
	base := "/contrats/" + strconv.FormatInt(c.ID, 10)
	if c.StructureType == domain.CPTS {
		for _, m := range c.Terms.Missions {
			p := f.progress[m.Code]
			p.Mission = m.Code
			if l := contractlife.Lateness(p, c.Start, today); l.Any() {
				for _, why := range l.Reasons {
					out = append(out, ContractAlert{Kind: AlertLateMission, Structure: c.StructureName, Href: base,
						Label: fmt.Sprintf("Mission %s en retard", m.Code.Label()), Detail: why})
				}
			}
		}
	}
	closed := f.closed
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
		status := f.status[n]
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
