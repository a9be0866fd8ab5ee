package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

// Contract is the tripartite ACI contract that follows an accepted dossier
// (docs/rules.md §13; §8–§10; migration 00047).
type Contract struct {
	ID                 int64
	DossierID          int64
	StructureID        int64
	StructureName      string
	StructureType      domain.StructureType
	State              workflow.State
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
	UpdatedByName      string
	BaremeCode         string
	Tier               int   // CPTS; 0 for an MSP
	Population         int64 // CPTS territory population at creation
	RegisteredPatients int64 // MSP patientèle used for the schedule
	Terms              ContractTerms
	TermsJSON          []byte
	DocumentHTML       string
	DocumentSHA256     string
	Start, End         domain.Date // End: the day it is échu (start + 5 years)
	// Résiliation (docs/rules.md §9).
	TerminationReceived  domain.Date
	TerminationEffective domain.Date
	TerminationBy        workflow.Party
	TerminatedOn         domain.Date
	Overpaid, StillDue   *domain.Cents
	Motivation           string
	// The structure's letter sent through the portal (before the CPAM
	// records its receipt), a CPAM termination's notification, the recourse
	// to the commission paritaire and its decision (docs/rules.md §30).
	TerminationLetter   domain.Date
	TerminationNotified domain.Date
	RecourseFiled       domain.Date
	RecourseDecided     domain.Date
	RecourseUpheld      bool
	TerminationStatus   contractlife.TerminationStatus
	Signatures          []Signature // in signing order
}

// Signature is one party's signature of the contract document.
type Signature struct {
	Party          workflow.Party
	Organisation   string
	UserID         int64
	UserName       string
	Role           domain.Role
	SignedAt       time.Time
	DocumentSHA256 string
}

// DecidedUpheld reports whether the commission paritaire confirmed a CPAM
// termination.
func (c Contract) DecidedUpheld() bool { return !c.RecourseDecided.IsZero() && c.RecourseUpheld }

// Signed reports whether party p has signed.
func (c Contract) Signed(p workflow.Party) (Signature, bool) {
	for _, s := range c.Signatures {
		if s.Party == p {
			return s, true
		}
	}
	return Signature{}, false
}

// ContractTerms is the content of the contract, frozen when the contract is
// created (at the acceptance of the dossier): the document is rendered from
// it once and its SHA-256 is what each party signs.
//
// Decision (docs/rules.md §18): the document is frozen when
// the contract is created at acceptance — terms, HTML and SHA-256 are stored
// and never change, so every party previews and signs the same bytes; a
// signature records the hash it was given and is refused when it differs
// from the stored one. A change of content after acceptance is an avenant,
// not an edit of the document being signed.
type ContractTerms struct {
	Reference     string               `json:"reference"`
	CreatedOn     domain.Date          `json:"created_on"`
	StructureType domain.StructureType `json:"structure_type"`
	Structure     ContractParty        `json:"structure"`
	CPAM          ContractParty        `json:"cpam"`
	ARS           ContractParty        `json:"ars"`
	BaremeCode    string               `json:"bareme_code"`
	BaremeName    string               `json:"bareme_name"`
	// CPTS
	Tier           int                   `json:"tier,omitempty"`
	Population     int64                 `json:"population,omitempty"`
	PopulationYear string                `json:"population_year,omitempty"`
	Missions       []ContractMission     `json:"missions,omitempty"`
	Year1          []ContractFundingLine `json:"year1,omitempty"`
	Year1Total     domain.Cents          `json:"year1_total,omitempty"`
	YearTotals     []domain.Cents        `json:"year_totals,omitempty"` // 5 contract years, year 1 first
	ScheduleTotal  domain.Cents          `json:"schedule_total,omitempty"`
	Calendar       []ContractCalendarRow `json:"calendar,omitempty"`
	// MSP
	RegisteredPatients int64             `json:"patientele,omitempty"`
	MSPIndicators      []ContractMSPLine `json:"msp_indicators,omitempty"`
	MSPAnnual          domain.Cents      `json:"msp_annual,omitempty"`  // remuneration for 100 % of the socle
	MSPAdvance         domain.Cents      `json:"msp_advance,omitempty"` // 60 % of it, full civil year
	TerminationMonths  int               `json:"resiliation_months"`
	TermYears          int               `json:"term_years"`
}

// ContractParty names one signatory.
type ContractParty struct {
	Name      string `json:"name"`
	LegalForm string `json:"legal_form,omitempty"`
	SIRET     string `json:"siret,omitempty"`
	FINESS    string `json:"finess,omitempty"`
	Address   string `json:"address,omitempty"`
	Where     string `json:"where,omitempty"` // département(s) or région
}

