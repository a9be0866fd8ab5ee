package server

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/filetype"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// The crisis plan and the avenants of a contract (docs/rules.md §31), under
// /contrats/{id} (withContractByID: 404 outside the scope).

func planBase(id int64) string { return contractURL(id, "/plan-crise") }

// crisisPlanShow lists the versions of the crisis plan, the upload form for
// the coordinator and the decision form for the CPAM.
func (s *Server) crisisPlanShow(w http.ResponseWriter, r *http.Request) {
	s.renderPlan(w, r, http.StatusOK, "", "")
}

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, status int, uploadErr, decideErr string) {
	sc, c, p, _ := contractFrom(r)
	if c.StructureType != domain.CPTS {
		s.notFound(w, r)
		return
	}
	vs, err := s.store.CrisisPlan(r.Context(), sc, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.PlanView{ContractURL: contractURL(c.ID, ""), Structure: c.StructureName, Base: planBase(c.ID),
		CanUpload: p.Can(access.ActUploadCrisisPlan), CanDecide: p.Can(access.ActDecideCrisisPlan), UploadError: uploadErr, DecideError: decideErr,
		Accept: filetype.Accept, Allowed: filetype.Allowed}
	for _, x := range vs {
		row := pages.PlanRow{N: strconv.Itoa(x.N), File: x.File.Filename + " (" + formatSize(x.File.Size) + ")",
			FileURL: planBase(c.ID) + "/" + strconv.Itoa(x.N), Uploaded: "déposé par " + x.UploadedBy + " le " + domain.FrenchDateTime(x.UploadedAt),
			State: x.StateLabel(), Reason: x.Reason, Pending: x.State == "en_attente", Payment: "—"}
		if !x.DecidedOn.IsZero() {
			row.Decided = "le " + x.DecidedOn.French() + " par " + x.DecidedBy
		}
		if x.PaymentID != 0 {
			row.Payment = domain.FormatEUR(x.Amount) + " (année " + strconv.Itoa(x.ContractYear) + ")"
		}
		v.Versions = append(v.Versions, row)
	}
	if status != http.StatusOK {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, pages.CrisisPlan(s.page(r, "Plan de crise — "+c.StructureName), v))
}

// crisisPlanUpload adds a version of the plan (checked by content, sized as
// every upload: internal/filetype).
func (s *Server) crisisPlanUpload(w http.ResponseWriter, r *http.Request) {
	sc, c, p, _ := contractFrom(r)
	if !p.Can(access.ActUploadCrisisPlan) {
		s.notFound(w, r)
		return
	}
	tooLarge := fmt.Sprintf("Le fichier dépasse %d Mo : il n'a pas été enregistré.", filetype.MaxSize>>20)
	if r.ContentLength > uploadBodyLimit {
		s.renderPlan(w, r, http.StatusRequestEntityTooLarge, tooLarge, "")
		return
	}
	if err := r.ParseMultipartForm(8 << 20); isTooLarge(err) {
		s.renderPlan(w, r, http.StatusRequestEntityTooLarge, tooLarge, "")
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.renderPlan(w, r, http.StatusUnprocessableEntity, "Choisissez un fichier à envoyer.", "")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, filetype.MaxSize+1))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if len(data) > filetype.MaxSize {
		s.renderPlan(w, r, http.StatusRequestEntityTooLarge, tooLarge, "")
		return
	}
	n, err := s.store.UploadCrisisPlan(r.Context(), sc, c.ID, hdr.Filename, data, s.now())
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.EInvalid || code == domain.EConflict {
			s.renderPlan(w, r, http.StatusUnprocessableEntity, domain.ErrorMessage(err), "")
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "La version "+strconv.Itoa(n)+" du plan de crise est déposée ; la CPAM va l'examiner.")
	redirect(w, r, planBase(c.ID))
}

// crisisPlanFile sends version {n} of the plan, through the contract's scope.
func (s *Server) crisisPlanFile(w http.ResponseWriter, r *http.Request) {
	sc, c, _, _ := contractFrom(r)
	n, err := strconv.Atoi(chiParam(r, "n"))
	if err != nil || n < 1 || n > 1_000_000 {
		s.notFound(w, r)
		return
	}
	f, data, err := s.store.CrisisPlanFile(r.Context(), sc, c.ID, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, r, f.Filename, f.MediaType, "", data)
}

