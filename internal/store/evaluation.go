package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// The yearly evaluation of a contract (docs/rules.md §6, §29; migration
// 00075): a CPTS contract year (n = 1..5) or an MSP civil year (n = 2025…).

// UnitMet is the unit of an MSP indicator's value: met (1) or not (0).
const UnitMet contractlife.Unit = "atteint"

// Bounds of the evaluation's texts and files.
const (
	MaxYearComment   = 2000
	MaxYearMinutes   = 20000
	MaxYearAgenda    = 5000
	MaxYearFiles     = 5 // evidence files per indicator, attachments per meeting
	MaxYearFileBytes = 5 << 20
)

// Audit actions of the yearly evaluation.
const (
	TransitionDeclareYear  workflow.Transition = "declaration_annuelle"
	TransitionValidateYear workflow.Transition = "validation_indicateur"
	TransitionMeeting      workflow.Transition = "dialogue_de_gestion"
	TransitionCloseYear    workflow.Transition = "cloture_annee"
	TransitionCorrectYear  workflow.Transition = "correction_annee"
)

// YearFile is an evidence file or a meeting attachment.
type YearFile struct {
	ID   int64
	Name string
	Size int64
}

// YearIndicator is one indicator of a year's evaluation, with what was
// declared and validated.
type YearIndicator struct {
	Code      string
	Label     string
	Mission   funding.Mission   // CPTS
	Direction funding.Direction // CPTS
	Unit      contractlife.Unit // nombre, pourcentage, or UnitMet (MSP)
	Weight    int64
	Baseline  contractlife.Value // CPTS; zero: à fixer
	Target    contractlife.Value // CPTS, the year's
	MSP       funding.MSPIndicator
	// The evaluation.
	ValueID     int64
	Declared    *int64
	Comment     string
	Validated   *int64
	Reason      string
	ValidatedBy string
	ValidatedAt time.Time
	Version     int
	Files       []YearFile
	Corrected   *int64 // the latest correction after closing, if any
}

// Show renders a stored value of the indicator as written (« 62,5 % »,
// « 1 234 », « atteint »); "" for nil.
func (i YearIndicator) Show(v *int64) string {
	if v == nil {
		return ""
	}
	if i.Unit == UnitMet {
		if *v == 1 {
			return "atteint"
		}
		return "non atteint"
	}
	return contractlife.Value{Unit: i.Unit, N: *v}.String()
}

// Input renders a stored value as a form field shows it back.
func (i YearIndicator) Input(v *int64) string {
	if v == nil {
		return ""
	}
	if i.Unit == UnitMet {
		return strconv.FormatInt(*v, 10)
	}
	return contractlife.Value{Unit: i.Unit, N: *v}.Input()
}

// Rate is the indicator's achievement on its validated value (CPTS), "" when
// it cannot be computed (no value, baseline or target).
func (i YearIndicator) Rate() string {
	v := i.Validated
	if i.Corrected != nil {
		v = i.Corrected
	}
	if v == nil || i.Unit == UnitMet || i.Baseline.IsZero() || i.Target.IsZero() {
		return ""
	}
	r, err := contractlife.IndicatorRate(i.measure(*v))
	if err != nil {
		return ""
	}
	return funding.FormatRate(r)
}

func (i YearIndicator) measure(v int64) contractlife.Measure {
	return contractlife.Measure{Mission: i.Mission, Direction: i.Direction, Weight: i.Weight, Baseline: i.Baseline, Target: i.Target,
		Value: contractlife.Value{Unit: i.Unit, N: v}}
}

// YearQuestion is a question of the dialogue de gestion's shared space.
type YearQuestion struct {
	Party  workflow.Party
	Author string
	Body   string
	At     time.Time
}

// YearMeeting is a recorded dialogue de gestion.
type YearMeeting struct {
	ID                  int64
	HeldOn              domain.Date
	Structure, CPAM, AR string
	Minutes             string
	RecordedBy          string
	Files               []YearFile
}

// YearCorrection is an evaluation record made after closing.
type YearCorrection struct {
	ID     int64
	Motive string
	By     string
	At     time.Time
	Values map[string]int64
}

// ContractYear is the yearly evaluation page's content.
type ContractYear struct {
	N       int  // contract year (CPTS) or civil year (MSP)
	MSP     bool // an MSP civil year
	Index   int  // payments.contract_year and contract_year_closings.contract_year
	Start   domain.Date
	End     domain.Date // inclusive
	Window  contractlife.Window
	Status  string // "", "brouillon", "soumise"
	Version int
	Agenda  string
	// Submitted by and when.
	SubmittedBy string
	SubmittedAt time.Time

	BaremeName  string // MSP: the indicator table of the civil year
	Indicators  []YearIndicator
	Questions   []YearQuestion
	Meetings    []YearMeeting
	Corrections []YearCorrection
	Closed      bool
	ClosedOn    domain.Date
	ClosedBy    string
	Payments    []PaymentRow // the year's payments
	Missing     []string     // what prevents closing today
	Gate        string       // MSP: contractlife.MSPBlocked when SISA or FINESS is missing
	GateMissing []string
}

// Submitted reports whether the structure submitted its declaration.
func (y ContractYear) Submitted() bool { return y.Status == "soumise" }

// yearOf resolves year n of contract c: its index, dates and window.
func yearOf(c Contract, n int) (ContractYear, error) {
	if c.Start.IsZero() {
		return ContractYear{}, domain.Errorf(domain.ENotFound, "Année introuvable : le contrat n'est pas encore signé.")
	}
	y := ContractYear{N: n}
	switch c.StructureType {
	case domain.CPTS:
		cy, err := contractlife.ContractYearOf(c.Start, n)
		if err != nil {
			return y, domain.Errorf(domain.ENotFound, "Année introuvable.")
		}
		w, _ := contractlife.DeclarationWindow(c.Start, n)
		y.Index, y.Start, y.End, y.Window = n, cy.Start, cy.End, w
	case domain.MSP:
		last := contractlife.LastDay(c.Start)
		if n < c.Start.Y || n > last.Y {
			return y, domain.Errorf(domain.ENotFound, "Année introuvable.")
		}
		y.MSP, y.Index, y.Window = true, n-c.Start.Y+1, contractlife.MSPDeclarationWindow(n)
		y.Start, y.End = domain.NewDate(n, time.January, 1), domain.NewDate(n, time.December, 31)
		if n == c.Start.Y {
			y.Start = c.Start
		}
		if n == last.Y {
			y.End = last
		}
	default:
		return y, domain.Errorf(domain.ENotFound, "Année introuvable.")
	}
	return y, nil
}

