package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// AddPaymentsForTest runs addPayments in its own transaction, for the
// external tests of the duplicate-payment constraint.
func (s *Store) AddPaymentsForTest(ctx context.Context, owner PaymentOwner, ps []NewPayment, at time.Time) ([]int64, error) {
	var ids []int64
	err := s.sysTx(ctx, func(tx pgx.Tx) error {
		var err error
		ids, err = addPayments(ctx, tx, owner, ps, at)
		return err
	})
	return ids, err
}

// QueryRowAsForTest sends sql as the store sends any statement for sc (under
// sc's row-level security settings), for the tests of the policies: a
// deliberately unscoped query must still see only sc's tenants.
func (s *Store) QueryRowAsForTest(ctx context.Context, sc Scope, sql string, args ...any) pgx.Row {
	return s.db(sc).QueryRow(ctx, sql, args...)
}

// ExecAsForTest is QueryRowAsForTest for a statement without rows.
func (s *Store) ExecAsForTest(ctx context.Context, sc Scope, sql string, args ...any) (int64, error) {
	tag, err := s.db(sc).Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// TxAsForTest is Store.tx for the tests of the policies.
func (s *Store) TxAsForTest(ctx context.Context, sc Scope, fn func(tx pgx.Tx) error) error {
	return s.tx(ctx, sc, fn)
}

// SteeringMoneyByPaymentsForTest is the steering page's money summed from
// the payments themselves (the query the summary replaced), for the test
// that the summary gives the same figures.
func (s *Store) SteeringMoneyByPaymentsForTest(ctx context.Context, sc Scope, region string) ([]MoneyLine, error) {
	var a args
	where := sc.ofDossier("p.dossier_id", &a)
	if region != "" {
		where += " AND o.departement IN (SELECT code FROM departements WHERE region = " + a.add(region) + ")"
	}
	rows, err := s.db(sc).Query(ctx, steeringMoneyByPayments+where+steeringMoneyGroups, a...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scanMoneyLine)
	sortMoney(out)
	return out, err
}

// ContractAlertsFromTermsForTest computes the alerts from the whole
// contracts (terms decoded), as ContractAlerts did before it read only its
// columns, for the test that both give the same alerts.
func (s *Store) ContractAlertsFromTermsForTest(ctx context.Context, sc Scope, today domain.Date) ([]ContractAlert, error) {
	var a args
	q := "SELECT " + strings.Replace(contractColumns, "c.document_html", "''", 1) + contractFrom + " WHERE c.state IN ('actif', 'resiliation_demandee') AND c.start_date IS NOT NULL AND " +
		sc.contracts("c", &a) + " ORDER BY c.start_date, c.id LIMIT " + strconv.Itoa(maxAlertContracts)
	rows, err := s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contract, error) { return scanContract(r) })
	if err != nil {
		return nil, err
	}
	facts, err := alertFacts(ctx, s.db(sc), cs)
	if err != nil {
		return nil, err
	}
	var out []ContractAlert
	for _, c := range cs {
		as, err := contractAlerts(c, facts[c.ID], today)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

// SteeringCoverageByCommunesForTest is the steering page's covered
// population summed from the communes of the scope's CPTS (the query the
// kept summary replaced for national users), for the test that the summary
// gives the same figures.
func (s *Store) SteeringCoverageByCommunesForTest(ctx context.Context, sc Scope, region string) ([]Coverage, error) {
	var a args
	rows, err := s.db(sc).Query(ctx, steeringCoverageByCommunes(sc, region, &a), a...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Coverage, error) {
		var c Coverage
		return c, r.Scan(&c.Code, &c.Name, &c.Population, &c.Covered)
	})
}

