package server

import (
	"errors"
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// dossierShowState carries what a refused POST keeps on the re-rendered page.
type dossierShowState struct {
	status     int
	summary    []string
	action     *pages.DossierAction // the refused action with its values and errors
	complement *pages.DossierAction // the refused "add a complement" form
	answerID   int64
	answer     string
	answerErr  string
	apptAt     string
	apptPlace  string
	apptErrs   map[string]string
	accel      *acceleratorState // a refused accelerator form
}

func (s *Server) dossierShow(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	s.renderDossier(w, r, sc, d, dossierShowState{status: http.StatusOK})
}

func (s *Server) renderDossier(w http.ResponseWriter, r *http.Request, sc store.Scope, d store.Dossier, st dossierShowState) {
	ctx := r.Context()
	now := s.now()
	today := domain.DateOf(now)
	p := dossierPerm(sc, d)
	// The page's reads — the frame's badge, the history, the complements,
	// the amorçage payments, the checklist, the contract of an accepted
	// dossier and the accelerator's sessions and facilitators — in one batch
	// (docs/rules.md §35.1).
	rd := store.NewReads(sc)
	fr := s.readFrame(rd)
	var page store.DossierPage
	rd.DossierPage(d, p.Can(access.ActSeeChecklist), &page)
	var hc store.HomeContract
	var hasContract bool
	if d.State == workflow.Acceptee {
		rd.DossierContract(d.ID, &hc, &hasContract)
	}
	accel := s.acceleratorReads(rd, sc, d, p)
	if err := s.store.Send(ctx, rd); err != nil {
		s.fail(w, r, err)
		return
	}
	hist, comps := page.History, page.Complements
	what, who := dossierNextStep(d)
	if hasContract {
		_, what = contractStepText(hc.State, hc.Start, hc.End, hc.TerminationEffective)
	}
	v := pages.DossierView{
		ID: d.ID, Version: d.Version, StructureName: d.StructureName, StructureType: string(d.StructureType),
		StructureHref: "/structures/" + strconv.FormatInt(d.StructureID, 10),
		StateCode:     string(d.State), StateLabel: d.State.Label(), StateStatus: dossierStateStatus(d.State),
		NextStep: what, NextWho: who, Errors: st.summary, Deadlines: dossierDeadlineRows(d, today),
	}
	v.Facts = dossierFacts(d)
	v.NextReason, v.NextRequests = sentBackReason(d, hist), openRequestLines(d, comps)
	for _, t := range store.ComplementTargets() {
		v.ComplementTargets = append(v.ComplementTargets, pages.Option{Value: t.Code, Label: t.Label})
	}
	var avisBlockers []string
	if c := page.Checklist; c != nil {
		v.Checklist = checklistView(*c)
		avisBlockers = c.AvisBlockers
	}
	dossierActions(&v, sc, d, st, who, avisBlockers, comps)
	// Complements.
	v.Complements = complementRows(comps, p.Can(access.ActAnswerComplements), st)
	v.CanAddComplement = p.Can(access.ActRequestComplements)
	v.ShowComplements = len(comps) > 0 || v.CanAddComplement
	if st.complement != nil {
		v.NewComplement = *st.complement
	}
	// Avis and joint review.
	if d.Opinion != "" {
		v.AvisLabel, v.AvisMotivation = d.Opinion.Label(), d.OpinionMotivation
	}
	v.ShowJoint = d.Opinion != "" || d.PositionARS != nil || d.PositionDCGDR != nil || d.State == workflow.ExamenConjoint
	v.Joint = []pages.PositionView{
		positionView("de l'ARS", d.PositionARS, d.PositionARSMotivation, d.PositionARSAt),
		positionView("de la DCGDR", d.PositionDCGDR, d.PositionDCGDRMotivation, d.PositionDCGDRAt),
	}
	// Signature appointment.
	if d.SignatureAppointmentAt != nil {
		v.Appointment = "Le " + domain.FrenchDateTime(*d.SignatureAppointmentAt) + " — " + d.SignaturePlace
		v.ApptAt = d.SignatureAppointmentAt.In(domain.Paris).Format("2006-01-02T15:04")
		v.ApptPlace = d.SignaturePlace
	}
	v.CanSetAppointment = p.Can(access.ActSetAppointment)
	v.ShowAppointment = v.Appointment != "" || v.CanSetAppointment
	if st.apptErrs != nil {
		v.ApptAt, v.ApptPlace, v.ApptErrors = st.apptAt, st.apptPlace, st.apptErrs
	}
	v.Timeline = timelineRows(hist)
	startUp := page.Payments
	for _, p := range startUp {
		v.StartUp = append(v.StartUp, pages.StartUpLine{Due: p.Due.French(), Amount: domain.FormatEUR(p.Amount), Rule: p.Rule, Status: p.Status.Label()})
	}
	if len(startUp) > 0 && access.ForViewer(sc.Viewer()).Can(access.ActSeePayments) {
		v.PaymentsURL = "/paiements?structure=" + strconv.FormatInt(d.StructureID, 10) + "&nature=amorcage"
	}
	v.Accelerator = s.acceleratorView(sc, d, p, st.accel, accel)
	s.render(w, r, st.status, pages.DossierShow(s.pageOf(r, "Dossier — "+d.StructureName, fr), v))
}

// dossierActions fills the viewer's action forms, hiding those the page
// explains instead (the complement form, a blocked avis favorable, a blocked
// send-back), and the note when none is left.
func dossierActions(v *pages.DossierView, sc store.Scope, d store.Dossier, st dossierShowState, who string, avisBlockers []string, comps []store.Complement) {
	openComps := 0
	for _, c := range comps {
		if c.Open() {
			openComps++
		}
	}
	for _, t := range viewerActions(sc, d) {
		// Complements are asked with the one form of the complements
		// section (store.AddComplementRequest), not a second button.
		if t == workflow.DemanderComplements {
			continue
		}
		// "Donner un avis favorable" is refused while a document is "à
		// refaire" or a request is open (workflow.AvisFavorableBlockers):
		// the page says why instead.
		if t == workflow.DonnerAvisFavorable && len(avisBlockers) > 0 {
			v.AvisBlocked = avisBlockers
			continue
		}
		// "Renvoyer le dossier complété" is refused while a complement
		// request is unanswered (workflow rule repondre_complements): hide it
		// and say what to do instead of offering a button that fails.
		if t == workflow.RepondreComplements && openComps > 0 {
			v.BlockedNote = openComplementsNote(openComps)
			continue
		}
		a := newDossierAction(t)
		if st.action != nil && st.action.Code == a.Code {
			a = *st.action
		}
		v.Actions = append(v.Actions, a)
	}
	if len(v.Actions) == 0 && v.BlockedNote == "" && len(v.AvisBlocked) == 0 {
		v.ReadOnlyNote = "Aucune action ne vous revient à cette étape."
		if who != "" {
			v.ReadOnlyNote += " Elle revient à " + who + "."
		}
		if d.State == workflow.Acceptee {
			v.ReadOnlyNote += " La signature du contrat se fait dans l'onglet « Contrat »."
		}
	}
}

// complementRows are the complement requests as the page shows them.
func complementRows(comps []store.Complement, canAnswer bool, st dossierShowState) []pages.ComplementRow {
	var out []pages.ComplementRow
	for _, c := range comps {
		row := pages.ComplementRow{ID: c.ID, Target: store.ComplementTargetLabel(c.Target), Request: c.Request,
			RequestedAt: domain.FrenchDateTime(c.RequestedAt), RequestedBy: c.RequestedBy, Open: c.Open(), Answer: c.Answer, AnsweredBy: c.AnsweredBy,
			CanAnswer: c.Open() && canAnswer}
		if c.AnsweredAt != nil {
			row.AnsweredAt = domain.FrenchDateTime(*c.AnsweredAt)
		}
		if st.answerID == c.ID {
			row.Draft, row.Error = st.answer, st.answerErr
		}
		out = append(out, row)
	}
	return out
}

// openRequestLines are the open complement requests shown in the « Prochaine
// étape » box while complements are asked.
func openRequestLines(d store.Dossier, comps []store.Complement) []string {
	if d.State != workflow.ComplementsDemandes {
		return nil
	}
	var out []string
	for _, c := range comps {
		if c.Open() {
			out = append(out, store.ComplementTargetLabel(c.Target)+" : "+c.Request)
		}
	}
	return out
}

// timelineRows is the dossier's history, newest first.
func timelineRows(hist []store.AuditEntry) []pages.TimelineRow {
	var out []pages.TimelineRow
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		row := pages.TimelineRow{At: domain.FrenchDateTime(h.At), Who: h.ActorName, Action: store.ActionLabel(h.Transition),
			To: h.To.Label(), Motivation: h.Motivation}
		if h.From != "" { // empty for the creation: the page shows "État initial"
			row.From = h.From.Label()
		}
		out = append(out, row)
	}
	return out
}