// lockContractYear loads contract id in scope FOR UPDATE (every act of the
// evaluation is serialised on the contract row: the payments' numbering and
// the closing rely on it) and resolves year n.
func lockContractYear(ctx context.Context, tx pgx.Tx, sc Scope, id int64, n int) (Contract, ContractYear, error) {
	if !sc.Valid() {
		return Contract{}, ContractYear{}, domain.Errorf(domain.ENotFound, "Contrat introuvable.")
	}
	var a args
	q := "SELECT " + contractColumns + contractFrom + " WHERE c.id = " + a.add(id) + " AND " + sc.contracts("c", &a) + " FOR UPDATE OF c"
	c, err := scanContract(tx.QueryRow(ctx, q, a...))
	if err != nil {
		return c, ContractYear{}, contractNotFound(err)
	}
	if err := loadSignatures(ctx, tx, &c); err != nil {
		return c, ContractYear{}, err
	}
	y, err := yearOf(c, n)
	return c, y, err
}

// lockYearFor locks year n of contract id for act (not found when the
// viewer may not do it); with open, a closed year is refused (read-only,
// docs/rules.md §29).
func lockYearFor(ctx context.Context, tx pgx.Tx, sc Scope, id int64, n int, act access.Act, open bool) (Contract, ContractYear, error) {
	c, y, err := lockContractYear(ctx, tx, sc, id, n)
	if err != nil {
		return c, y, err
	}
	if !c.Permission(sc).Can(act) {
		return c, y, domain.Errorf(domain.ENotFound, "Année introuvable.")
	}
	if open {
		if closed, _, _, err := yearClosed(ctx, tx, c, y.Index); err != nil || closed {
			return c, y, closedErr(err, y)
		}
	}
	return c, y, nil
}

// actTime is the instant of an act (the store's clock when zero, to the
// microsecond PostgreSQL keeps) and its Paris date (today when zero).
func (s *Store) actTime(at time.Time, today domain.Date) (time.Time, domain.Date) {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	if today.IsZero() {
		today = domain.DateOf(at)
	}
	return at, today
}

// ensureEvaluation creates the year's evaluation row (status brouillon).
func ensureEvaluation(ctx context.Context, tx pgx.Tx, c Contract, n int, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO year_evaluations (contract_id, year, updated_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, c.ID, n, at)
	return err
}

func yearClosed(ctx context.Context, q contentQuerier, c Contract, index int) (bool, domain.Date, string, error) {
	var on time.Time
	var by string
	err := q.QueryRow(ctx, `SELECT closed_on, closed_by_name FROM contract_year_closings WHERE contract_id = $1 AND contract_year = $2`, c.ID, index).Scan(&on, &by)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, domain.Date{}, "", nil
	}
	return err == nil, domain.DateOf0(on), by, err
}

// cptsIndicators are the indicators of a CPTS contract's year n: the
// dossier's indicators (dossier_indicators, the five mandatory ones first)
// of the contract's missions with the changes of the signed avenants that
// reach year n (contractlife.IndicatorsOfYear, docs/rules.md §31), values
// in their unit (docs/rules.md §6). Decision: a unit other than
// 'pourcentage' is a count.
func cptsIndicators(ctx context.Context, q contentQuerier, c Contract, n int) ([]YearIndicator, error) {
	base, changes, err := contractIndicators(ctx, q, c)
	if err != nil {
		return nil, err
	}
	var out []YearIndicator
	for _, x := range indicatorsOf(base, changes, achievementMissions(c), n) {
		ind := YearIndicator{Code: x.Code, Label: x.Label, Mission: x.Mission, Direction: x.Direction, Unit: x.Unit, Weight: x.Weight, Baseline: x.Baseline}
		if n >= 1 && n <= funding.ContractYears {
			ind.Target = x.Targets[n-1]
		}
		out = append(out, ind)
	}
	return out, nil
}

// MSPIndicatorTables are the MSP indicator tables with their effective dates
// (docs/rules.md §29). Decision: an MSP barème's table holds its own
// indicators and those of the earlier barèmes it amends (an avenant adds or
// replaces lines; the 2017 prerequisite stays with avenant 1), a later
// barème's line replacing an earlier one of the same code.
func (s *Store) MSPIndicatorTables(ctx context.Context) ([]contractlife.MSPBareme, error) {
	return mspTables(ctx, s.sys())
}

func mspTables(ctx context.Context, q contentQuerier) ([]contractlife.MSPBareme, error) {
	rows, err := q.Query(ctx, `SELECT code, effective_on FROM msp_baremes ORDER BY effective_on, code`)
	if err != nil {
		return nil, err
	}
	type head struct {
		code string
		eff  time.Time
	}
	heads, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (head, error) {
		var h head
		return h, r.Scan(&h.code, &h.eff)
	})
	if err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT bareme_code, code, label, axis, kind, fixed_points, variable_points, coalesce(exclusive_group, '') FROM msp_indicators ORDER BY id`)
	if err != nil {
		return nil, err
	}
	inds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (funding.MSPIndicator, error) {
		var x funding.MSPIndicator
		var axis, kind string
		err := r.Scan(&x.Bareme, &x.Code, &x.Label, &axis, &kind, &x.FixedPoints, &x.VariablePoints, &x.Group)
		x.Axis, x.Kind = funding.MSPAxis(axis), funding.MSPKind(kind)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	var out []contractlife.MSPBareme
	var cur []funding.MSPIndicator
	for _, h := range heads {
		for _, x := range inds {
			if x.Bareme != h.code {
				continue
			}
			if i := slices.IndexFunc(cur, func(y funding.MSPIndicator) bool { return y.Code == x.Code }); i >= 0 {
				cur[i] = x
			} else {
				cur = append(cur, x)
			}
		}
		out = append(out, contractlife.MSPBareme{Code: h.code, Effective: domain.DateOf0(h.eff), Indicators: slices.Clone(cur)})
	}
	return out, nil
}

func mspIndicators(ctx context.Context, q contentQuerier, n int) (contractlife.MSPBareme, []YearIndicator, error) {
	list, err := mspTables(ctx, q)
	if err != nil {
		return contractlife.MSPBareme{}, nil, err
	}
	b, err := contractlife.MSPBaremeFor(list, n)
	if err != nil {
		return b, nil, err
	}
	var out []YearIndicator
	for _, x := range b.Indicators {
		out = append(out, YearIndicator{Code: x.Code, Label: x.Label, Unit: UnitMet, MSP: x, Weight: 1})
	}
	return b, out, nil
}

// yearIndicators reads the indicators of year y with their evaluation rows,
// files and the latest correction.
func yearIndicators(ctx context.Context, q contentQuerier, c Contract, y *ContractYear) ([]YearIndicator, error) {
	var inds []YearIndicator
	var err error
	if y.MSP {
		var b contractlife.MSPBareme
		b, inds, err = mspIndicators(ctx, q, y.N)
		y.BaremeName = b.Code
	} else {
		inds, err = cptsIndicators(ctx, q, c, y.N)
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT v.id, v.code, v.declared, v.comment, v.validated, v.reason, v.validated_by_name, v.validated_at, v.version
		FROM year_values v WHERE v.contract_id = $1 AND v.year = $2`, c.ID, y.N)
	if err != nil {
		return nil, err
	}
	type row struct {
		id                    int64
		code                  string
		declared, validated   *int64
		comment, reason, name string
		at                    *time.Time
		version               int
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.code, &x.declared, &x.comment, &x.validated, &x.reason, &x.name, &x.at, &x.version)
	})
	if err != nil {
		return nil, err
	}
	for i := range inds {
		for _, x := range got {
			if x.code != inds[i].Code {
				continue
			}
			ind := &inds[i]
			ind.ValueID, ind.Declared, ind.Comment, ind.Validated, ind.Reason, ind.ValidatedBy, ind.Version = x.id, x.declared, x.comment, x.validated, x.reason, x.name, x.version
			if x.at != nil {
				ind.ValidatedAt = *x.at
			}
		}
	}
	rows, err = q.Query(ctx, `SELECT yf.value_id, f.id, f.filename, f.size FROM year_files yf JOIN stored_files f ON f.id = yf.file_id
		WHERE yf.contract_id = $1 AND yf.year = $2 AND yf.value_id IS NOT NULL ORDER BY yf.id`, c.ID, y.N)
	if err != nil {
		return nil, err
	}
	type frow struct {
		value int64
		f     YearFile
	}
	files, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (frow, error) {
		var x frow
		return x, r.Scan(&x.value, &x.f.ID, &x.f.Name, &x.f.Size)
	})
	if err != nil {
		return nil, err
	}
	for i := range inds {
		for _, f := range files {
			if f.value == inds[i].ValueID && f.value != 0 {
				inds[i].Files = append(inds[i].Files, f.f)
			}
		}
	}
	return inds, nil
}