// crisisPlanDecide records the CPAM's acceptance (and its payment) or
// refusal of version {n}.
func (s *Server) crisisPlanDecide(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, p, _ := contractFrom(r)
	if !p.Can(access.ActDecideCrisisPlan) {
		s.notFound(w, r)
		return
	}
	n, err := strconv.Atoi(chiParam(r, "n"))
	if err != nil || n < 1 {
		s.notFound(w, r)
		return
	}
	if !s.confirmed(w, r, "Enregistrer cette décision sur le plan de crise ?") {
		return
	}
	accept := r.PostFormValue("decision") == "accepter"
	amount, err := s.store.DecideCrisisPlan(r.Context(), sc, store.PlanDecision{ContractID: c.ID, N: n, Accept: accept,
		Reason: formValue(r, "reason", 2100), At: s.now()})
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.EInvalid || code == domain.EConflict {
			s.renderPlan(w, r, http.StatusUnprocessableEntity, "", domain.ErrorMessage(err))
			return
		}
		s.fail(w, r, err)
		return
	}
	msg := "Le plan de crise est refusé ; la structure en est informée."
	if accept {
		msg = "Le plan de crise est accepté : versement de " + domain.FormatEUR(amount) + " créé."
	}
	s.flash(r, "ok", msg)
	redirect(w, r, planBase(c.ID))
}

func avenantsBase(id int64) string { return contractURL(id, "/avenants") }

// avenantsShow lists the avenants and the proposal form (?territoire=1
// opens it from the territory editor).
func (s *Server) avenantsShow(w http.ResponseWriter, r *http.Request) {
	s.renderAvenants(w, r, http.StatusOK, pages.AvenantForm{Territory: r.URL.Query().Get("territoire") == "1"})
}

// optionalMissions are the optional missions the contract does not have yet
// (an avenant may add them), chosen ones checked.
func optionalMissions(c store.Contract, chosen []string) []pages.Option {
	out := []pages.Option{}
	for _, m := range []funding.Mission{funding.Qualite, funding.Accompagnement} {
		if slices.ContainsFunc(c.Terms.Missions, func(x store.ContractMission) bool { return x.Code == m }) {
			continue
		}
		sel := false
		for _, c := range chosen {
			sel = sel || c == string(m)
		}
		out = append(out, pages.Option{Value: string(m), Label: m.Label(), Selected: sel})
	}
	return out
}

