package server

import (
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/refdata"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

const (
	territoryCommunesPerPage = 50
	territoryHistoryPerPage  = 50
	territorySearchLimit     = 20
	territoryEPCILimit       = 5
)

func territoryBase(id int64) string {
	return "/structures/" + strconv.FormatInt(id, 10) + "/territoire"
}

// tierLabel is the French label of a CPTS tier (funding.TierLabel), or a
// dash for a territory without communes.
func tierLabel(tier int) string {
	if l := funding.TierLabel(tier); l != "" {
		return l
	}
	return "— (aucune commune)"
}

func tierShort(tier int) string {
	if tier == 0 {
		return "—"
	}
	return strconv.Itoa(tier)
}

// territoryShow is GET /structures/{id}/territoire: the territory, its
// history, and for editors the commune search (?q=). An htmx request
// (HX-Request) gets only the search results fragment.
func (s *Server) territoryShow(w http.ResponseWriter, r *http.Request) {
	_, d, _ := structureFrom(r)
	s.renderTerritory(w, r, d.ID, http.StatusOK, "")
}

// renderTerritory renders the editor page (or the htmx fragment) with an
// optional error next to the search.
func (s *Server) renderTerritory(w http.ResponseWriter, r *http.Request, id int64, status int, errMsg string) {
	ctx := r.Context()
	sc, _, p := structureFrom(r)
	// The page's reads in one batch after the session and the structure
	// (docs/rules.md §35.1): the frame's badge, the territory with its
	// scope check, its freeze and a page of its history (each guarded by the
	// same scope). The htmx fragment reads the territory and its freeze only.
	hx := r.Header.Get("HX-Request") == "true" && r.Method == http.MethodGet
	hpage := 1
	if n, err := strconv.Atoi(r.URL.Query().Get("historique")); err == nil && n > 1 && n < 100000 {
		hpage = n
	}
	rd := store.NewReads(sc)
	var f *frame
	var t store.Territory
	var found bool
	var freeze store.TerritoryFreeze
	var changes []store.TerritoryChange
	var total int
	if !hx {
		f = s.readFrame(rd)
	}
	rd.Territory(id, &t, &found)
	rd.TerritoryFrozen(id, &freeze)
	if !hx {
		rd.TerritoryChanges(id, store.Page{Number: hpage, Size: territoryHistoryPerPage}, &changes, &total)
	}
	err := s.store.Send(ctx, rd)
	if err == nil && !found { // not a CPTS, or outside the scope
		err = domain.Errorf(domain.ENotFound, "introuvable")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	canEdit := p.Can(access.ActEditTerritory) && !freeze.Frozen
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" && r.Method == http.MethodPost {
		q = formValue(r, "q", 100)
	}
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	res := pages.TerritoryResults{Base: territoryBase(id), Query: q, CanEdit: canEdit, Version: t.Version}
	if canEdit && q != "" {
		if res, err = s.territorySearch(r, res, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if hx {
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, status, pages.TerritoryResultsBody(res))
		return
	}

	v := pages.TerritoryView{ID: id, Name: t.StructureName, Base: territoryBase(id), CanEdit: canEdit, Version: t.Version,
		Count: len(t.Communes), Population: domain.GroupThousands(t.Population), Tier: tierLabel(t.Tier), Year: t.PopulationYear,
		Results: res, Error: errMsg, CSVURL: territoryBase(id) + ".csv", PrintURL: territoryBase(id) + "/imprimer", Frozen: freeze.Frozen}
	if freeze.Frozen && freeze.ContractID != 0 {
		if c, err := s.store.ContractByID(ctx, sc, freeze.ContractID); err == nil && contractPerm(sc, c).Can(access.ActProposeAvenant) {
			v.AvenantURL = contractURL(c.ID, "/avenants?territoire=1#territoire")
		}
	}
	if t.UpdatedAt != nil {
		v.Updated = domain.FrenchDateTime(*t.UpdatedAt)
		if t.UpdatedBy != "" {
			v.Updated += " par " + t.UpdatedBy
		}
	}
	page := pageNumber(r)
	pages_ := (len(t.Communes) + territoryCommunesPerPage - 1) / territoryCommunesPerPage
	if page > pages_ && pages_ > 0 {
		page = pages_
	}
	lo := min((page-1)*territoryCommunesPerPage, len(t.Communes))
	hi := min(lo+territoryCommunesPerPage, len(t.Communes))
	for _, c := range t.Communes[lo:hi] {
		v.Communes = append(v.Communes, pages.TerritoryRow{Code: c.Code, Nom: c.Name, CodesPostaux: strings.Join(c.PostalCodes, ", "),
			Departement: c.Departement, Population: domain.GroupThousands(c.Population)})
	}
	base := territoryBase(id) + "?"
	if q != "" {
		base += "q=" + url.QueryEscape(q) + "&"
	}
	v.Pager = components.Pager{Page: page, Pages: pages_, Total: len(t.Communes), Base: base}

	for _, c := range changes {
		v.History = append(v.History, historyRow(c))
	}
	if hpage*territoryHistoryPerPage < total {
		v.HistoryMore = true
		v.HistoryURL = territoryBase(id) + "?historique=" + strconv.Itoa(hpage+1) + "#terr-history-h"
	}
	if status != http.StatusOK {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, pages.Territory(s.pageOf(r, "Territoire — "+t.StructureName, f), v))
}

// territorySearch fills the results: communes, then the intercommunalités
// matching the query or holding the communes found — one statement
// (store.SearchTerritory, docs/rules.md §35.2).
func (s *Server) territorySearch(r *http.Request, res pages.TerritoryResults, id int64) (pages.TerritoryResults, error) {
	res.Searched = true
	found, err := s.store.SearchTerritory(r.Context(), refdata.Normalize(res.Query), territorySearchLimit, territoryEPCILimit)
	if err != nil {
		return res, err
	}
	for _, h := range found.Hits {
		res.Hits = append(res.Hits, pages.TerritoryHit{Code: h.Code, Nom: h.Name, CodesPostaux: strings.Join(h.PostalCodes, ", "),
			Departement: h.Departement, Population: domain.GroupThousands(h.Population), EPCINom: h.EPCIName,
			Holder: h.HolderName, Ours: h.HolderID == id})
	}
	for _, e := range found.EPCIs {
		res.EPCIs = append(res.EPCIs, pages.TerritoryEPCIHit{Code: e.Code, Nom: e.Name, Communes: strconv.Itoa(e.Communes),
			Population: domain.GroupThousands(e.Population)})
	}
	return res, nil
}

func historyRow(c store.TerritoryChange) pages.TerritoryHistoryRow {
	h := pages.TerritoryHistoryRow{At: c.At.In(domain.Paris).Format("02/01/2006 15:04"), Who: c.UserName,
		Population: domain.GroupThousands(c.PopulationBefore) + " → " + domain.GroupThousands(c.PopulationAfter),
		Tier:       tierShort(c.TierBefore) + " → " + tierShort(c.TierAfter), TierChanged: c.TierBefore != c.TierAfter}
	if h.Who == "" {
		h.Who = "—"
	}
	list := func(xs []string) string {
		if len(xs) > 10 {
			return strings.Join(xs[:10], ", ") + " et " + strconv.Itoa(len(xs)-10) + " autre(s)"
		}
		return strings.Join(xs, ", ")
	}
	switch c.Action {
	case "add":
		h.What = "Ajout : " + list(c.Communes)
	case "remove":
		h.What = "Retrait : " + list(c.Communes)
	case "add_epci":
		h.What = "Ajout de l'intercommunalité " + c.EPCIName + " : " + strconv.Itoa(len(c.Communes)) + " commune(s)"
		h.Detail = list(c.Communes)
		if len(c.Skipped) > 0 {
			h.Detail += ". Non ajoutées (autre CPTS) : " + list(c.Skipped)
		}
	}
	return h
}
