package server

import (
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

const membersPerPage = 50

func memberDisplayName(m registry.Member) string {
	if m.FirstName == "" {
		return m.LastName
	}
	return m.LastName + " " + m.FirstName
}

func professionText(m registry.Member) string {
	if m.Specialty != "" {
		return m.Profession.Label() + " (" + m.Specialty + ")"
	}
	return m.Profession.Label()
}

func (s *Server) memberList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, d, p := structureFrom(r)
	id := d.ID
	page := pageNumber(r)
	rows, total, err := s.store.ListMembers(ctx, sc, id, store.Page{Number: page, Size: membersPerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.store.MemberCounts(ctx, sc, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.MemberListView{StructureID: id, StructureName: d.Name, Total: total, CanEdit: p.Can(access.ActEditMembers),
		ShowOwn: d.StructureType == domain.CPTS}
	for _, c := range counts {
		v.Counts = append(v.Counts, pages.CountRow{Label: c.Profession.Label(), N: c.Count})
	}
	for _, m := range rows {
		commune := m.Member.CommuneCode
		if m.CommuneNom != "" {
			commune = m.CommuneNom + " (" + m.Member.CommuneCode + ")"
		}
		v.Rows = append(v.Rows, pages.MemberRowView{ID: m.ID, Name: memberDisplayName(m.Member), Profession: professionText(m.Member),
			Mode: m.Member.Mode.Label(), RPPS: m.Member.RPPS, Commune: commune, OwnStructure: m.OwnStructureName})
	}
	base := "/structures/" + strconv.FormatInt(id, 10) + "/membres?"
	v.Pager = components.Pager{Page: page, Pages: (total + membersPerPage - 1) / membersPerPage, Total: total, Base: base}
	s.render(w, r, http.StatusOK, pages.MemberList(s.page(r, "Membres — "+d.Name), v))
}