// ContractMission is a mission of a CPTS contract with its indicators.
type ContractMission struct {
	Code       funding.Mission     `json:"code"`
	Label      string              `json:"label"`
	Optional   bool                `json:"optional"`
	Indicators []ContractIndicator `json:"indicators"`
}

// ContractIndicator is one indicator with its baseline and target, as
// negotiated in the dossier, written in the indicator's unit
// (contractlife.Value.String: « 62,5 % », « 1 234 »; docs/rules.md §6, §28).
type ContractIndicator struct {
	Label     string `json:"label"`
	Direction string `json:"direction"` // French: "à la hausse" / "à la baisse"
	Baseline  string `json:"baseline"`
	Target    string `json:"target"`
	Mandatory bool   `json:"mandatory"`
}

// ContractFundingLine is one line of the year-1 funding table.
type ContractFundingLine struct {
	Mission  funding.Mission `json:"mission"`
	Label    string          `json:"label"`
	Fixed    domain.Cents    `json:"fixed"`
	Variable domain.Cents    `json:"variable"`
	Total    domain.Cents    `json:"total"`
}

// ContractCalendarRow is one line of the deployment calendar (docs/rules.md §7).
type ContractCalendarRow struct {
	Mission      funding.Mission `json:"mission"`
	Label        string          `json:"label"`
	StartMonths  int             `json:"start_months"`  // 0: no deadline
	DeployMonths int             `json:"deploy_months"` // 0: no deadline
}

// ContractMSPLine is one MSP indicator of the contract.
type ContractMSPLine struct {
	Label  string       `json:"label"`
	Kind   string       `json:"kind"`
	Points string       `json:"points"`
	Amount domain.Cents `json:"amount"`
}

// contentForContract reads the dossier's content (loadContent).
//
// Decision: without saved missions, a CPTS contract carries the four socle
// missions (ACI CPTS); an indicator without a baseline or target shows
// "à fixer" (settled at the first follow-up meeting, ACI CPTS); an MSP
// without a declared patientèle uses the reference patientèle of its MSP
// barème (4 000, docs/rules.md §9).
func contentForContract(ctx context.Context, tx pgx.Tx, d *Dossier) ([]ContractMission, int64, error) {
	c, err := loadContent(ctx, tx, *d)
	if err != nil {
		return nil, 0, fmt.Errorf("contentForContract: %w", err)
	}
	if d.StructureType == domain.MSP {
		if c.RegisteredPatients != nil && *c.RegisteredPatients >= 0 {
			return nil, *c.RegisteredPatients, nil
		}
		mb, err := funding.ContractMSPBareme()
		if err != nil {
			return nil, 0, err
		}
		return nil, mb.ReferencePatientele, nil
	}
	missions := c.Missions
	if len(missions) == 0 {
		missions = funding.SocleMissions()
	}
	var out []ContractMission
	for _, m := range missions {
		if m == funding.Fonctionnement {
			continue
		}
		cm := ContractMission{Code: m, Label: m.Label(), Optional: !slices.Contains(funding.SocleMissions(), m)}
		for _, ind := range c.Indicators {
			if ind.Mission != m {
				continue
			}
			ci := ContractIndicator{Label: ind.Label, Direction: ind.Direction.Label(), Baseline: funding.ToFix,
				Target: targetsLabel(ind), Mandatory: ind.Mandatory}
			if ind.Baseline != nil {
				ci.Baseline = ind.Value(ind.Baseline).String()
			}
			cm.Indicators = append(cm.Indicators, ci)
		}
		out = append(out, cm)
	}
	return out, 0, nil
}

// targetsLabel states an indicator's targets over the contract years in its
// own unit (docs/rules.md §6: shown as written, « 62,5 % »): one value
// "chaque année" when every year has the same, otherwise "année 1 : …" for
// each year that has one; funding.ToFix without any.
func targetsLabel(ind ContentIndicator) string {
	var ts []string
	same := true
	first := ind.Target(1)
	for y := 1; y <= funding.ContractYears; y++ {
		t := ind.Target(y)
		if t == nil {
			same = false
			continue
		}
		ts = append(ts, fmt.Sprintf("année %d : %s", y, ind.Value(t).String()))
		same = same && first != nil && *t == *first
	}
	switch {
	case same && first != nil:
		return ind.Value(first).String() + " chaque année"
	case len(ts) > 0:
		return strings.Join(ts, " ; ")
	}
	return funding.ToFix
}

