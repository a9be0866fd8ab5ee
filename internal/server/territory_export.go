package server

import (
	"bytes"

	"net/http"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/templates/pages"
)

// "Contours du territoire" (docs/rules.md §10, ACI CPTS: a document of the
// contractualisation request): the list of communes as CSV and as a printable
// page. Both are scoped like the editor (404 outside the scope).

// territoryCSV is GET /structures/{id}/territoire.csv: ";"-separated, UTF-8
// with a BOM (so that spreadsheet software reads the accents), one row per
// commune, then the total and the tier.
func (s *Server) territoryCSV(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := structureFrom(r)
	id := d.ID
	t, err := s.store.Territory(r.Context(), sc, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	cw := csvfile.NewWriter(&buf)
	_ = cw.Write([]string{"Commune", "Code INSEE", "Codes postaux", "Département", "Population légale " + t.PopulationYear})
	for _, c := range t.Communes {
		_ = cw.Write([]string{c.Name, c.Code, strings.Join(c.PostalCodes, " "), c.Departement, strconv.FormatInt(c.Population, 10)})
	}
	_ = cw.Write([]string{"Total (" + strconv.Itoa(len(t.Communes)) + " communes)", "", "", "", strconv.FormatInt(t.Population, 10)})
	_ = cw.Write([]string{"Taille de la CPTS", "", "", "", tierShort(t.Tier)})
	if err := cw.Flush(); err != nil {
		s.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="territoire-`+strconv.FormatInt(id, 10)+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// territoryPrint is GET /structures/{id}/territoire/imprimer: the same list
// as a standalone page for printing (or PDF through the browser).
func (s *Server) territoryPrint(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := structureFrom(r)
	id := d.ID
	t, err := s.store.Territory(r.Context(), sc, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.TerritoryPrintView{Name: t.StructureName, Departement: t.Departement, Population: domain.GroupThousands(t.Population),
		Tier: tierLabel(t.Tier), Year: t.PopulationYear, Date: domain.DateOf(s.now()).French(), Back: territoryBase(id)}
	for _, c := range t.Communes {
		v.Communes = append(v.Communes, pages.TerritoryRow{Code: c.Code, Nom: c.Name, CodesPostaux: strings.Join(c.PostalCodes, ", "),
			Departement: c.Departement, Population: domain.GroupThousands(c.Population)})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, pages.TerritoryPrint(v))
}
