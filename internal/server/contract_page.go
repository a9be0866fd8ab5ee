package server

import (
	"bytes"
	"errors"
	"github.com/a-h/templ"
	"github.com/portail-aci/aci/internal/access"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/pdf"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
	"github.com/portail-aci/aci/web"
)

// contractOf is the route's contract (withContract), or answers 404 when
// the dossier has none yet.
func (s *Server) contractOf(w http.ResponseWriter, r *http.Request) (store.Scope, store.Contract, bool) {
	sc, c, _, ok := contractFrom(r)
	if !ok {
		s.notFound(w, r)
	}
	return sc, c, ok
}

func (s *Server) contractShow(w http.ResponseWriter, r *http.Request) {
	sc, c, _, ok := contractFrom(r)
	if !ok {
		// No contract yet: an empty state (withContract loaded the dossier
		// in scope, or answered 404).
		_, d, _ := dossierFrom(r)
		s.render(w, r, http.StatusOK, pages.ContractNone(s.page(r, "Contrat — "+d.StructureName), d.ID, d.StructureName, d.State.Label(), d.StructureType == domain.ESP))
		return
	}
	s.renderContract(w, r, sc, c, http.StatusOK, nil, nil)
}

func stateClass(st workflow.State) string {
	switch st {
	case workflow.Actif:
		return "ok"
	case workflow.ASigner, workflow.ResiliationDemandee:
		return "warn"
	case workflow.Resilie:
		return "error"
	}
	return ""
}

func partyOrgLabel(p workflow.Party) string {
	switch p {
	case workflow.PartyStructure:
		return "Structure"
	case workflow.PartyCPAM:
		return "CPAM"
	case workflow.PartyARS:
		return "ARS"
	}
	return ""
}

func partyStatuses(c store.Contract) []pages.PartyStatus {
	orgs := map[workflow.Party]string{
		workflow.PartyStructure: c.Terms.Structure.Name, workflow.PartyCPAM: c.Terms.CPAM.Name, workflow.PartyARS: c.Terms.ARS.Name,
	}
	var out []pages.PartyStatus
	for _, p := range workflow.Parties() {
		ps := pages.PartyStatus{Party: string(p), Label: partyOrgLabel(p), Org: orgs[p]}
		if sg, ok := c.Signed(p); ok {
			at := sg.SignedAt.In(domain.Paris)
			ps.Signed, ps.Name, ps.Hash = true, sg.UserName, sg.DocumentSHA256
			ps.Date, ps.Time = domain.DateOf(at).French(), at.Format("15:04:05")
			ps.Org = sg.Organisation
		}
		out = append(out, ps)
	}
	return out
}

func calendarDates(c store.Contract) []pages.CalendarDate {
	if c.Start.IsZero() {
		return nil
	}
	var out []pages.CalendarDate
	for _, row := range c.Terms.Calendar {
		cd := pages.CalendarDate{Label: row.Label, StartBy: "Pas de délai", DeployBy: "Pas de délai"}
		if row.StartMonths > 0 {
			cd.StartBy = c.Start.AddMonths(row.StartMonths).French()
		}
		if row.DeployMonths > 0 {
			cd.DeployBy = c.Start.AddMonths(row.DeployMonths).French()
		}
		out = append(out, cd)
	}
	return out
}

// paymentKindLabel names a scheduled payment's kind on the contract page.
func paymentKindLabel(k funding.Kind) string {
	switch k {
	case funding.KindAvance:
		return "Avance"
	case funding.KindSolde:
		return "Solde"
	case funding.KindAmorcage:
		return "Amorçage"
	case funding.KindCrise:
		return "Crise sanitaire"
	case contractlife.KindPlanCrise:
		return "Plan de crise"
	case contractlife.KindAjustement:
		return "Ajustement"
	case contractlife.KindRecouvrement:
		return "Recouvrement (trop-perçu)"
	case contractlife.KindSoldeResiliation:
		return "Solde de résiliation"
	}
	return string(k)
}

