package server

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/filetype"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

// historyPageSize is the number of history rows per page of the contract's
// home.
const historyPageSize = 20

// contractHome is the home of a contract (/contrats/{id}, docs/rules.md
// §28): parties and signature, the contract years with their barème,
// indicators and payments, every mission against its deadlines, and the
// history.
func (s *Server) contractHome(w http.ResponseWriter, r *http.Request) {
	sc, c, _, _ := contractFrom(r)
	s.renderContractHome(w, r, sc, c, http.StatusOK, nil, nil)
}

func (s *Server) renderContractHome(w http.ResponseWriter, r *http.Request, sc store.Scope, c store.Contract, status int, errs, vals map[string]string) {
	ctx := r.Context()
	today := domain.DateOf(s.now())
	life, err := s.store.ContractLife(ctx, sc, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := contractPerm(sc, c)
	v := pages.ContractHomeView{
		ContractID: c.ID, DossierID: c.DossierID, StructureName: c.StructureName, StateLabel: c.State.Label(),
		StateClass: stateClass(c.State), Reference: c.Terms.Reference, CPTS: c.StructureType == domain.CPTS,
		Parties: partyStatuses(c), Today: today.French(), Errors: errs, Values: vals,
		CanDeclare: p.Can(access.ActDeclareMissionStart),
	}
	if c.Tier > 0 {
		v.TierLabel = "taille " + strconv.Itoa(c.Tier) + " (" + domain.GroupThousands(c.Population) + " habitants)"
	}
	if !c.Start.IsZero() {
		v.SignedOn, v.LastDay = c.Start.French(), contractlife.LastDay(c.Start).French()
		if v.CPTS {
			s.cptsYears(ctx, &v, c, life, today)
		} else {
			mspYears(&v, c, life.Payments)
		}
	} else {
		v.OtherPayments = homePayments(life.Payments)
	}
	v.History, v.HistoryPager = historyLines(r, c.ID, life.History)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, pages.ContractHome(s.page(r, "Contrat — "+c.StructureName), v))
}

// cptsYears fills the years, missions and payments of a signed CPTS
// contract.
func (s *Server) cptsYears(ctx context.Context, v *pages.ContractHomeView, c store.Contract, life store.ContractLifeData, today domain.Date) {
	years, _ := contractlife.Years(c.Start)
	baremes, err := s.store.LoadBaremes(ctx)
	var byYear [funding.ContractYears]funding.Bareme
	if err == nil {
		byYear, err = contractlife.BaremesByYear(baremes, c.Start)
	}
	if err != nil {
		v.YearsError = domain.ErrorMessage(err)
	}
	byYearPayments := map[int][]store.PaymentRow{}
	for _, p := range life.Payments {
		byYearPayments[p.ContractYear] = append(byYearPayments[p.ContractYear], p)
	}
	for i, y := range years {
		yv := pages.ContractYearView{N: y.N, Title: "Année " + strconv.Itoa(y.N), Label: y.Label(), Current: y.Contains(today),
			EvalURL: "/contrats/" + strconv.FormatInt(c.ID, 10) + "/annees/" + strconv.Itoa(y.N)}
		if byYear[i].Name != "" {
			yv.Bareme = byYear[i].Name + " (en vigueur le " + y.Start.French() + ")"
		}
		if d, ok := life.Closed[y.N]; ok {
			yv.Closed = d.French()
		}
		yv.Indicators = indicatorLines(c)
		ps := byYearPayments[y.N]
		yv.Payments = homePayments(ps)
		var total domain.Cents
		hasBalance := false
		for _, p := range ps {
			if contractlife.PaymentState(p.Status) != contractlife.Cancelled {
				total += p.Amount
			}
			hasBalance = hasBalance || p.Kind == funding.KindSolde
		}
		// The balance of a begun year exists once the year is closed
		// (docs/rules.md §6): until then it is awaited.
		if !hasBalance && !y.Start.After(today) {
			yv.Payments = append(yv.Payments, pages.HomePayment{Due: y.Next().French() + " au plus tôt", Mission: "Toutes les missions", Kind: "Solde",
				Amount: "—", Rule: "Solde de l'année " + strconv.Itoa(y.N) + " : part fixe restante et part variable × atteinte validée (ACI art. 9.1)",
				Status: "en attente de l'évaluation", StatusClass: "warn"})
		}
		if len(ps) > 0 {
			yv.Total = domain.FormatEUR(total)
		}
		v.Years = append(v.Years, yv)
	}
	for y, ps := range byYearPayments {
		if y < 1 || y > funding.ContractYears {
			v.OtherPayments = append(v.OtherPayments, homePayments(ps)...)
		}
	}
	v.Missions = missionLines(c, life.Missions, today, v.CanDeclare)
}