// SteeringCountsDirectForTest is the steering page's structures by type and
// contracts by type and state counted from the registry and the contracts
// (the queries the kept counts replaced for national users).
func (s *Store) SteeringCountsDirectForTest(ctx context.Context, sc Scope, region string) ([]Count, [][3]string, error) {
	var a args
	rows, err := s.db(sc).Query(ctx, steeringStructures(sc, region, &a, true), a...)
	if err != nil {
		return nil, nil, err
	}
	structures, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Count, error) {
		var c Count
		return c, r.Scan(&c.Key, &c.N)
	})
	if err != nil {
		return nil, nil, err
	}
	a = nil
	rows, err = s.db(sc).Query(ctx, steeringContracts(sc, region, &a, true), a...)
	if err != nil {
		return nil, nil, err
	}
	contracts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var t, st string
		var n int
		err := r.Scan(&t, &st, &n)
		return [3]string{t, st, strconv.Itoa(n)}, err
	})
	return structures, contracts, err
}

// SteeringCPTSDirectForTest is the steering page's CPTS by tier and state
// counted with the last dossier and contract of each CPTS (the query the
// kept rows replaced for national users).
func (s *Store) SteeringCPTSDirectForTest(ctx context.Context, sc Scope, region string) ([]TierStateCount, error) {
	var a args
	rows, err := s.db(sc).Query(ctx, steeringCPTS(sc, region, &a, true), a...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TierStateCount, error) {
		var c TierStateCount
		var st string
		err := r.Scan(&st, &c.Tier, &c.N)
		c.State = workflow.State(st)
		return c, err
	})
}

// PaymentsDirectForTest is Payments as it was before its page was chosen
// first: the totals and the page over every payment of the selection joined
// to its structure, dossier and contract — the reference of the rewrite.
func (s *Store) PaymentsDirectForTest(ctx context.Context, sc Scope, f PaymentFilter) (PaymentPage, error) {
	out := PaymentPage{Page: max(f.Page, 1), PerPage: f.PerPage, Totals: PaymentTotals{ByState: map[contractlife.PaymentState]StateTotal{}}}
	if out.PerPage <= 0 {
		out.PerPage = DefaultPaymentsPerPage
	}
	var a args
	w := f.where(sc, &a)
	rows, err := s.db(sc).Query(ctx, `SELECT p.status, count(*), coalesce(sum(p.amount_cents), 0)`+paymentItemFrom+w+` GROUP BY p.status`, a...)
	if err == nil {
		err = out.Totals.add(rows)
	}
	if err != nil {
		return out, err
	}
	q := "SELECT " + paymentItemColumns + paymentItemFrom + w + " ORDER BY p.due_on, p.dossier_id, p.seq LIMIT " +
		a.add(out.PerPage) + " OFFSET " + a.add((out.Page-1)*out.PerPage)
	out.Items, err = s.paymentItems(ctx, sc, q, a)
	return out, err
}

// alertFacts reads the facts of every contract of cs by their ids (a batch
// of three queries, after the contracts), as ContractAlerts did before it
// read them with the contracts in one statement: the reference its test
// compares with.
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

// SignaturesForTest reads the signatures of contract c as the contract's
// reads did before they came in its row (loadSignatures), for the test that
// both give the same.
func (s *Store) SignaturesForTest(ctx context.Context, sc Scope, c Contract) ([]Signature, error) {
	err := loadSignatures(ctx, s.db(sc), &c)
	return c.Signatures, err
}

// UnreadTotalJoinedForTest is UnreadTotal as it counted the messages before
// it left out the joins to dossiers and organisations, for the test that
// both count the same.
func (s *Store) UnreadTotalJoinedForTest(ctx context.Context, sc Scope, max int) (int, error) {
	var a args
	lim := a.add(max)
	q := `SELECT least((SELECT count(*) FROM (SELECT 1 FROM notifications WHERE user_id = ` + a.add(sc.UserID) + ` AND read_at IS NULL LIMIT ` + lim + `) n) + (` +
		`SELECT count(*) FROM (SELECT 1 FROM messages m JOIN dossiers d ON d.id = m.dossier_id JOIN organisations o ON o.id = d.structure_id
		LEFT JOIN message_reads r ON r.dossier_id = m.dossier_id AND r.user_id = ` + a.add(sc.UserID) + `
		WHERE m.id > coalesce(r.last_read_message_id, 0) AND m.author_user_id IS DISTINCT FROM ` + a.add(sc.UserID) +
		` AND ` + msgVisible(sc, "m") + ` AND ` + sc.dossiers("d", &a) + ` LIMIT ` + lim + `) m), ` + lim + `)`
	var n int
	err := s.db(sc).QueryRow(ctx, q, a...).Scan(&n)
	return n, err
}

