package server

import (
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// homeItemsMax bounds the items of a home block (the rest is behind "Tout
// voir").
const homeItemsMax = 8

// dossierHomeBlocks says what waits for the viewer on dossiers: a
// structure's dossier and its next step (or "Créer le dossier"); for CPAM,
// ARS and DCGDR the dossiers where an action is theirs.
func (s *Server) dossierHomeBlocks(r *http.Request, hc *store.HomeContract) ([]pages.HomeBlock, error) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	today := domain.DateOf(s.now())
	switch {
	case viewerCan(r, access.ActWorkAsStructure):
		ds, _, err := s.store.ListDossiers(ctx, sc, store.DossierFilter{StructureID: sc.OrgID}, store.Page{Number: 1, Size: 5})
		if err != nil {
			return nil, err
		}
		b := pages.HomeBlock{Title: "Votre dossier", More: "/dossiers"}
		for _, d := range ds {
			what, _ := dossierNextStep(d)
			it := pages.HomeItem{Label: "Dossier de " + d.StructureName, Href: "/dossiers/" + dItoa(d.ID), Status: d.State.Label(), Detail: what}
			if len(viewerActions(sc, d)) > 0 {
				it.Detail = "À vous : " + what
			}
			st, cwhat, ok := "", "", false
			if hc != nil && hc.DossierID == d.ID && d.State == workflow.Acceptee {
				// The structure's contract, already read for the money
				// blocks: no second read (docs/rules.md §35).
				st, cwhat = contractStepText(hc.State, hc.Start, hc.End, hc.TerminationEffective)
				ok = true
			} else {
				st, cwhat, ok = s.contractStep(ctx, sc, d)
			}
			if ok {
				it.Label, it.Href, it.Status, it.Detail = "Contrat de "+d.StructureName, "/dossiers/"+dItoa(d.ID)+"/contrat", st, cwhat
			}
			for _, dl := range dossierDeadlines(d, today) {
				it.Detail += " — " + dl.label + " " + dl.due.French() + " (" + dDaysText(dl.left) + ")"
			}
			b.Items = append(b.Items, it)
		}
		if len(ds) == 0 {
			if ok, why := s.canCreateDossier(r, sc); ok {
				b.Items = []pages.HomeItem{{Label: "Créer le dossier de candidature", Href: "/dossiers", Detail: "Votre structure n'a pas encore de dossier."}}
			} else {
				b.Empty = why
			}
		}
		return []pages.HomeBlock{b}, nil
	case viewerCan(r, access.ActWorkInstruction):
		ds, _, err := s.store.ListDossiers(ctx, sc, store.DossierFilter{States: dossierOpenStates()}, store.Page{Number: 1, Size: queueCap})
		if err != nil {
			return nil, err
		}
		title := map[domain.OrgKind]string{
			domain.OrgCPAM:  "Dossiers à instruire",
			domain.OrgARS:   "Lettres, projets de santé et examens conjoints à traiter",
			domain.OrgDCGDR: "Examens conjoints en attente de votre position",
		}[sc.Kind]
		b := pages.HomeBlock{Title: title, More: "/instruction?a_moi=1",
			Empty: "Aucun dossier n'attend votre action. La file d'instruction montre tous les dossiers en cours."}
		n := 0
		for _, d := range ds {
			if len(viewerActions(sc, d)) == 0 {
				continue
			}
			n++
			if len(b.Items) < homeItemsMax {
				what, _ := dossierNextStep(d)
				it := pages.HomeItem{Label: d.StructureName, Href: "/dossiers/" + dItoa(d.ID), Status: d.State.Label(), Detail: what}
				for _, dl := range dossierDeadlines(d, today) {
					it.Detail = dl.label + " " + dl.due.French() + " (" + dDaysText(dl.left) + ")"
					break
				}
				b.Items = append(b.Items, it)
			}
		}
		if n == 0 {
			b.More = "/instruction"
		}
		blocks := []pages.HomeBlock{b}
		if sb, ok, err := s.signatureHomeBlock(r, sc); err != nil {
			return nil, err
		} else if ok {
			blocks = append([]pages.HomeBlock{sb}, blocks...)
		}
		return blocks, nil
	}
	return nil, nil
}

// signatureHomeBlock lists, for a viewer who signs contracts for their
// organisation (access: a CPAM manager, an ARS director on a contract to
// sign), the contracts waiting for that signature.
func (s *Server) signatureHomeBlock(r *http.Request, sc store.Scope) (pages.HomeBlock, bool, error) {
	p := access.For(sc.Viewer(), access.Contract(0, domain.CPTS, workflow.ASigner, nil))
	var party workflow.Party
	switch {
	case p.Can(access.ActSignCPAM):
		party = workflow.PartyCPAM
	case p.Can(access.ActSignARS):
		party = workflow.PartyARS
	default:
		return pages.HomeBlock{}, false, nil
	}
	cs, total, err := s.store.ContractsAwaitingSignature(r.Context(), sc, party, homeItemsMax)
	if err != nil {
		return pages.HomeBlock{}, false, err
	}
	b := pages.HomeBlock{Title: "Contrats en attente de votre signature", Empty: "Aucun contrat n'attend la signature de " + sc.OrgName + "."}
	for _, c := range cs {
		b.Items = append(b.Items, pages.HomeItem{Label: c.StructureName, Href: "/dossiers/" + dItoa(c.DossierID) + "/contrat",
			Status: "À signer", Detail: strconv.Itoa(c.Signed) + " signature(s) sur 3 ; contrat à signer depuis le " + domain.DateOf(c.Since).French() + "."})
	}
	if total > len(cs) {
		b.Items = append(b.Items, pages.HomeItem{Label: "et " + strconv.Itoa(total-len(cs)) + " autre(s)", Href: "/dossiers"})
	}
	return b, true, nil
}
