package store

import (
	"context"
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

// Content of a dossier (migrations/00036_dossier_content.sql): lettre
// d'intention, projet de santé, missions, indicators (CPTS), MSP indicators
// and patientèle, ESP patients. Each section saves on its own with its own
// version.

// Bounds of the texts (the database checks them too).
const (
	MaxLettreIntention = 20_000
	MaxProjetSante     = 50_000
	MaxIndicators      = 60 // per dossier: a contract has a few dozen at most
	MaxIndicatorLabel  = 500
	MaxIndicatorUnit   = 50
)

// Section is one independently saved part of a dossier's content.
type Section string

const (
	SectionLettre      Section = "lettre"      // CPTS
	SectionProjet      Section = "projet"      // all types
	SectionMissions    Section = "missions"    // CPTS
	SectionIndicateurs Section = "indicateurs" // CPTS
	SectionPatientele  Section = "patientele"  // MSP (indicators + patientèle), ESP (patients)
)

// Label is the section's French title.
func (s Section) Label() string {
	switch s {
	case SectionLettre:
		return "Lettre d'intention"
	case SectionProjet:
		return "Projet de santé"
	case SectionMissions:
		return "Missions"
	case SectionIndicateurs:
		return "Indicateurs"
	case SectionPatientele:
		return "Indicateurs et patientèle"
	}
	return string(s)
}

// Sections lists the sections of a structure type's dossier, in page order.
func Sections(t domain.StructureType) []Section {
	switch t {
	case domain.CPTS:
		return []Section{SectionLettre, SectionProjet, SectionMissions, SectionIndicateurs}
	case domain.MSP, domain.ESP:
		return []Section{SectionProjet, SectionPatientele}
	}
	return nil
}

// SectionEditable says whether a section may be changed in a dossier state.
//
// Decision (docs/rules.md §15 — the sources do not say
// when content freezes): a text is frozen once filed for review and opens
// again only when the reviewer sends it back:
//   - lettre d'intention: brouillon only (renvoyer_lettre_intention returns
//     the dossier to brouillon);
//   - projet de santé: brouillon, lettre_intention_validee,
//     projet_sante_a_completer, and complements_demandes (the CPAM may ask to
//     complete it during the instruction);
//   - missions, indicators, MSP indicators and patientèle (the
//     contractualisation request, docs/rules.md §10): every state before
//     demande_deposee (brouillon, lettre_intention_validee,
//     projet_sante_a_completer, projet_sante_valide) and complements_demandes.
//
// Everything is read-only from demande_deposee on, except during
// complements_demandes.
func SectionEditable(s Section, st workflow.State) bool {
	switch s {
	case SectionLettre:
		return st == workflow.Brouillon
	case SectionProjet:
		return slices.Contains([]workflow.State{workflow.Brouillon, workflow.LettreIntentionValidee,
			workflow.ProjetSanteACompleter, workflow.ComplementsDemandes}, st)
	case SectionMissions, SectionIndicateurs, SectionPatientele:
		return slices.Contains([]workflow.State{workflow.Brouillon, workflow.LettreIntentionValidee,
			workflow.ProjetSanteACompleter, workflow.ProjetSanteValide, workflow.ComplementsDemandes}, st)
	}
	return false
}

// canEditContent says whether the scope may edit the content of a dossier of
// structure structureID at all (whatever its state): only the structure's
// own coordinators (docs/rules.md §12: "coordinator (edits, files, signs for the
// structure)"). Everyone else who sees the dossier reads it.
func canEditContent(sc Scope, structureID int64) bool {
	return access.For(sc.Viewer(), dossierSubject(structureID, "")).Can(access.ActEditContent)
}

// ErrContentReadOnly is returned (wrapped in a coded "invalid" error) when an
// in-scope user who may only read the content tries to change it; the HTTP
// edge answers 403 with a clear message (out of scope is not found, 404).
var ErrContentReadOnly = errors.New("store: dossier content is read-only for this role")

type readOnlyError struct{ coded *domain.Error }

func (e readOnlyError) Error() string   { return e.coded.Message }
func (e readOnlyError) Unwrap() []error { return []error{e.coded, ErrContentReadOnly} }

func errReadOnlyRole() error {
	return readOnlyError{domain.Errorf(domain.EInvalid, "Vous pouvez consulter ce contenu, mais seuls les coordinateurs de la structure peuvent le modifier.")}
}

// SectionMeta is a section's version and last change.
type SectionMeta struct {
	Version   int
	UpdatedAt *time.Time
	UpdatedBy string
}

// ContentIndicator is one indicator of a CPTS dossier (docs/rules.md §6).
type ContentIndicator struct {
	ID        int64 // 0: a mandatory indicator not saved yet
	Code      string
	Mission   funding.Mission
	Label     string
	Direction funding.Direction
	Baseline  *int64
	Targets   [funding.ContractYears]*int64
	Weight    int
	Unit      string // a contractlife.Unit code: nombre or pourcentage (docs/rules.md §6)
	Mandatory bool
}

// Value is v as a value of the indicator's unit (docs/rules.md §6): shown
// with String, in a form field with Input. The zero Value when v is nil.
func (i ContentIndicator) Value(v *int64) contractlife.Value {
	if v == nil {
		return contractlife.Value{}
	}
	return contractlife.Value{Unit: contractlife.Unit(i.Unit), N: *v}
}

// Target is the target of contract year y (1..5). Decision
// (docs/rules.md §15): when only the year-1 target is given, it applies to every year.
func (i ContentIndicator) Target(y int) *int64 {
	if y < 1 || y > funding.ContractYears {
		return nil
	}
	if i.Targets[y-1] != nil {
		return i.Targets[y-1]
	}
	for _, t := range i.Targets[1:] {
		if t != nil {
			return nil
		}
	}
	return i.Targets[0]
}

// Complete reports whether the indicator has a baseline and a target.
func (i ContentIndicator) Complete() bool { return i.Baseline != nil && i.Target(1) != nil }

// DossierContent is what a structure wrote in its dossier.
type DossierContent struct {
	DossierID          int64
	StructureID        int64
	StructureType      domain.StructureType
	State              workflow.State
	Letter             string
	HealthProject      string
	Missions           []funding.Mission // chosen, without fonctionnement (implicit)
	MissionsSaved      bool
	Indicators         []ContentIndicator // CPTS: mandatory first, then the others
	MSPIndicators      []string           // MSP: chosen barème indicator codes
	RegisteredPatients *int64             // MSP, ESP: patientèle médecin traitant
	ESPPatients        *int64             // ESP: coordinated patients
	Meta               map[Section]SectionMeta
	Version            int // content_version: every save
	UpdatedAt          *time.Time
	UpdatedBy          string
}

// HasMission reports whether m is chosen.
func (c DossierContent) HasMission(m funding.Mission) bool { return slices.Contains(c.Missions, m) }

// Missing lists, in French, what the content lacks for a transition
// (docs/rules.md §15): deposer_lettre_intention needs the lettre
// d'intention; deposer_demande of a CPTS needs the four socle missions
// (ACI CPTS, funding.ValidateContractMissions) and a baseline and a
// target for every mandatory indicator (docs/rules.md §6).
func (c DossierContent) Missing(t workflow.Transition) []string {
	var out []string
	switch t {
	case workflow.DeposerLettreIntention:
		if c.StructureType == domain.CPTS && strings.TrimSpace(c.Letter) == "" {
			out = append(out, "le texte de la lettre d'intention (onglet Contenu)")
		}
	case workflow.DeposerDemande:
		if c.StructureType != domain.CPTS {
			return nil
		}
		var socle []string
		for _, m := range funding.SocleMissions() {
			if !c.HasMission(m) {
				socle = append(socle, m.Label())
			}
		}
		if len(socle) > 0 {
			out = append(out, "les missions socle ("+strings.Join(socle, ", ")+") dans l'onglet Contenu")
		}
		for _, ind := range c.Indicators {
			if ind.Mandatory && !ind.Complete() {
				out = append(out, "la valeur de départ et la cible de l'indicateur obligatoire « "+ind.Label+" »")
			}
		}
	}
	return out
}

// contentRequirement adds to the attempt what the dossier's content lacks:
// deposer_lettre_intention without a lettre, deposer_demande (CPTS) without
// the socle missions or with an incomplete mandatory indicator
// (DossierContent.Missing). workflow.Check lists them with the other missing
// items (documents, composition…) in one refusal, and only once the actor
// and the state are right.
func contentRequirement(ctx context.Context, tx pgx.Tx, d *Dossier, a *workflow.Attempt) error {
	if a.Transition != workflow.DeposerLettreIntention && a.Transition != workflow.DeposerDemande {
		return nil
	}
	c, err := loadContent(ctx, tx, *d)
	if err != nil {
		return err
	}
	a.ExtraMissing = append(a.ExtraMissing, c.Missing(a.Transition)...)
	return nil
}

// DossierContent returns the content of a dossier in scope (not found
// outside the scope), for the content page and the contract document. A
// dossier never saved has empty texts; a CPTS's mandatory indicators are
// always listed (ID 0 until saved).
func (s *Store) DossierContent(ctx context.Context, sc Scope, dossierID int64) (DossierContent, error) {
	d, err := s.Dossier(ctx, sc, dossierID)
	if err != nil {
		return DossierContent{}, err
	}
	tx, err := s.db(sc).BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return DossierContent{}, pgError("store.DossierContent", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	c, err := loadContent(ctx, tx, d)
	return c, pgError("store.DossierContent", err)
}

type contentQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// loadContent reads the content of dossier d (already scope-checked), its
// statements in one batch (one round trip).
func loadContent(ctx context.Context, q contentQuerier, d Dossier) (DossierContent, error) {
	var b pgx.Batch
	var c DossierContent
	queueContent(&b, d, &c)
	err := q.SendBatch(ctx, &b).Close()
	return c, err
}

// queueContent queues on b the reads of dossier d's content, filled into *c
// as the batch's results are read (docs/rules.md §35: one round trip).
func queueContent(b *pgx.Batch, d Dossier, c *DossierContent) {
	*c = DossierContent{DossierID: d.ID, StructureID: d.StructureID, StructureType: d.StructureType, State: d.State,
		Meta: map[Section]SectionMeta{}}
	name := func(col string) string {
		return "coalesce((SELECT u.name FROM users u WHERE u.id = " + col + "), '')"
	}
	b.Queue(`SELECT lettre_intention, projet_sante, missions, missions_saved, msp_indicators, patientele, esp_patients,
		lettre_version, lettre_updated_at, `+name("lettre_updated_by")+`,
		projet_version, projet_updated_at, `+name("projet_updated_by")+`,
		missions_version, missions_updated_at, `+name("missions_updated_by")+`,
		indicators_version, indicators_updated_at, `+name("indicators_updated_by")+`,
		patientele_version, patientele_updated_at, `+name("patientele_updated_by")+`,
		content_version, content_updated_at, `+name("content_updated_by")+`
		FROM dossier_content WHERE dossier_id = $1`, d.ID).QueryRow(func(row pgx.Row) error {
		var missions []string
		var lm, pm, mm, im, tm, cm SectionMeta
		err := row.Scan(
			&c.Letter, &c.HealthProject, &missions, &c.MissionsSaved, &c.MSPIndicators, &c.RegisteredPatients, &c.ESPPatients,
			&lm.Version, &lm.UpdatedAt, &lm.UpdatedBy, &pm.Version, &pm.UpdatedAt, &pm.UpdatedBy,
			&mm.Version, &mm.UpdatedAt, &mm.UpdatedBy, &im.Version, &im.UpdatedAt, &im.UpdatedBy,
			&tm.Version, &tm.UpdatedAt, &tm.UpdatedBy, &cm.Version, &cm.UpdatedAt, &cm.UpdatedBy)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		c.Meta[SectionLettre], c.Meta[SectionProjet], c.Meta[SectionMissions] = lm, pm, mm
		c.Meta[SectionIndicateurs], c.Meta[SectionPatientele] = im, tm
		c.Version, c.UpdatedAt, c.UpdatedBy = cm.Version, cm.UpdatedAt, cm.UpdatedBy
		for _, m := range funding.AllMissions() {
			if slices.Contains(missions, string(m)) {
				c.Missions = append(c.Missions, m)
			}
		}
		return nil
	})
	if d.StructureType != domain.CPTS {
		return
	}
	b.Queue(`SELECT id, code, mission, label, direction, baseline, targets, weight, unit, mandatory
		FROM dossier_indicators WHERE dossier_id = $1 ORDER BY mandatory DESC, position, id`, d.ID).Query(func(rows pgx.Rows) error {
		saved, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContentIndicator, error) {
			var x ContentIndicator
			var mission, dir string
			var targets []*int64
			err := r.Scan(&x.ID, &x.Code, &mission, &x.Label, &dir, &x.Baseline, &targets, &x.Weight, &x.Unit, &x.Mandatory)
			x.Mission, x.Direction = funding.Mission(mission), funding.Direction(dir)
			copy(x.Targets[:], targets)
			return x, err
		})
		if err != nil {
			return err
		}
		c.Indicators = withMandatory(saved)
		return nil
	})
}