// ContractYear reads year n of contract id in scope, as of today (what is
// missing to close it is computed for that day).
func (s *Store) ContractYear(ctx context.Context, sc Scope, id int64, n int, today domain.Date) (ContractYear, error) {
	var y ContractYear
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		var a args
		q := "SELECT " + contractColumns + contractFrom + " WHERE c.id = " + a.add(id) + " AND " + sc.contracts("c", &a)
		c, err := scanContract(tx.QueryRow(ctx, q, a...))
		if err != nil {
			return contractNotFound(err)
		}
		if y, err = yearOf(c, n); err != nil {
			return err
		}
		return readYear(ctx, tx, c, &y, today)
	})
	return y, pgError("store.ContractYear", err)
}

func readYear(ctx context.Context, q pgx.Tx, c Contract, y *ContractYear, today domain.Date) error {
	var at *time.Time
	err := q.QueryRow(ctx, `SELECT status, version, agenda, submitted_by_name, submitted_at FROM year_evaluations WHERE contract_id = $1 AND year = $2`, c.ID, y.N).
		Scan(&y.Status, &y.Version, &y.Agenda, &y.SubmittedBy, &at)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if at != nil {
		y.SubmittedAt = *at
	}
	if y.Indicators, err = yearIndicators(ctx, q, c, y); err != nil {
		return err
	}
	rows, err := q.Query(ctx, `SELECT party, author_name, body, created_at FROM year_questions WHERE contract_id = $1 AND year = $2 ORDER BY id`, c.ID, y.N)
	if err != nil {
		return err
	}
	if y.Questions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (YearQuestion, error) {
		var x YearQuestion
		var p string
		err := r.Scan(&p, &x.Author, &x.Body, &x.At)
		x.Party = workflow.Party(p)
		return x, err
	}); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT id, held_on, participants_structure, participants_cpam, participants_ars, minutes, recorded_by_name
		FROM year_meetings WHERE contract_id = $1 AND year = $2 ORDER BY held_on, id`, c.ID, y.N)
	if err != nil {
		return err
	}
	if y.Meetings, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (YearMeeting, error) {
		var x YearMeeting
		var on time.Time
		err := r.Scan(&x.ID, &on, &x.Structure, &x.CPAM, &x.AR, &x.Minutes, &x.RecordedBy)
		x.HeldOn = domain.DateOf0(on)
		return x, err
	}); err != nil {
		return err
	}
	for i := range y.Meetings {
		rows, err := q.Query(ctx, `SELECT f.id, f.filename, f.size FROM year_files yf JOIN stored_files f ON f.id = yf.file_id WHERE yf.meeting_id = $1 ORDER BY yf.id`, y.Meetings[i].ID)
		if err != nil {
			return err
		}
		if y.Meetings[i].Files, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (YearFile, error) {
			var f YearFile
			return f, r.Scan(&f.ID, &f.Name, &f.Size)
		}); err != nil {
			return err
		}
	}
	rows, err = q.Query(ctx, `SELECT id, motive, created_by_name, created_at, corrected FROM year_corrections WHERE contract_id = $1 AND year = $2 ORDER BY id`, c.ID, y.N)
	if err != nil {
		return err
	}
	if y.Corrections, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (YearCorrection, error) {
		var x YearCorrection
		var raw []byte
		if err := r.Scan(&x.ID, &x.Motive, &x.By, &x.At, &raw); err != nil {
			return x, err
		}
		return x, json.Unmarshal(raw, &x.Values)
	}); err != nil {
		return err
	}
	for _, corr := range y.Corrections {
		for i := range y.Indicators {
			if v, ok := corr.Values[y.Indicators[i].Code]; ok {
				y.Indicators[i].Corrected = &v
			}
		}
	}
	if y.Closed, y.ClosedOn, y.ClosedBy, err = yearClosed(ctx, q, c, y.Index); err != nil {
		return err
	}
	ps, err := listPayments(ctx, q, c.ID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.ContractYear == y.Index {
			y.Payments = append(y.Payments, p)
		}
	}
	if y.MSP {
		sisa, finess, err := mspGateFacts(ctx, q, c)
		if err != nil {
			return err
		}
		y.Gate, y.GateMissing = contractlife.MSPGate(sisa, finess), contractlife.MSPGateMissing(sisa, finess)
	}
	if !y.Closed {
		y.Missing, err = closeMissing(ctx, q, c, *y, today)
	}
	return err
}

func mspGateFacts(ctx context.Context, q contentQuerier, c Contract) (sisa, finess bool, err error) {
	var legal, fin string
	err = q.QueryRow(ctx, `SELECT coalesce(legal_form, ''), coalesce(finess, '') FROM organisations WHERE id = $1`, c.StructureID).Scan(&legal, &fin)
	return registry.LegalForm(legal) == registry.LegalSISA, strings.TrimSpace(fin) != "", err
}

func statuses(inds []YearIndicator) []contractlife.IndicatorStatus {
	out := make([]contractlife.IndicatorStatus, 0, len(inds))
	for _, ind := range inds {
		out = append(out, contractlife.IndicatorStatus{Mission: ind.Mission, Label: ind.Label, Declared: ind.Declared != nil, Validated: ind.Validated != nil})
	}
	return out
}

// closeMissing lists what prevents closing year y on day on (docs/rules.md
// §6, contractlife.CloseMissing / MSPCloseMissing), plus, for a CPTS, the
// indicators of a started mission whose baseline or target is not set
// (their rate cannot be computed).
func closeMissing(ctx context.Context, q contentQuerier, c Contract, y ContractYear, on domain.Date) ([]string, error) {
	if y.MSP {
		return contractlife.MSPCloseMissing(contractlife.MSPCloseInput{Year: y.N, On: on, Indicators: statuses(y.Indicators), Closed: y.Closed}), nil
	}
	starts, err := missionStarts(ctx, q, c.ID)
	if err != nil {
		return nil, err
	}
	var started []funding.Mission
	for m, d := range starts {
		if !d.After(y.End) {
			started = append(started, m)
		}
	}
	slices.Sort(started)
	var meetings []domain.Date
	for _, m := range y.Meetings {
		meetings = append(meetings, m.HeldOn)
	}
	var inds []YearIndicator
	for _, ind := range y.Indicators {
		if slices.Contains(started, ind.Mission) {
			inds = append(inds, ind)
		}
	}
	out := contractlife.CloseMissing(contractlife.CloseInput{Signed: c.Start, Year: y.N, On: on, Indicators: statuses(inds),
		Meetings: meetings, Closed: y.Closed, Started: started})
	for _, ind := range inds {
		if ind.Baseline.IsZero() || ind.Target.IsZero() {
			out = append(out, fmt.Sprintf("valeur de référence ou objectif de l'année %d non fixé : %s", y.N, ind.Label))
		}
	}
	return out, nil
}

// Upload is a file sent with a form.
type Upload struct {
	Name string
	Data []byte
}

// DeclarationInput is the structure's declaration of a year's values.
type DeclarationInput struct {
	ContractID int64
	Year       int
	Values     map[string]string   // indicator code → value as typed (MSP: "1" met, "0" not)
	Comments   map[string]string   // indicator code → comment
	Files      map[string][]Upload // indicator code → evidence files
	Submit     bool                // submit (else: save the draft)
	Version    int                 // the evaluation's version shown (0: none yet)
	Today      domain.Date
	At         time.Time
}

// parseYearValue reads a value typed for indicator ind (field names the
// form field).
func parseYearValue(field string, ind YearIndicator, s string) (int64, error) {
	if ind.Unit == UnitMet {
		switch strings.TrimSpace(s) {
		case "1":
			return 1, nil
		case "0":
			return 0, nil
		}
		return 0, domain.FieldError(field, "indiquez si l'indicateur est atteint")
	}
	v, err := contractlife.ParseField(field, ind.Unit, s)
	return v.N, err
}

// SaveDeclaration saves (or submits) the structure's declaration of year
// in.Year (docs/rules.md §6): the coordinator, inside the declaration window,
// before submission; every value checked in its unit (an error per field,
// nothing saved when one is wrong); submitting requires every value.
func (s *Store) SaveDeclaration(ctx context.Context, sc Scope, in DeclarationInput) error {
	at, today := s.actTime(in.At, in.Today)
	in.Today = today
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, y, err := lockYearFor(ctx, tx, sc, in.ContractID, in.Year, access.ActDeclareValues, true)
		if err != nil {
			return err
		}
		if err := y.Window.Check(in.Today); err != nil {
			return err
		}
		if err := ensureEvaluation(ctx, tx, c, y.N, at); err != nil {
			return err
		}
		if err := readYear(ctx, tx, c, &y, in.Today); err != nil {
			return err
		}
		if y.Submitted() {
			return domain.Errorf(domain.EConflict, "La déclaration de l'année est déjà transmise à la CPAM : elle n'est plus modifiable.")
		}
		if in.Version != y.Version && in.Version != 0 {
			return domain.Errorf(domain.EConflict, "La déclaration a été modifiée entre-temps : rechargez la page.")
		}
		var errs []error
		type save struct {
			ind     YearIndicator
			value   *int64
			comment string
		}
		var saves []save
		for _, ind := range y.Indicators {
			field := "v_" + ind.Code
			raw := strings.TrimSpace(in.Values[ind.Code])
			sv := save{ind: ind, comment: strings.TrimSpace(in.Comments[ind.Code]), value: ind.Declared}
			if raw != "" {
				v, err := parseYearValue(field, ind, raw)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				sv.value = &v
			} else if _, sent := in.Values[ind.Code]; sent {
				sv.value = nil
			}
			if in.Submit && sv.value == nil {
				errs = append(errs, domain.FieldError(field, "valeur manquante : toutes les valeurs sont requises pour transmettre la déclaration"))
			}
			if utf8.RuneCountInString(sv.comment) > MaxYearComment {
				errs = append(errs, domain.FieldError("c_"+ind.Code, "commentaire trop long (au plus %d caractères)", MaxYearComment))
			}
			if n := len(ind.Files) + len(in.Files[ind.Code]); n > MaxYearFiles {
				errs = append(errs, domain.FieldError("f_"+ind.Code, "au plus %d pièces justificatives par indicateur", MaxYearFiles))
			}
			saves = append(saves, sv)
		}
		for code := range in.Values {
			if !slices.ContainsFunc(y.Indicators, func(i YearIndicator) bool { return i.Code == code }) {
				return domain.Errorf(domain.EInvalid, "Indicateur inconnu : rechargez la page.")
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		uid := sc.UserID
		for _, sv := range saves {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO year_values (contract_id, year, code, unit, declared, comment) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (contract_id, year, code) DO UPDATE SET declared = EXCLUDED.declared, comment = EXCLUDED.comment, version = year_values.version + 1
				RETURNING id`, c.ID, y.N, sv.ind.Code, string(sv.ind.Unit), sv.value, sv.comment).Scan(&id); err != nil {
				return err
			}
			for _, u := range in.Files[sv.ind.Code] {
				if len(u.Data) > MaxYearFileBytes {
					return domain.FieldError("f_"+sv.ind.Code, "fichier trop volumineux (au plus 5 Mo)")
				}
				f, err := saveFile(ctx, tx, "f_"+sv.ind.Code, &uid, at, u.Name, u.Data)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO year_files (contract_id, year, value_id, file_id, created_at) VALUES ($1, $2, $3, $4, $5)`, c.ID, y.N, id, f.ID, at); err != nil {
					return err
				}
			}
		}
		set := "version = version + 1, updated_at = $3"
		what := fmt.Sprintf("Déclaration des indicateurs de l'année %s enregistrée (brouillon)", yearName(y))
		if in.Submit {
			set += ", status = 'soumise', submitted_at = $3, submitted_by = $4, submitted_by_name = $5"
			what = fmt.Sprintf("Déclaration des indicateurs de l'année %s transmise à la CPAM", yearName(y))
		}
		a := []any{c.ID, y.N, at}
		if in.Submit {
			a = append(a, uid, sc.UserName)
		}
		if _, err := tx.Exec(ctx, `UPDATE year_evaluations SET `+set+` WHERE contract_id = $1 AND year = $2`, a...); err != nil {
			return err
		}
		return appendAudit(ctx, tx, c.DossierID, &uid, sc.UserName, at, TransitionDeclareYear, c.State, c.State, what)
	})
	return pgError("store.SaveDeclaration", err)
}

func yearName(y ContractYear) string {
	if y.MSP {
		return fmt.Sprintf("civile %d", y.N)
	}
	return fmt.Sprintf("%d du contrat (%s)", y.N, contractlife.Year{Start: y.Start, End: y.End}.Label())
}

func closedErr(err error, y ContractYear) error {
	if err != nil {
		return err
	}
	return domain.Errorf(domain.EConflict, "L'année %s est clôturée : elle n'est plus modifiable.", yearName(y))
}

// ValidationInput is the CPAM's validation (or correction) of one value.
type ValidationInput struct {
	ContractID int64
	Year       int
	Code       string
	Value      string // empty: the declared value is validated as is
	Reason     string // required when Value differs from the declared one
	Version    int    // the value's version shown
	At         time.Time
}

// ValidateValue validates or corrects one declared value (docs/rules.md §6:
// "the CPAM referent validates each value or corrects it with a reason
// (both kept)"), after the declaration is submitted and before the year is
// closed. The value row's version must be the one shown: of two referents
// validating the same value at once, one wins and the other is told.
func (s *Store) ValidateValue(ctx context.Context, sc Scope, in ValidationInput) error {
	at, _ := s.actTime(in.At, domain.Date{})
	in.Reason = strings.TrimSpace(in.Reason)
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, y, err := lockYearFor(ctx, tx, sc, in.ContractID, in.Year, access.ActValidateValues, false)
		if err != nil {
			return err
		}
		if err := readYear(ctx, tx, c, &y, domain.DateOf(at)); err != nil {
			return err
		}
		if y.Closed {
			return closedErr(nil, y)
		}
		if !y.Submitted() {
			return domain.Errorf(domain.EConflict, "La déclaration de l'année n'est pas encore transmise par la structure.")
		}
		i := slices.IndexFunc(y.Indicators, func(x YearIndicator) bool { return x.Code == in.Code })
		if i < 0 || y.Indicators[i].ValueID == 0 {
			return domain.Errorf(domain.ENotFound, "Indicateur introuvable.")
		}
		ind := y.Indicators[i]
		if in.Version != ind.Version {
			return domain.Errorf(domain.EConflict, "Cette valeur vient d'être validée ou modifiée par quelqu'un d'autre : rechargez la page pour voir sa validation.")
		}
		v := ind.Declared
		if strings.TrimSpace(in.Value) != "" {
			n, err := parseYearValue("value", ind, in.Value)
			if err != nil {
				return err
			}
			v = &n
		}
		if v == nil {
			return domain.FieldError("value", "aucune valeur déclarée : indiquez la valeur retenue")
		}
		corrected := ind.Declared == nil || *v != *ind.Declared
		switch {
		case corrected && in.Reason == "":
			return domain.FieldError("reason", "motif obligatoire pour corriger la valeur déclarée")
		case utf8.RuneCountInString(in.Reason) > MaxYearComment:
			return domain.FieldError("reason", "motif trop long (au plus %d caractères)", MaxYearComment)
		case !corrected:
			in.Reason = ""
		}
		tag, err := tx.Exec(ctx, `UPDATE year_values SET validated = $2, reason = $3, validated_at = $4, validated_by = $5, validated_by_name = $6, version = version + 1
			WHERE id = $1 AND version = $7`, ind.ValueID, *v, in.Reason, at, sc.UserID, sc.UserName, in.Version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return domain.Errorf(domain.EConflict, "Cette valeur vient d'être validée ou modifiée par quelqu'un d'autre : rechargez la page pour voir sa validation.")
		}
		what := fmt.Sprintf("Valeur validée pour « %s » : %s", ind.Label, ind.Show(v))
		if corrected {
			what = fmt.Sprintf("Valeur corrigée pour « %s » : %s déclaré, %s retenu (motif : %s)", ind.Label, ind.Show(ind.Declared), ind.Show(v), in.Reason)
		}
		uid := sc.UserID
		return appendAudit(ctx, tx, c.DossierID, &uid, sc.UserName, at, TransitionValidateYear, c.State, c.State, clip(what))
	})
	return pgError("store.ValidateValue", err)
}

// MeetingPrep is a contribution to the dialogue de gestion's shared space.
type MeetingPrep struct {
	ContractID int64
	Year       int
	Agenda     *string // the agenda (replaced), when given
	Question   string  // a question, when given
	At         time.Time
}

// PrepareMeeting writes in the shared space of the year's dialogue de
// gestion (docs/rules.md §29): the agenda, or a question of either side.
func (s *Store) PrepareMeeting(ctx context.Context, sc Scope, in MeetingPrep) error {
	at, _ := s.actTime(in.At, domain.Date{})
	q := strings.TrimSpace(in.Question)
	switch {
	case in.Agenda == nil && q == "":
		return domain.FieldError("question", "écrivez votre question")
	case utf8.RuneCountInString(q) > MaxYearComment:
		return domain.FieldError("question", "question trop longue (au plus %d caractères)", MaxYearComment)
	case in.Agenda != nil && utf8.RuneCountInString(*in.Agenda) > MaxYearAgenda:
		return domain.FieldError("agenda", "ordre du jour trop long (au plus %d caractères)", MaxYearAgenda)
	}
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, y, err := lockYearFor(ctx, tx, sc, in.ContractID, in.Year, access.ActPrepareMeeting, true)
		if err != nil {
			return err
		}
		p := c.Permission(sc)
		if err := ensureEvaluation(ctx, tx, c, y.N, at); err != nil {
			return err
		}
		if in.Agenda != nil {
			if _, err := tx.Exec(ctx, `UPDATE year_evaluations SET agenda = $3, updated_at = $4 WHERE contract_id = $1 AND year = $2`, c.ID, y.N, strings.TrimSpace(*in.Agenda), at); err != nil {
				return err
			}
		}
		if q != "" {
			party := p.Party()
			if party == "" {
				return domain.Errorf(domain.ENotFound, "Année introuvable.")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO year_questions (contract_id, year, party, author_id, author_name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				c.ID, y.N, string(party), sc.UserID, sc.UserName, q, at); err != nil {
				return err
			}
		}
		return nil
	})
	return pgError("store.PrepareMeeting", err)
}

// MeetingInput is a recorded dialogue de gestion.
type MeetingInput struct {
	ContractID           int64
	Year                 int
	HeldOn               domain.Date
	Structure, CPAM, ARS string // participants of each party
	Minutes              string
	Files                []Upload
	Today                domain.Date
	At                   time.Time
}

// RecordMeeting records the year's dialogue de gestion (docs/rules.md §6:
// date, participants of the three parties, minutes; attachments): the CPAM
// referent, dated within the year's span up to today.
func (s *Store) RecordMeeting(ctx context.Context, sc Scope, in MeetingInput) error {
	at, today := s.actTime(in.At, in.Today)
	in.Today = today
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, y, err := lockYearFor(ctx, tx, sc, in.ContractID, in.Year, access.ActRecordMeeting, true)
		if err != nil {
			return err
		}
		var errs []error
		switch {
		case in.HeldOn.IsZero():
			errs = append(errs, domain.FieldError("held_on", "date de la réunion obligatoire (jj/mm/aaaa)"))
		case in.HeldOn.Before(y.Start):
			errs = append(errs, domain.FieldError("held_on", "la réunion (%s) précède le début de l'année (%s)", in.HeldOn.French(), y.Start.French()))
		case in.HeldOn.After(in.Today):
			errs = append(errs, domain.FieldError("held_on", "la réunion ne peut pas être datée dans le futur"))
		}
		for _, f := range []struct{ field, v, label string }{{"structure", in.Structure, "de la structure"}, {"cpam", in.CPAM, "de la CPAM"}, {"ars", in.ARS, "de l'ARS"}} {
			switch n := utf8.RuneCountInString(strings.TrimSpace(f.v)); {
			case n == 0:
				errs = append(errs, domain.FieldError(f.field, "participants %s obligatoires", f.label))
			case n > 1000:
				errs = append(errs, domain.FieldError(f.field, "liste trop longue (au plus 1 000 caractères)"))
			}
		}
		switch n := utf8.RuneCountInString(strings.TrimSpace(in.Minutes)); {
		case n == 0:
			errs = append(errs, domain.FieldError("minutes", "compte rendu obligatoire"))
		case n > MaxYearMinutes:
			errs = append(errs, domain.FieldError("minutes", "compte rendu trop long (au plus %d caractères)", MaxYearMinutes))
		}
		if len(in.Files) > MaxYearFiles {
			errs = append(errs, domain.FieldError("files", "au plus %d pièces jointes", MaxYearFiles))
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		// A replayed form (its idempotency key, docs/rules.md §33) records
		// the meeting once.
		var id int64
		return s.once(ctx, tx, sc.UserID, "record_meeting", &id, func() (int64, error) {
			return recordMeetingTx(ctx, tx, sc, c, y, in, at)
		})
	})
	return pgError("store.RecordMeeting", replayed(err))
}

// recordMeetingTx inserts the checked meeting in of year y of contract c,
// its attachments and its audit row; it returns the meeting's id.
func recordMeetingTx(ctx context.Context, tx pgx.Tx, sc Scope, c Contract, y ContractYear, in MeetingInput, at time.Time) (int64, error) {
	if err := ensureEvaluation(ctx, tx, c, y.N, at); err != nil {
		return 0, err
	}
	uid := sc.UserID
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO year_meetings (contract_id, year, held_on, participants_structure, participants_cpam, participants_ars, minutes, recorded_at, recorded_by, recorded_by_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, c.ID, y.N, in.HeldOn.String(), strings.TrimSpace(in.Structure), strings.TrimSpace(in.CPAM),
		strings.TrimSpace(in.ARS), strings.TrimSpace(in.Minutes), at, uid, sc.UserName).Scan(&id); err != nil {
		return 0, err
	}
	for _, u := range in.Files {
		if len(u.Data) > MaxYearFileBytes {
			return 0, domain.FieldError("files", "fichier trop volumineux (au plus 5 Mo)")
		}
		f, err := saveFile(ctx, tx, "files", &uid, at, u.Name, u.Data)
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO year_files (contract_id, year, meeting_id, file_id, created_at) VALUES ($1, $2, $3, $4, $5)`, c.ID, y.N, id, f.ID, at); err != nil {
			return 0, err
		}
	}
	return id, appendAudit(ctx, tx, c.DossierID, &uid, sc.UserName, at, TransitionMeeting, c.State, c.State,
		fmt.Sprintf("Dialogue de gestion du %s enregistré pour l'année %s", in.HeldOn.French(), yearName(y)))
}

