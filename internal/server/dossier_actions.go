package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// dossierTransition applies one workflow transition (POST
// /dossiers/{id}/transitions). The page sends the state it showed (seen): a
// stale page or a double click is refused by the store with a conflict. A
// refused attempt re-renders the dossier with the form's values and what is
// missing; a success redirects (303) to the dossier.
func (s *Server) dossierTransition(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, d, _ := dossierFrom(r)
	t := workflow.Transition(formValue(r, "transition", 64))
	if !t.Valid() {
		s.notFound(w, r)
		return
	}
	if !s.confirmed(w, r, newDossierAction(t).Confirm) {
		return
	}
	in := store.TransitionRequest{
		DossierID: d.ID, Transition: t, Seen: workflow.State(formValue(r, "seen", 64)),
		Motivation: formValue(r, "motivation", store.MaxMotivation+1),
		Position:   workflow.Position(formValue(r, "position", 20)),
		At:         s.now(),
		Extra: map[string]string{
			store.ExtraComplementTarget: formValue(r, store.ExtraComplementTarget, 64),
			store.ExtraComplementText:   formValue(r, store.ExtraComplementText, store.MaxMotivation+1),
		},
	}
	out, err := s.store.ApplyTransition(r.Context(), sc, in)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENotFound || domain.ErrorCode(err) == domain.EInternal {
			s.fail(w, r, err)
			return
		}
		// Reload: the dossier may have changed (conflict).
		if d2, err2 := s.store.Dossier(r.Context(), sc, d.ID); err2 == nil {
			d = d2
		}
		a := newDossierAction(t)
		a.Motivation, a.Position = in.Motivation, string(in.Position)
		a.Target, a.Text = in.Extra[store.ExtraComplementTarget], in.Extra[store.ExtraComplementText]
		dossierActionError(&a, err)
		st := dossierShowState{status: dErrorStatus(err), action: &a, summary: []string{t.Label() + " : " + a.Error}}
		if len(a.Missing) > 0 {
			// The summary says what is missing, not a dangling "Il manque :".
			st.summary = []string{t.Label() + " : il manque " + strings.Join(a.Missing, " ; ") + "."}
		}
		if domain.ErrorCode(err) == domain.EConflict {
			st.summary = []string{domain.ErrorMessage(err)}
		}
		s.renderDossier(w, r, sc, d, st)
		return
	}
	msg := "« " + t.Label() + " » est enregistré."
	if out.To != d.State {
		msg += " Le dossier est maintenant : " + out.To.Label() + "."
	}
	s.flash(r, "ok", msg)
	redirect(w, r, "/dossiers/"+dItoa(d.ID))
}

// complementAdd is the one form of the CPAM to ask for a complement
// (store.AddComplementRequest: it moves a dossier en_instruction to
// complements_demandes).
func (s *Server) complementAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, d, _ := dossierFrom(r)
	target := formValue(r, store.ExtraComplementTarget, 64)
	text := formValue(r, store.ExtraComplementText, store.MaxMotivation+1)
	to, err := s.store.AddComplementRequest(idempotent(r), sc, d.ID, target, text, s.now())
	if err != nil {
		if errors.Is(err, store.ErrComplementAlreadyOpen) {
			// A double click: the request is already filed, once.
			s.flash(r, "ok", domain.ErrorMessage(err))
			redirect(w, r, "/dossiers/"+dItoa(d.ID))
			return
		}
		if domain.ErrorCode(err) == domain.ENotFound || domain.ErrorCode(err) == domain.EInternal {
			s.fail(w, r, err)
			return
		}
		a := pages.DossierAction{Target: target, Text: text}
		dossierActionError(&a, err)
		s.renderDossier(w, r, sc, d, dossierShowState{status: dErrorStatus(err), complement: &a, summary: []string{a.Error}})
		return
	}
	msg := "La demande de complément est envoyée à la structure."
	if to != d.State {
		msg += " Le dossier est maintenant : " + to.Label() + "."
	}
	s.flash(r, "ok", msg)
	redirect(w, r, "/dossiers/"+dItoa(d.ID))
}

// complementAnswer records the coordinator's answer to one request.
func (s *Server) complementAnswer(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, d, _ := dossierFrom(r)
	cid, ok := pathID(chiParam(r, "cid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	answer := formValue(r, "answer", store.MaxMotivation+1)
	if err := s.store.AnswerComplementRequest(r.Context(), sc, d.ID, cid, answer, s.now()); err != nil {
		if domain.ErrorCode(err) == domain.ENotFound || domain.ErrorCode(err) == domain.EInternal {
			s.fail(w, r, err)
			return
		}
		s.renderDossier(w, r, sc, d, dossierShowState{status: dErrorStatus(err), answerID: cid, answer: answer,
			answerErr: domain.ErrorMessage(err), summary: []string{domain.ErrorMessage(err)}})
		return
	}
	s.flash(r, "ok", "Votre réponse est enregistrée. Quand toutes les demandes ont une réponse, renvoyez le dossier complété.")
	redirect(w, r, "/dossiers/"+dItoa(d.ID))
}

// dossierAppointment records the signature appointment (CPAM).
func (s *Server) dossierAppointment(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, d, _ := dossierFrom(r)
	atText := formValue(r, "signature_at", 20)
	place := formValue(r, "signature_place", 501)
	version := formVersion(r)
	errs := map[string]string{}
	var at time.Time
	if atText == "" {
		errs["signature_at"] = "Indiquez la date et l'heure du rendez-vous."
	} else if t, err := time.ParseInLocation("2006-01-02T15:04", atText, domain.Paris); err != nil {
		errs["signature_at"] = "Date et heure invalides (format attendu : jj/mm/aaaa hh:mm)."
	} else {
		at = t
	}
	var err error
	if len(errs) == 0 {
		err = s.store.SetSignatureAppointment(r.Context(), sc, d.ID, version, store.SignatureAppointment{At: at, Place: place}, s.now())
		if err != nil {
			if domain.ErrorCode(err) == domain.ENotFound || domain.ErrorCode(err) == domain.EInternal {
				s.fail(w, r, err)
				return
			}
			if de, ok := dFieldErr(err); ok {
				errs[de.Field] = de.Message
			}
		}
	}
	if len(errs) > 0 || err != nil {
		st := dossierShowState{status: http.StatusUnprocessableEntity, apptAt: atText, apptPlace: place, apptErrs: errs}
		for _, m := range errs {
			st.summary = append(st.summary, m)
		}
		if err != nil && len(errs) == 0 {
			st.status, st.summary = dErrorStatus(err), []string{domain.ErrorMessage(err)}
		}
		s.renderDossier(w, r, sc, d, st)
		return
	}
	s.flash(r, "ok", "Le rendez-vous de signature est enregistré ; la structure et l'ARS en sont informées.")
	redirect(w, r, "/dossiers/"+dItoa(d.ID))
}
