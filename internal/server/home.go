package server

import (
	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/store"
	"net/http"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/templates/pages"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	// Every read of the home — the frame's badge, the structure, its latest
	// contract and every block — goes in one batch: one round trip besides
	// the session (docs/rules.md §35.1). Each block queues its reads, then
	// builds from them once the batch is back. A structure's reads about its
	// contract (next payments, money, alerts) go in a second batch, and only
	// when it has a contract: a statement costs more than a round trip.
	rd := store.NewReads(sc)
	fr := s.readFrame(rd)
	h := &homeReads{}
	structure := viewerCan(r, access.ActWorkAsStructure)
	if structure {
		// The structure's latest contract, read once for the money blocks,
		// the dossier block's contract step and the money panel.
		rd.Structure(sc.OrgID, &h.org, &h.orgFound)
		rd.StructureContract(sc.OrgID, &h.contract, &h.hasContract)
	}
	// The "what is waiting for you" blocks, in the order they are shown;
	// each area adds its own here (dossiers, instruction, payments...).
	builds := []func() ([]pages.HomeBlock, error){
		s.dossierHomeBlocks(r, rd, h), // dossier_home.go: the dossier and its next step, or the dossiers to act on
		s.moneyHomeBlocks(r, rd, h),   // dashboard_home.go: deadlines, what to declare, payments to order, crises
		s.yearHomeBlocks(r, rd, h),    // year_home.go: late missions, yearly declarations to make or validate
	}
	dashboard := s.homeDashboard(r, rd, h) // dashboard_home.go: the money chart, the region's CPTS
	if err := s.store.Send(r.Context(), rd); err != nil {
		s.fail(w, r, err)
		return
	}
	if h.hasContract && len(h.ofContract) > 0 {
		rc := store.NewReads(sc)
		for _, q := range h.ofContract {
			q(rc)
		}
		if err := s.store.Send(r.Context(), rc); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	var st domain.StructureType
	coordinates := false
	if structure {
		if !h.orgFound {
			s.notFound(w, r)
			return
		}
		st = h.org.StructureType
		coordinates = access.For(sc.Viewer(), access.Structure(h.org.ID, h.org.StructureType, h.org.ArchivedAt != nil)).Can(access.ActCreateDossier)
	}
	v := pages.HomeView{Intro: homeIntro(sc.Kind, coordinates, sc.OrgName, st)}
	for _, build := range builds {
		bs, err := build()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Blocks = append(v.Blocks, bs...)
	}
	v.Dashboard = dashboard()
	if len(v.Blocks) == 0 {
		v.Blocks = []pages.HomeBlock{{Title: "En attente de votre part", Empty: "Rien ne vous attend pour le moment."}}
	}
	s.render(w, r, http.StatusOK, pages.Home(s.pageOf(r, "Accueil", fr), v))
}

// homeReads are the reads of a structure's home that its blocks share: the
// structure and its latest contract (filled once the batch is back), and
// the reads the blocks make about that contract when there is one.
type homeReads struct {
	org         store.Organisation
	orgFound    bool
	contract    store.HomeContract
	hasContract bool
	ofContract  []func(*store.Reads)
}

// onContract queues q in the batch of the contract's reads, sent only when
// the structure has a contract (q sees it in h.contract).
func (h *homeReads) onContract(q func(*store.Reads)) { h.ofContract = append(h.ofContract, q) }

// hc is the structure's latest contract, nil when it has none (or the
// viewer is not a structure).
func (h *homeReads) hc() *store.HomeContract {
	if !h.hasContract {
		return nil
	}
	return &h.contract
}

// homeIntro says what the portal is for the viewer's organisation kind;
// coordinates: the viewer coordinates their structure (files its dossier).
func homeIntro(k domain.OrgKind, coordinates bool, org string, st domain.StructureType) string {
	switch k {
	case domain.OrgStructure:
		if coordinates {
			switch st {
			case domain.CPTS:
				return "Vous coordonnez " + org + ". Ici, vous constituez le dossier de votre communauté (membres, territoire, lettre d'intention, projet de santé, missions et indicateurs) et suivez son instruction, puis votre contrat et vos versements."
			case domain.MSP:
				return "Vous coordonnez " + org + ". Ici, vous constituez le dossier de votre maison de santé (membres, projet de santé, indicateurs, documents) et suivez son instruction, puis votre contrat et vos versements."
			}
			return "Vous coordonnez " + org + ". Ici, vous constituez le dossier de votre structure (membres, projet de santé, documents) et suivez sa validation par l'ARS."
		}
		return "Vous êtes membre de " + org + ". Vous pouvez consulter le dossier et le contrat de votre structure."
	case domain.OrgCPAM:
		return "Vous agissez pour " + org + ". Ici, vous instruisez les candidatures des structures de vos départements, rendez vos avis et suivez les évaluations annuelles et les versements."
	case domain.OrgARS:
		return "Vous agissez pour " + org + ". Ici, vous validez les lettres d'intention et les projets de santé de votre région, participez à l'examen conjoint, cosignez les contrats et déclarez les crises sanitaires."
	case domain.OrgDCGDR:
		return "Vous agissez pour " + org + ". Ici, vous participez à l'examen conjoint des candidatures de votre région et consultez les dossiers."
	case domain.OrgNational:
		return "Administration nationale : référentiels, barèmes et comptes. Vous voyez toutes les structures."
	}
	return ""
}
