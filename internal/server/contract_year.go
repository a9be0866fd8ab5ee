package server

import (
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// The yearly evaluation of a contract at /contrats/{id}/annees/{n}
// (docs/rules.md §6, §29): n is the contract year (CPTS, 1..5) or the civil
// year (MSP). The contract is loaded through the scope (withContractByID).

func (s *Server) yearParams(w http.ResponseWriter, r *http.Request) (store.Scope, store.Contract, access.Permission, int, bool) {
	sc, c, p, ok := contractFrom(r)
	n, err := strconv.Atoi(chiParam(r, "n"))
	if !ok || err != nil || n < 1 || n > 9999 {
		s.notFound(w, r)
		return sc, c, p, 0, false
	}
	return sc, c, p, n, true
}

func (s *Server) yearBase(c store.Contract, n int) string {
	return "/contrats/" + strconv.FormatInt(c.ID, 10) + "/annees/" + strconv.Itoa(n)
}

func (s *Server) yearShow(w http.ResponseWriter, r *http.Request) {
	sc, c, p, n, ok := s.yearParams(w, r)
	if !ok {
		return
	}
	s.renderYear(w, r, sc, c, p, n, http.StatusOK, nil, nil, nil)
}

func paymentStatusLabel(st store.PaymentStatus) string {
	switch st {
	case "ordonnance":
		return "Ordonnancé"
	case "annule":
		return "Annulé"
	case "recouvre":
		return "Recouvré"
	}
	return st.Label()
}

func (s *Server) renderYear(w http.ResponseWriter, r *http.Request, sc store.Scope, c store.Contract, p access.Permission, n, status int, errs, vals map[string]string, summary []string) {
	today := domain.DateOf(s.now())
	y, err := s.store.ContractYear(r.Context(), sc, c.ID, n, today)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := s.yearBase(c, n)
	v := pages.YearView{Base: base, ContractURL: "/contrats/" + strconv.FormatInt(c.ID, 10), StructureName: c.StructureName,
		MSP: y.MSP, Window: y.Window.Label(), WindowOpen: y.Window.Contains(today), Version: strconv.Itoa(y.Version),
		BaremeName: y.BaremeName, Agenda: y.Agenda, Closed: y.Closed, Missing: y.Missing, Gate: y.Gate,
		GateMissing: strings.Join(y.GateMissing, ", "), Errs: errs, Vals: vals, Summary: summary}
	if y.MSP {
		v.Heading = "Évaluation de l'année civile " + strconv.Itoa(n) + " — " + c.StructureName
	} else {
		v.Heading = "Évaluation de l'année " + strconv.Itoa(n) + " du contrat — " + c.StructureName
	}
	v.Period = "Du " + y.Start.French() + " au " + y.End.French()
	switch {
	case y.Closed:
		v.Status = "année clôturée"
	case y.Submitted():
		v.Status = "déclaration transmise le " + domain.FrenchDateTime(y.SubmittedAt) + " par " + y.SubmittedBy + ", en cours de validation par la CPAM"
	case y.Status == "brouillon":
		v.Status = "brouillon (non transmis)"
	default:
		v.Status = "aucune déclaration"
	}
	if y.Closed {
		v.ClosedLabel = "Année clôturée le " + y.ClosedOn.French() + " par " + y.ClosedBy + "."
	}
	for _, yn := range yearNumbers(c) {
		label := "Année " + strconv.Itoa(yn)
		v.Years = append(v.Years, pages.YearLink{Label: label, URL: s.yearBase(c, yn), Current: yn == n})
	}
	fileView := func(f store.YearFile) pages.YearFileView {
		return pages.YearFileView{Name: f.Name, Size: formatSize(f.Size), URL: base + "/pieces/" + strconv.FormatInt(f.ID, 10)}
	}
	for _, ind := range y.Indicators {
		iv := pages.YearIndicatorView{Code: ind.Code, Label: ind.Label, Mission: ind.Mission.Label(), Unit: ind.Unit.Label(),
			Baseline: ind.Baseline.String(), Target: ind.Target.String(), Declared: ind.Show(ind.Declared), DeclaredInput: ind.Input(ind.Declared),
			Comment: ind.Comment, Validated: ind.Show(ind.Validated), Reason: ind.Reason, ValidatedBy: ind.ValidatedBy, Rate: ind.Rate(),
			Corrected: ind.Show(ind.Corrected), Version: strconv.Itoa(ind.Version), Met: ind.Unit == store.UnitMet}
		if iv.Baseline == "" {
			iv.Baseline = "à fixer"
		}
		if iv.Target == "" {
			iv.Target = "à fixer"
		}
		for _, f := range ind.Files {
			iv.Files = append(iv.Files, fileView(f))
		}
		v.Indicators = append(v.Indicators, iv)
	}
	for _, q := range y.Questions {
		v.Questions = append(v.Questions, pages.YearQuestionView{Party: partyOrgLabel(q.Party), Author: q.Author, Body: q.Body, At: domain.FrenchDateTime(q.At)})
	}
	for _, m := range y.Meetings {
		mv := pages.YearMeetingView{Date: m.HeldOn.French(), Structure: m.Structure, CPAM: m.CPAM, ARS: m.AR, Minutes: m.Minutes, By: m.RecordedBy}
		for _, f := range m.Files {
			mv.Files = append(mv.Files, fileView(f))
		}
		v.Meetings = append(v.Meetings, mv)
	}
	for _, pm := range y.Payments {
		label := paymentKindLabel(pm.Kind)
		if label == "" {
			label = string(pm.Kind)
		}
		mission := pm.Mission.Label()
		if pm.Mission == "" {
			mission = "—"
		}
		v.Payments = append(v.Payments, pages.YearPaymentView{Kind: label, Mission: mission, Amount: domain.FormatEUR(pm.Amount), Due: pm.Due.French(),
			Rule: pm.Rule, Status: paymentStatusLabel(pm.Status)})
	}
	for _, corr := range y.Corrections {
		var parts []string
		for _, ind := range y.Indicators {
			if val, ok := corr.Values[ind.Code]; ok {
				parts = append(parts, ind.Label+" : "+ind.Show(&val))
			}
		}
		v.Corrections = append(v.Corrections, pages.YearCorrectionView{By: corr.By, At: domain.FrenchDateTime(corr.At), Motive: corr.Motive, Values: strings.Join(parts, " ; ")})
	}
	v.CanDeclare = p.Can(access.ActDeclareValues) && v.WindowOpen && !y.Submitted() && !y.Closed
	v.CanValidate = p.Can(access.ActValidateValues) && y.Submitted() && !y.Closed
	v.CanPrepare = p.Can(access.ActPrepareMeeting) && !y.Closed && p.Party() != ""
	v.CanRecord = p.Can(access.ActRecordMeeting) && !y.Closed
	v.CanClose = p.Can(access.ActCloseYear) && !y.Closed && len(y.Missing) == 0
	v.CanCorrect = p.Can(access.ActCorrectClosedYear) && y.Closed
	s.render(w, r, status, pages.ContractYearPage(s.page(r, v.Heading), v))
}

// yearNumbers are the years of contract c: 1..5 (CPTS) or its civil years (MSP).
func yearNumbers(c store.Contract) []int {
	if c.Start.IsZero() {
		return nil
	}
	var out []int
	if c.StructureType == domain.MSP {
		for y := c.Start.Y; y <= c.End.AddDays(-1).Y; y++ {
			out = append(out, y)
		}
		return out
	}
	for n := 1; n <= funding.ContractYears; n++ {
		out = append(out, n)
	}
	return out
}

// yearRefused re-renders the page after a refused POST: field errors next
// to their fields (422), a conflict or another refusal at the top (409 /
// 422); anything else the usual error page.
func (s *Server) yearRefused(w http.ResponseWriter, r *http.Request, err error, fieldPrefix string) {
	sc, c, p, n, _ := s.yearParams(w, r)
	errs := map[string]string{}
	var summary []string
	var collect func(error)
	collect = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				collect(x)
			}
			return
		}
		var de *domain.Error
		if errors.As(e, &de) && de.Field != "" && de.Code == domain.EInvalid {
			errs[fieldPrefix+de.Field] = de.Message
		}
		summary = append(summary, domain.ErrorMessage(e))
	}
	code := domain.ErrorCode(err)
	if code != domain.EInvalid && code != domain.EConflict {
		s.fail(w, r, err)
		return
	}
	collect(err)
	vals := map[string]string{}
	for k, vs := range r.PostForm {
		if len(vs) > 0 && k != "version" {
			vals[fieldPrefix+k] = vs[0]
		}
	}
	status := http.StatusUnprocessableEntity
	if code == domain.EConflict {
		status = http.StatusConflict
	}
	s.renderYear(w, r, sc, c, p, n, status, errs, vals, summary)
}