// contractSignatures fills a.Signatures for a signer attempt that goes
// through the dossier's ApplyTransition (contract transitions normally go
// through ApplyContractTransition, which fills it itself).
func contractSignatures(ctx context.Context, tx pgx.Tx, d *Dossier, a *workflow.Attempt) error {
	if a.Transition != workflow.Signer {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT s.party FROM contract_signatures s JOIN contracts c ON c.id = s.contract_id WHERE c.dossier_id = $1`, d.ID)
	if err != nil {
		return fmt.Errorf("contractSignatures: %w", err)
	}
	parties, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("contractSignatures: %w", err)
	}
	a.Signatures = map[workflow.Party]bool{}
	for _, p := range parties {
		a.Signatures[workflow.Party(p)] = true
	}
	return nil
}

// createContractOnAccept creates the contract, in a_signer, with its frozen
// document, in the transaction of the accepter transition.
// The document is rendered by the store's Options.RenderContract.
func (s *Store) createContractOnAccept(ctx context.Context, tx pgx.Tx, d *Dossier, out workflow.Outcome) error {
	if !out.OpensContract {
		return nil
	}
	at := d.UpdatedAt // the transition's time (updateDossierFor)
	terms, err := buildTerms(ctx, tx, d, domain.DateOf(at))
	if err != nil {
		return err
	}
	raw, err := json.Marshal(terms)
	if err != nil {
		return err
	}
	doc, err := s.renderContract(ctx, raw)
	if err != nil {
		return fmt.Errorf("createContractOnAccept: rendering the document: %w", err)
	}
	sum := sha256.Sum256([]byte(doc))
	var tier, pop, pat any
	if terms.StructureType == domain.CPTS {
		tier, pop = terms.Tier, terms.Population
	} else {
		pat = terms.RegisteredPatients
	}
	_, err = tx.Exec(ctx, `INSERT INTO contracts (dossier_id, structure_id, structure_type, created_at, updated_at, updated_by,
		bareme_code, tier, population, patientele, terms, document_html, document_sha256)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		d.ID, d.StructureID, string(d.StructureType), at, d.UpdatedBy, terms.BaremeCode, tier, pop, pat, raw, doc, hex.EncodeToString(sum[:]))
	if err != nil {
		return fmt.Errorf("createContractOnAccept: %w", err)
	}
	return nil
}