// mspYears groups an MSP's payments by civil year (docs/rules.md §9).
func mspYears(v *pages.ContractHomeView, c store.Contract, ps []store.PaymentRow) {
	by := map[int][]store.PaymentRow{}
	maxY := 0
	for _, p := range ps {
		by[p.ContractYear] = append(by[p.ContractYear], p)
		maxY = max(maxY, p.ContractYear)
	}
	for y := 1; y <= maxY; y++ {
		if len(by[y]) == 0 {
			continue
		}
		civil := c.Start.Y + y - 1
		var total domain.Cents
		for _, p := range by[y] {
			total += p.Amount
		}
		v.Years = append(v.Years, pages.ContractYearView{N: y, Title: "Année civile " + strconv.Itoa(civil),
			Label: "du 01/01/" + strconv.Itoa(civil) + " au 31/12/" + strconv.Itoa(civil), Payments: homePayments(by[y]), Total: domain.FormatEUR(total),
			EvalURL: "/contrats/" + strconv.FormatInt(c.ID, 10) + "/annees/" + strconv.Itoa(y)})
	}
	v.OtherPayments = homePayments(by[0])
}

func homePayments(ps []store.PaymentRow) []pages.HomePayment {
	out := make([]pages.HomePayment, 0, len(ps))
	for _, p := range ps {
		mission := "Rémunération MSP"
		if p.Mission != "" {
			mission = p.Mission.Label()
		}
		st := contractlife.PaymentState(p.Status)
		status := st.Label()
		if st == contractlife.Paid || st == contractlife.Recovered {
			status += " le " + p.PaidOn.French()
		}
		class := ""
		switch st {
		case contractlife.Paid, contractlife.Recovered:
			class = "ok"
		case contractlife.Cancelled:
			class = "error"
		case contractlife.Ordered:
			class = "warn"
		}
		kind := paymentKindLabel(p.Kind)
		if kind == "" {
			kind = string(p.Kind)
		}
		out = append(out, pages.HomePayment{Due: p.Due.French(), Mission: mission, Kind: kind, Amount: domain.FormatEUR(p.Amount),
			Rule: p.Rule, Status: status, StatusClass: class})
	}
	return out
}

// indicatorLines are the contract's indicators, as frozen in the
// contract's terms (docs/rules.md §6: values shown as written).
func indicatorLines(c store.Contract) []pages.IndicatorLine {
	var out []pages.IndicatorLine
	for _, m := range c.Terms.Missions {
		for _, ind := range m.Indicators {
			out = append(out, pages.IndicatorLine{Mission: m.Label, Label: ind.Label, Direction: ind.Direction,
				Baseline: ind.Baseline, Target: ind.Target})
		}
	}
	return out
}

