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
// ARS and DCGDR the dossiers where an action is theirs. It queues its reads
// on rd (the home's batch) and builds the blocks once rd is sent.
func (s *Server) dossierHomeBlocks(r *http.Request, rd *store.Reads, h *homeReads) func() ([]pages.HomeBlock, error) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	today := domain.DateOf(s.now())
	var ds []store.Dossier
	var total int
	switch {
	case viewerCan(r, access.ActWorkAsStructure):
		rd.ListDossiers(store.DossierFilter{StructureID: sc.OrgID}, store.Page{Number: 1, Size: 5}, &ds, &total)
		return func() ([]pages.HomeBlock, error) {
			hc := h.hc()
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
				// The structure, read in the home's batch (home).
				if ok, why := canCreateDossierOf(sc, h.org, h.orgFound); ok {
					b.Items = []pages.HomeItem{{Label: "Créer le dossier de candidature", Href: "/dossiers", Detail: "Votre structure n'a pas encore de dossier."}}
				} else {
					b.Empty = why
				}
			}
			return []pages.HomeBlock{b}, nil
		}
	case viewerCan(r, access.ActWorkInstruction):
		rd.ListDossiers(store.DossierFilter{States: dossierOpenStates()}, store.Page{Number: 1, Size: queueCap}, &ds, &total)
		signatures := s.signatureHomeBlock(rd, sc)
		return func() ([]pages.HomeBlock, error) {
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
			if sb, ok := signatures(); ok {
				blocks = append([]pages.HomeBlock{sb}, blocks...)
			}
			return blocks, nil
		}
	}
	return func() ([]pages.HomeBlock, error) { return nil, nil }
}

// signatureHomeBlock lists, for a viewer who signs contracts for their
// organisation (access: a CPAM manager, an ARS director on a contract to
// sign), the contracts waiting for that signature: it queues the read on rd
// and builds the block once rd is sent (ok false: not a signer).
func (s *Server) signatureHomeBlock(rd *store.Reads, sc store.Scope) func() (pages.HomeBlock, bool) {
	p := access.For(sc.Viewer(), access.Contract(0, domain.CPTS, workflow.ASigner, nil))
	var party workflow.Party
	switch {
	case p.Can(access.ActSignCPAM):
		party = workflow.PartyCPAM
	case p.Can(access.ActSignARS):
		party = workflow.PartyARS
	default:
		return func() (pages.HomeBlock, bool) { return pages.HomeBlock{}, false }
	}
	var cs []store.ContractToSign
	var total int
	rd.ContractsAwaitingSignature(party, homeItemsMax, &cs, &total)
	return func() (pages.HomeBlock, bool) {
		return contractsToSignBlock("Contrats en attente de votre signature", sc.OrgName, cs, total), true
	}
}

// contractsToSignBlock is a home's block of the contracts waiting for a
// party's signature: the first ones read, then how many more (total in all).
func contractsToSignBlock(title, org string, cs []store.ContractToSign, total int) pages.HomeBlock {
	b := pages.HomeBlock{Title: title, Empty: "Aucun contrat n'attend la signature de " + org + "."}
	for _, c := range cs {
		b.Items = append(b.Items, pages.HomeItem{Label: c.StructureName, Href: "/dossiers/" + dItoa(c.DossierID) + "/contrat",
			Status: "À signer", Detail: strconv.Itoa(c.Signed) + " signature(s) sur 3 ; contrat à signer depuis le " + domain.DateOf(c.Since).French() + "."})
	}
	if total > len(cs) {
		b.Items = append(b.Items, pages.HomeItem{Label: "et " + strconv.Itoa(total-len(cs)) + " autre(s)", Href: "/dossiers"})
	}
	return b
}
