package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
)

// AvenantIndicator is one change of an avenant to the indicators of a CPTS
// contract (docs/rules.md §31): an indicator added to a mission, an
// optional one removed, or a new target, from contract year FromYear
// (contractlife.IndicatorFromYear). Before and After are the French values
// the avenant's document shows; the other fields are the stored terms.
type AvenantIndicator struct {
	Op        contractlife.IndicatorOp `json:"op"`
	Code      string                   `json:"code"`
	Mission   funding.Mission          `json:"mission"`
	Label     string                   `json:"label"`
	FromYear  int                      `json:"from_year"`
	Unit      contractlife.Unit        `json:"unit"`
	Direction funding.Direction        `json:"direction,omitempty"`
	Weight    int64                    `json:"weight,omitempty"`
	Baseline  int64                    `json:"baseline,omitempty"`
	Target    int64                    `json:"target,omitempty"`
	Before    string                   `json:"before,omitempty"`
	After     string                   `json:"after,omitempty"`
}

// change is a as the pure rules read it.
func (a AvenantIndicator) change() contractlife.IndicatorChange {
	ch := contractlife.IndicatorChange{Op: a.Op, FromYear: a.FromYear, Code: a.Code}
	switch a.Op {
	case contractlife.IndicatorTarget:
		ch.Target = contractlife.Value{Unit: a.Unit, N: a.Target}
	case contractlife.IndicatorAdd:
		ch.Indicator = contractlife.IndicatorTerm{Code: a.Code, Mission: a.Mission, Label: a.Label, Direction: a.Direction, Unit: a.Unit,
			Weight: a.Weight, Baseline: contractlife.Value{Unit: a.Unit, N: a.Baseline}}
		for i := range ch.Indicator.Targets {
			ch.Indicator.Targets[i] = contractlife.Value{Unit: a.Unit, N: a.Target}
		}
	}
	return ch
}

// Line is the change in French, before → after, as the avenant's page and
// the contract document show it.
func (a AvenantIndicator) Line() string {
	switch a.Op {
	case contractlife.IndicatorTarget:
		return fmt.Sprintf("Objectif de l'indicateur « %s » (%s), à compter de l'année %d du contrat : %s → %s", a.Label, a.Mission.Label(), a.FromYear, a.Before, a.After)
	case contractlife.IndicatorRemove:
		return fmt.Sprintf("Indicateur « %s » (%s) retiré à compter de l'année %d du contrat (objectif %s → aucun)", a.Label, a.Mission.Label(), a.FromYear, a.Before)
	case contractlife.IndicatorAdd:
		return fmt.Sprintf("Indicateur « %s » ajouté à la mission %s à compter de l'année %d du contrat : %s, en %s, valeur de référence %s, objectif %s, poids %d",
			a.Label, a.Mission.Label(), a.FromYear, a.Direction.Label(), a.Unit.Label(), contractlife.Value{Unit: a.Unit, N: a.Baseline}.String(), a.After, a.Weight)
	}
	return a.Label
}

// AvenantNewIndicator is the indicator an avenant adds, as typed.
type AvenantNewIndicator struct {
	Mission, Label, Direction, Unit, Baseline, Target, Weight string
}

// empty reports whether nothing was typed for the new indicator.
func (n AvenantNewIndicator) empty() bool {
	return strings.TrimSpace(n.Label+n.Baseline+n.Target) == "" && (n.Weight == "" || n.Weight == "1")
}

// contractIndicators are the indicators of CPTS contract c at signature —
// the dossier's (the five mandatory ones first) — and the indicator
// changes of its signed avenants in their order (docs/rules.md §6, §31).
func contractIndicators(ctx context.Context, q contentQuerier, c Contract) ([]contractlife.IndicatorTerm, []contractlife.IndicatorChange, error) {
	content, err := loadContent(ctx, q, Dossier{ID: c.DossierID, StructureID: c.StructureID, StructureType: c.StructureType})
	if err != nil {
		return nil, nil, err
	}
	var base []contractlife.IndicatorTerm
	for _, x := range content.Indicators {
		u := contractlife.Count
		if pu, err := contractlife.ParseUnit(x.Unit); err == nil {
			u = pu
		}
		t := contractlife.IndicatorTerm{Code: x.Code, Mission: x.Mission, Label: x.Label, Direction: x.Direction, Unit: u,
			Weight: int64(max(x.Weight, 1)), Mandatory: x.Mandatory}
		if x.Baseline != nil {
			t.Baseline = contractlife.Value{Unit: u, N: *x.Baseline}
		}
		for n := 1; n <= funding.ContractYears; n++ {
			if v := x.Target(n); v != nil {
				t.Targets[n-1] = contractlife.Value{Unit: u, N: *v}
			}
		}
		base = append(base, t)
	}
	rows, err := q.Query(ctx, `SELECT changes FROM contract_avenants WHERE contract_id = $1 AND status = 'signe' AND changes ? 'indicator_changes' ORDER BY number`, c.ID)
	if err != nil {
		return nil, nil, err
	}
	avs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AvenantChanges, error) {
		var raw []byte
		var ch AvenantChanges
		if err := r.Scan(&raw); err != nil {
			return ch, err
		}
		return ch, json.Unmarshal(raw, &ch)
	})
	if err != nil {
		return nil, nil, err
	}
	var changes []contractlife.IndicatorChange
	for _, ch := range avs {
		for _, x := range ch.IndicatorChanges {
			changes = append(changes, x.change())
		}
	}
	return base, changes, nil
}

