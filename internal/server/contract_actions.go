package server

import (
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// parseFrenchDate reads a date field (domain.ParseFrenchDate).
func parseFrenchDate(s string) (domain.Date, bool) {
	d, err := domain.ParseFrenchDate(s)
	return d, err == nil
}

// contractFail re-renders the contract page with the error next to its
// field (invalid input, missing requirement, conflict); not found and
// internal errors go through s.fail.
func (s *Server) contractFail(w http.ResponseWriter, r *http.Request, sc store.Scope, field string, err error, vals map[string]string) {
	code := domain.ErrorCode(err)
	if code != domain.EInvalid && code != domain.EConflict {
		s.fail(w, r, err)
		return
	}
	// Reload: the contract may have changed (conflict).
	_, c0, _, _ := contractFrom(r)
	c, lerr := s.store.ContractByDossier(r.Context(), sc, c0.DossierID)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	status := http.StatusUnprocessableEntity
	if code == domain.EConflict {
		status, field = http.StatusConflict, "form"
	}
	s.renderContract(w, r, sc, c, status, map[string]string{field: domain.ErrorMessage(err)}, vals)
}

func (s *Server) contractBack(w http.ResponseWriter, r *http.Request, anchor string) {
	_, c, _, _ := contractFrom(r)
	redirect(w, r, "/dossiers/"+strconv.FormatInt(c.DossierID, 10)+"/contrat"+anchor)
}

// contractSign records the viewer's signature: an explicit act (the
// checkbox), on the hash shown on the page.
func (s *Server) contractSign(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "1" {
		s.contractFail(w, r, sc, "confirm", domain.FieldError("confirm", "Cochez « J'ai lu le contrat et je le signe au nom de %s » pour signer.", sc.OrgName), nil)
		return
	}
	now := s.now()
	out, err := s.store.ApplyContractTransition(r.Context(), sc, store.ContractRequest{
		DossierID: c.DossierID, Transition: workflow.Signer, Seen: workflow.State(formValue(r, "seen", 40)),
		DocumentSHA256: formValue(r, "sha256", 64), At: now, Today: domain.DateOf(now)})
	if err != nil {
		s.contractFail(w, r, sc, "form", err, nil)
		return
	}
	msg := "Votre signature est enregistrée."
	if out.To == workflow.Actif {
		msg = "Votre signature est enregistrée : c'était la troisième, le contrat est actif à compter du " + out.ContractStart.French() + " et son échéancier est créé."
	}
	s.flash(r, "ok", msg)
	s.contractBack(w, r, "#signatures")
}

func (s *Server) contractRequestResiliation(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Enregistrer la demande de résiliation ? Elle prendra effet deux mois après la réception du courrier.") {
		return
	}
	sc, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	vals := map[string]string{"received_on": formValue(r, "received_on", 20), "motivation": formValue(r, "motivation", store.MaxMotivation)}
	received, okDate := parseFrenchDate(vals["received_on"])
	if !okDate {
		s.contractFail(w, r, sc, "received_on", domain.FieldError("received_on", "Indiquez la date de réception du courrier au format jj/mm/aaaa."), vals)
		return
	}
	now := s.now()
	out, err := s.store.ApplyContractTransition(r.Context(), sc, store.ContractRequest{
		DossierID: c.DossierID, Transition: workflow.DemanderResiliation, Seen: workflow.State(formValue(r, "seen", 40)),
		ReceivedOn: received, Motivation: vals["motivation"], At: now, Today: domain.DateOf(now)})
	if err != nil {
		s.contractFail(w, r, sc, "received_on", err, vals)
		return
	}
	s.flash(r, "ok", "La demande de résiliation est enregistrée : elle prend effet le "+out.Deadline.French()+".")
	s.contractBack(w, r, "#resiliation")
}

func (s *Server) contractResilier(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Prononcer la résiliation du contrat ? Cette action est définitive.") {
		return
	}
	sc, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	vals := map[string]string{"motivation": formValue(r, "motivation", store.MaxMotivation)}
	if vals["motivation"] == "" {
		s.contractFail(w, r, sc, "motivation", domain.FieldError("motivation", "La motivation est obligatoire pour prononcer la résiliation."), vals)
		return
	}
	now := s.now()
	_, err := s.store.ApplyContractTransition(r.Context(), sc, store.ContractRequest{
		DossierID: c.DossierID, Transition: workflow.Resilier, Seen: workflow.State(formValue(r, "seen", 40)),
		Motivation: vals["motivation"], At: now, Today: domain.DateOf(now)})
	if err != nil {
		s.contractFail(w, r, sc, "motivation", err, vals)
		return
	}
	s.flash(r, "ok", "Le contrat est résilié ; le trop-perçu éventuel est indiqué dans la section Résiliation.")
	s.contractBack(w, r, "#resiliation")
}

func (s *Server) contractMarkPaid(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Enregistrer ce versement comme effectué ? Il ne pourra plus être modifié.") {
		return
	}
	sc, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	pid, ok := pathID(chiParam(r, "pid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	paidOn, okDate := parseFrenchDate(formValue(r, "paid_on", 20))
	if !okDate {
		s.contractFail(w, r, sc, "paid_on", domain.FieldError("paid_on", "Indiquez la date du versement au format jj/mm/aaaa."), nil)
		return
	}
	if err := s.store.MarkPaymentPaid(r.Context(), sc, c.DossierID, pid, paidOn, s.now()); err != nil {
		s.contractFail(w, r, sc, "paid_on", err, nil)
		return
	}
	s.flash(r, "ok", "Le versement est enregistré.")
	s.contractBack(w, r, "#paiements")
}