// YearFileDownload returns an evidence file or meeting attachment of year n
// of contract id in scope (not found outside it).
func (s *Store) YearFileDownload(ctx context.Context, sc Scope, id int64, n int, fileID int64) (FileDownload, error) {
	var a args
	q := `SELECT f.id, f.filename, f.media_type, f.size, f.sha256, f.content FROM year_files yf JOIN stored_files f ON f.id = yf.file_id
		JOIN contracts c ON c.id = yf.contract_id JOIN organisations o ON o.id = c.structure_id
		WHERE yf.contract_id = ` + a.add(id) + ` AND yf.year = ` + a.add(n) + ` AND f.id = ` + a.add(fileID) + ` AND ` + sc.contracts("c", &a)
	var f FileDownload
	err := s.db(sc).QueryRow(ctx, q, a...).Scan(&f.ID, &f.Filename, &f.MediaType, &f.Size, &f.SHA256, &f.Content)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, domain.Errorf(domain.ENotFound, "Pièce introuvable.")
	}
	return f, pgError("store.YearFileDownload", err)
}

// lifeContract is CPTS contract c as the contract's life computes it, on
// the stored barèmes (lifeTerms, outside a transaction).
func (s *Store) lifeContract(ctx context.Context, q contentQuerier, c Contract) (contractlife.Contract, error) {
	list, err := s.LoadBaremes(ctx)
	if err != nil {
		return contractlife.Contract{}, err
	}
	return readLife(ctx, q, c, list)
}

