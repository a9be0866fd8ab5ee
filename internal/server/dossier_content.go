package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
	"github.com/portail-aci/aci/web"
)

// The dossier's "Contenu" tab: lettre d'intention, projet de santé,
// missions, indicators (CPTS), MSP indicators and patientèle, ESP patients,
// with an indicative funding estimate.
//
// Access (decision): everyone who sees the dossier
// reads it; only the structure's coordinators write, in the states
// store.SectionEditable allows. Outside the scope: 404. In scope but not a
// coordinator of the structure: 403 with a clear French message (the user
// knows the dossier exists, since they can read it).
//
// Each section is its own form: POST → 303 → GET with the flash
// "Enregistré". With JavaScript, web/static/autosave.js posts the text
// sections (lettre, projet) 2 s after typing stops, with X-Autosave: 1; the
// answer is 204 (saved, X-Content-Version: new version), 409 (stale
// version), 422 (invalid), 403 (read-only) with a French plain-text message.
// Decision: only the text sections autosave — the indicators form adds a
// row when its blank "new indicator" line is filled, which must be a
// deliberate submit.

const contentDisclaimer = "Estimation indicative — le montant définitif dépend du contrat signé et de l'atteinte des indicateurs."

func (s *Server) dossierContentShow(w http.ResponseWriter, r *http.Request) {
	s.renderContent(w, r, http.StatusOK, nil)
}

// sectionOverride is a section re-rendered with what the user typed.
type sectionOverride struct {
	in       store.ContentSave
	typed    contentForm
	fields   registry.FieldErrors
	conflict *store.ContentConflict
}

