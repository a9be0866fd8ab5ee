package server

import (
	"errors"
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// baremes is GET /baremes: every logged-in role reads the barèmes (national
// reference data); the admin also gets the MSP indicator forms.
func (s *Server) baremes(w http.ResponseWriter, r *http.Request) {
	f := pages.BaremeMSPForm{Action: "/baremes/msp", Submit: "Ajouter l'indicateur", Axis: string(funding.AxisAcces), Kind: string(funding.MSPOptionnel), Fixed: "0", Variable: "0"}
	s.renderBaremes(w, r, http.StatusOK, viewerCan(r, access.ActAdminister), f)
}

func (s *Server) renderBaremes(w http.ResponseWriter, r *http.Request, status int, admin bool, form pages.BaremeMSPForm) {
	ctx := r.Context()
	list, err := s.store.LoadBaremes(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inds, err := s.store.LoadMSPIndicators(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mbs, err := s.store.LoadMSPBaremes(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.BaremesView{IsAdmin: admin, NewForm: form, Missing: missingBareme(list)}
	for t := 1; t <= 4; t++ {
		v.TierLabels = append(v.TierLabels, funding.TierLabel(t))
	}
	if form.Errors == nil && v.NewForm.Bareme == "" && len(inds) > 0 {
		v.NewForm.Bareme = inds[len(inds)-1].Bareme // the latest MSP barème, as a default
	}
	current, _ := funding.BaremeAt(list, domain.DateOf(s.now()))
	for i := len(list) - 1; i >= 0; i-- { // newest first
		v.CPTS = append(v.CPTS, baremeTable(list[i], list[i].Code == current.Code))
	}
	for _, ind := range inds {
		if n := len(v.MSP); n == 0 || v.MSP[n-1].Code != ind.Bareme {
			v.MSP = append(v.MSP, pages.BaremeMSPGroup{Code: ind.Bareme, Params: mspParams(mbs, ind.Bareme)})
		}
		g := &v.MSP[len(v.MSP)-1]
		g.Rows = append(g.Rows, pages.BaremeMSPRow{ID: ind.ID, Code: ind.Code, Label: ind.Label, Axis: axisLabel(ind.Axis), Kind: mspKindLabel(ind.Kind),
			Fixed: domain.GroupThousands(ind.FixedPoints), Variable: domain.GroupThousands(ind.VariablePoints), Group: ind.Group})
	}
	s.render(w, r, status, pages.Baremes(s.page(r, "Barèmes"), v))
}

// missingBareme says which contract years cannot be computed: none of the
// barèmes is in force from the day the ACI CPTS took effect (docs/rules.md
// §4, no invented table: « barème ACI CPTS 2019 non saisi »).
func missingBareme(list []funding.Bareme) string {
	from := funding.ACICPTSEffective()
	if _, err := funding.BaremeAt(list, from); err == nil {
		return ""
	}
	var first funding.Bareme
	for _, b := range list {
		if first.Code == "" || b.Effective.Before(first.Effective) {
			first = b
		}
	}
	msg := "Barème ACI CPTS 2019 non saisi : le tableau par mission de l'ACI CPTS de 2019 n'est pas disponible."
	if first.Code != "" {
		msg += " Une année de contrat qui commence avant le " + first.Effective.French() + " (" + first.Name + ") est refusée"
	} else {
		msg += " Toute année de contrat est refusée"
	}
	return msg + " jusqu'à ce qu'un administrateur national saisisse ce barème ; elle n'est jamais calculée sur un autre barème."
}

// tierRanges writes the tier edges of a barème (docs/rules.md §3).
func tierRanges(b funding.Bareme) string {
	g := domain.GroupThousands
	e := b.TierFrom
	return "taille 1 : moins de " + g(e[0]) + " habitants · taille 2 : de " + g(e[0]) + " à " + g(e[1]-1) +
		" · taille 3 : de " + g(e[1]) + " à " + g(e[2]-1) + " · taille 4 : " + g(e[2]) + " et plus"
}

// mspParams writes the parameters of the MSP barème of code `code`, or "".
func mspParams(list []funding.MSPBareme, code string) string {
	b, err := funding.MSPBaremeByCode(list, code)
	if err != nil {
		return ""
	}
	return b.Name + " : 1 point = " + domain.FormatEUR(b.PointValue) + " ; points variables × patientèle / " +
		domain.GroupThousands(b.ReferencePatientele) + " ; avance de " + strconv.FormatInt(b.AdvancePercent, 10) + " % de la rémunération pour 100 % des indicateurs socle."
}

func perTier(p funding.PerTier) (out [4]string) {
	for i := range out {
		out[i] = domain.FormatEUR(p[i])
	}
	return out
}

// baremeTable lays out one barème the way docs/rules.md §4 and §5 print it,
// with the "maximum possible" line computed by the engine (every mission,
// crisis plan first written, crisis declared, year 1, no supplement).
func baremeTable(b funding.Bareme, current bool) pages.BaremeTable {
	t := pages.BaremeTable{Code: b.Code, Name: b.Name, Effective: b.Effective.French(), Current: current, Cutoff: "aucun",
		Tiers:   tierRanges(b),
		Advance: strconv.FormatInt(b.AdvancePercent, 10) + " % de la part fixe au démarrage d'une mission et à chaque date anniversaire ; " + strconv.FormatInt(b.AdvancePercent, 10) + " % du fonctionnement à partir de la deuxième année"}
	if !b.EarlySignerCutoff.IsZero() {
		t.Cutoff = "contrats signés avant le " + b.EarlySignerCutoff.French()
	}
	for _, a := range b.Missions {
		label := a.Mission.Label()
		for _, x := range funding.SocleMissions() {
			if x == a.Mission {
				label += " (socle)"
			}
		}
		for _, x := range funding.OptionalMissions() {
			if x == a.Mission {
				label += " (optionnelle)"
			}
		}
		switch {
		case a.Mission == funding.Fonctionnement:
			t.Rows = append(t.Rows, pages.BaremeRow{Label: label, Part: "total", T: perTier(a.Fixed)})
		case a.Mission == funding.Crise:
			t.Rows = append(t.Rows,
				pages.BaremeRow{Label: label, Part: "fixe, année de rédaction du plan", T: perTier(a.FixedFirst)},
				pages.BaremeRow{Label: label, Part: "fixe, années suivantes (mise à jour)", T: perTier(a.FixedUpdate)},
				pages.BaremeRow{Label: label, Part: "variable, crise déclarée par l'ARS", T: perTier(a.Variable)})
		default:
			t.Rows = append(t.Rows,
				pages.BaremeRow{Label: label, Part: "fixe", T: perTier(a.Fixed)},
				pages.BaremeRow{Label: label, Part: "variable", T: perTier(a.Variable)})
		}
	}
	maxRow := pages.BaremeRow{Label: "Maximum possible", Part: "toutes les missions", Strong: true}
	if b.Has(funding.Crise) {
		maxRow.Part = "toutes les missions, plan de crise rédigé et crise déclarée"
	}
	var all []funding.Mission
	for _, a := range b.Missions {
		all = append(all, a.Mission)
	}
	for tier := 1; tier <= 4; tier++ {
		e, err := funding.Annual(funding.YearInput{Bareme: b, Tier: tier, Missions: all, Year: 1, Crisis: true})
		if err != nil {
			maxRow.T[tier-1] = "—"
			continue
		}
		maxRow.T[tier-1] = domain.FormatEUR(e.Total)
	}
	t.Rows = append(t.Rows, maxRow)
	t.Amorcage = []pages.BaremeRow{
		{Label: "Amorçage à la validation de la lettre d'intention (complément au FIR)", T: perTier(b.LettreIntention)},
		{Label: "Supplément exceptionnel des signataires précoces (" + b.Name + ")", T: perTier(b.EarlySigner)},
		{Label: "ARS avant l'ACI : forfait d'indemnisation des professionnels (10 000 à 20 000 € selon la taille ; répartition par taille retenue par le portail)", T: perTier(b.ARSForfait)},
		{Label: "ARS avant l'ACI : recrutement du coordonnateur", T: perTier(b.ARSCoordinator)},
	}
	total := pages.BaremeRow{Label: "Total de l'amorçage après signature (fonctionnement + supplément)", Strong: true}
	fonct, _ := b.Amounts(funding.Fonctionnement)
	for i := range total.T {
		total.T[i] = domain.FormatEUR(fonct.Fixed[i] + b.EarlySigner[i])
	}
	t.Amorcage = append(t.Amorcage, total)
	return t
}

// mspForm reads the admin's MSP indicator form (values bounded) and returns
// the indicator, the form to show again and whether it is valid.
func mspForm(r *http.Request, action, submit string) (funding.MSPIndicator, pages.BaremeMSPForm, bool) {
	f := pages.BaremeMSPForm{Action: action, Submit: submit, Errors: map[string]string{},
		Bareme: formValue(r, "bareme", 64), Code: formValue(r, "code", 64), Label: formValue(r, "label", 300),
		Axis: formValue(r, "axis", 30), Kind: formValue(r, "kind", 30),
		Fixed: formValue(r, "fixed_points", 12), Variable: formValue(r, "variable_points", 12), Group: formValue(r, "group", 64)}
	ind := funding.MSPIndicator{Bareme: f.Bareme, Code: f.Code, Label: f.Label, Axis: funding.MSPAxis(f.Axis), Kind: funding.MSPKind(f.Kind), Group: f.Group}
	labels := map[string]string{"bareme": "Code du barème", "code": "Code de l'indicateur", "label": "Libellé", "axis": "Axe", "kind": "Nature",
		"fixed_points": "Points fixes", "variable_points": "Points variables", "group": "Groupe"}
	add := func(field, msg string) {
		if _, ok := f.Errors[field]; ok {
			return
		}
		f.Errors[field] = msg
		f.Summary = append(f.Summary, labels[field]+" : "+msg)
	}
	points := func(field, raw string) int64 {
		if raw == "" {
			return 0
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			add(field, "saisissez un nombre entier de points")
			return 0
		}
		return n
	}
	ind.FixedPoints = points("fixed_points", f.Fixed)
	ind.VariablePoints = points("variable_points", f.Variable)
	for _, err := range store.ValidateMSPIndicator(ind) {
		var de *domain.Error
		if errors.As(err, &de) {
			add(de.Field, de.Message)
		}
	}
	return ind, f, len(f.Errors) == 0
}

// fieldFail shows a store error on the form when it names a field
// (duplicate code); it reports false for other errors.
func fieldFail(f *pages.BaremeMSPForm, err error) bool {
	var de *domain.Error
	if !errors.As(err, &de) || de.Field == "" {
		return false
	}
	f.Errors[de.Field] = de.Message
	f.Summary = append(f.Summary, de.Message)
	return true
}