// yearPayments sums the year's payments of kinds by mission (cancelled
// ones left out).
func yearPayments(ctx context.Context, q contentQuerier, c Contract, index int, kinds ...funding.Kind) (map[funding.Mission]domain.Cents, []funding.Payment, error) {
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	rows, err := q.Query(ctx, `SELECT mission, kind, amount_cents, due_on FROM payments WHERE contract_id = $1 AND contract_year = $2 AND kind = ANY($3) AND status <> 'annule'`, c.ID, index, ks)
	if err != nil {
		return nil, nil, err
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (funding.Payment, error) {
		var p funding.Payment
		var m, k string
		var due time.Time
		err := r.Scan(&m, &k, &p.Amount, &due)
		p.Mission, p.Kind, p.Due, p.ContractYear = funding.Mission(m), funding.Kind(k), domain.DateOf0(due), index
		return p, err
	})
	sums := map[funding.Mission]domain.Cents{}
	for _, p := range ps {
		sums[p.Mission] += p.Amount
	}
	return sums, ps, err
}

// values returns the validated value of each indicator, overlaid by the
// corrections after closing and then by extra (a new correction).
func values(y ContractYear, extra map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, ind := range y.Indicators {
		if ind.Validated != nil {
			out[ind.Code] = *ind.Validated
		}
		if ind.Corrected != nil {
			out[ind.Code] = *ind.Corrected
		}
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// yearRates are the achievement rates of CPTS year y with the values vals
// (contractlife.MissionRates, docs/rules.md §6): the indicators of the
// missions started (starts) by the year's last day, each one valued.
func yearRates(starts map[funding.Mission]domain.Date, y ContractYear, vals map[string]int64) (map[funding.Mission]funding.Rate, error) {
	var ms []contractlife.Measure
	for _, ind := range y.Indicators {
		at, started := starts[ind.Mission]
		if !started || at.After(y.End) {
			continue
		}
		v, ok := vals[ind.Code]
		if !ok {
			return nil, domain.Errorf(domain.EInvalid, "valeur non validée : %s", ind.Label)
		}
		ms = append(ms, ind.measure(v))
	}
	return contractlife.MissionRates(ms)
}

// cptsBalance computes the balance lines of CPTS year y on day on with the
// values vals (contractlife.YearBalance, docs/rules.md §6, §8).
func (s *Store) cptsBalance(ctx context.Context, q contentQuerier, c Contract, y ContractYear, vals map[string]int64, on domain.Date) ([]contractlife.BalanceLine, error) {
	lc, err := s.lifeContract(ctx, q, c)
	if err != nil {
		return nil, err
	}
	rates, err := yearRates(lc.Starts, y, vals)
	if err != nil {
		return nil, err
	}
	adv, _, err := yearPayments(ctx, q, c, y.Index, funding.KindAvance)
	if err != nil {
		return nil, err
	}
	return contractlife.YearBalance(contractlife.BalanceInput{Contract: lc, Year: y.N, Closed: on, Rates: rates, Advances: adv})
}

// mspBalance computes the balance of MSP civil year y with the values vals:
// the remuneration of the indicators met (funding.MSPSchedule, prorated to
// the contracting date; to the contract's end in its last civil year, as
// the signature's schedule does) minus the year's advances (docs/rules.md
// §6, §9). Due by 30 April N+1, or on the closing day when it is later.
func (s *Store) mspBalance(ctx context.Context, q contentQuerier, c Contract, y ContractYear, vals map[string]int64, on domain.Date) (funding.Payment, error) {
	list, err := mspTables(ctx, q)
	if err != nil {
		return funding.Payment{}, err
	}
	table, err := contractlife.MSPBaremeFor(list, y.N)
	if err != nil {
		return funding.Payment{}, err
	}
	params, err := s.LoadMSPBaremes(ctx)
	if err != nil {
		return funding.Payment{}, err
	}
	b, err := funding.MSPBaremeByCode(params, table.Code)
	if err != nil {
		return funding.Payment{}, err
	}
	met := map[string]bool{}
	n := 0
	for _, ind := range table.Indicators {
		if vals[ind.Code] == 1 {
			met[ind.Code] = true
			n++
		}
	}
	my, err := funding.MSPSchedule(funding.MSPYearInput{Bareme: b, Indicators: table.Indicators, Met: met, Patientele: c.RegisteredPatients, Year: y.N, Contracted: c.Start})
	if err != nil {
		return funding.Payment{}, err
	}
	due := my.Remuneration
	if end := funding.ContractEnd(c.Start); end.Y == y.N {
		due = domain.MulDiv(due, int64(domain.NewDate(y.N, time.January, 1).DaysUntil(end)), my.YearDays)
	}
	adv, _, err := yearPayments(ctx, q, c, y.Index, funding.KindAvance)
	if err != nil {
		return funding.Payment{}, err
	}
	dueOn := contractlife.MSPBalanceDue(y.N)
	if on.After(dueOn) {
		dueOn = on
	}
	return funding.Payment{Due: dueOn, ContractYear: y.Index, Kind: funding.KindSolde, Amount: due - adv[""],
		Rule: fmt.Sprintf("Solde de l'année civile %d : %d indicateur(s) atteint(s) sur %d validés par la CPAM, rémunération %s moins avances %s (ACI MSP)",
			y.N, n, len(table.Indicators), domain.FormatEUR(due), domain.FormatEUR(adv[""]))}, nil
}

// CloseYear closes year n of contract id (docs/rules.md §6): the CPAM
// referent, when nothing is missing (every value validated, a meeting
// recorded for a CPTS; else the list is the error); in one transaction the
// closing row (a second closing is impossible), the year's balance payments
// due on the closing day (each mission's remaining fixed + variable ×
// validated achievement; the planned balance lines of the signature's
// schedule for that year are cancelled and replaced) and the audit row.
func (s *Store) CloseYear(ctx context.Context, sc Scope, id int64, n int, today domain.Date, at time.Time) error {
	at, today = s.actTime(at, today)
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, y, err := lockYearFor(ctx, tx, sc, id, n, access.ActCloseYear, false)
		if err != nil {
			return err
		}
		if err := readYear(ctx, tx, c, &y, today); err != nil {
			return err
		}
		if y.Closed {
			return domain.Errorf(domain.EConflict, "L'année %s est déjà clôturée (le %s).", yearName(y), y.ClosedOn.French())
		}
		if len(y.Missing) > 0 {
			return domain.Errorf(domain.EInvalid, "Clôture impossible : %s.", strings.Join(y.Missing, " ; "))
		}
		var news []NewPayment
		summary := ""
		if y.MSP {
			p, err := s.mspBalance(ctx, tx, c, y, values(y, nil), today)
			if err != nil {
				return err
			}
			if p.Amount != 0 {
				news = append(news, NewPayment{Payment: p})
			}
			summary = p.Rule
		} else {
			lines, err := s.cptsBalance(ctx, tx, c, y, values(y, nil), today)
			if err != nil {
				return err
			}
			var parts []string
			for _, l := range lines {
				news = append(news, NewPayment{Payment: l.Payment})
				parts = append(parts, fmt.Sprintf("%s %s (atteinte %s)", l.Mission.Label(), domain.FormatEUR(l.Amount), funding.FormatRate(l.Rate)))
			}
			summary = "soldes : " + strings.Join(parts, ", ")
		}
		if err := replacePlannedBalances(ctx, tx, c, y, sc.UserID, today); err != nil {
			return err
		}
		if _, err := addPayments(ctx, tx, ContractOwner(c), news, at); err != nil {
			return err
		}
		uid := sc.UserID
		if _, err := tx.Exec(ctx, `INSERT INTO contract_year_closings (contract_id, contract_year, closed_on, closed_at, closed_by, closed_by_name) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.ID, y.Index, today.String(), at, uid, sc.UserName); err != nil {
			if domain.ErrorCode(pgError("", err)) == domain.EConflict {
				return domain.Errorf(domain.EConflict, "L'année %s est déjà clôturée.", yearName(y))
			}
			return err
		}
		return appendAudit(ctx, tx, c.DossierID, &uid, sc.UserName, at, TransitionCloseYear, c.State, c.State,
			clip(fmt.Sprintf("Année %s clôturée le %s ; %s", yearName(y), today.French(), summary)))
	})
	return pgError("store.CloseYear", err)
}

// replacePlannedBalances cancels the year's planned balance lines of the
// signature's schedule (computed on 100 %), replaced by the closing's; a
// balance of the year already ordered or paid refuses the closing. The
// crisis mission's lines are left alone: its payments follow its plan and
// the crises declared (docs/rules.md §4), not the yearly evaluation.
func replacePlannedBalances(ctx context.Context, tx pgx.Tx, c Contract, y ContractYear, uid int64, today domain.Date) error {
	var other int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM payments WHERE contract_id = $1 AND contract_year = $2 AND kind = 'solde' AND status NOT IN ('prevu', 'annule') AND mission <> 'crise'`,
		c.ID, y.Index).Scan(&other); err != nil {
		return err
	}
	if other > 0 {
		return domain.Errorf(domain.EConflict, "Un solde de l'année %s est déjà ordonnancé ou versé : la clôture ne peut pas le remplacer.", yearName(y))
	}
	_, err := tx.Exec(ctx, `UPDATE payments SET status = 'annule', cancelled_on = $3, cancelled_by = $4,
		cancel_reason = 'Remplacé par le solde calculé à la clôture de l''année sur les valeurs validées'
		WHERE contract_id = $1 AND contract_year = $2 AND kind = 'solde' AND status = 'prevu' AND mission <> 'crise'`, c.ID, y.Index, today.String(), uid)
	return err
}

// CorrectionInput is a new evaluation record of a closed year.
type CorrectionInput struct {
	ContractID int64
	Year       int
	Values     map[string]string // indicator code → corrected value as typed (others unchanged)
	Motive     string
	Today      domain.Date
	At         time.Time
}

// CorrectClosedYear records a correction of a closed year by the CPAM
// manager (docs/rules.md §6: "a new evaluation record … with a motivation,
// creating an adjustment payment (never editing a payment)"): the corrected
// values, and one adjustment payment per mission whose balance changes
// (contractlife.Adjustments; rule_key 'ajustement:<record id>').
func (s *Store) CorrectClosedYear(ctx context.Context, sc Scope, in CorrectionInput) (int64, error) {
	at, today := s.actTime(in.At, in.Today)
	in.Today = today
	motive := strings.TrimSpace(in.Motive)
	var recID int64
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, y, err := lockYearFor(ctx, tx, sc, in.ContractID, in.Year, access.ActCorrectClosedYear, false)
		if err != nil {
			return err
		}
		if err := readYear(ctx, tx, c, &y, in.Today); err != nil {
			return err
		}
		if !y.Closed {
			return domain.Errorf(domain.EConflict, "L'année %s n'est pas clôturée : la CPAM valide ou corrige les valeurs directement.", yearName(y))
		}
		var errs []error
		switch n := utf8.RuneCountInString(motive); {
		case n == 0:
			errs = append(errs, domain.FieldError("motive", "motivation obligatoire pour corriger une année clôturée"))
		case n > MaxYearComment:
			errs = append(errs, domain.FieldError("motive", "motivation trop longue (au plus %d caractères)", MaxYearComment))
		}
		extra := map[string]int64{}
		for _, ind := range y.Indicators {
			raw := strings.TrimSpace(in.Values[ind.Code])
			if raw == "" {
				continue
			}
			v, err := parseYearValue("v_"+ind.Code, ind, raw)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			extra[ind.Code] = v
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		if len(extra) == 0 {
			return domain.FieldError("values", "indiquez au moins une valeur corrigée")
		}
		raw, err := json.Marshal(extra)
		if err != nil {
			return err
		}
		uid := sc.UserID
		if err := tx.QueryRow(ctx, `INSERT INTO year_corrections (contract_id, year, motive, corrected, created_at, created_by, created_by_name) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			c.ID, y.N, motive, raw, at, uid, sc.UserName).Scan(&recID); err != nil {
			return err
		}
		vals := values(y, extra)
		var adj []funding.Payment
		_, all, err := yearPayments(ctx, tx, c, y.Index, funding.KindSolde, contractlife.KindAjustement)
		if err != nil {
			return err
		}
		var prev []funding.Payment // the evaluation's: crise follows its plan (docs/rules.md §4)
		for _, p := range all {
			if p.Mission != funding.Crise {
				prev = append(prev, p)
			}
		}
		if y.MSP {
			p, err := s.mspBalance(ctx, tx, c, y, vals, in.Today)
			if err != nil {
				return err
			}
			var had domain.Cents
			for _, x := range prev {
				had += x.Amount
			}
			if diff := p.Amount - had; diff != 0 {
				adj = append(adj, funding.Payment{Due: in.Today, ContractYear: y.Index, Kind: contractlife.KindAjustement, Amount: diff,
					Rule: fmt.Sprintf("Ajustement de l'année civile %d après clôture : évaluation corrigée (%s) ; %s", y.N, motive, p.Rule)})
			}
		} else {
			lines, err := s.cptsBalance(ctx, tx, c, y, vals, in.Today)
			if err != nil {
				return err
			}
			if adj, err = contractlife.Adjustments(prev, lines, in.Today, motive); err != nil {
				return err
			}
		}
		news := make([]NewPayment, len(adj))
		for i, p := range adj {
			p.Rule = clipRule(p.Rule)
			news[i] = NewPayment{Payment: p, RuleKey: "ajustement:" + strconv.FormatInt(recID, 10)}
		}
		if _, err := addPayments(ctx, tx, ContractOwner(c), news, at); err != nil {
			return err
		}
		return appendAudit(ctx, tx, c.DossierID, &uid, sc.UserName, at, TransitionCorrectYear, c.State, c.State,
			clip(fmt.Sprintf("Correction de l'année %s après clôture (%d ajustement(s)) : %s", yearName(y), len(news), motive)))
	})
	return recID, pgError("store.CorrectClosedYear", err)
}

func clipRule(s string) string {
	if utf8.RuneCountInString(s) > 1000 {
		return string([]rune(s)[:999]) + "…"
	}
	return s
}