func (s *Server) renderContract(w http.ResponseWriter, r *http.Request, sc store.Scope, c store.Contract, status int, errs, vals map[string]string) {
	ctx := r.Context()
	today := domain.DateOf(s.now())
	v := pages.ContractView{
		ContractID: c.ID, DossierID: c.DossierID, StructureName: c.StructureName, State: string(c.State), StateLabel: c.State.Label(),
		StateClass: stateClass(c.State), Version: c.Version, DocumentHTML: c.DocumentHTML, SHA256: c.DocumentSHA256,
		Reference: c.Terms.Reference, Parties: partyStatuses(c), SignedCount: len(c.Signatures),
		PDFAvailable: s.pdf.Available(), Calendar: calendarDates(c), DefaultReceived: today.French(),
		Errors: errs, Values: vals,
	}
	if !c.Start.IsZero() {
		v.Start, v.End, v.LastDay = c.Start.French(), c.End.French(), workflow.ContractLastDay(c.Start).French()
	}
	p := contractPerm(sc, c)
	signatureView(&v, sc, c, p)
	v.CanRequest = p.Can(access.ActRequestTermination)
	v.CanAvenant = p.Can(access.ActProposeAvenant)
	// The page's reads — the frame's badge, the crises of a CPTS contract
	// under way, the avenants and the payments of the contract in hand — in
	// one batch (docs/rules.md §35.1).
	rd := store.NewReads(sc)
	fr := s.readFrame(rd)
	var ks []store.ContractCrisis
	if !c.Start.IsZero() {
		v.AvenantsURL = contractURL(c.ID, "/avenants")
		if c.StructureType == domain.CPTS {
			v.PlanURL = contractURL(c.ID, "/plan-crise")
			rd.ContractCrises(c.ID, &ks)
		}
	}
	var avs []store.Avenant
	var ps []store.PaymentRow
	rd.ContractAvenantsAndPayments(c, &avs, &ps)
	if err := s.store.Send(ctx, rd); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range ks {
		v.Crises = append(v.Crises, pages.ContractCrisisLine{URL: "/crises/" + strconv.FormatInt(k.CrisisID, 10), Name: k.Name,
			Declared: k.Declared.French(), Amount: domain.FormatEUR(k.Amount), Reason: k.Reason, Paid: k.Paid})
	}
	v.Avenants = avenantLines(c.ID, avs)
	v.CanResilier = p.Can(access.ActTerminate)
	v.CanMarkPaid = access.ForViewer(sc.Viewer()).Can(access.ActSeePayments)
	v.ContractID = c.ID
	paid := paymentsView(&v, c, ps)
	terminationView(&v, sc, c, paid, today)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, pages.ContractPage(s.pageOf(r, "Contrat — "+c.StructureName, fr), v))
}

// signatureView fills the signing block of a contract à signer: the sign form
// when the viewer may sign for their party, else why not (already signed, or
// a role that may only read).
func signatureView(v *pages.ContractView, sc store.Scope, c store.Contract, p access.Permission) {
	party := p.Party()
	if party == "" || c.State != workflow.ASigner {
		return
	}
	if _, done := c.Signed(party); done {
		v.SignBlocked = "La signature de " + party.Label() + " est enregistrée."
	} else if p.CanTransition(workflow.Signer) {
		v.CanSign, v.SignOrg, v.SignParty = true, sc.OrgName, party.Label()
	} else {
		v.SignBlocked = "Seul·e " + signerRole(party) + " peut signer pour " + party.Label() + " ; votre rôle permet de consulter le contrat."
	}
}

// avenantLines lists the contract's avenants as shown, with the time they
// were recorded in Europe/Paris.
func avenantLines(contractID int64, avs []store.Avenant) []pages.AvenantLine {
	var lines []pages.AvenantLine
	for _, a := range avs {
		at := a.CreatedAt.In(domain.Paris)
		lines = append(lines, pages.AvenantLine{Number: strconv.Itoa(a.Number), EffectiveOn: a.EffectiveOn.French(),
			Object: a.Object, By: a.CreatedBy, At: domain.DateOf(at).French() + " à " + at.Format("15:04"),
			Status: store.AvenantStateLabel(a.Status), URL: contractURL(contractID, "/avenants/"+strconv.FormatInt(a.ID, 10))})
	}
	return lines
}