func (s *Server) renderAvenants(w http.ResponseWriter, r *http.Request, status int, form pages.AvenantForm) {
	sc, c, p, _ := contractFrom(r)
	avs, err := s.store.ContractAvenants(r.Context(), sc, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if form.Missions == nil {
		form.Missions = optionalMissions(c, nil)
	}
	if form.Effective == "" {
		form.Effective = domain.DateOf(s.now()).French()
	}
	if form.AddWeight == "" {
		form.AddWeight = "1"
	}
	v := pages.AvenantsView{ContractURL: contractURL(c.ID, ""), Structure: c.StructureName, Base: avenantsBase(c.ID),
		Rows: avenantLines(c.ID, avs), CanPropose: p.Can(access.ActProposeAvenant), Version: c.Version, Form: form,
		MSP: c.StructureType == domain.MSP}
	if v.CanPropose {
		if err := s.avenantIndicatorRows(r, c, &v.Form); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if status != http.StatusOK {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, pages.Avenants(s.page(r, "Avenants — "+c.StructureName), v))
}

// avenantIndicatorRows fills the indicator part of the avenant form: the
// indicators of the next contract year to start (the first an avenant
// effective today reaches; the last year when none starts any more), each
// with its targets in force, the new target typed and, for an optional one,
// the removal box; the missions an indicator may be added to (docs/rules.md
// §31).
func (s *Server) avenantIndicatorRows(r *http.Request, c store.Contract, f *pages.AvenantForm) error {
	n, err := contractlife.IndicatorFromYear(c.Start, domain.DateOf(s.now()))
	if err != nil || n == 0 {
		n = funding.ContractYears
	}
	sc, _ := scopeFrom(r.Context())
	inds, err := s.store.ContractIndicators(r.Context(), sc, c, n)
	if err != nil {
		return err
	}
	f.IndicatorYear = strconv.Itoa(n)
	f.Indicators = nil
	for _, x := range inds {
		f.Indicators = append(f.Indicators, pages.AvenantIndicatorRow{Code: x.Code, Label: x.Label, Mission: x.Mission.Label(), Unit: x.Unit.Label(),
			Current: store.TargetsLabel(x, n), Target: f.Targets[x.Code], Removable: !x.Mandatory, Remove: slices.Contains(f.Remove, x.Code)})
	}
	f.AddMissions = nil
	for _, m := range funding.AllMissions() {
		in := slices.ContainsFunc(c.Terms.Missions, func(x store.ContractMission) bool { return x.Code == m }) ||
			slices.ContainsFunc(f.Missions, func(o pages.Option) bool { return o.Value == string(m) })
		if in && m.HasAchievement() {
			f.AddMissions = append(f.AddMissions, pages.Option{Value: string(m), Label: m.Label(), Selected: f.AddMission == string(m)})
		}
	}
	return nil
}

func codesOf(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
}

// avenantPropose records a proposed avenant (store.ProposeAvenant): the
// version shown must still be the contract's (one avenant per form).
func (s *Server) avenantPropose(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, p, _ := contractFrom(r)
	if !p.Can(access.ActProposeAvenant) {
		s.notFound(w, r)
		return
	}
	form := pages.AvenantForm{Object: formValue(r, "object", store.MaxAvenantText+1), Effective: formValue(r, "effective", 20),
		Add: formValue(r, "add", 2000), RemoveCommunes: formValue(r, "remove", 2000),
		Missions: optionalMissions(c, r.PostForm["missions"]), Errors: map[string]string{}, Targets: map[string]string{},
		Remove: r.PostForm["remove_indicators"], AddMission: formValue(r, "add_mission", 40), AddLabel: formValue(r, "add_label", 600),
		AddDirection: formValue(r, "add_direction", 20), AddUnit: formValue(r, "add_unit", 20), AddBaseline: formValue(r, "add_baseline", 40),
		AddTarget: formValue(r, "add_target", 40), AddWeight: formValue(r, "add_weight", 10)}
	for k := range r.PostForm {
		if code, ok := strings.CutPrefix(k, "target_"); ok && len(code) <= 64 {
			if v := formValue(r, k, 40); strings.TrimSpace(v) != "" {
				form.Targets[code] = v
			}
		}
	}
	eff, ok := parseFrenchDate(form.Effective)
	if !ok {
		form.Errors["effective"] = "Indiquez la date d'effet au format jj/mm/aaaa."
		s.renderAvenants(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	in := store.AvenantProposal{ContractID: c.ID, Version: formVersion(r), Object: form.Object, Effective: eff,
		Targets: form.Targets, RemoveIndicators: form.Remove,
		AddIndicator: store.AvenantNewIndicator{Mission: form.AddMission, Label: form.AddLabel, Direction: form.AddDirection, Unit: form.AddUnit,
			Baseline: form.AddBaseline, Target: form.AddTarget, Weight: form.AddWeight},
		AddCommunes: codesOf(form.Add), RemoveCommunes: codesOf(form.RemoveCommunes), At: s.now()}
	for _, o := range form.Missions {
		if o.Selected {
			in.Missions = append(in.Missions, funding.Mission(o.Value))
		}
	}
	id, err := s.store.ProposeAvenant(idempotent(r), sc, in)
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EInvalid:
			fieldErrors(err, form.Errors)
			s.renderAvenants(w, r, http.StatusUnprocessableEntity, form)
		case domain.EConflict:
			form.Errors["form"] = domain.ErrorMessage(err)
			s.renderAvenants(w, r, http.StatusConflict, form)
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.flash(r, "ok", "L'avenant est proposé ; il attend l'acceptation de la CPAM.")
	redirect(w, r, avenantsBase(c.ID)+"/"+strconv.FormatInt(id, 10))
}

// fieldErrors puts each refusal of a (joined) error at its field in errs
// ("form" for one without a field), the first one of a field kept.
func fieldErrors(err error, errs map[string]string) {
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		f := errField(e, "form")
		if errs[f] == "" {
			errs[f] = domain.ErrorMessage(e)
		}
	}
	walk(err)
}

// avenantOf loads avenant {aid} of the contract (404 outside the scope).
func (s *Server) avenantOf(w http.ResponseWriter, r *http.Request) (store.Avenant, bool) {
	sc, c, _, _ := contractFrom(r)
	aid, ok := pathID(chiParam(r, "aid"))
	if !ok {
		s.notFound(w, r)
		return store.Avenant{}, false
	}
	v, err := s.store.ContractAvenant(r.Context(), sc, c.ID, aid)
	if err != nil {
		s.fail(w, r, err)
		return v, false
	}
	return v, true
}

// avenantChangeLines are the French lines of an avenant's changes.
func avenantChangeLines(ch store.AvenantChanges) []string {
	var out []string
	for _, m := range ch.Missions {
		out = append(out, "Mission optionnelle ajoutée : "+m.Label())
	}
	if ch.Indicators != "" {
		out = append(out, "Indicateurs et objectifs : "+ch.Indicators)
	}
	for _, x := range ch.IndicatorChanges {
		out = append(out, x.Line())
	}
	if t := ch.Territory; t != nil {
		l := fmt.Sprintf("Territoire : communes ajoutées %s ; retirées %s ; population %s → %s habitants, taille %d → %d",
			orNone(strings.Join(t.Add, ", ")), orNone(strings.Join(t.Remove, ", ")), domain.GroupThousands(t.PopulationBefore),
			domain.GroupThousands(t.PopulationAfter), t.TierBefore, t.TierAfter)
		if t.FromYear > 0 {
			l += fmt.Sprintf(", à compter de l'année %d du contrat (premier anniversaire qui suit la date d'effet)", t.FromYear)
		} else {
			l += " (aucun anniversaire du contrat ne suit la date d'effet : la taille ne change pas les versements)"
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		out = append(out, "Avenant enregistré sans effet sur l'échéancier.")
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "aucune"
	}
	return s
}

// avenantShow is /contrats/{id}/avenants/{aid}: the avenant, its path and
// the forms the viewer may use (accept, sign).
func (s *Server) avenantShow(w http.ResponseWriter, r *http.Request) {
	v, ok := s.avenantOf(w, r)
	if !ok {
		return
	}
	sc, c, p, _ := contractFrom(r)
	base := avenantsBase(c.ID) + "/" + strconv.FormatInt(v.ID, 10)
	view := pages.AvenantView{ContractURL: contractURL(c.ID, ""), Structure: c.StructureName, Base: base, Number: strconv.Itoa(v.Number),
		Object: v.Object, Effective: v.EffectiveOn.French(), Status: store.AvenantStateLabel(v.Status),
		ProposedBy: "par " + v.CreatedBy + " le " + domain.FrenchDateTime(v.CreatedAt), Refusal: v.Refusal, Changes: avenantChangeLines(v.Changes),
		CanDecide: (v.Status == store.AvenantPropose || v.Status == store.AvenantAccepte) && p.Can(access.ActAcceptAvenant),
		CanAccept: v.Status == store.AvenantPropose}
	if v.AcceptedAt != nil {
		view.Accepted = "par " + v.AcceptedBy + " le " + domain.FrenchDateTime(*v.AcceptedAt)
	}
	for _, sg := range v.Signatures {
		view.Signatures = append(view.Signatures, sg.Party.Label()+" : "+sg.UserName+" ("+sg.Organisation+"), le "+domain.FrenchDateTime(sg.SignedAt))
	}
	if party := p.Party(); v.Status == store.AvenantAccepte && party != "" && !v.Signed(party) && p.Can(access.ActSignAvenant) {
		view.CanSign, view.SignParty = true, party.Label()
	}
	if v.Status == store.AvenantSigne && v.Version > 0 {
		if d, err := s.store.AvenantDocument(r.Context(), sc, c.ID, v.ID); err == nil {
			view.DocumentURL, view.DocumentSHA, view.DocumentVer = base+"/document", d.SHA256, strconv.Itoa(d.Version)
		}
	}
	s.render(w, r, http.StatusOK, pages.AvenantShow(s.page(r, "Avenant n° "+view.Number+" — "+c.StructureName), view))
}

// avenantDocument shows the contract document version the avenant created.
func (s *Server) avenantDocument(w http.ResponseWriter, r *http.Request) {
	v, ok := s.avenantOf(w, r)
	if !ok {
		return
	}
	sc, c, _, _ := contractFrom(r)
	d, err := s.store.AvenantDocument(r.Context(), sc, c.ID, v.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc := pages.ContractPrint{Title: "Contrat " + c.Terms.Reference + " — version " + strconv.Itoa(d.Version), DocumentHTML: d.HTML, SHA256: d.SHA256}
	if strings.HasSuffix(r.URL.Path, ".pdf") {
		s.servePDF(w, r, c, "contrat-"+c.Terms.Reference+"-version-"+strconv.Itoa(d.Version)+".pdf", func(css string) templ.Component {
			doc.InlineCSS = css
			return pages.ContractPrintPage(doc)
		})
		return
	}
	s.render(w, r, http.StatusOK, pages.ContractPrintPage(doc))
}

// avenantDecide records the CPAM's acceptance or refusal.
func (s *Server) avenantDecide(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, p, _ := contractFrom(r)
	if !p.Can(access.ActAcceptAvenant) {
		s.notFound(w, r)
		return
	}
	v, ok := s.avenantOf(w, r)
	if !ok {
		return
	}
	if !s.confirmed(w, r, "Enregistrer la décision de la CPAM sur cet avenant ?") {
		return
	}
	accept := r.PostFormValue("decision") == "accepter"
	if err := s.store.DecideAvenant(r.Context(), sc, c.ID, v.ID, accept, formValue(r, "reason", 2100), s.now()); err != nil {
		s.lifeRefused(w, r, err, avenantsBase(c.ID)+"/"+strconv.FormatInt(v.ID, 10))
		return
	}
	msg := "L'avenant est refusé."
	if accept {
		msg = "L'avenant est accepté : il attend les signatures de la structure, de la CPAM et de l'ARS."
	}
	s.flash(r, "ok", msg)
	redirect(w, r, avenantsBase(c.ID)+"/"+strconv.FormatInt(v.ID, 10))
}

// avenantSign records the viewer's signature; the third applies the avenant.
func (s *Server) avenantSign(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, p, _ := contractFrom(r)
	if !p.Can(access.ActSignAvenant) || p.Party() == "" {
		s.notFound(w, r)
		return
	}
	v, ok := s.avenantOf(w, r)
	if !ok {
		return
	}
	if !s.confirmed(w, r, "Signer cet avenant ? La signature est définitive.") {
		return
	}
	back := avenantsBase(c.ID) + "/" + strconv.FormatInt(v.ID, 10)
	eff, err := s.store.SignAvenant(r.Context(), sc, c.ID, v.ID, s.now())
	if err != nil {
		s.lifeRefused(w, r, err, back)
		return
	}
	msg := "Votre signature de l'avenant est enregistrée."
	if eff.Applied {
		msg = fmt.Sprintf("L'avenant est signé par les trois parties et prend effet : %d paiement(s) prévu(s) remplacé(s), %d créé(s) ; contrat version %d.", eff.Cancelled, eff.Created, eff.Version)
	}
	s.flash(r, "ok", msg)
	redirect(w, r, back)
}

// lifeRefused sends a refused act back to its page with the French reason
// (a flash): invalid or conflict; anything else goes through s.fail.
func (s *Server) lifeRefused(w http.ResponseWriter, r *http.Request, err error, back string) {
	switch domain.ErrorCode(err) {
	case domain.EInvalid, domain.EConflict:
		s.flash(r, "error", domain.ErrorMessage(err))
		redirect(w, r, back)
	default:
		s.fail(w, r, err)
	}
}