// sentBackReason is the motivation of the act that sent the dossier back to
// the structure (the ARS returning the lettre d'intention or asking to
// complete the projet de santé, the CPAM asking for complements), shown in
// the « Prochaine étape » box while the dossier is still in the state that
// act reached. Nil otherwise.
func sentBackReason(d store.Dossier, hist []store.AuditEntry) *pages.NextReason {
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if h.From == h.To || h.From == "" {
			continue // audit-only rows (complements, appointments), creation
		}
		if h.To != d.State || h.Motivation == "" {
			return nil
		}
		var who string
		switch h.Transition {
		case workflow.RenvoyerLettreIntention, workflow.DemanderCompletionProjetSante:
			who = "l'ARS"
		case workflow.DemanderComplements:
			who = "la CPAM"
		default:
			return nil
		}
		return &pages.NextReason{Title: "Motif de " + who, Text: h.Motivation,
			By: h.ActorName + ", le " + domain.FrenchDateTime(h.At)}
	}
	return nil
}

func checklistView(c store.InstructionChecklist) *pages.InstructionChecklist {
	v := &pages.InstructionChecklist{Content: c.ContentMissing, OpenRequests: c.OpenRequests, AvisBlockers: c.AvisBlockers}
	for _, d := range c.Documents {
		it := pages.ChecklistItem{Label: store.DocTitle(d.Code), State: d.State.Label(), Code: string(d.State), Note: d.Comment}
		switch d.State {
		case store.DocAccepte:
			it.Status = "ok"
		case store.DocFourni:
			it.Status, it.Note = "warn", "À vérifier dans l'onglet Documents."
		default:
			it.Status = "error"
		}
		v.Documents = append(v.Documents, it)
	}
	for _, k := range c.Composition {
		it := pages.ChecklistItem{Label: k.Label, State: "Respectée", Status: "ok", Code: "ok"}
		if !k.OK {
			it.State, it.Status, it.Code, it.Note = "Non respectée", "error", "ko", k.Reason
			if !k.Blocking {
				it.Status = "warn"
				it.Note = strings.TrimSpace(k.Reason + " (" + checkKind(k) + ")")
			}
		}
		v.Composition = append(v.Composition, it)
	}
	for _, sec := range c.Sections {
		it := pages.ChecklistItem{Label: sec.Section.Label(), State: "Renseigné", Status: "ok", Code: "filled"}
		if !sec.Filled {
			it.State, it.Status, it.Code = "Non renseigné", "error", "empty"
		}
		v.Sections = append(v.Sections, it)
	}
	return v
}

