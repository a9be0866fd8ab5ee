package server

import (
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"net/url"
	"sort"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

// queueCap bounds the dossiers sorted in memory for the queue. A CPAM or a
// region has at most a few hundred open dossiers, and the national volume
// (docs/architecture.md §5: ≈ 1 200 CPTS and 2 500 MSP) fits under it, so the national
// admin's queue is complete too; beyond it the page says the list is cut.
const queueCap = 5000

// queueItem is a dossier of the queue with its urgency.
type queueItem struct {
	d        store.Dossier
	row      pages.QueueRow
	yourTurn bool
	left     int // days left on its nearest deadline (large when none)
	hasDue   bool
	age      int
}

// instructionQueue is /instruction: the open dossiers in the viewer's scope
// (CPAM, ARS, DCGDR, admin), filterable by state and "waiting for me",
// sorted by urgency: those waiting for the viewer first, then the nearest
// deadline (overdue first), then the oldest in its state.
func (s *Server) instructionQueue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	if viewerCan(r, access.ActWorkAsStructure) {
		redirect(w, r, "/dossiers")
		return
	}
	q := r.URL.Query()
	items, total, st, mine, fr, err := s.queueItemsOf(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := pageNumber(r)
	n := len(items)
	pages_ := (n + dossiersPerPage - 1) / dossiersPerPage
	from := min((page-1)*dossiersPerPage, n)
	to := min(from+dossiersPerPage, n)
	v := pages.InstructionView{Intro: queueIntro(sc.Kind), Mine: mine, Total: n, Capped: total > queueCap}
	for _, it := range items[from:to] {
		v.Rows = append(v.Rows, it.row)
	}
	for _, x := range dossierOpenStates() {
		v.States = append(v.States, pages.Option{Value: string(x), Label: x.Label(), Selected: x == st})
	}
	base := url.Values{}
	for k, vs := range q {
		if k != "page" {
			base[k] = vs
		}
	}
	enc := base.Encode()
	if enc != "" {
		enc += "&"
	}
	v.Pager = components.Pager{Page: page, Pages: pages_, Total: n, Base: "/instruction?" + enc}
	v.ExportURL = "/instruction/export.csv"
	if enc != "" {
		v.ExportURL += "?" + enc[:len(enc)-1]
	}
	s.render(w, r, http.StatusOK, pages.Instruction(s.pageOf(r, "File d'instruction", fr), v))
}

func queueIntro(k domain.OrgKind) string {
	switch k {
	case domain.OrgCPAM:
		return "Les dossiers de vos départements : demandes à prendre en instruction, compléments, avis et transmissions à l'examen conjoint. Ceux qui attendent votre action viennent en premier, puis les délais les plus proches."
	case domain.OrgARS:
		return "Les dossiers de votre région : lettres d'intention et projets de santé à valider (un projet de santé de CPTS est réputé validé deux mois après son dépôt sans opposition), positions et décisions de l'examen conjoint."
	case domain.OrgDCGDR:
		return "Les dossiers de votre région : positions de la DCGDR à donner lors de l'examen conjoint."
	}
	return "Tous les dossiers en cours."
}

// queueItems is the instruction queue of the viewer with the filters of the
// request (etat, a_moi), in its order: the viewer's turn first, then the
// nearest deadline, then the oldest; total: the dossiers read (capped).
func (s *Server) queueItems(r *http.Request) ([]queueItem, int, workflow.State, bool, error) {
	items, total, st, mine, _, err := s.queueItemsOf(r, false)
	return items, total, st, mine, err
}

// queueItemsOf is queueItems; withFrame: the frame's reads go in the batch
// of the queue's (docs/rules.md §35.1), for the page.
func (s *Server) queueItemsOf(r *http.Request, withFrame bool) ([]queueItem, int, workflow.State, bool, *frame, error) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	today := domain.DateOf(s.now())
	q := r.URL.Query()
	states := dossierOpenStates()
	st := workflow.State(q.Get("etat"))
	if st.Valid() && !st.IsContract() {
		states = []workflow.State{st}
	}
	mine := q.Get("a_moi") == "1"
	rd := store.NewReads(sc)
	var fr *frame
	if withFrame {
		fr = s.readFrame(rd)
	}
	var ds []store.Dossier
	var total int
	rd.ListDossiers(store.DossierFilter{States: states}, store.Page{Number: 1, Size: queueCap}, &ds, &total)
	if err := s.store.Send(ctx, rd); err != nil {
		return nil, 0, "", false, nil, err
	}
	var items []queueItem
	for _, d := range ds {
		it := queueItem{d: d, yourTurn: len(viewerActions(sc, d)) > 0, age: dossierAgeDays(d, today), left: 1 << 30}
		if mine && !it.yourTurn {
			continue
		}
		what, _ := dossierNextStep(d)
		code, label, status := dossierDisplayState(d)
		it.row = pages.QueueRow{StateCode: code, StateLabel: label, StateStatus: status, ID: d.ID, StructureName: d.StructureName, StructureType: string(d.StructureType), Departement: d.Departement,
			AgeDays:  it.age,
			YourTurn: it.yourTurn, NextStep: what}
		if dls := dossierDeadlines(d, today); len(dls) > 0 {
			dl := dls[0]
			for _, x := range dls[1:] {
				if x.left < dl.left {
					dl = x
				}
			}
			it.left, it.hasDue = dl.left, true
			it.row.Deadline = dl.label + " " + dl.due.French()
			it.row.DeadlineLeft, it.row.DeadlineState = dDaysText(dl.left), dDeadlineStatus(dl.left)
		}
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.yourTurn != b.yourTurn {
			return a.yourTurn
		}
		if a.left != b.left {
			return a.left < b.left
		}
		if a.age != b.age {
			return a.age > b.age
		}
		return a.d.ID < b.d.ID
	})
	return items, total, st, mine, fr, nil
}