// renderContent renders the content tab of the route's dossier (withDossier).
func (s *Server) renderContent(w http.ResponseWriter, r *http.Request, status int, ov *sectionOverride) {
	ctx := r.Context()
	sc, d, perm := dossierFrom(r)
	c, err := s.store.DossierContent(ctx, sc, d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var mspInds []store.MSPIndicatorRow
	if d.StructureType == domain.MSP {
		if mspInds, err = s.store.LoadMSPIndicators(ctx, ""); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	v := pages.ContentView{ID: d.ID, StructureName: d.StructureName, StructureType: string(d.StructureType),
		StateCode: string(d.State), StateLabel: d.State.Label(), StateStatus: dossierStateStatus(d.State)}
	canEdit := perm.Can(access.ActEditContent)
	if !canEdit {
		v.ReadOnly = "Vous consultez le contenu du dossier : seuls les coordinateurs de la structure peuvent le modifier."
	}
	for _, sec := range store.Sections(d.StructureType) {
		sv := contentSectionView(c, sec, mspInds, nil)
		sv.Editable = canEdit && store.SectionEditable(sec, d.State)
		if canEdit && !sv.Editable {
			sv.Frozen = frozenText(sec, d.State)
		}
		if ov != nil && ov.in.Section == sec {
			typed := contentSectionView(applyTyped(c, ov.in), sec, mspInds, ov.typed.indicators)
			typed.Editable, typed.Frozen = sv.Editable, sv.Frozen
			if sec == store.SectionPatientele {
				typed.Patientele, typed.ESPPatients = ov.typed.patientele, ov.typed.espPatients
			}
			sv = typed
			sv.Field = map[string]string(ov.fields)
			for _, f := range ov.fields.Fields() {
				sv.Errors = append(sv.Errors, ov.fields[f])
			}
			if ov.conflict != nil {
				sv.Conflict = domain.ErrorMessage(ov.conflict)
				cur := ov.conflict.Current
				sv.Version = cur.Meta[sec].Version // saving again overwrites, knowingly
				sv.LastChange = lastChangeText(cur.Meta[sec])
				switch sec {
				case store.SectionLettre:
					sv.Saved = cur.Letter
				case store.SectionProjet:
					sv.Saved = cur.HealthProject
				}
			}
		}
		v.Sections = append(v.Sections, sv)
	}
	v.Estimate = s.contentEstimate(r, sc, d, c, mspInds)
	p := s.page(r, "Contenu du dossier — "+d.StructureName)
	if canEdit {
		p.Scripts = append(p.Scripts, web.Path("autosave.js"))
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, pages.DossierContent(p, v))
}

func frozenText(sec store.Section, st workflow.State) string {
	return "Cette partie n'est pas modifiable dans l'état « " + st.Label() + " » du dossier."
}

func lastChangeText(m store.SectionMeta) string {
	if m.UpdatedAt == nil {
		return ""
	}
	by := m.UpdatedBy
	if by == "" {
		by = "un utilisateur supprimé"
	}
	return "Dernière modification par " + by + " le " + domain.FrenchDateTime(*m.UpdatedAt)
}

// applyTyped returns c with the typed values of in (for re-rendering).
func applyTyped(c store.DossierContent, in store.ContentSave) store.DossierContent {
	switch in.Section {
	case store.SectionLettre:
		c.Letter = in.Text
	case store.SectionProjet:
		c.HealthProject = in.Text
	case store.SectionMissions:
		c.Missions, c.MissionsSaved = nil, true
		for _, m := range funding.AllMissions() {
			if slices.Contains(in.Missions, string(m)) {
				c.Missions = append(c.Missions, m)
			}
		}
	case store.SectionPatientele:
		c.MSPIndicators = in.MSPIndicators
	}
	return c
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// contentSectionView builds a section's view from c; for the indicators,
// typed (when not nil) replaces the stored rows with what was typed.
func contentSectionView(c store.DossierContent, sec store.Section, mspInds []store.MSPIndicatorRow, typed []indicatorForm) pages.ContentSection {
	m := c.Meta[sec]
	sv := pages.ContentSection{Key: string(sec), Title: sec.Label(), Version: m.Version, LastChange: lastChangeText(m), Field: map[string]string{}}
	switch sec {
	case store.SectionLettre:
		sv.Text, sv.MaxLen, sv.Autosave = c.Letter, store.MaxLettreIntention, true
		sv.MaxLenText = domain.GroupThousands(store.MaxLettreIntention)
		sv.Intro = "La lettre d'intention présente le projet de communauté à l'ARS ; sa validation ouvre l'amorçage et le délai de six mois."
		sv.Hint = "Le territoire envisagé, les professionnels réunis, les premiers constats et les missions visées."
	case store.SectionProjet:
		sv.Text, sv.MaxLen, sv.Autosave = c.HealthProject, store.MaxProjetSante, true
		sv.MaxLenText = domain.GroupThousands(store.MaxProjetSante)
		sv.Intro = "Résumé du projet de santé. Le projet signé lui-même (PDF) se dépose dans l'onglet Documents."
		sv.Hint = "Pour une CPTS : le diagnostic territorial, puis les axes du projet mission par mission."
		if c.StructureType != domain.CPTS {
			sv.Hint = "L'équipe, la patientèle, les axes de travail (accès aux soins, coordination, système d'information)."
		}
	case store.SectionMissions:
		sv.Intro = "Les missions que la communauté s'engage à mener pendant les cinq années du contrat."
		for _, mi := range funding.AllMissions() {
			if mi == funding.Fonctionnement {
				continue
			}
			socle := slices.Contains(funding.SocleMissions(), mi)
			checked := c.HasMission(mi) || (!c.MissionsSaved && socle)
			sv.Missions = append(sv.Missions, pages.MissionChoice{Code: string(mi), Label: mi.Label(), Socle: socle, Checked: checked})
		}
	case store.SectionIndicateurs:
		sv.Intro = "Pour chaque indicateur : la valeur de départ, la cible de chaque année du contrat et son poids dans la mission."
		if typed != nil {
			byCode := map[string]store.ContentIndicator{}
			for _, x := range c.Indicators {
				byCode[x.Code] = x
			}
			for i, t := range typed {
				x := byCode[t.Code]
				row := pages.IndicatorRow{Index: i, Code: t.Code, Mission: t.Mission, Label: t.Label, Direction: t.Direction,
					Baseline: t.Baseline, Targets: t.Targets, Weight: t.Weight, Unit: t.Unit}
				if x.Mandatory {
					row.Mission, row.Label, row.Direction, row.Mandatory = string(x.Mission), x.Label, string(x.Direction), true
				}
				row.MissionL = funding.Mission(row.Mission).Label()
				if t.Code == "" {
					sv.NewRow = row
					continue
				}
				sv.Indicators = append(sv.Indicators, row)
			}
			if sv.NewRow.Index == 0 {
				sv.NewRow = pages.IndicatorRow{Index: len(typed), Weight: "1", Unit: string(contractlife.Count)}
			}
			break
		}
		for i, x := range c.Indicators {
			// Values in the indicator's unit (docs/rules.md §6): typed back
			// with Input (« 62,5 »), shown with String (« 62,5 % »).
			row := pages.IndicatorRow{Index: i, Code: x.Code, Mission: string(x.Mission), MissionL: x.Mission.Label(), Label: x.Label,
				Direction: string(x.Direction), Baseline: x.Value(x.Baseline).Input(), Weight: strconv.Itoa(x.Weight), Unit: x.Unit, Mandatory: x.Mandatory,
				BaselineShown: x.Value(x.Baseline).String()}
			for y := range 5 {
				row.Targets[y] = x.Value(x.Targets[y]).Input()
				row.TargetsShown[y] = x.Value(x.Targets[y]).String()
			}
			sv.Indicators = append(sv.Indicators, row)
		}
		sv.NewRow = pages.IndicatorRow{Index: len(c.Indicators), Weight: "1", Unit: string(contractlife.Count)}
	case store.SectionPatientele:
		sv.IsESP = c.StructureType == domain.ESP
		sv.Patientele, sv.ESPPatients = optInt(c.RegisteredPatients), optInt(c.ESPPatients)
		if sv.IsESP {
			sv.Title = "Patientèle"
			sv.Intro = "Le nombre de patients coordonnés sert à l'estimation du forfait ESP (proposition, non en vigueur)."
		} else {
			sv.Intro = "Les indicateurs du barème MSP que la structure s'engage à remplir, et la patientèle médecin traitant de ses médecins associés."
		}
		for _, ind := range mspInds {
			pts := strconv.FormatInt(ind.FixedPoints, 10) + " points fixes"
			if ind.VariablePoints > 0 {
				pts += " + " + strconv.FormatInt(ind.VariablePoints, 10) + " points variables"
			}
			sv.MSPChoices = append(sv.MSPChoices, pages.MSPChoice{Code: ind.Code, Label: ind.Label, Axis: contentMSPAxisLabel(ind.Axis),
				Kind: contentMSPKindLabel(ind.Kind), Points: pts, Checked: slices.Contains(c.MSPIndicators, ind.Code)})
		}
	}
	return sv
}

func contentMSPAxisLabel(a funding.MSPAxis) string {
	switch a {
	case funding.AxisAcces:
		return "accès aux soins"
	case funding.AxisTravailEquipe:
		return "travail en équipe et coordination"
	}
	return "système d'information"
}

func contentMSPKindLabel(k funding.MSPKind) string {
	switch k {
	case funding.MSPPrerequis:
		return "prérequis"
	case funding.MSPSocle:
		return "socle"
	}
	return "optionnel"
}

// contentEstimate computes the indicative funding panel.
//   - CPTS: population and tier of the territory, the chosen missions (the
//     socle ones until the missions are saved), funding.Annual for contract
//     year 1 without a declared crisis and at 100 % achievement, and the
//     5-year total of funding.BuildSchedule for a signature today with every
//     mission started at signature; the barème in force today.
//   - MSP: funding.MSPRemuneration of the chosen indicators (all counted as
//     met) and the patientèle.
//   - ESP: funding.ESPForfait (proposition, non en vigueur, docs/rules.md §9).
func (s *Server) contentEstimate(r *http.Request, sc store.Scope, d store.Dossier, c store.DossierContent, mspInds []store.MSPIndicatorRow) *pages.EstimateView {
	ctx := r.Context()
	e := &pages.EstimateView{Kind: string(d.StructureType), Disclaimer: contentDisclaimer}
	today := domain.DateOf(s.now())
	switch d.StructureType {
	case domain.CPTS:
		s.cptsEstimate(ctx, e, sc, d, c, today)
	case domain.MSP:
		s.mspEstimate(r, e, sc, d, c, mspInds)
	case domain.ESP:
		espEstimate(e, c)
	}
	return e
}

// cptsEstimate fills e for a CPTS: its territory's population and the tier of
// the barème in force today, the first year's amount per chosen mission (the
// four socle missions until the missions are saved) and the five years' total
// with every mission starting today. What prevents an estimate is said in
// e.Notice.
func (s *Server) cptsEstimate(ctx context.Context, e *pages.EstimateView, sc store.Scope, d store.Dossier, c store.DossierContent, today domain.Date) {
	totals, err := s.store.TerritoryTotals(ctx, sc, []int64{d.StructureID})
	if err != nil {
		e.Notice = "Estimation indisponible pour le moment."
		return
	}
	t, ok := totals[d.StructureID]
	if !ok || t.Tier == 0 {
		e.Notice = "Le territoire de la CPTS n'a encore aucune commune : composez-le (fiche de la structure, Territoire) pour obtenir une estimation."
		return
	}
	e.Population = domain.GroupThousands(t.Population) + " habitants"
	e.Tier = tierLabel(t.Tier)
	list, err := s.store.LoadBaremes(ctx)
	if err != nil {
		e.Notice = "Estimation indisponible pour le moment."
		return
	}
	b, err := funding.BaremeAt(list, today)
	if err != nil {
		e.Notice = "Aucun barème en vigueur aujourd'hui : estimation impossible."
		return
	}
	e.Bareme = b.Name
	tier, _ := b.Tier(t.Population) // the barème's tier edges (docs/rules.md §3, §4); population ≥ 0
	e.Tier = tierLabel(tier)
	missions := c.Missions
	if !c.MissionsSaved {
		missions = funding.SocleMissions()
		e.Notice = "Missions pas encore choisies : l'estimation compte les quatre missions socle."
	}
	ent, err := funding.Annual(funding.YearInput{Bareme: b, Tier: tier, Missions: missions, Year: 1})
	if err != nil {
		e.Notice = domain.ErrorMessage(err)
		return
	}
	for _, l := range ent.Lines {
		e.Lines = append(e.Lines, pages.EstimateLine{Label: l.Mission.Label(), Fixed: domain.FormatEUR(l.Fixed),
			Variable: domain.FormatEUR(l.Variable), Total: domain.FormatEUR(l.Total())})
	}
	e.YearTotal = domain.FormatEUR(ent.Total)
	starts := map[funding.Mission]domain.Date{}
	for _, m := range missions {
		starts[m] = today
	}
	if sch, err := funding.BuildSchedule(funding.ScheduleInput{Baremes: list, Tier: tier, Signed: today, Starts: starts}); err == nil {
		e.FiveYears = domain.FormatEUR(sch.Total)
	}
}

// mspEstimate fills e for an MSP: with the MSP barème, the amount of each
// indicator retained, with the registered patientèle (zero when not given),
// and the year's remuneration, which is zero unless every prerequisite
// indicator is retained; once a contract exists, the contract's amount when
// it differs. What prevents an estimate is said in e.Notice.
func (s *Server) mspEstimate(r *http.Request, e *pages.EstimateView, sc store.Scope, d store.Dossier, c store.DossierContent, mspInds []store.MSPIndicatorRow) {
	ctx := r.Context()
	var inds []funding.MSPIndicator
	met := map[string]bool{}
	for _, ind := range mspInds {
		inds = append(inds, ind.MSPIndicator)
		if slices.Contains(c.MSPIndicators, ind.Code) {
			met[ind.Code] = true
		}
	}
	var pat int64
	if c.RegisteredPatients != nil {
		pat = *c.RegisteredPatients
	} else {
		e.Notice = "Patientèle non renseignée : les points variables comptent pour zéro."
	}
	e.Population = ""
	mbs, err := s.store.LoadMSPBaremes(ctx)
	if err != nil {
		e.Notice = "Estimation indisponible pour le moment."
		return
	}
	mb, err := funding.MSPBaremeByCode(mbs, funding.MSPBaremeCode)
	if err != nil {
		e.Notice = domain.ErrorMessage(err)
		return
	}
	total, err := funding.MSPRemuneration(mb, inds, met, pat)
	if err != nil {
		e.Notice = domain.ErrorMessage(err)
		return
	}
	for _, ind := range inds {
		if met[ind.Code] {
			a := funding.MSPIndicatorAmount(mb, ind, pat)
			e.Lines = append(e.Lines, pages.EstimateLine{Label: ind.Label, Total: domain.FormatEUR(a)})
		}
	}
	if total == 0 && len(met) > 0 {
		e.Notice = "Tous les indicateurs « prérequis » doivent être retenus : sans eux, aucune rémunération n'est due (ACI MSP)."
	}
	e.YearTotal = domain.FormatEUR(total)
	if d.ContractState != "" {
		s.mspContractDiff(r, sc, d, e, met, c.RegisteredPatients, total)
	}
}

// espEstimate fills e for an ESP: the coordination forfait for the number of
// coordinated patients, once it is given.
func espEstimate(e *pages.EstimateView, c store.DossierContent) {
	if c.ESPPatients == nil {
		e.Notice = "Indiquez le nombre de patients coordonnés pour obtenir une estimation."
		return
	}
	var mt int64
	if c.RegisteredPatients != nil {
		mt = *c.RegisteredPatients
	}
	f, err := funding.ESPForfait(*c.ESPPatients, mt)
	if err != nil {
		e.Notice = domain.ErrorMessage(err)
		return
	}
	e.Notice = "Forfait ESP : " + funding.ESPStatus + "."
	e.Lines = []pages.EstimateLine{{Label: "Forfait de coordination", Total: domain.FormatEUR(f)}}
	e.YearTotal = domain.FormatEUR(f)
}

// mspContractDiff fills e with the contract's yearly amount and why it differs
// from the estimate (funding.MSPContractDifferences), when it does.
func (s *Server) mspContractDiff(r *http.Request, sc store.Scope, d store.Dossier, e *pages.EstimateView, met map[string]bool, declared *int64, total domain.Cents) {
	ctx := r.Context()
	// The contract is computed on another basis (docs/rules.md §9):
	// say so when the amounts differ.
	ct, err := s.store.ContractByDossier(ctx, sc, d.ID)
	if err != nil {
		e.Notice = "Contrat indisponible pour le moment."
		return
	}
	socle := map[string]bool{}
	for _, ind := range funding.BuiltinMSP() {
		if ind.Kind != funding.MSPOptionnel {
			socle[ind.Code] = true
		}
	}
	mb, err := funding.ContractMSPBareme()
	if err != nil {
		e.Notice = domain.ErrorMessage(err)
		return
	}
	if amount, err := funding.MSPRemuneration(mb, funding.BuiltinMSP(), socle, ct.RegisteredPatients); err == nil && amount != total {
		e.ContractTotal = domain.FormatEUR(amount)
		e.ContractHref = "/dossiers/" + dItoa(d.ID) + "/contrat"
		e.ContractDiffs = funding.MSPContractDifferences(funding.BuiltinMSP(), met, declared, ct.RegisteredPatients)
	}
}

// dossierContentSave saves one section.
func (s *Server) dossierContentSave(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	id := d.ID
	sec := store.Section(chiParam(r, "section"))
	if !slices.Contains([]store.Section{store.SectionLettre, store.SectionProjet, store.SectionMissions, store.SectionIndicateurs, store.SectionPatientele}, sec) {
		s.notFound(w, r)
		return
	}
	autosave := r.Header.Get("X-Autosave") == "1"
	if !s.parseForm(w, r) {
		return
	}
	version := formVersion(r) // a form without a version is stale by definition
	in := store.ContentSave{DossierID: id, Section: sec, Version: version, At: s.now()}
	typed := readContentForm(r, sec, &in)
	v, err := s.store.SaveContent(r.Context(), sc, in)
	var fe registry.FieldErrors
	var cf *store.ContentConflict
	switch {
	case err == nil:
		if autosave {
			w.Header().Set("X-Content-Version", strconv.Itoa(v))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.flash(r, "ok", "Enregistré : "+sec.Label()+".")
		redirect(w, r, "/dossiers/"+strconv.FormatInt(id, 10)+"/contenu#section-"+string(sec))
	case errors.Is(err, store.ErrContentReadOnly):
		if autosave {
			plain(w, http.StatusForbidden, domain.ErrorMessage(err))
			return
		}
		s.renderError(w, r, http.StatusForbidden, "Modification impossible", domain.ErrorMessage(err))
	case errors.As(err, &cf):
		if autosave {
			plain(w, http.StatusConflict, domain.ErrorMessage(err)+" Enregistrez avec le bouton pour comparer les deux versions.")
			return
		}
		s.renderContent(w, r, http.StatusConflict, &sectionOverride{in: in, typed: typed, conflict: cf})
	case errors.As(err, &fe):
		if autosave {
			msg := "Brouillon non enregistré :"
			for _, f := range fe.Fields() {
				msg += " " + fe[f]
			}
			plain(w, http.StatusUnprocessableEntity, msg)
			return
		}
		s.renderContent(w, r, http.StatusUnprocessableEntity, &sectionOverride{in: in, typed: typed, fields: fe})
	default:
		if autosave && domain.ErrorCode(err) == domain.EConflict {
			plain(w, http.StatusConflict, domain.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
	}
}

func boundedValues(vs []string, max int) []string {
	if len(vs) > max {
		vs = vs[:max]
	}
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if len(v) <= 64 {
			out = append(out, v)
		}
	}
	return out
}

// plain answers an autosave request with a French plain-text message.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}
