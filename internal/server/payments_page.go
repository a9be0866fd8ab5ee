package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

// The CPAM's payments page (docs/rules.md §30): the list of the payments of
// its structures with filters and totals, the actions on each payment, the
// batch order with its confirmation, the accounting export and the import of
// the accounting system's confirmation file. A CPAM referent or manager sees
// it with its acts; a national admin reads it, with its filters, totals and
// export, every payment of France, without any act (access.ActViewPayments,
// docs/rules.md §35); anyone else gets 404.

const sessPaymentImport = "payment_import_report"

// maxConfirmationFile bounds the confirmation file.
const maxConfirmationFile = 2 << 20

// paymentsViewer returns the scope of a viewer who may see the payments
// page, or answers 404.
func (s *Server) paymentsViewer(w http.ResponseWriter, r *http.Request) (store.Scope, access.Permission, bool) {
	sc, ok := scopeFrom(r.Context())
	p := access.ForViewer(sc.Viewer())
	if !ok || !p.Can(access.ActViewPayments) {
		s.notFound(w, r)
		return sc, p, false
	}
	return sc, p, true
}

// paymentFilter reads the filter of the query string (or of a form), and
// the French errors of its dates.
func paymentFilter(q url.Values) (store.PaymentFilter, map[string]string) {
	var f store.PaymentFilter
	errs := map[string]string{}
	if st := contractlife.PaymentState(q.Get("etat")); st != "" {
		for _, s := range paymentStates() {
			if s == st {
				f.State = st
			}
		}
	}
	date := func(name string) domain.Date {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return domain.Date{}
		}
		d, err := domain.ParseFrenchDate(v)
		if err != nil {
			errs[name] = "Date invalide : attendu jj/mm/aaaa."
		}
		return d
	}
	f.DueFrom, f.DueTo = date("du"), date("au")
	if !f.DueFrom.IsZero() && !f.DueTo.IsZero() && f.DueTo.Before(f.DueFrom) {
		errs["au"] = "La fin de la période précède son début."
	}
	f.StructureID, _ = pathID(q.Get("structure"))
	f.ContractID, _ = pathID(q.Get("contrat"))
	for _, k := range paymentKinds() {
		if string(k) == q.Get("nature") {
			f.Kind = k
		}
	}
	if m := funding.Mission(q.Get("mission")); m == store.MSPMission || m.Valid() {
		f.Mission = m
	}
	f.Page = 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 && n < 100000 {
		f.Page = n
	}
	return f, errs
}

// filterQuery is the query string of f (without the page).
func filterQuery(f store.PaymentFilter) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("etat", string(f.State))
	if !f.DueFrom.IsZero() {
		q.Set("du", f.DueFrom.French())
	}
	if !f.DueTo.IsZero() {
		q.Set("au", f.DueTo.French())
	}
	if f.StructureID != 0 {
		q.Set("structure", strconv.FormatInt(f.StructureID, 10))
	}
	if f.ContractID != 0 {
		q.Set("contrat", strconv.FormatInt(f.ContractID, 10))
	}
	set("nature", string(f.Kind))
	set("mission", string(f.Mission))
	return q
}

func paymentStates() []contractlife.PaymentState {
	return []contractlife.PaymentState{contractlife.Planned, contractlife.Ordered, contractlife.Paid, contractlife.Recovered, contractlife.Cancelled}
}

func paymentKinds() []funding.Kind {
	return []funding.Kind{funding.KindAvance, funding.KindSolde, funding.KindAmorcage, funding.KindCrise, contractlife.KindPlanCrise,
		contractlife.KindAjustement, contractlife.KindRecouvrement, contractlife.KindSoldeResiliation}
}

func stateLabel(s contractlife.PaymentState) string {
	l := []rune(s.Label())
	if len(l) == 0 {
		return ""
	}
	return strings.ToUpper(string(l[0])) + string(l[1:])
}

func paymentStateClass(s contractlife.PaymentState) string {
	switch s {
	case contractlife.Paid, contractlife.Recovered:
		return "ok"
	case contractlife.Ordered:
		return "warn"
	case contractlife.Cancelled:
		return "error"
	}
	return ""
}