// withMandatory puts the five mandatory indicators first, in the order of
// funding.MandatoryCPTSIndicators, using the saved rows when present.
func withMandatory(saved []ContentIndicator) []ContentIndicator {
	out := make([]ContentIndicator, 0, len(saved)+5)
	byCode := map[string]ContentIndicator{}
	for _, x := range saved {
		byCode[x.Code] = x
	}
	for _, m := range funding.MandatoryCPTSIndicators() {
		x, ok := byCode[m.Code]
		if !ok {
			x = ContentIndicator{Code: m.Code, Weight: 1, Unit: string(contractlife.MandatoryUnit(m.Code))}
		}
		x.Mission, x.Label, x.Direction, x.Mandatory = m.Mission, m.Label, m.Direction, true
		out = append(out, x)
	}
	for _, x := range saved {
		if !isMandatoryCode(x.Code) {
			out = append(out, x)
		}
	}
	return out
}

func isMandatoryCode(code string) bool {
	for _, m := range funding.MandatoryCPTSIndicators() {
		if m.Code == code {
			return true
		}
	}
	return false
}

// IndicatorInput is one indicator row to save (the server parses the form
// into it). For a mandatory indicator only the values, weight and unit
// count.
type IndicatorInput struct {
	Code      string // empty: a new indicator
	Mission   funding.Mission
	Label     string
	Direction funding.Direction
	Baseline  *int64
	Targets   [funding.ContractYears]*int64
	Weight    *int // nil: 1
	Unit      string
}