// achievementMissions are the missions of c evaluated on indicators, with
// extra (the missions an avenant adds).
func achievementMissions(c Contract, extra ...funding.Mission) []funding.Mission {
	var out []funding.Mission
	for _, m := range c.Terms.Missions {
		if m.Code.HasAchievement() {
			out = append(out, m.Code)
		}
	}
	for _, m := range extra {
		if m.HasAchievement() && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// indicatorsOf are the indicators of contract year n of c evaluated for its
// missions (missions; contractlife.IndicatorsOfYear).
func indicatorsOf(base []contractlife.IndicatorTerm, changes []contractlife.IndicatorChange, missions []funding.Mission, n int) []contractlife.IndicatorTerm {
	var out []contractlife.IndicatorTerm
	for _, x := range contractlife.IndicatorsOfYear(base, changes, n) {
		if slices.Contains(missions, x.Mission) {
			out = append(out, x)
		}
	}
	return out
}

// ContractIndicators are the indicators of CPTS contract c in force for its
// contract year n (1..5), after the signed avenants (docs/rules.md §31): what
// the avenant form offers to change.
func (s *Store) ContractIndicators(ctx context.Context, sc Scope, c Contract, n int) ([]contractlife.IndicatorTerm, error) {
	if c.StructureType != domain.CPTS {
		return nil, nil
	}
	base, changes, err := contractIndicators(ctx, s.db(sc), c)
	if err != nil {
		return nil, pgError("store.ContractIndicators", err)
	}
	return indicatorsOf(base, changes, achievementMissions(c), n), nil
}

// TargetsLabel is the French form of an indicator's targets from year
// from to the last: one value when they are equal (« 90 % »), else each
// year's (« année 3 : 90 % ; année 4 : 92 % »); « à fixer » for a missing one.
func TargetsLabel(x contractlife.IndicatorTerm, from int) string {
	show := func(v contractlife.Value) string {
		if v.IsZero() {
			return "à fixer"
		}
		return v.String()
	}
	if from < 1 {
		from = 1
	}
	same := true
	for n := from + 1; n <= funding.ContractYears; n++ {
		same = same && x.Targets[n-1] == x.Targets[from-1]
	}
	if same {
		return show(x.Targets[from-1])
	}
	var parts []string
	for n := from; n <= funding.ContractYears; n++ {
		parts = append(parts, fmt.Sprintf("année %d : %s", n, show(x.Targets[n-1])))
	}
	return strings.Join(parts, " ; ")
}

// indicatorChanges reads the indicator changes of proposal in on contract c
// (docs/rules.md §31) — from contract year IndicatorFromYear, or, for the
// indicator added to a mission the same avenant adds (added),
// AddedMissionFromYear: the typed targets and the new indicator's values
// parsed in their unit, checked by contractlife.CheckIndicatorChanges and
// CheckAddedMissions; refusals at their fields, joined.
func indicatorChanges(ctx context.Context, tx pgx.Tx, c Contract, in AvenantProposal, added []funding.Mission, number int) ([]AvenantIndicator, error) {
	var typed []string
	for code, v := range in.Targets {
		if strings.TrimSpace(v) != "" {
			typed = append(typed, code)
		}
	}
	slices.Sort(typed)
	addNew := !in.AddIndicator.empty()
	newMission := addNew && slices.Contains(added, funding.Mission(in.AddIndicator.Mission))
	if len(typed) == 0 && len(in.RemoveIndicators) == 0 && !addNew && len(added) == 0 {
		return nil, nil
	}
	from, err := contractlife.IndicatorFromYear(c.Start, in.Effective)
	if err != nil {
		return nil, err
	}
	within, err := contractlife.AddedMissionFromYear(c.Start, in.Effective)
	if err != nil {
		return nil, err
	}
	general := len(typed) > 0 || len(in.RemoveIndicators) > 0 || addNew && !newMission
	if general && from == 0 {
		return nil, domain.FieldError("effective", "Aucune année du contrat ne commence à la date d'effet ou après : un changement d'indicateurs n'aurait aucun effet.")
	}
	reach := from
	if len(added) > 0 || !general {
		reach = within
	}
	var closed int
	if err := tx.QueryRow(ctx, `SELECT coalesce(min(contract_year), 0) FROM contract_year_closings WHERE contract_id = $1 AND contract_year >= $2`, c.ID, reach).Scan(&closed); err != nil {
		return nil, err
	}
	if closed > 0 {
		return nil, domain.FieldError("effective", "L'année %d du contrat est déjà clôturée : son solde est calculé sur ses missions et leurs indicateurs. L'avenant ne peut prendre effet qu'à partir d'une année non clôturée.", closed)
	}
	base, signedChanges, err := contractIndicators(ctx, tx, c)
	if err != nil {
		return nil, err
	}
	missions := achievementMissions(c, added...)
	if from == 0 {
		from = within // only an indicator of an added mission: checked on its year
	}
	current := indicatorsOf(base, signedChanges, missions, from)
	find := func(code string) (contractlife.IndicatorTerm, bool) {
		i := slices.IndexFunc(current, func(x contractlife.IndicatorTerm) bool { return x.Code == code })
		if i < 0 {
			return contractlife.IndicatorTerm{}, false
		}
		return current[i], true
	}
	var errs []error
	var out []AvenantIndicator
	for _, code := range typed {
		x, ok := find(code)
		if !ok {
			errs = append(errs, domain.FieldError("target_"+code, "Indicateur inconnu du contrat à l'année %d.", from))
			continue
		}
		v, err := contractlife.ParseField("target_"+code, x.Unit, in.Targets[code])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, AvenantIndicator{Op: contractlife.IndicatorTarget, Code: code, Mission: x.Mission, Label: x.Label, FromYear: from, Unit: x.Unit,
			Target: v.N, Before: TargetsLabel(x, from), After: v.String()})
	}
	for _, code := range in.RemoveIndicators {
		x, ok := find(code)
		if !ok {
			errs = append(errs, domain.FieldError("remove_indicators", "Indicateur inconnu du contrat à l'année %d.", from))
			continue
		}
		out = append(out, AvenantIndicator{Op: contractlife.IndicatorRemove, Code: code, Mission: x.Mission, Label: x.Label, FromYear: from, Unit: x.Unit,
			Before: TargetsLabel(x, from)})
	}
	if n := in.AddIndicator; !n.empty() {
		a := AvenantIndicator{Op: contractlife.IndicatorAdd, Code: "avenant_" + strconv.Itoa(number), Mission: funding.Mission(n.Mission),
			Label: strings.TrimSpace(n.Label), FromYear: from, Direction: funding.Direction(n.Direction)}
		if newMission {
			a.FromYear = within
		}
		u, uerr := contractlife.ParseUnit(n.Unit)
		if uerr == nil && n.Unit != "" {
			a.Unit = u
			if v, err := contractlife.ParseField("add_baseline", u, n.Baseline); err != nil {
				errs = append(errs, err)
			} else {
				a.Baseline = v.N
			}
			if v, err := contractlife.ParseField("add_target", u, n.Target); err != nil {
				errs = append(errs, err)
			} else {
				a.Target, a.After = v.N, v.String()
			}
		}
		if w, err := strconv.ParseInt(strings.TrimSpace(n.Weight), 10, 64); err == nil {
			a.Weight = w
		}
		out = append(out, a)
	}
	changes := make([]contractlife.IndicatorChange, len(out))
	for i, a := range out {
		changes[i] = a.change()
	}
	if err := contractlife.CheckIndicatorChanges(current, missions, changes); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		first := contractlife.IndicatorsOfYear(indicatorsOf(base, signedChanges, missions, within), changes, within)
		if err := contractlife.CheckAddedMissions(added, first); err != nil {
			errs = append(errs, err)
		}
	}
	return out, dedupFields(errors.Join(errs...))
}

