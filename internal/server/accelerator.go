package server

import (
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// Accelerator sessions of a dossier (docs/rules.md §10): a section of the
// dossier page; the ARS or the CPAM schedules, the facilitator or the
// organiser records the report.

// acceleratorState is a refused form: what was typed and the errors.
type acceleratorState struct {
	form      pages.AcceleratorForm
	sessionID int64 // the report form refused (0: the schedule form)
	report    string
	reportErr string
}

// acceleratorData is what the accelerator block reads, in the dossier
// page's batch (acceleratorReads).
type acceleratorData struct {
	sessions     []store.AcceleratorSession
	facilitators []store.FacilitatorChoice
}

// acceleratorReads queues on rd what the accelerator block of dossier d
// shows: its sessions (a CPTS's dossier) and, for who schedules them, the
// facilitators to choose from.
func (s *Server) acceleratorReads(rd *store.Reads, sc store.Scope, d store.Dossier, p access.Permission) *acceleratorData {
	a := &acceleratorData{}
	if d.StructureType != domain.CPTS {
		return a
	}
	rd.AcceleratorSessions(d.ID, &a.sessions)
	if p.Can(access.ActOrganiseAccelerator) {
		rd.FacilitatorChoices(&a.facilitators)
	}
	return a
}

// acceleratorView is the accelerator block of dossier d from what
// acceleratorReads read.
func (s *Server) acceleratorView(sc store.Scope, d store.Dossier, p access.Permission, st *acceleratorState, data *acceleratorData) pages.AcceleratorView {
	v := pages.AcceleratorView{DossierID: d.ID, CanSchedule: p.Can(access.ActOrganiseAccelerator),
		Applies: d.StructureType == domain.CPTS}
	if !v.Applies {
		return v
	}
	today := domain.DateOf(s.now())
	for _, a := range data.sessions {
		row := pages.AcceleratorRow{ID: a.ID, On: a.On.French(), Length: a.Length.Label(), Facilitator: a.Facilitator,
			Participants: a.Participants, Organiser: a.OrganiserName, Report: a.Report, ReportBy: a.ReportByName,
			CanReport: a.ReportAt == nil && p.Can(access.ActOrganiseAccelerator) && store.OrganisesAccelerator(sc, a) && !today.Before(a.On),
			Upcoming:  today.Before(a.On)}
		if a.ReportAt != nil {
			row.ReportAt = domain.FrenchDateTime(*a.ReportAt)
		}
		if st != nil && st.sessionID == a.ID {
			row.Draft, row.Error = st.report, st.reportErr
		}
		v.Sessions = append(v.Sessions, row)
	}
	if v.CanSchedule {
		for _, u := range data.facilitators {
			v.Facilitators = append(v.Facilitators, pages.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
		}
		v.Form = pages.AcceleratorForm{FacilitatorID: strconv.FormatInt(sc.UserID, 10), Length: string(workflow.HalfDay)}
		if st != nil && st.sessionID == 0 {
			v.Form = st.form
		}
	}
	return v
}

// acceleratorSchedule is POST /dossiers/{id}/accelerateur.
func (s *Server) acceleratorSchedule(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, d, _ := dossierFrom(r)
	f := pages.AcceleratorForm{On: formValue(r, "held_on", 20), Length: formValue(r, "duration", 20),
		FacilitatorID: formValue(r, "facilitator_id", 20), FacilitatorName: formValue(r, "facilitator_name", 201),
		Participants: formValue(r, "participants", workflow.MaxParticipants+1), Errors: map[string]string{}}
	in := store.AcceleratorInput{AcceleratorSession: workflow.AcceleratorSession{Length: workflow.SessionLength(f.Length),
		Facilitator: f.FacilitatorName, Participants: f.Participants}, At: s.now()}
	if f.FacilitatorID != "" && f.FacilitatorID != "autre" {
		in.FacilitatorUserID, _ = strconv.ParseInt(f.FacilitatorID, 10, 64)
		if in.FacilitatorUserID == 0 {
			f.Errors["facilitator"] = "Choisissez l'animateur dans la liste."
		}
	}
	if f.On != "" {
		on, err := domain.ParseFrenchDate(f.On)
		if err != nil {
			f.Errors["held_on"] = "Indiquez la date de la séance au format jj/mm/aaaa."
		}
		in.On = on
	}
	var err error
	if len(f.Errors) == 0 {
		_, err = s.store.ScheduleAccelerator(idempotent(r), sc, d.ID, in)
		if domain.ErrorCode(err) == domain.ENotFound || domain.ErrorCode(err) == domain.EInternal {
			s.fail(w, r, err)
			return
		}
		if de, ok := dFieldErr(err); ok {
			f.Errors[de.Field] = de.Message
		}
	}
	if len(f.Errors) > 0 || err != nil {
		st := dossierShowState{status: http.StatusUnprocessableEntity, accel: &acceleratorState{form: f}}
		for _, m := range f.Errors {
			st.summary = append(st.summary, m)
		}
		if err != nil && len(f.Errors) == 0 {
			st.status, st.summary = dErrorStatus(err), []string{domain.ErrorMessage(err)}
		}
		s.renderDossier(w, r, sc, d, st)
		return
	}
	s.flash(r, "ok", "La séance accélérateur est programmée ; la structure en est informée.")
	redirect(w, r, "/dossiers/"+dItoa(d.ID)+"#accelerateur")
}

// acceleratorReport is POST /dossiers/{id}/accelerateur/{sid}/compte-rendu.
func (s *Server) acceleratorReport(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, d, _ := dossierFrom(r)
	sid, ok := pathID(chiParam(r, "sid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	report := formValue(r, "report", workflow.MaxSessionText+1)
	err := s.store.RecordAcceleratorReport(r.Context(), sc, d.ID, sid, report, s.now())
	if domain.ErrorCode(err) == domain.ENotFound || domain.ErrorCode(err) == domain.EInternal {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		st := dossierShowState{status: dErrorStatus(err), summary: []string{domain.ErrorMessage(err)},
			accel: &acceleratorState{sessionID: sid, report: report, reportErr: domain.ErrorMessage(err)}}
		s.renderDossier(w, r, sc, d, st)
		return
	}
	s.flash(r, "ok", "Le compte rendu est enregistré dans le dossier et envoyé au porteur du projet.")
	redirect(w, r, "/dossiers/"+dItoa(d.ID)+"#accelerateur")
}