// ContentSave is one section's save.
type ContentSave struct {
	DossierID int64
	Section   Section
	Version   int // the section's version the form was built from
	At        time.Time

	Text               string           // lettre, projet
	Missions           []string         // missions
	Indicators         []IndicatorInput // indicateurs: the existing rows, then maybe a new one
	Remove             string           // indicateurs: code of the row to remove
	MSPIndicators      []string         // patientele (MSP)
	RegisteredPatients *int64           // patientele (MSP, ESP)
	ESPPatients        *int64           // patientele (ESP)
	// Invalid holds the form fields the server could not parse (not a
	// number...): the save is refused with them and the store's own
	// findings, all at once.
	Invalid registry.FieldErrors
}

// ContentConflict is the refusal of a save made on a stale version: someone
// else saved the section in between. It carries who, when and the content
// saved now, so the page can show both texts and nothing typed is lost.
type ContentConflict struct {
	Section Section
	By      string
	At      time.Time
	Current DossierContent
}

func (e *ContentConflict) Error() string { return e.coded().Message }

// Unwrap exposes the coded domain error (conflict).
func (e *ContentConflict) Unwrap() error { return e.coded() }

func (e *ContentConflict) coded() *domain.Error {
	by := e.By
	if by == "" {
		by = "un autre utilisateur"
	}
	return domain.Errorf(domain.EConflict, "« %s » a été modifié entre-temps par %s le %s : comparez avec le texte enregistré, puis enregistrez de nouveau.",
		e.Section.Label(), by, domain.FrenchDateTime(e.At))
}