// openComplementsNote replaces the "send back" button while n complement
// requests are unanswered.
func openComplementsNote(n int) string {
	if n == 1 {
		return "Répondez à la demande de complément ci-dessous pour pouvoir renvoyer le dossier."
	}
	return "Répondez aux " + strconv.Itoa(n) + " demandes de complément ci-dessous pour pouvoir renvoyer le dossier."
}

func dossierFacts(d store.Dossier) []pages.DossierFact {
	f := []pages.DossierFact{
		{Label: "Type", Value: string(d.StructureType)},
		{Label: "Dossier n°", Value: strconv.FormatInt(d.ID, 10)},
		{Label: "Créé le", Value: domain.DateOf(d.CreatedAt).French()},
		{Label: "Dans cet état depuis le", Value: domain.FrenchDateTime(d.StateSince)},
	}
	add := func(label string, dt domain.Date) {
		if !dt.IsZero() {
			f = append(f, pages.DossierFact{Label: label, Value: dt.French()})
		}
	}
	add("Lettre d'intention déposée le", d.LetterFiledOn)
	add("Lettre d'intention validée le", d.LetterValidatedOn)
	add("Projet de santé déposé le", d.HealthProjectFiledOn)
	add("Projet de santé validé le", d.HealthProjectValidatedOn)
	add("Demande déposée le", d.RequestFiledOn)
	if d.InstructorName != "" {
		f = append(f, pages.DossierFact{Label: "Instruit par", Value: d.InstructorName})
	}
	add("Décision le", d.DecidedOn)
	return f
}