// The territory search before it was one statement (SearchTerritory,
// docs/rules.md §35.2): the communes, then the intercommunalités, in three
// statements — kept as the reference TestSearchTerritorySameAsSearchCommunesAndEPCI
// compares the one statement with, and that the search's cases still
// describe.

// SearchCommunes finds current communes by name (accent- and case-insensitive
// prefix of the name, or of any word of it: "saint" → "Saint-Denis",
// "rambert" → "Saint-Rambert-en-Bugey"), by INSEE code prefix or by postal
// code prefix. Exact names come first, then name prefixes, codes, and word
// starts, each by decreasing population. Reference data is public: no scope;
// the holder's name is shown so that a coordinator knows who to talk to.
//
// q must be refdata.Normalize(the user's query), the function that filled
// communes.nom_norm: the store cannot call it itself, since refdata's own
// tests import the store.
func (s *Store) SearchCommunes(ctx context.Context, q string, limit int) ([]CommuneHit, error) {
	q = strings.TrimSpace(q)
	if len(q) > 100 {
		q = truncRunes(q, 100)
	}
	if limit <= 0 || limit > MaxSearchLimit {
		limit = MaxSearchLimit
	}
	// Step 1: the codes of the best matches, each branch on its own index
	// (prefix ranges with ~>=~ / ~<~ use the text_pattern_ops indexes even
	// in a generic plan). Word starts (commune_words, migration 00026) come
	// only when name prefixes found fewer than limit.
	var codes []string
	if terrCodeLike(q) {
		up := strings.ToUpper(q)
		var a args
		lo, hi := a.add(up), a.add(terrUpper(up))
		var err error
		codes, err = s.rankedCodes(ctx, `SELECT code, 2 AS rk, population AS pop FROM communes WHERE actuelle AND code ~>=~ `+lo+` AND code ~<~ `+hi+`
			UNION ALL SELECT c.code, 2, c.population FROM communes c WHERE c.actuelle AND c.code IN
				(SELECT commune FROM commune_codes_postaux WHERE code_postal ~>=~ `+lo+` AND code_postal ~<~ `+hi+`)`, a, limit)
		if err != nil {
			return nil, err
		}
	} else {
		n := q
		if n == "" {
			return nil, nil
		}
		var a args
		p := a.add(n)
		var err error
		// One row per commune: ranked without grouping (a top-N sort of
		// the index's entries, migration 00131).
		codes, err = s.rankedUniqueCodes(ctx, `SELECT code, CASE WHEN nom_norm = `+p+` THEN 0 ELSE 1 END AS rk, population AS pop
			FROM communes WHERE actuelle AND nom_norm ~>=~ `+p+` AND nom_norm ~<~ `+a.add(terrUpper(n)), a, limit)
		if err != nil {
			return nil, err
		}
		if len(codes) < limit {
			var b args
			more, err := s.rankedCodes(ctx, `SELECT commune AS code, 3 AS rk, population AS pop FROM commune_words
				WHERE actuelle AND word ~>=~ `+b.add(n)+` AND word ~<~ `+b.add(terrUpper(n))+` AND commune <> ALL(`+b.add(codes)+`::text[])`, b, limit-len(codes))
			if err != nil {
				return nil, err
			}
			codes = append(codes, more...)
		}
	}
	if len(codes) == 0 {
		return nil, nil
	}
	// Step 2: the details of those (at most limit) communes, in that order.
	sql := `SELECT c.code, c.nom, c.codes_postaux, c.departement, d.nom, c.population, coalesce(c.epci, ''), coalesce(e.nom, ''),
		coalesce(tc.structure_id, 0), coalesce(o.name, '')
	FROM unnest($1::text[]) WITH ORDINALITY AS m(code, n) JOIN communes c ON c.code = m.code
	JOIN departements d ON d.code = c.departement
	LEFT JOIN epci e ON e.code = c.epci
	LEFT JOIN territory_communes tc ON tc.commune_code = c.code
	LEFT JOIN organisations o ON o.id = tc.structure_id
	ORDER BY m.n`
	a := args{codes}
	rows, err := s.sys().Query(ctx, sql, a...)
	if err != nil {
		return nil, pgError("store.SearchCommunes", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CommuneHit, error) {
		var h CommuneHit
		err := r.Scan(&h.Code, &h.Name, &h.PostalCodes, &h.Departement, &h.DepartementName, &h.Population,
			&h.EPCI, &h.EPCIName, &h.HolderID, &h.HolderName)
		return h, err
	})
	return out, pgError("store.SearchCommunes", err)
}