// SaveContent saves one section of a dossier's content in one transaction:
// the dossier must be in scope (not found otherwise), the user one of the
// structure's coordinators (ErrContentReadOnly otherwise), the state must
// allow the section (SectionEditable, conflict otherwise), the version must
// be the saved one (*ContentConflict otherwise). Invalid input is a
// registry.FieldErrors keyed by form field. It returns the section's new
// version.
func (s *Store) SaveContent(ctx context.Context, sc Scope, in ContentSave) (int, error) {
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.At = in.At.Truncate(time.Microsecond)
	var version int
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		d, err := scopedDossier(ctx, tx, sc, in.DossierID, lockDossierShare, "store.SaveContent")
		if err != nil {
			return err
		}
		if !slices.Contains(Sections(d.StructureType), in.Section) {
			return domain.Errorf(domain.ENotFound, "Section introuvable.")
		}
		if !canEditContent(sc, d.StructureID) {
			return errReadOnlyRole()
		}
		if !SectionEditable(in.Section, d.State) {
			return domain.Errorf(domain.EConflict, "« %s » n'est plus modifiable dans l'état « %s » du dossier.", in.Section.Label(), d.State.Label())
		}
		if _, err := tx.Exec(ctx, `INSERT INTO dossier_content (dossier_id) VALUES ($1) ON CONFLICT DO NOTHING`, d.ID); err != nil {
			return err
		}
		col := sectionColumn(in.Section)
		var cur int
		if err := tx.QueryRow(ctx, "SELECT "+col+"_version FROM dossier_content WHERE dossier_id = $1 FOR UPDATE", d.ID).Scan(&cur); err != nil {
			return err
		}
		if cur != in.Version {
			c, err := loadContent(ctx, tx, d)
			if err != nil {
				return err
			}
			m := c.Meta[in.Section]
			cf := &ContentConflict{Section: in.Section, By: m.UpdatedBy, Current: c}
			if m.UpdatedAt != nil {
				cf.At = *m.UpdatedAt
			}
			return cf
		}
		if err := saveSection(ctx, tx, d, in); err != nil {
			return err
		}
		version = cur + 1
		_, err = tx.Exec(ctx, "UPDATE dossier_content SET "+col+"_version = $2, "+col+"_updated_at = $3, "+col+"_updated_by = $4, "+
			"content_version = content_version + 1, content_updated_at = $3, content_updated_by = $4 WHERE dossier_id = $1",
			d.ID, version, in.At, sc.UserID)
		return err
	})
	if err != nil {
		var cf *ContentConflict
		var fe registry.FieldErrors
		if errors.As(err, &cf) || errors.As(err, &fe) || errors.Is(err, ErrContentReadOnly) {
			return 0, err
		}
		return 0, pgError("store.SaveContent", err)
	}
	return version, nil
}