func (s *Server) paymentsPage(w http.ResponseWriter, r *http.Request) {
	sc, perm, ok := s.paymentsViewer(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	f, errs := paymentFilter(q)
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	page, err := s.store.Payments(ctx, sc, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	structures, err := s.store.PaymentStructures(ctx, sc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fq := filterQuery(f).Encode()
	v := pages.PaymentsView{From: q.Get("du"), To: q.Get("au"), Contract: q.Get("contrat"), Errors: errs,
		Count: strconv.Itoa(page.Totals.Count), Sum: domain.FormatEUR(page.Totals.Sum), Query: fq,
		CanOrder: perm.Can(access.ActOrderPayment), CanImport: perm.Can(access.ActPayPayment), Today: domain.DateOf(s.now()).French(),
		Pager: components.Pager{Page: page.Page, Pages: page.Pages(), Total: page.Totals.Count, Base: "/paiements?" + fq + "&"}}
	if f.ContractID == 0 {
		v.Contract = ""
	}
	for _, st := range paymentStates() {
		v.States = append(v.States, pages.Option{Value: string(st), Label: stateLabel(st), Selected: f.State == st})
		if t, ok := page.Totals.ByState[st]; ok {
			v.ByState = append(v.ByState, pages.PaymentStateTotal{Label: stateLabel(st), Count: strconv.Itoa(t.Count), Sum: domain.FormatEUR(t.Sum)})
		}
	}
	for _, k := range paymentKinds() {
		v.Kinds = append(v.Kinds, pages.Option{Value: string(k), Label: paymentKindLabel(k), Selected: f.Kind == k})
	}
	for _, m := range funding.AllMissions() {
		v.Missions = append(v.Missions, pages.Option{Value: string(m), Label: m.Label(), Selected: f.Mission == m})
	}
	v.Missions = append(v.Missions, pages.Option{Value: string(store.MSPMission), Label: "Rémunération MSP", Selected: f.Mission == store.MSPMission})
	for _, o := range structures {
		v.Structures = append(v.Structures, pages.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name, Selected: f.StructureID == o.ID})
	}
	for _, it := range page.Items {
		v.Rows = append(v.Rows, paymentRowView(it, perm))
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, pages.Payments(s.page(r, "Paiements"), v))
}

// paymentRowView is one payment as listed: the buttons are those the
// lifecycle and the viewer's permission allow now.
func paymentRowView(it store.PaymentItem, perm access.Permission) pages.PaymentRowView {
	mission := "Rémunération MSP"
	if it.Mission != "" {
		mission = it.Mission.Label()
	} else if it.ContractID == 0 {
		mission = "Lettre d'intention"
	}
	year := strconv.Itoa(it.ContractYear)
	if it.ContractYear == 0 {
		year = "—"
	}
	st := it.Status.State()
	v := pages.PaymentRowView{ID: it.ID, Reference: it.Reference(), Due: it.Due.French(), Structure: it.StructureName,
		Contract: it.ContractRef, Year: year, Mission: mission, Kind: paymentKindLabel(it.Kind), Amount: domain.FormatEUR(it.Amount),
		Rule: it.Rule, Status: stateLabel(st), StatusClass: paymentStateClass(st), Block: it.Block}
	if it.ContractID != 0 {
		v.ContractURL = "/contrats/" + strconv.FormatInt(it.ContractID, 10)
	} else {
		v.ContractURL, v.Contract = "/dossiers/"+strconv.FormatInt(it.DossierID, 10), "Dossier"
	}
	switch st {
	case contractlife.Ordered:
		v.Detail = "le " + it.OrderedOn.French()
	case contractlife.Paid:
		v.Detail = "le " + it.PaidOn.French() + " — réf. " + it.PaidRef
	case contractlife.Recovered:
		v.Detail = "le " + it.PaidOn.French()
	case contractlife.Cancelled:
		v.Detail = "le " + it.CancelledOn.French() + " — " + it.CancelReason
	}
	for _, a := range it.Actions() {
		switch a {
		case contractlife.Order:
			v.CanOrder = perm.Can(access.ActOrderPayment) && it.Block == ""
		case contractlife.Pay:
			v.CanPay = perm.Can(access.ActPayPayment)
		case contractlife.Recover:
			v.CanRecover = perm.Can(access.ActRecoverPayment)
		case contractlife.Cancel:
			v.CanCancel = perm.Can(access.ActCancelPayment)
		}
	}
	return v
}

// paymentAct applies one action to the payment {pid} and goes back to the
// page it was sent from.
func (s *Server) paymentAct(a contractlife.PaymentAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, _, ok := s.paymentsViewer(w, r)
		if !ok || !s.parseForm(w, r) {
			return
		}
		id, ok := pathID(chiParam(r, "pid"))
		if !ok {
			s.notFound(w, r)
			return
		}
		// 404 before any question: outside the scope nothing is said.
		it, err := s.store.PaymentByID(r.Context(), sc, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rule, _ := contractlife.PaymentRule(a)
		if !s.confirmed(w, r, rule.Label+" le paiement "+it.Reference()+" de "+domain.FormatEUR(it.Amount)+" ?") {
			return
		}
		in := store.PaymentRequest{PaymentID: id, Action: a, Reference: formValue(r, "reference", 200), Reason: formValue(r, "reason", 2000), At: s.now()}
		if v := formValue(r, "on", 20); v != "" {
			d, err := domain.ParseFrenchDate(v)
			if err != nil {
				s.flash(r, "error", "Paiement "+it.Reference()+" : date invalide, attendu jj/mm/aaaa.")
				redirect(w, r, sameOriginBack(r))
				return
			}
			in.On = d
		}
		done, err := s.store.ActOnPayment(r.Context(), sc, in)
		switch code := errorCode(err); {
		case err == nil:
			s.flash(r, "ok", "Paiement "+done.Reference()+" : "+strings.ToLower(stateLabel(done.Status.State()))+".")
		case code == domain.EInvalid || code == domain.EConflict:
			s.flash(r, "error", "Paiement "+it.Reference()+" : "+domain.ErrorMessage(err))
		default:
			s.fail(w, r, err)
			return
		}
		redirect(w, r, paymentsBack(r))
	}
}

// paymentsBack is the payments page the form came from, else /paiements.
func paymentsBack(r *http.Request) string {
	if b := sameOriginBack(r); strings.HasPrefix(b, "/paiements") {
		return b
	}
	return "/paiements"
}

// paymentsBatchForm is the confirmation of a batch order: the count and the
// sum of what would be ordered, and what stays blocked.
func (s *Server) paymentsBatchForm(w http.ResponseWriter, r *http.Request) {
	sc, perm, ok := s.paymentsViewer(w, r)
	if !ok || !perm.Can(access.ActOrderPayment) {
		if ok {
			s.notFound(w, r)
		}
		return
	}
	f, errs := paymentFilter(r.URL.Query())
	if len(errs) > 0 {
		s.renderError(w, r, http.StatusUnprocessableEntity, "Sélection invalide", "Les dates de la sélection sont invalides : corrigez-les sur la page Paiements.")
		return
	}
	pre, err := s.store.OrderPreview(r.Context(), sc, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.PaymentsBatch(s.page(r, "Ordonnancer une sélection"), batchView(f, pre)))
}

func batchView(f store.PaymentFilter, pre store.BatchPreview) pages.PaymentsBatchView {
	q := filterQuery(f)
	q.Del("etat")
	v := pages.PaymentsBatchView{Query: q.Encode(), Count: pre.Count, Sum: domain.FormatEUR(pre.Sum), SumCents: strconv.FormatInt(int64(pre.Sum), 10),
		Blocked: pre.Blocked, Reasons: pre.Reasons}
	keys := []string{"du", "au", "structure", "contrat", "nature", "mission"}
	for _, k := range keys {
		if q.Get(k) != "" {
			v.Hidden = append(v.Hidden, pages.Option{Value: k, Label: q.Get(k)})
		}
	}
	switch {
	case !f.DueFrom.IsZero() && !f.DueTo.IsZero():
		v.Period = "à échéance du " + f.DueFrom.French() + " au " + f.DueTo.French()
	case !f.DueFrom.IsZero():
		v.Period = "à échéance à partir du " + f.DueFrom.French()
	case !f.DueTo.IsZero():
		v.Period = "à échéance jusqu'au " + f.DueTo.French()
	}
	return v
}

// paymentsBatch orders the confirmed selection (store.OrderBatch: nothing
// when it changed since the confirmation).
func (s *Server) paymentsBatch(w http.ResponseWriter, r *http.Request) {
	sc, perm, ok := s.paymentsViewer(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !perm.Can(access.ActOrderPayment) {
		s.notFound(w, r)
		return
	}
	f, errs := paymentFilter(r.PostForm)
	if len(errs) > 0 {
		s.renderError(w, r, http.StatusUnprocessableEntity, "Sélection invalide", "Les dates de la sélection sont invalides : corrigez-les sur la page Paiements.")
		return
	}
	count, err1 := strconv.Atoi(r.PostFormValue("count"))
	sum, err2 := strconv.ParseInt(r.PostFormValue("sum"), 10, 64)
	if err1 != nil || err2 != nil {
		redirect(w, r, "/paiements/ordonnancer?"+filterQuery(f).Encode())
		return
	}
	done, err := s.store.OrderBatch(r.Context(), sc, f, store.BatchPreview{Count: count, Sum: domain.Cents(sum)}, s.now())
	q := filterQuery(f)
	switch code := errorCode(err); {
	case err == nil:
		s.flash(r, "ok", strconv.Itoa(done.Count)+" paiement(s) ordonnancé(s), pour "+domain.FormatEUR(done.Sum)+".")
		q.Set("etat", string(contractlife.Ordered))
	case code == domain.EInvalid || code == domain.EConflict:
		s.flash(r, "error", domain.ErrorMessage(err))
	default:
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/paiements?"+q.Encode())
}

// paymentsExport is the accounting export of the selection: French Excel
// CSV (csvfile: BOM, ";"), decimal comma, dates jj/mm/aaaa, one line per
// payment (docs/rules.md §30).
func (s *Server) paymentsExport(w http.ResponseWriter, r *http.Request) {
	sc, _, ok := s.paymentsViewer(w, r)
	if !ok {
		return
	}
	f, errs := paymentFilter(r.URL.Query())
	if len(errs) > 0 {
		s.renderError(w, r, http.StatusUnprocessableEntity, "Sélection invalide", "Les dates de la sélection sont invalides : corrigez-les sur la page Paiements.")
		return
	}
	// Streamed: each payment is written as PostgreSQL sends it, never the
	// whole file in memory (docs/rules.md §35). The headers go with the
	// first line, so a failure before it is still an error page.
	var cw *csvfile.Writer
	start := func() {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="paiements-`+domain.DateOf(s.now()).String()+`.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		cw = csvfile.NewWriter(w)
		_ = cw.Write(paymentExportHeader())
	}
	err := s.reports.EachPaymentForExport(r.Context(), sc, f, func(it store.PaymentItem) error {
		if cw == nil {
			start()
		}
		return cw.Write(paymentExportRecord(it))
	})
	if err != nil && cw == nil {
		s.fail(w, r, err)
		return
	}
	if cw == nil {
		start()
	}
	if err == nil {
		err = cw.Flush()
	}
	if err != nil {
		// Half a file was sent: the connection is cut, so that it is never
		// taken for a whole one.
		s.log.Error("payments export cut", append(logAttrs(r), "error", err.Error())...)
		panic(http.ErrAbortHandler)
	}
}

// paymentExportHeader and paymentExportRecord are the lines of the
// accounting export: a header, then one line per payment.
func paymentExportHeader() []string {
	return []string{"Identifiant", "Référence paiement", "SIRET", "Structure", "N° de contrat", "Règle", "Nature", "Mission",
		"Année", "Échéance", "Montant (€)", "État", "Ordonnancé le", "Versé ou recouvré le", "Référence comptable"}
}

func paymentExportRecord(it store.PaymentItem) []string {
	year := ""
	if it.ContractYear > 0 {
		year = strconv.Itoa(it.ContractYear)
	}
	return []string{strconv.FormatInt(it.ID, 10), it.Reference(), it.SIRET, it.StructureName, it.ContractRef, it.Rule,
		paymentKindLabel(it.Kind), string(it.Mission), year, it.Due.French(), domain.FormatPlain(it.Amount), stateLabel(it.Status.State()),
		frenchOrEmpty(it.OrderedOn), frenchOrEmpty(it.PaidOn), it.PaidRef}
}

func frenchOrEmpty(d domain.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.French()
}

// paymentImportReport is the import's report, kept in the session between
// the POST and the GET that follows it.
type paymentImportReport struct {
	FileError string                     `json:"f,omitempty"`
	Applied   int                        `json:"a"`
	Sum       int64                      `json:"s"`
	Refused   []pages.PaymentRefusalView `json:"r,omitempty"`
}

// paymentsImport reads the accounting system's confirmation file
// (contractlife.ParseConfirmations) and applies it line by line
// (store.ImportConfirmations).
func (s *Server) paymentsImport(w http.ResponseWriter, r *http.Request) {
	sc, perm, ok := s.paymentsViewer(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !perm.Can(access.ActPayPayment) {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	var rep paymentImportReport
	file, hdr, err := r.FormFile("file")
	if err != nil {
		rep.FileError = "Choisissez le fichier de confirmation (CSV) à importer."
	} else {
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, maxConfirmationFile+1))
		switch {
		case err != nil:
			rep.FileError = "Le fichier n'a pas pu être lu : déposez-le de nouveau."
		case len(data) > maxConfirmationFile:
			rep.FileError = "Le fichier dépasse " + formatSize(maxConfirmationFile) + " : découpez-le."
		default:
			lines, refused, err := contractlife.ParseConfirmations(data)
			if err != nil {
				rep.FileError = domain.ErrorMessage(err)
				break
			}
			name := strings.TrimSpace(hdr.Filename)
			res, err := s.store.ImportConfirmations(ctx, sc, lines, "import "+truncate(name, 60)+" du "+domain.DateOf(s.now()).French(), s.now())
			if err != nil {
				s.fail(w, r, err)
				return
			}
			rep.Applied, rep.Sum = res.Applied, int64(res.Sum)
			all := append(refused, res.Refusals...)
			sortRefusals(all)
			for _, l := range all {
				rep.Refused = append(rep.Refused, pages.PaymentRefusalView{Line: l.Line, Payment: l.Payment, Reason: l.Reason})
			}
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessPaymentImport, string(b))
	redirect(w, r, "/paiements/import/rapport")
}

func sortRefusals(l []contractlife.Refusal) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].Line < l[j-1].Line; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func (s *Server) paymentsImportReport(w http.ResponseWriter, r *http.Request) {
	_, perm, ok := s.paymentsViewer(w, r)
	if !ok {
		return
	}
	if !perm.Can(access.ActPayPayment) { // the import is the CPAM's
		s.notFound(w, r)
		return
	}
	var rep paymentImportReport
	raw := s.sessions.GetString(r.Context(), sessPaymentImport)
	if raw == "" || json.NewDecoder(bytes.NewReader([]byte(raw))).Decode(&rep) != nil {
		redirect(w, r, "/paiements")
		return
	}
	v := pages.PaymentsImportView{FileError: rep.FileError, Applied: rep.Applied, Sum: domain.FormatEUR(domain.Cents(rep.Sum)), Refused: rep.Refused}
	status := http.StatusOK
	if rep.FileError != "" {
		status = http.StatusUnprocessableEntity
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, pages.PaymentsImport(s.page(r, "Import de la confirmation comptable"), v))
}
