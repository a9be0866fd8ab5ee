package server

import (
	"encoding/json"
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/templates/pages"
)

const sessImportReport = "member_import_report"

// importReport is what the report page shows, kept in the session between
// the POST and the GET that follows it (POST → 303 → GET).
type importReport struct {
	StructureID int64                  `json:"s"`
	FileError   string                 `json:"f,omitempty"`
	Notice      string                 `json:"n,omitempty"`
	Accepted    int                    `json:"a"`
	Refused     []pages.ImportLineView `json:"r,omitempty"`
	Present     []pages.ImportLineView `json:"p,omitempty"`
}

func (s *Server) memberImportForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditMembers)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, pages.MemberImport(s.page(r, "Importer des membres"),
		pages.MemberImportView{StructureID: d.ID, StructureName: d.Name, MaxLines: registry.MaxImportLines}))
}

// memberImport parses the uploaded file with registry.ParseMembersCSV and
// stores the accepted lines in one transaction (store.ImportMembers).
func (s *Server) memberImport(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditMembers)
	if !ok || !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	file, _, err := r.FormFile("file")
	if err != nil {
		s.render(w, r, http.StatusUnprocessableEntity, pages.MemberImport(s.page(r, "Importer des membres"),
			pages.MemberImportView{StructureID: d.ID, StructureName: d.Name, MaxLines: registry.MaxImportLines,
				Error: "Choisissez un fichier CSV à importer."}))
		return
	}
	defer file.Close()
	rep, err := s.store.ImportMembers(ctx, sc, d.ID, registry.ParseMembersCSV(file))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := importReport{StructureID: d.ID, FileError: rep.FileError, Notice: rep.Notice, Accepted: len(rep.Accepted)}
	for _, l := range rep.Refused {
		out.Refused = append(out.Refused, pages.ImportLineView{Line: l.Line, Reasons: l.Errors})
	}
	for _, l := range rep.Present {
		out.Present = append(out.Present, pages.ImportLineView{Line: l.Line, Reasons: l.Errors})
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessImportReport, string(b))
	redirect(w, r, "/structures/"+strconv.FormatInt(d.ID, 10)+"/membres/import/rapport")
}

func (s *Server) memberImportReport(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditMembers)
	if !ok {
		return
	}
	var rep importReport
	raw := s.sessions.GetString(r.Context(), sessImportReport)
	if raw == "" || json.Unmarshal([]byte(raw), &rep) != nil || rep.StructureID != d.ID {
		// No report to show (already seen, or another structure's): back to the form.
		redirect(w, r, "/structures/"+strconv.FormatInt(d.ID, 10)+"/membres/import")
		return
	}
	s.render(w, r, http.StatusOK, pages.MemberImport(s.page(r, "Rapport d'import"), pages.MemberImportView{
		StructureID: d.ID, StructureName: d.Name, HasReport: true, FileError: rep.FileError, Notice: rep.Notice,
		Accepted: rep.Accepted, Refused: rep.Refused, Present: rep.Present, MaxLines: registry.MaxImportLines}))
}

// memberTemplate is GET /membres/modele.csv: the header of the member file,
// ready to fill in a spreadsheet and import.
func (s *Server) memberTemplate(w http.ResponseWriter, r *http.Request) {
	b, err := csvfile.Bytes([][]string{registry.MemberFileHeader()})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	sendCSV(w, "modele-membres.csv", b)
}

// memberExport is GET /structures/{id}/membres/export.csv: the members of a
// structure in scope, in the import's format (it can be imported again).
func (s *Server) memberExport(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := structureFrom(r)
	b, _, err := s.store.MemberFile(r.Context(), sc, d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendCSV(w, "membres-"+strconv.FormatInt(d.ID, 10)+"-"+s.now().In(domain.Paris).Format("2006-01-02")+".csv", b)
}

// sendCSV sends a CSV file built by csvfile as a download.
func sendCSV(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}
