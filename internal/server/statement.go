package server

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/pdf"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
	"github.com/portail-aci/aci/web"
)

// The yearly statement of the sums paid to a structure (attestation des
// sommes versées, docs/rules.md §32): the printable HTML and the same HTML
// printed to PDF by Chromium, for the structure and its CPAM.

// statementFirstYear is the first civil year a statement may cover
// (Decision: the ACI of 2019 made the first payments).
const statementFirstYear = 2019

// statementLinks lists the statements of structure id, newest first: the
// civil years from its contract's start to this one (none without a signed
// contract).
func (s *Server) statementLinks(r *http.Request, sc store.Scope, id int64) ([][2]string, error) {
	c, ok, err := s.store.StructureContract(r.Context(), sc, id)
	if err != nil || !ok {
		return nil, err
	}
	return s.statementYears(c, id), nil
}

// statementYears lists the statements of structure id whose last contract
// is c.
func (s *Server) statementYears(c store.HomeContract, id int64) [][2]string {
	if c.Start.IsZero() {
		return nil
	}
	var out [][2]string
	for y := domain.DateOf(s.now()).Y; y >= max(c.Start.Y, statementFirstYear); y-- {
		base := "/structures/" + strconv.FormatInt(id, 10) + "/attestation/" + strconv.Itoa(y)
		out = append(out, [2]string{"Année " + strconv.Itoa(y) + " (PDF)", base + ".pdf"}, [2]string{"Année " + strconv.Itoa(y) + " (version imprimable)", base})
	}
	return out
}

// statementView builds the statement of the structure withStructure loaded
// for the year {annee}; ok false when the viewer may not read it or the
// year is not a civil year from statementFirstYear to this one (then 404
// was answered).
func (s *Server) statementView(w http.ResponseWriter, r *http.Request) (pages.StatementView, bool) {
	sc, d, p := structureFrom(r)
	today := domain.DateOf(s.now())
	year, err := strconv.Atoi(strings.TrimSuffix(chi.URLParam(r, "annee"), ".pdf"))
	if !p.Can(access.ActSeeStatement) || err != nil || year < statementFirstYear || year > today.Y {
		s.notFound(w, r)
		return pages.StatementView{}, false
	}
	lines, err := s.store.Statement(r.Context(), sc, d.ID, year)
	if err != nil {
		s.fail(w, r, err)
		return pages.StatementView{}, false
	}
	addr := strings.TrimSpace(strings.Join([]string{d.Address1, d.Address2, strings.TrimSpace(d.PostalCode + " " + d.CommuneName)}, ", "))
	addr = strings.Trim(strings.ReplaceAll(addr, ", ,", ","), ", ")
	v := pages.StatementView{StructureID: d.ID, Year: year, StructureName: d.Name, StructureType: string(d.StructureType),
		SIRET: d.SIRET, FINESS: d.FINESS, Address: addr, Payer: "La caisse primaire d'assurance maladie",
		IssuedOn: today.French(), Partial: year == today.Y}
	var paid, recovered domain.Cents
	for _, l := range lines {
		if l.Payer != "" {
			v.Payer = l.Payer
		}
		detail := yearLabel(l.ContractYear)
		if l.Mission != "" {
			detail += " — " + l.Mission.Label()
		}
		if l.Amount < 0 {
			recovered -= l.Amount
		} else {
			paid += l.Amount
		}
		v.Lines = append(v.Lines, pages.StatementLineView{On: l.On.French(), Kind: statementKindLabel(l.Kind), Detail: detail,
			Contract: l.Contract, Ref: l.Ref, Amount: domain.FormatEUR(l.Amount)})
	}
	v.Paid, v.Net = domain.FormatEUR(paid), domain.FormatEUR(paid-recovered)
	if recovered > 0 {
		v.Recovered = domain.FormatEUR(recovered)
	}
	return v, true
}

// statementShow serves the printable statement.
func (s *Server) statementShow(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(chi.URLParam(r, "annee"), ".pdf") {
		s.statementPDF(w, r)
		return
	}
	v, ok := s.statementView(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, pages.StatementPage(v))
}

// statementPDF prints the same HTML with headless Chromium; without it, a
// French page offers the printable HTML (never a crash).
func (s *Server) statementPDF(w http.ResponseWriter, r *http.Request) {
	v, ok := s.statementView(w, r)
	if !ok {
		return
	}
	css, err := fs.ReadFile(web.Static(), "print.css")
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	v.InlineCSS = string(css)
	var buf bytes.Buffer
	if err := pages.StatementPage(v).Render(r.Context(), &buf); err != nil {
		s.internalError(w, r, err)
		return
	}
	out, err := s.pdf.Print(r.Context(), buf.String())
	if err != nil {
		if !errors.Is(err, pdf.ErrNoBrowser) {
			s.log.Error("statement pdf", append(logAttrs(r), "error", err.Error())...)
		}
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, http.StatusServiceUnavailable, pages.StatementNoPDF(s.page(r, "PDF indisponible"), v.StructureID, v.Year))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="attestation-`+strconv.FormatInt(v.StructureID, 10)+"-"+strconv.Itoa(v.Year)+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(out)
}
