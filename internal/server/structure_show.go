package server

import (
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

func structureTypeLabel(t domain.StructureType) string {
	switch t {
	case domain.CPTS:
		return "CPTS — communauté professionnelle territoriale de santé"
	case domain.MSP:
		return "MSP — maison de santé pluriprofessionnelle"
	case domain.ESP:
		return "ESP — équipe de soins primaires"
	case domain.ESS:
		return "ESS — équipe de soins spécialisés"
	}
	return string(t)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func dateOrDash(d domain.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.French()
}

func spaced(s string, groups ...int) string {
	if s == "" {
		return ""
	}
	var parts []string
	for _, g := range groups {
		if len(s) <= g {
			break
		}
		parts = append(parts, s[:g])
		s = s[g:]
	}
	return strings.Join(append(parts, s), " ")
}

// identityFacts are the identity lines of the structure page.
func identityFacts(d store.StructureDetail) []pages.Fact {
	lf := "—"
	if d.LegalForm != "" {
		lf = d.LegalForm.Label()
	}
	addr := strings.TrimSpace(strings.Join([]string{d.Address1, d.Address2}, ", "))
	addr = strings.Trim(addr, ", ")
	town := strings.TrimSpace(d.PostalCode + " " + d.CommuneName)
	if town != "" {
		if addr != "" {
			addr += ", "
		}
		addr += town
	}
	coord := "—"
	if d.CoordinatorName != "" {
		coord = d.CoordinatorName + " (" + d.CoordinatorEmail + ")"
	}
	return []pages.Fact{
		{Label: "Type", Value: string(d.StructureType)},
		{Label: "Forme juridique", Value: lf},
		{Label: "SIRET", Value: orDash(spaced(d.SIRET, 3, 3, 3))},
		{Label: "FINESS", Value: orDash(d.FINESS)},
		{Label: "Adresse du siège", Value: orDash(addr)},
		{Label: "Département du siège", Value: d.Departement + " — " + d.DepartementName},
		{Label: "Région", Value: orDash(d.RegionName)},
		{Label: "Coordinateur", Value: coord},
		{Label: "Création de la structure", Value: dateOrDash(d.CreatedOn)},
		{Label: "Enregistrée sur le portail le", Value: domain.DateOf(d.CreatedAt).French()},
	}
}

// structureWorkflow lists the structure's dossier(s) with their state and
// their contract's, as the workflow records them (docs/rules.md §13), with
// links: the structure page never holds hand-typed workflow dates.
func (s *Server) structureWorkflow(r *http.Request, sc store.Scope, id int64) ([]pages.StructureDossierRow, error) {
	ds, _, err := s.store.ListDossiers(r.Context(), sc, store.DossierFilter{StructureID: id}, store.Page{Number: 1, Size: 5})
	if err != nil {
		return nil, err
	}
	today := domain.DateOf(s.now())
	var out []pages.StructureDossierRow
	for _, d := range ds {
		row := pages.StructureDossierRow{Href: "/dossiers/" + dItoa(d.ID), StateLabel: d.State.Label(),
			StateStatus: dossierStateStatus(d.State), Since: "depuis le " + dSinceText(d, today)}
		if d.ContractState != "" {
			row.ContractHref = "/dossiers/" + dItoa(d.ID) + "/contrat"
			row.ContractLabel, row.ContractStatus = d.ContractState.Label(), stateClass(d.ContractState)
			if c, err := s.store.ContractByDossier(r.Context(), sc, d.ID); err == nil && !c.Start.IsZero() {
				row.ContractDates = "du " + c.Start.French() + " au " + c.End.French()
			} else if err != nil {
				return nil, err
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func checkKind(c registry.Check) string {
	switch {
	case c.Blocking:
		return "bloquant pour le dépôt du dossier"
	case c.PaymentOnly:
		return "requis pour les paiements"
	}
	return "conseil"
}

func (s *Server) structureShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, d, p := structureFrom(r)
	id := d.ID
	members, err := s.store.StructureMembers(ctx, sc, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.StructureView{ID: d.ID, Name: d.Name, Type: string(d.StructureType), TypeLabel: structureTypeLabel(d.StructureType),
		Archived: d.ArchivedAt != nil, CanEdit: p.Can(access.ActEditStructure), Version: d.Version, Facts: identityFacts(d),
		MembersTotal: len(members), IsCPTS: d.StructureType == domain.CPTS}
	n := map[registry.Profession]int{}
	for _, m := range members {
		n[m.Profession]++
	}
	for _, p := range registry.Professions() {
		if n[p] > 0 {
			v.Counts = append(v.Counts, pages.CountRow{Label: p.Label(), N: n[p]})
		}
	}
	// Composition rules: docs/rules.md §2, computed by the registry.
	checks := registry.Composition(d.StructureType, string(d.LegalForm), d.FINESS != "", members)
	for _, c := range checks {
		v.Checks = append(v.Checks, pages.CheckRow{Label: c.Label, OK: c.OK, Reason: c.Reason, Kind: checkKind(c)})
	}
	v.CanFile, _ = registry.CanFile(checks)
	if v.IsCPTS {
		ts, ok, err := s.territorySummary(r, id, p.Can(access.ActEditTerritory))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if ok {
			v.Territory = &ts
		}
	}
	if v.Workflow, err = s.structureWorkflow(r, sc, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Can(access.ActSeeStatement) {
		if v.Statements, err = s.statementLinks(r, sc, id); err != nil { // statement.go
			s.fail(w, r, err)
			return
		}
	}
	v.CanArchive, v.CanUnarchive = p.Can(access.ActArchive), p.Can(access.ActUnarchive)
	if v.CanArchive {
		if v.ArchiveBlocked, err = s.store.ArchiveBlockers(ctx, sc, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if v.Seat, err = s.seatSection(r, sc, d, p); err != nil {
		s.fail(w, r, err)
		return
	}
	if hist, err := s.store.StructureChanges(ctx, sc, id, 5); err == nil {
		for _, h := range hist {
			v.History = append(v.History, pages.ChangeRow{At: domain.DateOf(h.At).French() + " " + h.At.In(domain.Paris).Format("15:04"),
				Who: orDash(h.UserName), Summary: h.Summary})
		}
	} else {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.StructureShow(s.page(r, d.Name), v))
}
