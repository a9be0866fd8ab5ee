package server

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

// The CSV exports of the list pages (docs/rules.md §24, §32): the rows the
// page would list with its filters, every page of them (bounded by
// maxExportRows), as a French Excel CSV (csvfile: BOM, ";").

// exportName is the file name of an export made today.
func (s *Server) exportName(prefix string) string {
	return prefix + "-" + s.now().In(domain.Paris).Format("2006-01-02") + ".csv"
}

// writeCSV answers records as a CSV attachment.
func (s *Server) writeCSV(w http.ResponseWriter, r *http.Request, name string, records [][]string) {
	var buf bytes.Buffer
	cw := csvfile.NewWriter(&buf)
	for _, rec := range records {
		_ = cw.Write(rec)
	}
	if err := cw.Flush(); err != nil {
		s.internalError(w, r, err)
		return
	}
	sendCSV(w, name, buf.Bytes())
}

// dossierExport is /dossiers/export.csv: the dossiers of the list.
func (s *Server) dossierExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	today := domain.DateOf(s.now())
	f, _ := dossierListFilter(r, sc)
	rows, _, err := s.reports.ListDossiers(ctx, sc, f, store.Page{Number: 1, Size: maxExportRows})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := [][]string{{"Identifiant", "Structure", "Type", "Département", "État", "Depuis", "Prochaine étape", "À vous"}}
	for _, d := range rows {
		row := dossierRow(sc, d, today)
		out = append(out, []string{strconv.FormatInt(d.ID, 10), d.StructureName, string(d.StructureType), d.Departement,
			row.StateLabel, row.Since, row.NextStep, yesNo(row.YourTurn)})
	}
	s.writeCSV(w, r, s.exportName("dossiers"), out)
}

// instructionExport is /instruction/export.csv: the queue, in its order.
func (s *Server) instructionExport(w http.ResponseWriter, r *http.Request) {
	if !viewerCan(r, access.ActSeeInstruction) {
		s.notFound(w, r)
		return
	}
	items, _, _, _, err := s.queueItems(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := [][]string{{"Identifiant", "Structure", "Type", "Département", "État", "Jours dans l'état", "Échéance", "Délai", "À vous", "Prochaine étape"}}
	for _, it := range items {
		q := it.row
		out = append(out, []string{strconv.FormatInt(q.ID, 10), q.StructureName, q.StructureType, q.Departement, q.StateLabel,
			strconv.Itoa(q.AgeDays), q.Deadline, q.DeadlineLeft, yesNo(q.YourTurn), q.NextStep})
	}
	s.writeCSV(w, r, s.exportName("instruction"), out)
}

func yesNo(b bool) string {
	if b {
		return "oui"
	}
	return "non"
}

// adminUsersExport is /admin/utilisateurs/export.csv (national admin).
func (s *Server) adminUsersExport(w http.ResponseWriter, r *http.Request) {
	rows, _, err := s.reports.ListAccounts(r.Context(), adminUserFilter(r), store.Page{Number: 1, Size: maxExportRows})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := [][]string{{"Identifiant", "Nom", "E-mail", "Statut", "Rattachements"}}
	for _, u := range rows {
		status := "actif"
		if u.DisabledAt != nil {
			status = "désactivé"
		}
		var ms []string
		for _, m := range u.Memberships {
			ms = append(ms, m.OrgName+" ("+m.Kind.Label()+", "+m.Role.Label()+")")
		}
		out = append(out, []string{strconv.FormatInt(u.ID, 10), u.Name, u.Email, status, strings.Join(ms, " ; ")})
	}
	s.writeCSV(w, r, s.exportName("utilisateurs"), out)
}

// adminOrgsExport is /admin/organisations/export.csv (national admin).
func (s *Server) adminOrgsExport(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.reports.AdminOrganisations(r.Context(), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := [][]string{{"Nom", "Type", "Territoire", "Comptes"}}
	for _, o := range orgs {
		out = append(out, []string{o.Name, o.Kind.Label(), o.Detail, strconv.Itoa(o.Accounts)})
	}
	s.writeCSV(w, r, s.exportName("organisations"), out)
}

// notificationsExport is /notifications/export.csv: the viewer's own
// notifications, newest first.
func (s *Server) notificationsExport(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	items, _, err := s.store.ListNotifications(r.Context(), sc.UserID, store.Page{Number: 1, Size: maxExportRows})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := [][]string{{"Date", "Titre", "Message", "Lue"}}
	for _, n := range items {
		out = append(out, []string{domain.FrenchDateTime(n.CreatedAt), n.Title, n.Body, yesNo(n.ReadAt != nil)})
	}
	s.writeCSV(w, r, s.exportName("notifications"), out)
}