// contractURL is the address of a contract's page (its own id).
func contractURL(id int64, tail string) string {
	return "/contrats/" + strconv.FormatInt(id, 10) + tail
}

// paymentsView fills the payment schedule: one line per payment, the planned
// and paid totals of each contract year (a calendar year for an MSP), and
// the overall totals. It returns the total paid.
func paymentsView(v *pages.ContractView, c store.Contract, ps []store.PaymentRow) domain.Cents {
	type tot struct{ planned, paid domain.Cents }
	years := map[int]*tot{}
	var total domain.Cents
	for _, p := range ps {
		pl := paymentLine(c, p)
		v.Payments = append(v.Payments, pl)
		if years[p.ContractYear] == nil {
			years[p.ContractYear] = &tot{}
		}
		years[p.ContractYear].planned += p.Amount
		if pl.Paid {
			years[p.ContractYear].paid += p.Amount
		}
		total += p.Amount
	}
	for y := 1; y <= 6; y++ {
		if t := years[y]; t != nil {
			label := "Année " + strconv.Itoa(y)
			if c.StructureType == domain.MSP {
				label = "Année civile " + strconv.Itoa(c.Start.Y+y-1)
			}
			v.YearTotals = append(v.YearTotals, pages.YearTotal{Year: label, Planned: domain.FormatEUR(t.planned), Paid: domain.FormatEUR(t.paid)})
		}
	}
	paid := store.PaidTotal(ps)
	v.Total, v.PaidTotal = domain.FormatEUR(total), domain.FormatEUR(paid)
	return paid
}

// paymentLine is one payment as shown; an MSP's payments are labelled with
// their calendar year.
func paymentLine(c store.Contract, p store.PaymentRow) pages.PaymentLine {
	mission := "Rémunération MSP"
	if p.Mission != "" {
		mission = p.Mission.Label()
	}
	pl := pages.PaymentLine{ID: p.ID, Due: p.Due.French(), Year: strconv.Itoa(p.ContractYear), Mission: mission,
		Kind: paymentKindLabel(p.Kind), Amount: domain.FormatEUR(p.Amount), Rule: p.Rule, Paid: p.Status == store.PaymentVerse, Status: p.Status.Label()}
	if c.StructureType == domain.MSP {
		pl.Year = strconv.Itoa(c.Start.Y + p.ContractYear - 1)
	}
	if pl.Paid {
		pl.PaidOn = p.PaidOn.French()
	}
	return pl
}