func buildTerms(ctx context.Context, tx pgx.Tx, d *Dossier, today domain.Date) (ContractTerms, error) {
	t := ContractTerms{CreatedOn: today, StructureType: d.StructureType,
		TerminationMonths: workflow.ResiliationMonths, TermYears: funding.ContractYears,
		Reference: fmt.Sprintf("ACI-%s-%d-%06d", d.StructureType, today.Y, d.ID)}
	var legal, siret, finess, addr1, addr2, postal, commune, dep, region string
	err := tx.QueryRow(ctx, `SELECT o.name, coalesce(o.legal_form, ''), coalesce(o.siret, ''), coalesce(o.finess, ''),
		o.address_line1, o.address_line2, o.postal_code, coalesce((SELECT c.nom FROM communes c WHERE c.code = o.commune_code), ''),
		o.departement, coalesce((SELECT dp.region FROM departements dp WHERE dp.code = o.departement), '')
		FROM organisations o WHERE o.id = $1`, d.StructureID).
		Scan(&t.Structure.Name, &legal, &siret, &finess, &addr1, &addr2, &postal, &commune, &dep, &region)
	if err != nil {
		return t, fmt.Errorf("buildTerms: structure: %w", err)
	}
	if legal != "" {
		t.Structure.LegalForm = registry.LegalForm(legal).Label()
	}
	t.Structure.SIRET, t.Structure.FINESS = siret, finess
	var parts []string
	for _, p := range []string{addr1, addr2, strings.TrimSpace(postal + " " + commune)} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	t.Structure.Address = strings.Join(parts, ", ")
	t.Structure.Where = "département " + dep
	t.CPAM.Name, t.CPAM.Where = "la caisse primaire d'assurance maladie compétente", "département "+dep
	// The parties are the agencies the dossier is bound to (docs/rules.md
	// §33), else those of the seat.
	_ = tx.QueryRow(ctx, `SELECT o.name FROM organisations o
		WHERE o.id = (SELECT cpam_id FROM dossiers WHERE id = $2)
		   OR (o.kind = 'cpam' AND o.archived_at IS NULL AND EXISTS (SELECT 1 FROM organisation_departements od WHERE od.org_id = o.id AND od.departement = $1))
		ORDER BY o.id = (SELECT cpam_id FROM dossiers WHERE id = $2) DESC NULLS LAST, o.id LIMIT 1`, dep, d.ID).Scan(&t.CPAM.Name)
	t.ARS.Name, t.ARS.Where = "l'agence régionale de santé compétente", "région "+region
	_ = tx.QueryRow(ctx, `SELECT o.name, coalesce(r.nom, '') FROM organisations o LEFT JOIN regions r ON r.code = o.region
		WHERE o.id = (SELECT ars_id FROM dossiers WHERE id = $2) OR (o.kind = 'ars' AND o.archived_at IS NULL AND o.region = $1)
		ORDER BY o.id = (SELECT ars_id FROM dossiers WHERE id = $2) DESC NULLS LAST, o.id LIMIT 1`, region, d.ID).Scan(&t.ARS.Name, &t.ARS.Where)
	if t.ARS.Where == "" {
		t.ARS.Where = "région " + region
	}
	missions, patientele, err := contentForContract(ctx, tx, d)
	if err != nil {
		return t, err
	}
	switch d.StructureType {
	case domain.CPTS:
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(c.population), 0) FROM territory_communes tc JOIN communes c ON c.code = tc.commune_code
			WHERE tc.structure_id = $1`, d.StructureID).Scan(&t.Population); err != nil {
			return t, fmt.Errorf("buildTerms: population: %w", err)
		}
		_ = tx.QueryRow(ctx, "SELECT version FROM refdata_versions WHERE name = 'population'").Scan(&t.PopulationYear)
		b, err := funding.BaremeAt(funding.Builtin(), today)
		if err != nil {
			return t, err
		}
		if t.Tier, err = b.Tier(t.Population); err != nil {
			return t, err
		}
		t.Missions = missions
		ms := make([]funding.Mission, 0, len(missions))
		for _, m := range missions {
			ms = append(ms, m.Code)
		}
		f, err := funding.CPTSContract(t.Tier, ms, today)
		if err != nil {
			return t, err
		}
		t.BaremeCode, t.BaremeName = f.Bareme.Code, f.Bareme.Name
		for _, l := range f.Year1 {
			t.Year1 = append(t.Year1, ContractFundingLine{Mission: l.Mission, Label: l.Mission.Label(), Fixed: l.Fixed, Variable: l.Variable, Total: l.Total()})
		}
		t.Year1Total, t.YearTotals, t.ScheduleTotal = f.Year1Total, f.YearTotals, f.ScheduleTotal
		for _, r := range funding.DeploymentCalendar() {
			for _, m := range missions {
				if m.Code == r.Mission {
					t.Calendar = append(t.Calendar, ContractCalendarRow{Mission: r.Mission, Label: r.Mission.Label(),
						StartMonths: r.StartMonths, DeployMonths: r.DeployMonths})
				}
			}
		}
	case domain.MSP:
		t.BaremeCode, t.BaremeName = funding.MSPBaremeCode, funding.MSPBaremeName
		t.RegisteredPatients = patientele
		f, err := funding.MSPContract(patientele)
		if err != nil {
			return t, err
		}
		for _, l := range f.Indicators {
			ind := l.Indicator
			t.MSPIndicators = append(t.MSPIndicators, ContractMSPLine{Label: ind.Label, Kind: ind.Kind.Label(), Points: ind.PointsLabel(), Amount: l.Amount})
		}
		t.MSPAnnual, t.MSPAdvance = f.Annual, f.Advance
	}
	return t, nil
}

const contractColumns = `c.id, c.dossier_id, c.structure_id, o.name, c.structure_type, c.state, c.version, c.created_at, c.updated_at,
	coalesce((SELECT u.name FROM users u WHERE u.id = c.updated_by), ''), c.bareme_code, coalesce(c.tier, 0), coalesce(c.population, 0),
	coalesce(c.patientele, 0), c.terms, c.document_html, c.document_sha256, c.start_date, c.end_date,
	c.resiliation_received_on, c.resiliation_effective_on, c.resiliation_requested_by, c.resilie_on,
	c.trop_percu_cents, c.reste_du_cents, c.motivation,
	c.resiliation_letter_on, c.resiliation_notified_on, c.recourse_filed_on, c.recourse_decided_on, coalesce(c.recourse_upheld, false), c.resiliation_status`

const contractFrom = ` FROM contracts c JOIN organisations o ON o.id = c.structure_id`

// contractSignaturesColumn is a column of the contract's signatures (JSON),
// in the order of loadSignatures, for the reads that show a contract with
// them: one statement instead of two (docs/rules.md §35.1).
const contractSignaturesColumn = `, (SELECT coalesce(json_agg(json_build_object('party', cs.party, 'org', cs.organisation,
		'user_id', cs.user_id, 'user', cs.user_name, 'role', cs.role, 'at', cs.signed_at, 'sha', cs.document_sha256)
		ORDER BY cs.signed_at, cs.id), '[]') FROM contract_signatures cs WHERE cs.contract_id = c.id)`

// decodeSignatures reads contractSignaturesColumn.
func decodeSignatures(b []byte) ([]Signature, error) {
	var in []struct {
		Party  string    `json:"party"`
		Org    string    `json:"org"`
		UserID int64     `json:"user_id"`
		User   string    `json:"user"`
		Role   string    `json:"role"`
		At     time.Time `json:"at"`
		SHA    string    `json:"sha"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("signatures: %w", err)
	}
	var out []Signature
	for _, x := range in {
		out = append(out, Signature{Party: workflow.Party(x.Party), Organisation: x.Org, UserID: x.UserID, UserName: x.User,
			Role: domain.Role(x.Role), SignedAt: x.At.Local(), DocumentSHA256: x.SHA})
	}
	return out, nil
}