// dedupFields keeps the first refusal of each field of a joined error (a
// value that does not parse is not reported again by the checks).
func dedupFields(err error) error {
	if err == nil {
		return nil
	}
	var flat []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		flat = append(flat, e)
	}
	walk(err)
	seen := map[string]bool{}
	var out []error
	for _, e := range flat {
		var de *domain.Error
		if errors.As(e, &de) {
			if seen[de.Field] {
				continue
			}
			seen[de.Field] = true
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

// checkIndicatorsAtSignature re-checks, at the third signature, that no
// contract year the avenant's indicator changes reach is closed (its
// balance is computed on its indicators): the avenant is then refused and
// nothing is applied (docs/rules.md §31).
func checkIndicatorsAtSignature(ctx context.Context, tx pgx.Tx, c Contract, v Avenant) error {
	from := 0
	for _, x := range v.Changes.IndicatorChanges {
		if from == 0 || x.FromYear < from {
			from = x.FromYear
		}
	}
	if from == 0 {
		return nil
	}
	var closed int
	if err := tx.QueryRow(ctx, `SELECT coalesce(min(contract_year), 0) FROM contract_year_closings WHERE contract_id = $1 AND contract_year >= $2`, c.ID, from).Scan(&closed); err != nil {
		return err
	}
	if closed > 0 {
		return domain.Errorf(domain.EInvalid, "L'avenant n° %d changerait les indicateurs de l'année %d du contrat, déjà clôturée (son solde est calculé) : il ne peut pas prendre effet.", v.Number, closed)
	}
	return nil
}