// missionLines is every mission of the contract with its status against
// its deadlines (docs/rules.md §7: late ones flagged on every page).
func missionLines(c store.Contract, progress []store.MissionProgress, today domain.Date, canDeclare bool) []pages.MissionLine {
	by := map[funding.Mission]store.MissionProgress{}
	for _, p := range progress {
		by[p.Mission] = p
	}
	base := "/contrats/" + strconv.FormatInt(c.ID, 10) + "/missions/"
	var out []pages.MissionLine
	for _, cm := range c.Terms.Missions {
		p, ok := by[cm.Code]
		if !ok {
			p = store.MissionProgress{Mission: cm.Code}
		}
		dl := contractlife.MissionDeadline(cm.Code, c.Start)
		late := contractlife.Lateness(p.Progress(), c.Start, today)
		ml := pages.MissionLine{Code: string(cm.Code), Label: cm.Label, Status: "non démarrée", StatusClass: "warn",
			StartBy: "pas d'échéance", DeployBy: "pas d'échéance", Late: late.Any(), LateReasons: late.Reasons}
		if !dl.Start.IsZero() {
			ml.StartBy = dl.Start.French()
		}
		if !dl.Deployed.IsZero() {
			ml.DeployBy = dl.Deployed.French()
		}
		switch {
		case !p.DeployedOn.IsZero():
			ml.Status, ml.StatusClass = "déployée le "+p.DeployedOn.French()+" (démarrée le "+p.StartedOn.French()+")", "ok"
		case !p.StartedOn.IsZero():
			ml.Status, ml.StatusClass = "démarrée le "+p.StartedOn.French(), "ok"
		}
		if late.Any() {
			ml.StatusClass = "error"
		}
		ml.StartEvidence, ml.StartedBy = p.StartEvidence, p.StartedBy
		ml.DeployEvidence, ml.DeployedBy = p.DeployEvidence, p.DeployedBy
		if p.StartFile != nil {
			ml.StartFileURL, ml.StartFileName = base+string(cm.Code)+"/demarrage/fichier", p.StartFile.Filename
		}
		if p.DeployFile != nil {
			ml.DeployFileURL, ml.DeployFileName = base+string(cm.Code)+"/deploiement/fichier", p.DeployFile.Filename
		}
		ml.CanStart = canDeclare && p.StartedOn.IsZero()
		ml.CanDeploy = canDeclare && !p.StartedOn.IsZero() && p.DeployedOn.IsZero()
		out = append(out, ml)
	}
	return out
}

// historyLines is one page of the history, newest first (?page=N).
func historyLines(r *http.Request, contractID int64, hist []store.AuditEntry) ([]pages.HistoryLine, components.Pager) {
	total := len(hist)
	pages_ := max(1, (total+historyPageSize-1)/historyPageSize)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = min(max(page, 1), pages_)
	var out []pages.HistoryLine
	for i := total - 1 - (page-1)*historyPageSize; i >= 0 && len(out) < historyPageSize; i-- {
		h := hist[i]
		at := h.At.In(domain.Paris)
		out = append(out, pages.HistoryLine{At: domain.DateOf(at).French() + " à " + at.Format("15:04"), Actor: h.ActorName,
			Action: store.ActionLabel(h.Transition), Detail: h.Motivation})
	}
	return out, components.Pager{Page: page, Pages: pages_, Total: total, Base: "/contrats/" + strconv.FormatInt(contractID, 10) + "?"}
}