// rankedCodes runs a query of (code, rk, pop) rows and returns the codes of
// the limit best: lowest rank, then largest population.
func (s *Store) rankedCodes(ctx context.Context, q string, a args, limit int) ([]string, error) {
	rows, err := s.sys().Query(ctx, `SELECT code FROM (`+q+`) x GROUP BY code ORDER BY min(rk), max(pop) DESC, code LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, pgError("store.SearchCommunes", err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return codes, pgError("store.SearchCommunes", err)
}

// rankedUniqueCodes is rankedCodes for a query whose rows have distinct
// codes.
func (s *Store) rankedUniqueCodes(ctx context.Context, q string, a args, limit int) ([]string, error) {
	rows, err := s.sys().Query(ctx, `SELECT code FROM (`+q+`) x ORDER BY rk, pop DESC, code LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, pgError("store.SearchCommunes", err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return codes, pgError("store.SearchCommunes", err)
}

// SearchEPCI finds intercommunalités by name (prefix of the name or of a word
// of it), plus those given by code (the EPCIs of commune results), with their
// number of current communes and population, at most limit of them. q is
// normalised as for SearchCommunes.
func (s *Store) SearchEPCI(ctx context.Context, q string, codes []string, limit int) ([]EPCIHit, error) {
	if limit <= 0 || limit > MaxSearchLimit {
		limit = MaxSearchLimit
	}
	var a args
	n := strings.TrimSpace(q)
	if len(n) > 100 {
		n = truncRunes(n, 100)
	}
	if codes == nil {
		codes = []string{}
	}
	cond := "e.code = ANY(" + a.add(codes) + "::text[])"
	if n != "" && !terrCodeLike(q) {
		cond += " OR e.nom_norm LIKE " + a.add(escapeLike(n)+"%") + " OR e.nom_norm LIKE " + a.add("% "+escapeLike(n)+"%")
	}
	// The EPCIs matching first (a scan of the small epci table), then the
	// communes of each counted from the index (migration 00131): joining
	// every commune of France before filtering cost 30+ ms a search.
	rows, err := s.sys().Query(ctx, `SELECT e.code, e.nom, k.n, k.pop
		FROM epci e CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(c.population), 0) AS pop
			FROM communes c WHERE c.epci = e.code AND c.actuelle) k
		WHERE (`+cond+`) AND k.n > 0 ORDER BY e.code = ANY($1::text[]) DESC, k.pop DESC, e.nom LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, pgError("store.SearchEPCI", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EPCIHit, error) {
		var h EPCIHit
		err := r.Scan(&h.Code, &h.Name, &h.Communes, &h.Population)
		return h, err
	})
	return out, pgError("store.SearchEPCI", err)
}
