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
	var st domain.StructureType
	coordinates := false
	if viewerCan(r, access.ActWorkAsStructure) {
		o, err := s.store.Structure(r.Context(), sc, sc.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		st = o.StructureType
		coordinates = access.For(sc.Viewer(), access.Structure(o.ID, o.StructureType, o.ArchivedAt != nil)).Can(access.ActCreateDossier)
	}
	v := pages.HomeView{Intro: homeIntro(sc.Kind, coordinates, sc.OrgName, st)}
	// The structure's latest contract, read once for the money blocks and
	// the money panel (a GET needs a handful of queries).
	var hc *store.HomeContract
	if viewerCan(r, access.ActWorkAsStructure) {
		c, ok, err := s.store.StructureContract(r.Context(), sc, sc.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if ok {
			hc = &c
		}
	}
	dossiers := func(r *http.Request) ([]pages.HomeBlock, error) { return s.dossierHomeBlocks(r, hc) }
	money := func(r *http.Request) ([]pages.HomeBlock, error) { return s.moneyHomeBlocks(r, hc) }
	// The "what is waiting for you" blocks, in the order they are shown;
	// each area adds its own here (dossiers, instruction, payments...).
	for _, f := range []func(*http.Request) ([]pages.HomeBlock, error){
		dossiers,         // dossier_home.go: the dossier and its next step, or the dossiers to act on
		money,            // dashboard_home.go: deadlines, what to declare, payments to order, crises
		s.yearHomeBlocks, // year_home.go: late missions, yearly declarations to make or validate
	} {
		bs, err := f(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Blocks = append(v.Blocks, bs...)
	}
	d, err := s.homeDashboard(r, hc) // dashboard_home.go: the money chart, the region's CPTS
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Dashboard = d
	if len(v.Blocks) == 0 {
		v.Blocks = []pages.HomeBlock{{Title: "En attente de votre part", Empty: "Rien ne vous attend pour le moment."}}
	}
	s.render(w, r, http.StatusOK, pages.Home(s.page(r, "Accueil"), v))
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