// missionDeclare handles POST /contrats/{id}/missions/{mission}/demarrage
// and …/deploiement (docs/rules.md §7, §28): date, evidence, optional file;
// errors next to their field.
func (s *Server) missionDeclare(deploy bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, c, _, _ := contractFrom(r)
		m := funding.Mission(chiParam(r, "mission"))
		kind := "demarrage"
		if deploy {
			kind = "deploiement"
		}
		form := kind + "-" + string(m)
		fail := func(field string, err error, vals map[string]string) {
			code := domain.ErrorCode(err)
			if code != domain.EInvalid && code != domain.EConflict {
				s.fail(w, r, err)
				return
			}
			status := http.StatusUnprocessableEntity
			if code == domain.EConflict {
				status, field = http.StatusConflict, "form"
			}
			if f := fieldOf(err); f != "" {
				field = f
			}
			switch field {
			case "date", "evidence", "file", "confirm":
			default:
				field = "form"
			}
			// Reload: the contract may have changed (conflict).
			c2, lerr := s.store.ContractByID(r.Context(), sc, c.ID)
			if lerr != nil {
				s.fail(w, r, lerr)
				return
			}
			pv := map[string]string{}
			for k, x := range vals {
				pv[form+"-"+k] = x
			}
			s.renderContractHome(w, r, sc, c2, status, map[string]string{form + "-" + field: domain.ErrorMessage(err)}, pv)
		}
		if !m.Valid() || m == funding.Fonctionnement {
			s.notFound(w, r)
			return
		}
		if r.ContentLength > uploadBodyLimit {
			fail("file", domain.FieldError("file", "Le fichier dépasse %s : réduisez-le ou enregistrez-le en PDF.", formatSize(filetype.MaxSize)), nil)
			return
		}
		if err := r.ParseMultipartForm(8 << 20); isTooLarge(err) {
			fail("file", domain.FieldError("file", "Le fichier dépasse %s : réduisez-le ou enregistrez-le en PDF.", formatSize(filetype.MaxSize)), nil)
			return
		}
		if !s.parseForm(w, r) {
			return
		}
		if !c.Permission(sc).Can(access.ActDeclareMissionStart) {
			// Not the coordinator (or not a CPTS contract in force).
			s.notFound(w, r)
			return
		}
		vals := map[string]string{"date": formValue(r, "date", 20), "evidence": formValue(r, "evidence", store.MaxEvidence+1)}
		if r.PostFormValue("confirm") != "1" {
			fail("confirm", domain.FieldError("confirm", "Cochez la case de confirmation : la déclaration ne pourra plus être modifiée."), vals)
			return
		}
		on, ok := parseFrenchDate(vals["date"])
		if !ok {
			fail("date", domain.FieldError("date", "Indiquez une date au format jj/mm/aaaa."), vals)
			return
		}
		now := s.now()
		in := store.MissionDeclaration{ContractID: c.ID, Mission: m, On: on, Evidence: vals["evidence"], At: now, Today: domain.DateOf(now)}
		if f, hdr, err := r.FormFile("file"); err == nil {
			data, rerr := io.ReadAll(io.LimitReader(f, filetype.MaxSize+1))
			_ = f.Close()
			if rerr != nil {
				s.internalError(w, r, rerr)
				return
			}
			if len(data) > 0 {
				in.Filename, in.Data = hdr.Filename, data
			}
		}
		var err error
		msg := "Le déploiement de la mission « " + m.Label() + " » est enregistré."
		if deploy {
			err = s.store.DeclareMissionDeployment(r.Context(), sc, in)
		} else {
			var ids []int64
			ids, err = s.store.DeclareMissionStart(r.Context(), sc, in)
			msg = "Le démarrage de la mission « " + m.Label() + " » est enregistré"
			if len(ids) > 0 {
				msg += " ; son avance est créée."
			} else {
				msg += "."
			}
		}
		if err != nil {
			fail("form", err, vals)
			return
		}
		s.flash(r, "ok", msg)
		redirect(w, r, "/contrats/"+strconv.FormatInt(c.ID, 10)+"#missions")
	}
}

// missionFile sends the evidence file of a mission's start or deployment,
// read through the contract's scope (404 outside it).
func (s *Server) missionFile(w http.ResponseWriter, r *http.Request) {
	sc, c, _, _ := contractFrom(r)
	m := funding.Mission(chiParam(r, "mission"))
	kind := chiParam(r, "kind")
	if !m.Valid() || (kind != "demarrage" && kind != "deploiement") {
		s.notFound(w, r)
		return
	}
	f, err := s.store.MissionFile(r.Context(), sc, c.ID, m, kind == "deploiement")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, r, f.Filename, f.MediaType, "", f.Content)
}
