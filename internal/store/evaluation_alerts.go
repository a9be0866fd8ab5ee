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
	// The alerts read the columns they use — the structure's name and type,
	// the contract's dates and its missions' codes — never the terms' JSON
	// (~2 kB each, decoded for up to 200 contracts per home view) nor the
	// document (docs/rules.md §35).
	q := `SELECT c.id, o.name, c.structure_type, c.start_date, c.end_date,
			coalesce(ARRAY(SELECT m->>'code' FROM jsonb_array_elements(c.terms->'missions') m), '{}')` + contractFrom +
		" WHERE c.state IN ('actif', 'resiliation_demandee') AND c.start_date IS NOT NULL AND " +
		sc.contracts("c", &a) + " ORDER BY c.start_date, c.id LIMIT " + strconv.Itoa(maxAlertContracts)
	rows, err := s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return nil, 0, pgError("store.ContractAlerts", err)
	}
	cs, err := pgx.CollectRows(rows, scanAlertContract)
	if err != nil {
		return nil, 0, pgError("store.ContractAlerts", err)
	}
	facts, err := alertFacts(ctx, s.db(sc), cs)
	if err != nil {
		return nil, 0, pgError("store.ContractAlerts", err)
	}
	var out []ContractAlert
	for _, c := range cs {
		as, err := contractAlerts(c, facts[c.ID], today)
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

// scanAlertContract reads the part of a contract its alerts use.
func scanAlertContract(r pgx.CollectableRow) (Contract, error) {
	var c Contract
	var st string
	var start, end *time.Time
	var missions []string
	if err := r.Scan(&c.ID, &c.StructureName, &st, &start, &end, &missions); err != nil {
		return c, err
	}
	c.StructureType, c.Start, c.End = domain.StructureType(st), dateOf(start), dateOf(end)
	for _, m := range missions {
		c.Terms.Missions = append(c.Terms.Missions, ContractMission{Code: funding.Mission(m)})
	}
	return c, nil
}

// yearFacts are what the alerts of one contract read: its missions'
// progress, its evaluations' states by year and its closed years.
type yearFacts struct {
	progress map[funding.Mission]contractlife.Progress
	status   map[int]string // year → year_evaluations.status
	closed   []int          // contract_year of the closings
}

// alertFacts reads the facts of every contract of cs in one round trip (a
// batch of three queries), whatever their number.
func alertFacts(ctx context.Context, q batcher, cs []Contract) (map[int64]*yearFacts, error) {
	out := map[int64]*yearFacts{}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
		out[c.ID] = &yearFacts{progress: map[funding.Mission]contractlife.Progress{}, status: map[int]string{}}
	}
	if len(ids) == 0 {
		return out, nil
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT contract_id, mission, started_on, deployed_on FROM contract_missions WHERE contract_id = ANY($1)`, ids)
	b.Queue(`SELECT contract_id, year, status FROM year_evaluations WHERE contract_id = ANY($1)`, ids)
	b.Queue(`SELECT contract_id, contract_year FROM contract_year_closings WHERE contract_id = ANY($1)`, ids)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	var id int64
	var m string
	var started time.Time
	var deployed *time.Time
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	if _, err := pgx.ForEachRow(rows, []any{&id, &m, &started, &deployed}, func() error {
		out[id].progress[funding.Mission(m)] = contractlife.Progress{Mission: funding.Mission(m), Started: domain.DateOf0(started), Deployed: dateOf(deployed)}
		return nil
	}); err != nil {
		return nil, err
	}
	var n int
	var st string
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	if _, err := pgx.ForEachRow(rows, []any{&id, &n, &st}, func() error {
		out[id].status[n] = st
		return nil
	}); err != nil {
		return nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		out[id].closed = append(out[id].closed, n)
		return nil
	})
	return out, err
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
