package server

import (
	"bytes"
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

const (
	structuresPerPage = 50
	maxExportRows     = 20000 // national volume is ≈ 3 700 structures (docs/architecture.md §5)
)

// structureFilter reads the list's filters from the query string: name,
// type, département and CPTS size tier ("taille", 1–4, the tier of the
// territory's population, docs/rules.md §3; anything else means no filter).
func structureFilter(r *http.Request) store.StructureFilter {
	q := r.URL.Query()
	f := store.StructureFilter{Query: strings.TrimSpace(q.Get("q")), Departement: strings.TrimSpace(q.Get("departement"))}
	if len([]rune(f.Query)) > 100 {
		f.Query = string([]rune(f.Query)[:100])
	}
	if len(f.Departement) > 3 {
		f.Departement = ""
	}
	if t := domain.StructureType(q.Get("type")); t.Valid() {
		f.Type = t
	}
	if n, err := strconv.Atoi(q.Get("taille")); err == nil && n >= 1 && n <= 4 {
		f.Tier = n
	}
	return f
}

func (s *Server) structureList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	f := structureFilter(r)
	page := pageNumber(r)
	// The list (count and page), its territories' totals (by the page's
	// ids), the département choices and the frame's badge: one batch
	// (docs/rules.md §35.1).
	rd := store.NewReads(sc)
	fr := s.readFrame(rd)
	var rows []store.Organisation
	var total int
	tot := map[int64]store.TerritoryTotal{}
	pg := store.Page{Number: page, Size: structuresPerPage}
	rd.ListStructures(f, pg, &rows, &total)
	rd.TerritoryTotalsOfPage(f, pg, tot)
	var deps [][3]string
	if !viewerCan(r, access.ActWorkAsStructure) {
		rd.Departements(&deps)
	}
	if err := s.store.Send(ctx, rd); err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.StructureListView{Total: total, Query: f.Query, CanCreate: viewerCan(r, access.ActCreateStructure), CanExport: viewerCan(r, access.ActExportStructures)}
	for _, t := range []domain.StructureType{domain.CPTS, domain.MSP, domain.ESP, domain.ESS} {
		v.Types = append(v.Types, pages.Option{Value: string(t), Label: string(t), Selected: t == f.Type})
	}
	for n := 1; n <= 4; n++ {
		v.Tiers = append(v.Tiers, pages.Option{Value: strconv.Itoa(n), Label: funding.TierLabel(n), Selected: n == f.Tier})
	}
	// Département choices: those of the scope (CPAM: its départements; ARS,
	// DCGDR: its region's; national: all). A structure user sees one structure.
	if !viewerCan(r, access.ActWorkAsStructure) {
		for _, d := range deps {
			if sc.SeesStructureDepartement(d[0], d[2]) {
				v.Departments = append(v.Departments, pages.Option{Value: d[0], Label: d[0] + " — " + d[1], Selected: d[0] == f.Departement})
			}
		}
	}
	terr := territorySummaries(tot)
	for _, o := range rows {
		row := pages.StructureRow{ID: o.ID, Name: o.Name, Type: string(o.StructureType),
			Departement: o.Departement + " — " + o.DepartementName}
		if t, ok := terr[o.ID]; ok {
			row.Tier, row.Population = t.Tier, t.Population
		}
		v.Rows = append(v.Rows, row)
	}
	base := url.Values{}
	for k, vs := range r.URL.Query() {
		if k != "page" {
			base[k] = vs
		}
	}
	enc := base.Encode()
	v.ExportURL = "/structures/export.csv"
	if enc != "" {
		v.ExportURL += "?" + enc
		enc += "&"
	}
	v.Pager = components.Pager{Page: page, Pages: (total + structuresPerPage - 1) / structuresPerPage, Total: total, Base: "/structures?" + enc}
	s.render(w, r, http.StatusOK, pages.StructureList(s.pageOf(r, "Structures", fr), v))
}

// structureExport sends the structures of the scope matching the list's
// filters as a French Excel CSV: ";" separator, UTF-8 with BOM, cells quoted
// by encoding/csv when needed and protected against formulas (csvfile). For CPAM, ARS,
// DCGDR and national users only (docs/rules.md §24); others get 404.
func (s *Server) structureExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	if !viewerCan(r, access.ActExportStructures) {
		s.notFound(w, r)
		return
	}
	rows, err := s.reports.ExportStructures(ctx, sc, structureFilter(r), maxExportRows)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	cw := csvfile.NewWriter(&buf)
	_ = cw.Write([]string{"Identifiant", "Nom", "Type", "Forme juridique", "SIRET", "FINESS", "Adresse", "Complément",
		"Code postal", "Commune", "Département", "Région", "Coordinateur", "E-mail du coordinateur", "Membres",
		"Création"})
	for _, e := range rows {
		lf := ""
		if e.LegalForm != "" {
			lf = e.LegalForm.Label()
		}
		d := func(x domain.Date) string {
			if x.IsZero() {
				return ""
			}
			return x.French()
		}
		rec := []string{strconv.FormatInt(e.ID, 10), e.Name, string(e.StructureType), lf, e.SIRET, e.FINESS, e.Address1, e.Address2,
			e.PostalCode, e.CommuneName, e.Departement + " " + e.DepartementName, e.RegionName, e.CoordinatorName, e.CoordinatorEmail,
			strconv.Itoa(e.Members), d(e.CreatedOn)}
		_ = cw.Write(rec)
	}
	if err := cw.Flush(); err != nil {
		s.internalError(w, r, err)
		return
	}
	name := "structures-" + s.now().In(domain.Paris).Format("2006-01-02") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = buf.WriteTo(w)
}