// scanContract reads contractColumns, then extra.
func scanContract(row pgx.Row, extra ...any) (Contract, error) {
	var c Contract
	var st, state, by string
	var start, end, rec, eff, res *time.Time
	var tp, rd *int64
	var letter, notified, filed, decided *time.Time
	var tstatus string
	err := row.Scan(append([]any{&c.ID, &c.DossierID, &c.StructureID, &c.StructureName, &st, &state, &c.Version, &c.CreatedAt, &c.UpdatedAt,
		&c.UpdatedByName, &c.BaremeCode, &c.Tier, &c.Population, &c.RegisteredPatients, &c.TermsJSON, &c.DocumentHTML, &c.DocumentSHA256,
		&start, &end, &rec, &eff, &by, &res, &tp, &rd, &c.Motivation,
		&letter, &notified, &filed, &decided, &c.RecourseUpheld, &tstatus}, extra...)...)
	if err != nil {
		return c, err
	}
	c.TerminationLetter, c.TerminationNotified, c.RecourseFiled, c.RecourseDecided = dateOf(letter), dateOf(notified), dateOf(filed), dateOf(decided)
	c.TerminationStatus = contractlife.TerminationStatus(tstatus)
	c.StructureType, c.State, c.TerminationBy = domain.StructureType(st), workflow.State(state), workflow.Party(by)
	c.Start, c.End, c.TerminationReceived, c.TerminationEffective, c.TerminatedOn = dateOf(start), dateOf(end), dateOf(rec), dateOf(eff), dateOf(res)
	if tp != nil {
		v := domain.Cents(*tp)
		c.Overpaid = &v
	}
	if rd != nil {
		v := domain.Cents(*rd)
		c.StillDue = &v
	}
	if err := json.Unmarshal(c.TermsJSON, &c.Terms); err != nil {
		return c, fmt.Errorf("scanContract: terms: %w", err)
	}
	return c, nil
}

func contractNotFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) || domain.IsNotFound(err) {
		return domain.Errorf(domain.ENotFound, "Contrat introuvable.")
	}
	return err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func loadSignatures(ctx context.Context, q querier, c *Contract) error {
	rows, err := q.Query(ctx, `SELECT party, organisation, user_id, user_name, role, signed_at, document_sha256
		FROM contract_signatures WHERE contract_id = $1 ORDER BY signed_at, id`, c.ID)
	if err != nil {
		return err
	}
	c.Signatures, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Signature, error) {
		var s Signature
		var p, role string
		err := r.Scan(&p, &s.Organisation, &s.UserID, &s.UserName, &role, &s.SignedAt, &s.DocumentSHA256)
		s.Party, s.Role = workflow.Party(p), domain.Role(role)
		return s, err
	})
	return err
}

// ContractByDossier returns the contract of a dossier in scope (everyone in
// scope sees it, from its creation: the three parties preview it before
// anyone signs). Outside the scope, or before acceptance, it is not found.
func (s *Store) ContractByDossier(ctx context.Context, sc Scope, dossierID int64) (Contract, error) {
	var a args
	q := "SELECT " + contractColumns + contractSignaturesColumn + contractFrom + " WHERE c.dossier_id = " + a.add(dossierID) + " AND " + sc.contracts("c", &a)
	var sigs []byte
	c, err := scanContract(s.db(sc).QueryRow(ctx, q, a...), &sigs)
	if err != nil {
		return c, contractNotFound(pgError("store.ContractByDossier", err))
	}
	if c.Signatures, err = decodeSignatures(sigs); err != nil {
		return c, pgError("store.ContractByDossier", err)
	}
	return c, nil
}