func sectionColumn(s Section) string {
	switch s {
	case SectionLettre:
		return "lettre"
	case SectionProjet:
		return "projet"
	case SectionMissions:
		return "missions"
	case SectionIndicateurs:
		return "indicators"
	}
	return "patientele"
}

func saveSection(ctx context.Context, tx pgx.Tx, d Dossier, in ContentSave) error {
	fe := registry.FieldErrors{}
	for f, msg := range in.Invalid {
		fe.Add(f, msg)
	}
	switch in.Section {
	case SectionLettre, SectionProjet:
		text := strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n"))
		max, col, field := MaxLettreIntention, "lettre_intention", "lettre"
		if in.Section == SectionProjet {
			max, col, field = MaxProjetSante, "projet_sante", "projet"
		}
		if n := utf8.RuneCountInString(text); n > max {
			fe.Add(field, fmt.Sprintf("Le texte ne doit pas dépasser %s caractères (il en compte %s) : raccourcissez-le.",
				domain.GroupThousands(int64(max)), domain.GroupThousands(int64(n))))
			return fe
		}
		if len(fe) > 0 {
			return fe
		}
		_, err := tx.Exec(ctx, "UPDATE dossier_content SET "+col+" = $2 WHERE dossier_id = $1", d.ID, text)
		return err
	case SectionMissions:
		var ms []string
		for _, m := range funding.AllMissions() {
			if m != funding.Fonctionnement && slices.Contains(in.Missions, string(m)) {
				ms = append(ms, string(m))
			}
		}
		var socle []string
		for _, m := range funding.SocleMissions() {
			if !slices.Contains(ms, string(m)) {
				socle = append(socle, m.Label())
			}
		}
		if len(socle) > 0 {
			// ACI CPTS; funding.ValidateContractMissions
			fe.Add("missions", "Les quatre missions socle sont obligatoires pour une CPTS : cochez "+strings.Join(socle, ", ")+".")
			return fe
		}
		if len(fe) > 0 {
			return fe
		}
		_, err := tx.Exec(ctx, `UPDATE dossier_content SET missions = $2, missions_saved = true WHERE dossier_id = $1`, d.ID, ms)
		return err
	case SectionIndicateurs:
		return saveIndicators(ctx, tx, d, in, fe)
	case SectionPatientele:
		pat := checkCount(fe, "patientele", in.RegisteredPatients)
		if d.StructureType == domain.ESP {
			esp := checkCount(fe, "esp_patients", in.ESPPatients)
			if len(fe) > 0 {
				return fe
			}
			_, err := tx.Exec(ctx, `UPDATE dossier_content SET patientele = $2, esp_patients = $3 WHERE dossier_id = $1`, d.ID, pat, esp)
			return err
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT code FROM msp_indicators`)
		if err != nil {
			return err
		}
		known, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		var chosen []string
		for _, c := range in.MSPIndicators {
			if !slices.Contains(known, c) {
				fe.Add("msp_indicators", "Indicateur inconnu : rechargez la page.")
			} else if !slices.Contains(chosen, c) {
				chosen = append(chosen, c)
			}
		}
		if len(fe) > 0 {
			return fe
		}
		_, err = tx.Exec(ctx, `UPDATE dossier_content SET patientele = $2, msp_indicators = $3 WHERE dossier_id = $1`, d.ID, pat, chosen)
		return err
	}
	return domain.Errorf(domain.ENotFound, "Section introuvable.")
}

// MaxCount bounds a patientèle or a number of patients.
const MaxCount = 10_000_000

// MaxIndicatorValue bounds an indicator value (in either direction).
const MaxIndicatorValue = 1_000_000_000_000

// CountError and ValueError are the messages of a count or an indicator
// value that is not a whole number in range (the server's form parsing uses
// them too).
const (
	CountError  = "Indiquez un nombre entier positif (sans décimale), par exemple 5 200."
	ValueError  = "Indiquez la valeur dans l'unité de l'indicateur : un nombre entier positif (1 234) ou un pourcentage de 0 à 100, avec au plus deux décimales (62,5 %)."
	UnitError   = "Choisissez l'unité de l'indicateur : nombre ou pourcentage."
	WeightError = "Le poids est un nombre entier de 1 à 100."
)

// checkCount returns n when it is in range (0..MaxCount), nil with a field
// error otherwise.
func checkCount(fe registry.FieldErrors, field string, n *int64) *int64 {
	if n != nil && (*n < 0 || *n > MaxCount) {
		fe.Add(field, CountError)
		return nil
	}
	return n
}

// checkValue returns v when it is a valid value of unit u (docs/rules.md §6
// "units": a count ≥ 0, a percentage in hundredths from 0 to 10 000), nil
// with a field error otherwise. An unknown unit is reported on the unit.
func checkValue(fe registry.FieldErrors, field string, u contractlife.Unit, v *int64) *int64 {
	if v == nil || !u.Valid() {
		return v
	}
	if !(contractlife.Value{Unit: u, N: *v}).Valid() {
		fe.Add(field, ValueError)
		return nil
	}
	return v
}

// IndicatorField names a field of indicator row i in the indicators form.
func IndicatorField(i int, name string) string { return "ind_" + strconv.Itoa(i) + "_" + name }

// saveIndicators saves the indicators section: the rows of the form (the
// existing ones, then maybe a new one) and the removal of one row, refused
// with every finding at once when a row is wrong.
func saveIndicators(ctx context.Context, tx pgx.Tx, d Dossier, in ContentSave, fe registry.FieldErrors) error {
	c, err := loadContent(ctx, tx, d)
	if err != nil {
		return err
	}
	existing := map[string]ContentIndicator{}
	for _, x := range c.Indicators {
		existing[x.Code] = x
	}
	if !indicatorRemovable(in.Remove, existing, fe) {
		return fe
	}
	rows := checkIndicatorRows(in, existing, fe)
	if len(rows) > MaxIndicators {
		fe.Add("indicateurs", fmt.Sprintf("Un dossier compte au plus %d indicateurs.", MaxIndicators))
	}
	if len(fe) > 0 {
		return fe
	}
	return writeIndicators(ctx, tx, d.ID, in.Remove, rows, existing)
}

// indicatorRow is one checked indicator to write; new: it gets a code.
type indicatorRow struct {
	x   ContentIndicator
	new bool
}

// indicatorRemovable reports whether the row to remove (if any) may be:
// it still exists and is not one of the mandatory indicators. A refusal is
// added to fe.
func indicatorRemovable(remove string, existing map[string]ContentIndicator, fe registry.FieldErrors) bool {
	if remove == "" {
		return true
	}
	if isMandatoryCode(remove) {
		// docs/rules.md §6, ACI CPTS
		fe.Add("indicateurs", "Les cinq indicateurs obligatoires d'une CPTS ne peuvent pas être retirés.")
		return false
	}
	if _, ok := existing[remove]; !ok {
		fe.Add("indicateurs", "Cet indicateur n'existe plus : rechargez la page.")
		return false
	}
	return true
}

// checkIndicatorRows checks the rows of the form against the dossier's
// indicators (an existing row named once, still there) and each row's
// fields; it returns the rows to write, without the one removed, and adds
// what is wrong to fe.
func checkIndicatorRows(in ContentSave, existing map[string]ContentIndicator, fe registry.FieldErrors) []indicatorRow {
	var rows []indicatorRow
	seen := map[string]bool{}
	for i, r := range in.Indicators {
		var x ContentIndicator
		isNew := r.Code == ""
		if !isNew {
			old, ok := existing[r.Code]
			if !ok || seen[r.Code] {
				fe.Add(IndicatorField(i, "label"), "Cet indicateur n'existe plus : rechargez la page.")
				continue
			}
			seen[r.Code] = true
			x = old
		}
		if r.Code == in.Remove && in.Remove != "" {
			continue
		}
		rows = append(rows, indicatorRow{checkIndicator(fe, i, r, x), isNew})
	}
	return rows
}

// checkIndicator applies row i of the form to x: label, mission and direction
// (not for a mandatory indicator, whose definition is fixed), baseline,
// targets, weight (1 by default) and unit. What is wrong is added to fe.
func checkIndicator(fe registry.FieldErrors, i int, r IndicatorInput, x ContentIndicator) ContentIndicator {
	f := func(n string) string { return IndicatorField(i, n) }
	if !x.Mandatory {
		x.Label = strings.TrimSpace(r.Label)
		if x.Label == "" {
			fe.Add(f("label"), "Donnez un libellé à l'indicateur.")
		} else if utf8.RuneCountInString(x.Label) > MaxIndicatorLabel {
			fe.Add(f("label"), fmt.Sprintf("Le libellé ne doit pas dépasser %d caractères.", MaxIndicatorLabel))
		}
		if !r.Mission.HasAchievement() {
			fe.Add(f("mission"), "Choisissez la mission de l'indicateur.")
		}
		x.Mission = r.Mission
		switch r.Direction {
		case funding.Increasing, funding.Decreasing:
			x.Direction = r.Direction
		default:
			fe.Add(f("direction"), "Choisissez le sens de l'indicateur (croissant ou décroissant).")
		}
	}
	// Decision (docs/rules.md §28): no unit given keeps the indicator's
	// (a mandatory one's default, contractlife.MandatoryUnit), and a new
	// indicator without one is a count.
	unit := contractlife.Unit(strings.TrimSpace(r.Unit))
	switch {
	case r.Unit == "" && contractlife.Unit(x.Unit).Valid():
		unit = contractlife.Unit(x.Unit)
	case r.Unit == "":
		unit = contractlife.Count
	case !unit.Valid():
		fe.Add(f("unit"), UnitError)
	}
	x.Unit = string(unit)
	x.Baseline = checkValue(fe, f("baseline"), unit, r.Baseline)
	for y := range funding.ContractYears {
		x.Targets[y] = checkValue(fe, f("target"+strconv.Itoa(y+1)), unit, r.Targets[y])
	}
	x.Weight = 1
	if w := r.Weight; w != nil {
		if *w < 1 || *w > 100 {
			fe.Add(f("weight"), WeightError)
		} else {
			x.Weight = *w
		}
	}
	return x
}

// writeIndicators deletes the removed row (never a mandatory one), then
// upserts the rows in their order; a new row gets the code autre_<n>, unique
// in the dossier (existing is updated with it).
func writeIndicators(ctx context.Context, tx pgx.Tx, dossierID int64, remove string, rows []indicatorRow, existing map[string]ContentIndicator) error {
	if remove != "" {
		if _, err := tx.Exec(ctx, `DELETE FROM dossier_indicators WHERE dossier_id = $1 AND code = $2 AND NOT mandatory`, dossierID, remove); err != nil {
			return err
		}
	}
	var next int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM dossier_indicators WHERE dossier_id = $1`, dossierID).Scan(&next); err != nil {
		return err
	}
	for pos, r := range rows {
		x := r.x
		targets := make([]*int64, funding.ContractYears)
		copy(targets, x.Targets[:])
		if r.new {
			// Codes of indicators added by the structure: autre_<n>, unique
			// in the dossier.
			for {
				next++
				x.Code = "autre_" + strconv.Itoa(next)
				if _, taken := existing[x.Code]; !taken {
					break
				}
			}
			existing[x.Code] = x
		}
		_, err := tx.Exec(ctx, `INSERT INTO dossier_indicators (dossier_id, code, mission, label, direction, baseline, targets, weight, unit, mandatory, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (dossier_id, code) DO UPDATE SET mission = EXCLUDED.mission, label = EXCLUDED.label, direction = EXCLUDED.direction,
			baseline = EXCLUDED.baseline, targets = EXCLUDED.targets, weight = EXCLUDED.weight, unit = EXCLUDED.unit, position = EXCLUDED.position`,
			dossierID, x.Code, string(x.Mission), x.Label, string(x.Direction), x.Baseline, targets, x.Weight, x.Unit, x.Mandatory, pos)
		if err != nil {
			return err
		}
	}
	return nil
}