// uploads reads the files of a multipart field, at most max, each at most
// store.MaxYearFileBytes (+1 so that the store refuses a larger one).
func uploads(r *http.Request, field string, max int) ([]store.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []store.Upload
	for i, h := range r.MultipartForm.File[field] {
		if i >= max+1 {
			break
		}
		f, err := h.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, store.MaxYearFileBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		if len(data) == 0 && h.Filename == "" {
			continue
		}
		out = append(out, store.Upload{Name: h.Filename, Data: data})
	}
	return out, nil
}

func (s *Server) yearDeclare(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, _, n, ok := s.yearParams(w, r)
	if !ok {
		return
	}
	submit := r.PostFormValue("action") == "soumettre"
	// Without JavaScript the submission is confirmed on a second page, which
	// cannot carry the files: the draft (files included) is saved first, the
	// confirmation then submits it.
	confirm := submit && r.PostFormValue("confirm") != "1"
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := store.DeclarationInput{ContractID: c.ID, Year: n, Values: map[string]string{}, Comments: map[string]string{}, Files: map[string][]store.Upload{},
		Submit: submit, Version: version, At: s.now()}
	for k := range r.PostForm {
		switch {
		case strings.HasPrefix(k, "v_"):
			in.Values[strings.TrimPrefix(k, "v_")] = formValue(r, k, 100)
		case strings.HasPrefix(k, "c_"):
			in.Comments[strings.TrimPrefix(k, "c_")] = formValue(r, k, store.MaxYearComment+1)
		}
	}
	if r.MultipartForm != nil {
		keys := make([]string, 0, len(r.MultipartForm.File))
		for k := range r.MultipartForm.File {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !strings.HasPrefix(k, "f_") {
				continue
			}
			us, err := uploads(r, k, store.MaxYearFiles)
			if err != nil {
				s.internalError(w, r, err)
				return
			}
			if len(us) > 0 {
				in.Files[strings.TrimPrefix(k, "f_")] = us
			}
		}
	}
	if confirm {
		in.Submit = false
	}
	if err := s.store.SaveDeclaration(r.Context(), sc, in); err != nil {
		s.yearRefused(w, r, err, "")
		return
	}
	if confirm {
		r.PostForm.Del("version") // the draft just saved moved it
		s.confirmed(w, r, "Le brouillon est enregistré. Transmettre la déclaration à la CPAM ? Elle ne pourra plus être modifiée.")
		return
	}
	if submit {
		s.flash(r, "ok", "La déclaration est transmise à la CPAM.")
	} else {
		s.flash(r, "ok", "Le brouillon est enregistré.")
	}
	http.Redirect(w, r, s.yearBase(c, n), http.StatusSeeOther)
}