// terminationView fills the résiliation block once a résiliation was
// requested: who asked, when it takes effect, what is due then; before it is
// pronounced, the trop-perçu or reste dû as of the payments made (paid), after,
// the recorded figures. The résiliation cannot be pronounced before its
// effective date.
func terminationView(v *pages.ContractView, sc store.Scope, c store.Contract, paid domain.Cents, today domain.Date) {
	p := contractPerm(sc, c)
	v.RequestIsLetter = p.Party() == workflow.PartyStructure
	if c.TerminationReceived.IsZero() && c.TerminationLetter.IsZero() {
		return
	}
	v.RequestedBy, v.ReceivedLabel = "la structure", "Courrier reçu par la CPAM le"
	if c.TerminationBy == workflow.PartyCPAM {
		v.RequestedBy, v.ReceivedLabel = "la CPAM", "Décision notifiée le"
	}
	v.LetterOn = frenchOrEmpty(c.TerminationLetter)
	v.ReceivedOn, v.Effective = frenchOrEmpty(c.TerminationReceived), frenchOrEmpty(c.TerminationEffective)
	v.RecourseOn, v.DecidedOn = frenchOrEmpty(c.RecourseFiled), frenchOrEmpty(c.RecourseDecided)
	switch c.TerminationStatus {
	case contractlife.TerminationSuspended:
		v.TermStatus = "suspendue : recours devant la commission paritaire en attente de sa décision"
	case contractlife.TerminationAnnulled:
		v.TermStatus = "annulée : la commission paritaire ne l'a pas confirmée, le contrat reste en vigueur"
	case contractlife.TerminationScheduled:
		if c.State == workflow.ResiliationDemandee && !c.TerminationEffective.IsZero() {
			v.TermStatus = "programmée"
		}
	}
	if c.DecidedUpheld() {
		v.DecidedOn += " (résiliation confirmée)"
	}
	rec := p.Can(access.ActRecordTermination) && c.State == workflow.ResiliationDemandee
	v.CanRecordReceipt = rec && c.TerminationBy == workflow.PartyStructure && c.TerminationReceived.IsZero()
	v.CanRecordRecourse = rec && c.TerminationBy == workflow.PartyCPAM && c.RecourseFiled.IsZero() && !c.TerminationEffective.IsZero()
	v.CanRecordDecision = rec && c.TerminationStatus == contractlife.TerminationSuspended
	if c.Overpaid != nil {
		v.ResilieOn, v.Motivation = c.TerminatedOn.French(), c.Motivation
		if *c.Overpaid > 0 {
			v.TropPercu = domain.FormatEUR(*c.Overpaid)
		}
		if c.StillDue != nil && *c.StillDue > 0 {
			v.ResteDu = domain.FormatEUR(*c.StillDue)
		}
	} else if !c.TerminationReceived.IsZero() && c.TerminationStatus != contractlife.TerminationAnnulled {
		// Not applied yet: the estimate as of the payments made (paid).
		if t, err := funding.ContractTermination(c.Funding(), c.TerminationReceived, paid); err == nil {
			v.DueAtEffective = domain.FormatEUR(t.Due)
		}
	}
	if v.CanResilier && (c.TerminationEffective.IsZero() || today.Before(c.TerminationEffective)) {
		v.CanResilier = false
	}
}

func signerRole(p workflow.Party) string {
	switch p {
	case workflow.PartyStructure:
		return "un coordonnateur ou une coordonnatrice de la structure"
	case workflow.PartyCPAM:
		return "un·e responsable (manager) de la CPAM"
	}
	return "la direction de l'ARS"
}

func (s *Server) contractPrint(c store.Contract, inlineCSS string) pages.ContractPrint {
	start := ""
	if !c.Start.IsZero() {
		start = c.Start.French()
	}
	return pages.ContractPrint{Title: "Contrat " + c.Terms.Reference + " — " + c.StructureName, DocumentHTML: c.DocumentHTML,
		SHA256: c.DocumentSHA256, Parties: partyStatuses(c), Calendar: calendarDates(c), Start: start, InlineCSS: inlineCSS}
}

// contractDocument serves the document alone with the print stylesheet.
func (s *Server) contractDocument(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, pages.ContractPrintPage(s.contractPrint(c, "")))
}

// contractPDF prints the same HTML with headless Chromium; without Chromium
// it answers a French page offering the printable HTML (never a crash).
func (s *Server) contractPDF(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.contractOf(w, r)
	if !ok {
		return
	}
	s.servePDF(w, r, c, "contrat-"+c.Terms.Reference+".pdf", func(css string) templ.Component {
		return pages.ContractPrintPage(s.contractPrint(c, css))
	})
}

// servePDF prints the page built by page (given the print stylesheet to
// inline) with Chromium and sends it as filename; without Chromium it
// answers 503 with the offer of the printable page of contract c.
func (s *Server) servePDF(w http.ResponseWriter, r *http.Request, c store.Contract, filename string, page func(css string) templ.Component) {
	css, err := fs.ReadFile(web.Static(), "print.css")
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := page(string(css)).Render(r.Context(), &buf); err != nil {
		s.internalError(w, r, err)
		return
	}
	out, err := s.pdf.Print(r.Context(), buf.String())
	if err != nil {
		if !errors.Is(err, pdf.ErrNoBrowser) {
			s.log.Error("contract pdf", append(logAttrs(r), "error", err.Error())...)
		}
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, http.StatusServiceUnavailable, pages.ContractNoPDF(s.page(r, "PDF indisponible"), c.DossierID))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(out)
}
