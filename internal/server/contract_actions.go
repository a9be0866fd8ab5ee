package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/access"
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

// contractRequestResiliation records a termination (docs/rules.md §30): the
// structure's letter sent through the portal (no date: the CPAM records its
// receipt), or, by the CPAM, a letter received on paper or its own
// termination (initiative=cpam, motivated).
func (s *Server) contractRequestResiliation(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Enregistrer la résiliation ? Elle prendra effet deux mois après la réception du courrier ou la notification.") {
		return
	}
	sc, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	vals := map[string]string{"received_on": formValue(r, "received_on", 20), "motivation": formValue(r, "motivation", store.MaxMotivation),
		"initiative": formValue(r, "initiative", 20)}
	now := s.now()
	req := store.ContractRequest{DossierID: c.DossierID, Transition: workflow.DemanderResiliation, Seen: workflow.State(formValue(r, "seen", 40)),
		Motivation: vals["motivation"], At: now, Today: domain.DateOf(now), ByCPAM: vals["initiative"] == "cpam"}
	letter := contractPerm(sc, c).Party() == workflow.PartyStructure
	if !letter {
		received, okDate := parseFrenchDate(vals["received_on"])
		if !okDate {
			s.contractFail(w, r, sc, "received_on", domain.FieldError("received_on", "Indiquez la date au format jj/mm/aaaa."), vals)
			return
		}
		req.ReceivedOn = received
	}
	if _, err := s.store.ApplyContractTransition(r.Context(), sc, req); err != nil {
		field := "received_on"
		var de *domain.Error
		if letter || errors.As(err, &de) && de.Field == "motivation" {
			field = "res_motivation"
		}
		s.contractFail(w, r, sc, field, err, vals)
		return
	}
	if letter {
		s.flash(r, "ok", "Votre courrier de résiliation est envoyé à la CPAM : la résiliation prendra effet deux mois après sa réception.")
	} else {
		s.flash(r, "ok", "La résiliation est enregistrée.")
	}
	s.contractBack(w, r, "#resiliation")
}

// contractTerminationRecord records what the CPAM learns of a requested
// termination: the receipt of a letter sent through the portal, a recourse
// to the commission paritaire, or its decision (store.RecordTermination).
func (s *Server) contractTerminationRecord(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Enregistrer cette date ? Elle fixe la suite de la résiliation.") {
		return
	}
	sc, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	if !contractPerm(sc, c).Can(access.ActRecordTermination) {
		s.notFound(w, r)
		return
	}
	vals := map[string]string{"record_on": formValue(r, "record_on", 20)}
	on, okDate := parseFrenchDate(vals["record_on"])
	if !okDate {
		s.contractFail(w, r, sc, "record_on", domain.FieldError("record_on", "Indiquez la date au format jj/mm/aaaa."), vals)
		return
	}
	in := store.TerminationRecord{DossierID: c.DossierID, At: s.now()}
	switch formValue(r, "what", 20) {
	case "reception":
		in.Received = on
	case "recours":
		in.RecourseFiled = on
	case "decision":
		up := formValue(r, "upheld", 2)
		if up != "0" && up != "1" {
			s.contractFail(w, r, sc, "record_on", domain.FieldError("record_on", "Indiquez la décision de la commission."), vals)
			return
		}
		in.Decided, in.Upheld = on, up == "1"
	default:
		s.notFound(w, r)
		return
	}
	if err := s.store.RecordTermination(r.Context(), sc, in); err != nil {
		s.contractFail(w, r, sc, "record_on", err, vals)
		return
	}
	s.flash(r, "ok", "La date est enregistrée.")
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

// contractMarkPaid is the old « marquer versé » of the contract tab: payments
// now follow their lifecycle on /paiements (docs/rules.md §30), where they
// are ordered before being paid. The route stays for old pages and sends the
// CPAM there, on the contract's payments.
func (s *Server) contractMarkPaid(w http.ResponseWriter, r *http.Request) {
	sc, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	if !access.ForViewer(sc.Viewer()).Can(access.ActPayPayment) {
		s.notFound(w, r)
		return
	}
	s.flash(r, "ok", "Les versements s'enregistrent désormais sur la page Paiements : ordonnancez le paiement, puis marquez-le versé avec sa référence comptable.")
	redirect(w, r, "/paiements?contrat="+strconv.FormatInt(c.ID, 10))
}