func (s *Server) yearValidate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, _, n, ok := s.yearParams(w, r)
	if !ok {
		return
	}
	code := chiParam(r, "code")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err := s.store.ValidateValue(r.Context(), sc, store.ValidationInput{ContractID: c.ID, Year: n, Code: code,
		Value: formValue(r, "value", 100), Reason: formValue(r, "reason", store.MaxYearComment+1), Version: version, At: s.now()})
	if err != nil {
		s.yearRefusedAt(w, r, err, code)
		return
	}
	s.flash(r, "ok", "La valeur est validée.")
	http.Redirect(w, r, s.yearBase(c, n)+"#ind-"+code, http.StatusSeeOther)
}

// yearRefusedAt shows a validation's field errors next to that indicator's
// fields (value-<code>, reason-<code>).
func (s *Server) yearRefusedAt(w http.ResponseWriter, r *http.Request, err error, code string) {
	var de *domain.Error
	if errors.As(err, &de) && de.Field != "" {
		sc, c, p, n, _ := s.yearParams(w, r)
		errs := map[string]string{de.Field + "-" + code: de.Message}
		vals := map[string]string{"value-" + code: r.PostFormValue("value"), "reason-" + code: r.PostFormValue("reason")}
		s.renderYear(w, r, sc, c, p, n, http.StatusUnprocessableEntity, errs, vals, []string{de.Message})
		return
	}
	s.yearRefused(w, r, err, "")
}