// ContractByID returns contract id in scope (not found outside it).
func (s *Store) ContractByID(ctx context.Context, sc Scope, id int64) (Contract, error) {
	var a args
	q := "SELECT " + contractColumns + contractSignaturesColumn + contractFrom + " WHERE c.id = " + a.add(id) + " AND " + sc.contracts("c", &a)
	var sigs []byte
	c, err := scanContract(s.db(sc).QueryRow(ctx, q, a...), &sigs)
	if err != nil {
		return c, contractNotFound(pgError("store.ContractByID", err))
	}
	if c.Signatures, err = decodeSignatures(sigs); err != nil {
		return c, pgError("store.ContractByID", err)
	}
	return c, nil
}

// partyOf is the signatory the scope's organisation signs for, or "" when
// it is not a party (DCGDR, national, another structure).
func partyOf(sc Scope, c Contract) workflow.Party { return c.Permission(sc).Party() }

// contractActor is the workflow actor of sc on contract c (scope already
// checked by the query that loaded c).
func contractActor(sc Scope, c Contract) workflow.Actor {
	return access.Actor(sc.Viewer(), c.StructureID)
}

// ContractRequest is a user's attempt at a contract transition.
type ContractRequest struct {
	DossierID  int64
	Transition workflow.Transition
	Seen       workflow.State // state shown on the page (stale page → conflict)
	// DocumentSHA256 is the hash shown to the signer (signer): refused when
	// it is not the stored document's.
	DocumentSHA256 string
	ReceivedOn     domain.Date // demander_resiliation: receipt of the letter (or the CPAM's notification)
	ByCPAM         bool        // demander_resiliation by the CPAM: its own termination, not a structure's letter
	Motivation     string
	Today          domain.Date // Europe/Paris date of At (computed when zero)
	At             time.Time   // now when zero
	// baremes: the CPTS barèmes (LoadBaremes), read before a signature's
	// transaction for the payments it creates.
	baremes []funding.Bareme
}

// ApplyContractTransition applies one contract transition (signer,
// demander_resiliation, resilier, avenant) in ONE transaction: lock the contract row
// in scope (FOR UPDATE; not found outside the scope), workflow.Check with the
// signatures recorded, apply its effects (signature row; on the third
// signature the contract becomes actif, starts that day and the payments of
// the signature are created (docs/rules.md §28); résiliation dates; trop-perçu), version + 1, and append
// the row to the dossier's audit chain.
func (s *Store) ApplyContractTransition(ctx context.Context, sc Scope, in ContractRequest) (workflow.Outcome, error) {
	if !sc.Valid() {
		return workflow.Outcome{}, domain.Errorf(domain.ENotFound, "Contrat introuvable.")
	}
	if utf8.RuneCountInString(in.Motivation) > MaxMotivation {
		return workflow.Outcome{}, domain.FieldError("motivation", "La motivation ne doit pas dépasser %d caractères.", MaxMotivation)
	}
	in.Motivation = strings.TrimSpace(in.Motivation)
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.At = in.At.Truncate(time.Microsecond)
	if in.Today.IsZero() {
		in.Today = domain.DateOf(in.At)
	}
	if in.Transition == workflow.Signer {
		list, err := s.LoadBaremes(ctx)
		if err != nil {
			return workflow.Outcome{}, err
		}
		in.baremes = list
	}
	var out workflow.Outcome
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
		uid := sc.UserID
		out, err = contractTx(ctx, tx, c, contractActor(sc, c), &uid, sc.UserName, sc, in)
		return err
	})
	if err := replayed(err); err != nil {
		return workflow.Outcome{}, pgError("store.ApplyContractTransition", err)
	}
	return out, nil
}