func positionView(who string, p *workflow.Position, motivation string, at *time.Time) pages.PositionView {
	v := pages.PositionView{Who: who}
	if p == nil {
		return v
	}
	v.Recorded, v.Label, v.Motivation = true, p.Label(), motivation
	if at != nil {
		v.At = "le " + domain.FrenchDateTime(*at)
	}
	v.Status = "ok"
	if *p == workflow.Defavorable {
		v.Status = "error"
	}
	return v
}

// newDossierAction is the empty form of a transition.
func newDossierAction(t workflow.Transition) pages.DossierAction {
	r, _ := workflow.RuleFor(t)
	a := pages.DossierAction{Code: string(t), Label: r.Label, Hint: r.Hint, NeedsMotivation: r.NeedsMotivation,
		IsPosition: t == workflow.PositionARS || t == workflow.PositionDCGDR, IsComplements: t == workflow.DemanderComplements,
		MayMotivate: t == workflow.DonnerAvisFavorable,
		Danger:      t == workflow.Refuser || t == workflow.DonnerAvisDefavorable,
		Confirm:     "Confirmez-vous « " + r.Label + " » ? " + r.Hint + " L'action est enregistrée dans l'historique du dossier et ne peut pas être annulée."}
	return a
}

// dossierActionError fills a's error from a refused attempt: the MissingError's
// list, a field error next to its field, or the message.
func dossierActionError(a *pages.DossierAction, err error) {
	a.FieldErrors = map[string]string{}
	var me *workflow.MissingError
	if errors.As(err, &me) {
		a.Error = "Cette action n'est pas encore possible. Il manque :"
		a.Missing = me.Missing
		for _, m := range me.Missing {
			switch {
			case strings.Contains(m, "motivation"):
				a.FieldErrors["motivation"] = dCapitalize(m) + "."
			case strings.Contains(m, "position (favorable"):
				a.FieldErrors["position"] = "Choisissez une position."
			}
		}
		return
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Field != "" {
		a.FieldErrors[de.Field] = de.Message
		a.Error = de.Message
		return
	}
	a.Error = domain.ErrorMessage(err)
}

func dCapitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if r[0] >= 'a' && r[0] <= 'z' {
		r[0] -= 'a' - 'A'
	}
	return string(r)
}

// dErrorStatus is the status of a refused POST re-rendered with its errors.
func dErrorStatus(err error) int {
	if domain.ErrorCode(err) == domain.EConflict {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}