func (s *Server) yearPrepare(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, _, n, ok := s.yearParams(w, r)
	if !ok {
		return
	}
	in := store.MeetingPrep{ContractID: c.ID, Year: n, Question: formValue(r, "question", store.MaxYearComment+1), At: s.now()}
	if _, sent := r.PostForm["agenda"]; sent {
		a := formValue(r, "agenda", store.MaxYearAgenda+1)
		in.Agenda = &a
	}
	if err := s.store.PrepareMeeting(r.Context(), sc, in); err != nil {
		s.yearRefused(w, r, err, "")
		return
	}
	s.flash(r, "ok", "L'espace du dialogue de gestion est mis à jour.")
	http.Redirect(w, r, s.yearBase(c, n)+"#dlg-h", http.StatusSeeOther)
}

func (s *Server) yearMeeting(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sc, c, _, n, ok := s.yearParams(w, r)
	if !ok {
		return
	}
	in := store.MeetingInput{ContractID: c.ID, Year: n, Structure: formValue(r, "structure", 1001), CPAM: formValue(r, "cpam", 1001),
		ARS: formValue(r, "ars", 1001), Minutes: formValue(r, "minutes", store.MaxYearMinutes+1), At: s.now()}
	if raw := formValue(r, "held_on", 20); raw != "" {
		d, ok := parseFrenchDate(raw)
		if !ok {
			s.yearRefused(w, r, domain.FieldError("held_on", "date invalide : jj/mm/aaaa"), "")
			return
		}
		in.HeldOn = d
	}
	files, err := uploads(r, "files", store.MaxYearFiles)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	in.Files = files
	if err := s.store.RecordMeeting(idempotent(r), sc, in); err != nil {
		s.yearRefused(w, r, err, "")
		return
	}
	s.flash(r, "ok", "Le dialogue de gestion est enregistré.")
	http.Redirect(w, r, s.yearBase(c, n)+"#dlg-h", http.StatusSeeOther)
}

func (s *Server) yearClose(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Clôturer l'année ? Les soldes seront créés et l'année ne sera plus modifiable.") {
		return
	}
	sc, c, _, n, ok := s.yearParams(w, r)
	if !ok {
		return
	}
	now := s.now()
	if err := s.store.CloseYear(r.Context(), sc, c.ID, n, domain.DateOf(now), now); err != nil {
		s.yearRefused(w, r, err, "")
		return
	}
	s.flash(r, "ok", "L'année est clôturée : ses soldes sont créés.")
	http.Redirect(w, r, s.yearBase(c, n)+"#close-h", http.StatusSeeOther)
}

func (s *Server) yearCorrect(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Enregistrer cette correction ? Un paiement d'ajustement sera créé.") {
		return
	}
	sc, c, _, n, ok := s.yearParams(w, r)
	if !ok {
		return
	}
	in := store.CorrectionInput{ContractID: c.ID, Year: n, Values: map[string]string{}, Motive: formValue(r, "motive", store.MaxYearComment+1), At: s.now()}
	for k := range r.PostForm {
		if strings.HasPrefix(k, "v_") {
			in.Values[strings.TrimPrefix(k, "v_")] = formValue(r, k, 100)
		}
	}
	if _, err := s.store.CorrectClosedYear(r.Context(), sc, in); err != nil {
		s.yearRefused(w, r, err, "")
		return
	}
	s.flash(r, "ok", "La correction est enregistrée avec son ajustement.")
	http.Redirect(w, r, s.yearBase(c, n)+"#close-h", http.StatusSeeOther)
}

func (s *Server) yearFile(w http.ResponseWriter, r *http.Request) {
	sc, c, _, n, ok := s.yearParams(w, r)
	if !ok {
		return
	}
	fid, ok := pathID(chiParam(r, "fid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	f, err := s.store.YearFileDownload(r.Context(), sc, c.ID, n, fid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, r, f.Filename, f.MediaType, "", f.Content)
}