func contractTx(ctx context.Context, tx pgx.Tx, c Contract, actor workflow.Actor, actorID *int64, actorName string, sc Scope, in ContractRequest) (workflow.Outcome, error) {
	att := workflow.Attempt{Transition: in.Transition, StructureType: c.StructureType, From: c.State, Seen: in.Seen,
		Actor: actor, Today: in.Today, Motivation: in.Motivation, Signatures: map[workflow.Party]bool{},
		ResiliationReceived: c.TerminationReceived, ContractStart: c.Start}
	for _, sg := range c.Signatures {
		att.Signatures[sg.Party] = true
	}
	if in.Transition == workflow.DemanderResiliation {
		att.ResiliationReceived = in.ReceivedOn
		if partyOf(sc, c) == workflow.PartyStructure {
			att.ResiliationReceived = in.Today // the letter leaves through the portal today
		}
	}
	out, err := workflow.Check(att)
	if err != nil {
		return out, err
	}
	set := []string{"version = version + 1", "updated_at = $2", "updated_by = $3"}
	a := args{c.ID, in.At, actorID}
	setv := func(col string, v any) { set = append(set, col+" = "+a.add(v)) }
	motivation := out.Record.Motivation
	switch in.Transition {
	case workflow.Signer:
		if in.DocumentSHA256 != c.DocumentSHA256 {
			return out, domain.Errorf(domain.EConflict, "Le document que vous avez lu n'est pas celui qui est à signer (empreinte différente) : rechargez la page et relisez-le.")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contract_signatures (contract_id, party, organisation_id, organisation, user_id, user_name, role, signed_at, document_sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.ID, string(out.Signed), sc.OrgID, sc.OrgName, sc.UserID, actorName,
			string(sc.Role), in.At, c.DocumentSHA256); err != nil {
			return out, uniqueSignature(err)
		}
		motivation = workflow.SignatureRecord(out.Signed, sc.OrgName, c.DocumentSHA256)
		if out.To == workflow.Actif {
			setv("start_date", dateArg(out.ContractStart))
			setv("end_date", dateArg(workflow.ContractExpiry(out.ContractStart)))
			c.Start = out.ContractStart
			if err := createPayments(ctx, tx, c, in.baremes, in.At); err != nil {
				return out, err
			}
		}
	case workflow.DemanderResiliation:
		// docs/rules.md §30: the structure's letter through the portal waits
		// for the CPAM to record its receipt; the CPAM records a letter
		// received on paper (ReceivedOn), or notifies its own termination
		// (ByCPAM, motivated, with a possible recourse).
		var eff domain.Date
		var err error
		by := workflow.PartyStructure
		// a termination annulled earlier leaves nothing behind
		set = append(set, "recourse_filed_on = NULL", "recourse_decided_on = NULL", "recourse_upheld = NULL")
		switch {
		case partyOf(sc, c) == workflow.PartyStructure:
			set = append(set, "resiliation_notified_on = NULL", "resiliation_received_on = NULL", "resiliation_effective_on = NULL")
			setv("resiliation_letter_on", dateArg(in.Today))
			motivation = "Courrier de résiliation envoyé par le portail le " + in.Today.French() + " : la CPAM enregistre sa date de réception, l'effet suit de deux mois"
			if in.Motivation != "" {
				motivation += " — " + in.Motivation
			}
		case in.ByCPAM:
			if in.Motivation == "" {
				return out, domain.FieldError("motivation", "La motivation de la résiliation décidée par la CPAM est obligatoire.")
			}
			by = workflow.PartyCPAM
			set = append(set, "resiliation_letter_on = NULL")
			if _, eff, err = (contractlife.CPAMTermination{Notified: in.ReceivedOn}).Effective(); err != nil {
				return out, err
			}
			if in.ReceivedOn.Before(c.Start) {
				return out, domain.FieldError("received", "la notification (%s) précède la signature du contrat (%s)", in.ReceivedOn.French(), c.Start.French())
			}
			setv("resiliation_notified_on", dateArg(in.ReceivedOn))
			setv("resiliation_received_on", dateArg(in.ReceivedOn))
			setv("resiliation_effective_on", dateArg(eff))
			motivation = "Résiliation décidée par la CPAM, notifiée le " + in.ReceivedOn.French() + " ; effet le " + eff.French() +
				" sauf recours devant la commission paritaire — " + in.Motivation
		default:
			set = append(set, "resiliation_letter_on = NULL", "resiliation_notified_on = NULL")
			if eff, err = contractlife.TerminationEffective(c.Start, in.ReceivedOn); err != nil {
				return out, err
			}
			setv("resiliation_received_on", dateArg(in.ReceivedOn))
			setv("resiliation_effective_on", dateArg(eff))
			motivation = workflow.ResiliationRequestRecord(in.ReceivedOn, eff, in.Motivation)
		}
		setv("resiliation_requested_by", string(by))
		setv("resiliation_status", string(contractlife.TerminationScheduled))
		c.TerminationEffective, c.TerminationBy = eff, by
		c.TerminationReceived, c.TerminationNotified = in.ReceivedOn, in.ReceivedOn
	case workflow.Avenant:
		// An avenant has its own path now (proposed, accepted, signed by
		// the three parties, with effect: docs/rules.md §31, avenants.go).
		return out, domain.Errorf(domain.EInvalid, "Un avenant se propose depuis la page « Avenants » du contrat : il est accepté par la CPAM puis signé par les trois parties.")
	case workflow.Resilier:
		// Usually applied by the system at the effective date
		// (ApplyDueTerminations); a manager may pronounce it once reached.
		if c.TerminationEffective.IsZero() {
			return out, domain.Errorf(domain.EConflict, "La date d'effet de la résiliation n'est pas encore connue (réception à enregistrer, ou recours en cours).")
		}
		if in.Today.Before(c.TerminationEffective) {
			return out, domain.Errorf(domain.EInvalid, "La résiliation ne prend effet que le %s.", c.TerminationEffective.French())
		}
		t, err := settle(ctx, tx, c, in.At)
		if err != nil {
			return out, err
		}
		var tp, rd domain.Cents
		if t.Line != nil && t.Line.Amount < 0 {
			tp = -t.Line.Amount
		} else if t.Line != nil {
			rd = t.Line.Amount
		}
		setv("resilie_on", dateArg(in.Today))
		setv("trop_percu_cents", int64(tp))
		setv("reste_du_cents", int64(rd))
		setv("motivation", in.Motivation)
		motivation = workflow.ResiliationRecord(in.Motivation, t.Effective, t.Due, t.Kept, tp)
	}
	if utf8.RuneCountInString(motivation) > MaxMotivation {
		motivation = string([]rune(motivation)[:MaxMotivation])
	}
	if out.To != c.State {
		setv("state", string(out.To))
	}
	if _, err := tx.Exec(ctx, "UPDATE contracts SET "+strings.Join(set, ", ")+" WHERE id = $1", a...); err != nil {
		return out, err
	}
	if err := appendAudit(ctx, tx, c.DossierID, actorID, actorName, in.At, out.Record.Transition, out.Record.From, out.Record.To, motivation); err != nil {
		return out, err
	}
	if in.Transition == workflow.DemanderResiliation && !c.TerminationEffective.IsZero() && !c.TerminationEffective.After(in.Today) {
		// the effective date is already past: applied at once (docs/rules.md §30)
		out.To = workflow.Resilie
		return out, terminateAt(ctx, tx, c, in.Today, in.At)
	}
	return out, nil
}

func uniqueSignature(err error) error {
	if domain.ErrorCode(pgError("", err)) == domain.EConflict {
		return domain.Errorf(domain.EConflict, "Cette signature est déjà enregistrée : rechargez la page.")
	}
	return err
}

// Funding is what the funding engine needs of c (funding.ContractPayments,
// funding.ContractTermination).
func (c Contract) Funding() funding.ContractFunding {
	f := funding.ContractFunding{StructureType: c.StructureType, BaremeCode: c.BaremeCode, Tier: c.Tier,
		Patientele: c.RegisteredPatients, Start: c.Start}
	for _, m := range c.Terms.Missions {
		f.Missions = append(f.Missions, m.Code)
	}
	return f
}

// ScheduleInput is the funding input of CPTS contract c
// (funding.ContractScheduleInput): each contract year on the barème in force
// on its first day (docs/rules.md §4), a year before every barème refused
// (« barème ACI CPTS 2019 non saisi »).
func (c Contract) ScheduleInput() (funding.ScheduleInput, error) {
	f := c.Funding()
	return funding.ContractScheduleInput(f.BaremeCode, f.Tier, f.Start, f.Missions)
}

// ContractToSign is a contract waiting for one party's signature.
type ContractToSign struct {
	DossierID     int64
	StructureName string
	Signed        int // signatures already recorded
	Since         time.Time
}

// ContractsAwaitingSignature lists the contracts in scope still to be signed
// (a_signer) that party has not signed yet, oldest first, at most limit, and
// their total.
func (s *Store) ContractsAwaitingSignature(ctx context.Context, sc Scope, party workflow.Party, limit int) ([]ContractToSign, int, error) {
	var out []ContractToSign
	var total int
	rd := NewReads(sc)
	rd.ContractsAwaitingSignature(party, limit, &out, &total)
	if err := s.send(ctx, rd); err != nil {
		return nil, 0, pgError("store.ContractsAwaitingSignature", err)
	}
	return out, total, nil
}

// ContractsAwaitingSignature queues the reads of
// Store.ContractsAwaitingSignature (the count and the first ones) into *out
// and *total.
func (rd *Reads) ContractsAwaitingSignature(party workflow.Party, limit int, out *[]ContractToSign, total *int) {
	var a args
	w := ` WHERE c.state = 'a_signer' AND NOT EXISTS (SELECT 1 FROM contract_signatures cs WHERE cs.contract_id = c.id AND cs.party = ` +
		a.add(string(party)) + `) AND ` + rd.sc.contracts("c", &a)
	rd.b.Queue(`SELECT count(*)`+contractFrom+w, a...).QueryRow(func(r pgx.Row) error { return r.Scan(total) })
	rd.b.Queue(`SELECT c.dossier_id, o.name, (SELECT count(*) FROM contract_signatures cs WHERE cs.contract_id = c.id), c.created_at`+
		contractFrom+w+` ORDER BY c.created_at, c.id LIMIT `+a.add(limit), a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContractToSign, error) {
			var c ContractToSign
			return c, r.Scan(&c.DossierID, &c.StructureName, &c.Signed, &c.Since)
		})
		return err
	})
}
