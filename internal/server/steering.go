package server

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// The steering page /pilotage (docs/rules.md §32): a national admin sees the
// whole country and may narrow it to a region; an ARS or a DCGDR sees its
// region, read-only (its scope). Anyone else gets 404.

// steeringFilter reads the region filter: a national admin's only (the
// others' scope is their region already); an unknown code is reported.
func (s *Server) steeringFilter(r *http.Request) (store.SteeringFilter, []pages.Option, string, error) {
	var f store.SteeringFilter
	if !viewerCan(r, access.ActAdminister) {
		return f, nil, "", nil
	}
	regs, err := s.store.Regions(r.Context())
	if err != nil {
		return f, nil, "", err
	}
	want := r.URL.Query().Get("region")
	opts := []pages.Option{{Value: "", Label: "France entière", Selected: want == ""}}
	known := want == ""
	for _, g := range regs {
		opts = append(opts, pages.Option{Value: g[0], Label: g[1], Selected: g[0] == want})
		if g[0] == want {
			known, f.Region = true, want
		}
	}
	if !known {
		return f, opts, "Région inconnue : choisissez une région dans la liste.", nil
	}
	return f, opts, "", nil
}

func (s *Server) steering(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	if !viewerCan(r, access.ActSteer) {
		s.notFound(w, r)
		return
	}
	f, regions, regionErr, err := s.steeringFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.reports.Steering(ctx, sc, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.SteeringView{National: viewerCan(r, access.ActAdminister), Regions: regions, RegionError: regionErr,
		Perimeter: steeringPerimeter(sc, f, regions), ExportURL: "/pilotage/export.csv"}
	if f.Region != "" {
		v.ExportURL += "?region=" + f.Region
	}
	for _, c := range st.Structures {
		v.Structures = append(v.Structures, [2]string{string(c.Key), strconv.Itoa(c.N)})
	}
	for _, c := range st.Contracts {
		v.Contracts = append(v.Contracts, [3]string{c[0], workflow.State(c[1]).Label(), c[2]})
	}
	for _, c := range st.Coverage {
		v.Coverage = append(v.Coverage, coverageRow(c))
	}
	v.Money = steeringMoneyTables(st.Money)
	var years []store.YearMoney
	for _, l := range st.Money {
		if l.Axis == store.AxisContractYear {
			n, _ := strconv.Atoi(l.Key)
			years = append(years, store.YearMoney{Year: n, MoneyTotals: l.MoneyTotals})
		}
	}
	if len(years) > 0 {
		v.Chart = moneyChart("pilotage", "Versements par année de contrat — "+v.Perimeter, years)
	}
	v.CPTS = tierTable("CPTS par état du dossier ou du contrat et par taille du territoire — "+v.Perimeter, st.CPTS)
	s.render(w, r, http.StatusOK, pages.Steering(s.page(r, "Pilotage"), v))
}

// steeringPerimeter names what the page covers.
func steeringPerimeter(sc store.Scope, f store.SteeringFilter, regions []pages.Option) string {
	if f.Region != "" {
		for _, o := range regions {
			if o.Value == f.Region {
				return o.Label
			}
		}
	}
	if regions != nil {
		return "France entière"
	}
	return sc.OrgName
}

// coverageRow is one line of the population covered by an active CPTS.
func coverageRow(c store.Coverage) pages.CoverageRow {
	name := c.Name
	if c.Code == "" {
		name = "Total"
	}
	return pages.CoverageRow{Name: name, Population: domain.GroupThousands(c.Population), Covered: domain.GroupThousands(c.Covered),
		Share: shareText(c.Covered, c.Population)}
}

// shareText is part/whole as a French percentage with two decimals
// ("12,34 %"), rounded down; "—" for an empty whole.
func shareText(part, whole int64) string {
	if whole <= 0 {
		return "—"
	}
	bp := part * 10000 / whole
	return strconv.FormatInt(bp/100, 10) + "," + strconv.FormatInt(bp%100/10, 10) + strconv.FormatInt(bp%10, 10) + "\u00a0%"
}

// moneyAxisTitle names an axis of the money tables and its key column.
func moneyAxisTitle(a store.MoneyAxis) (string, string) {
	switch a {
	case store.AxisRegion:
		return "Par région", "Région"
	case store.AxisMission:
		return "Par mission", "Mission"
	case store.AxisContractYear:
		return "Par année de contrat", "Année de contrat"
	case store.AxisCivilYear:
		return "Par année civile d'échéance", "Année civile"
	}
	return "Total", ""
}

// moneyKeyLabel is the French label of a money line's key.
func moneyKeyLabel(l store.MoneyLine) string {
	switch l.Axis {
	case store.AxisRegion:
		return l.Label
	case store.AxisMission:
		if l.Key == "" {
			return "Sans mission (MSP, amorçage, recouvrements)"
		}
		return funding.Mission(l.Key).Label()
	case store.AxisContractYear:
		n, _ := strconv.Atoi(l.Key)
		return yearLabel(n)
	case store.AxisCivilYear:
		return l.Key
	}
	return "Total"
}

func moneyCells(m store.MoneyTotals, format func(domain.Cents) string) []string {
	return []string{format(m.Planned), format(m.Ordered), format(m.Paid), format(m.ToRecover), format(m.Recovered)}
}

// steeringMoneyTables groups the money lines by axis, the total first.
func steeringMoneyTables(ls []store.MoneyLine) []pages.MoneyTable {
	var out []pages.MoneyTable
	for _, l := range ls {
		title, key := moneyAxisTitle(l.Axis)
		if len(out) == 0 || out[len(out)-1].Title != title {
			out = append(out, pages.MoneyTable{Title: title, KeyHeader: key})
		}
		t := &out[len(out)-1]
		t.Rows = append(t.Rows, append([]string{moneyKeyLabel(l)}, moneyCells(l.MoneyTotals, domain.FormatEUR)...))
	}
	return out
}

// steeringExport sends the steering page as a French Excel CSV (BOM, ";",
// decimal comma): one section per table, separated by an empty line.
func (s *Server) steeringExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	if !viewerCan(r, access.ActSteer) {
		s.notFound(w, r)
		return
	}
	f, regions, _, err := s.steeringFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.reports.Steering(ctx, sc, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	cw := csvfile.NewWriter(&buf)
	_ = cw.Write([]string{"Pilotage", steeringPerimeter(sc, f, regions), "au " + domain.DateOf(s.now()).French()})
	_ = cw.Write(nil)
	_ = cw.Write([]string{"Structures par type", "Nombre"})
	for _, c := range st.Structures {
		_ = cw.Write([]string{c.Key, strconv.Itoa(c.N)})
	}
	_ = cw.Write(nil)
	_ = cw.Write([]string{"Contrats", "État", "Nombre"})
	for _, c := range st.Contracts {
		_ = cw.Write([]string{c[0], workflow.State(c[1]).Label(), c[2]})
	}
	_ = cw.Write(nil)
	_ = cw.Write([]string{"Population couverte par une CPTS au contrat actif", "Population", "Population couverte", "Part (%)"})
	for _, c := range st.Coverage {
		row := coverageRow(c)
		share := ""
		if c.Population > 0 {
			share = domain.FormatPlain(domain.Cents(c.Covered * 10000 / c.Population))
		}
		_ = cw.Write([]string{row.Name, strconv.FormatInt(c.Population, 10), strconv.FormatInt(c.Covered, 10), share})
	}
	var last store.MoneyAxis = "-"
	for _, l := range st.Money {
		if l.Axis != last {
			last = l.Axis
			title, key := moneyAxisTitle(l.Axis)
			if key == "" {
				key = "Versements"
			} else {
				key = "Versements — " + title
			}
			_ = cw.Write(nil)
			_ = cw.Write([]string{key, "Prévu (€)", "Ordonnancé (€)", "Versé (€)", "À recouvrer (€)", "Recouvré (€)"})
		}
		_ = cw.Write(append([]string{moneyKeyLabel(l)}, moneyCells(l.MoneyTotals, domain.FormatPlain)...))
	}
	_ = cw.Write(nil)
	t := tierTable("", st.CPTS)
	_ = cw.Write(append([]string{"CPTS par état et taille"}, append(t.Tiers, "Total")...))
	for _, row := range t.Rows {
		rec := []string{row.State}
		for _, n := range row.N {
			rec = append(rec, strconv.Itoa(n))
		}
		_ = cw.Write(rec)
	}
	if err := cw.Flush(); err != nil {
		s.internalError(w, r, err)
		return
	}
	sendCSV(w, "pilotage-"+s.now().In(domain.Paris).Format("2006-01-02")+".csv", buf.Bytes())
}
