package server

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

// The homes' money (docs/rules.md §32): what is due and when for a
// structure, what a CPAM has to order and sign, what an ARS follows. The
// blocks join the home's "waiting for you" list (moneyHomeBlocks); the chart
// and the regional table are the home's dashboard panel (homeDashboard).

// homeNextPayments bounds the payments listed in a structure's deadlines.
const homeNextPayments = 4

// moneyHomeBlocks says what waits for the viewer on the money side; h holds
// a structure viewer's latest contract (none, or not a structure: no
// block). It queues its reads on rd (the home's batch) and builds the blocks
// once rd is sent.
func (s *Server) moneyHomeBlocks(r *http.Request, rd *store.Reads, h *homeReads) func() ([]pages.HomeBlock, error) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	today := domain.DateOf(s.now())
	if viewerCan(r, access.ActWorkAsStructure) {
		// Read once the contract is known, when it has started.
		var ps []store.PaymentDue
		h.onContract(func(rd *store.Reads) {
			if !h.contract.Start.IsZero() {
				rd.NextPayments(sc.OrgID, homeNextPayments, &ps)
			}
		})
		return func() ([]pages.HomeBlock, error) {
			hc := h.hc()
			if hc == nil || hc.Start.IsZero() {
				return nil, nil
			}
			c := *hc
			var out []pages.HomeBlock
			href := "/contrats/" + dItoa(c.ID)
			dl := pages.HomeBlock{Title: "Prochaines échéances", More: "/dossiers/" + dItoa(c.DossierID) + "/contrat",
				Empty: "Aucun versement n'est plus attendu sur votre contrat."}
			for _, p := range ps {
				dl.Items = append(dl.Items, pages.HomeItem{Label: paymentDueLabel(p), Href: "/dossiers/" + dItoa(c.DossierID) + "/contrat",
					Status: contractlife.PaymentState(p.Status).Label(), Detail: paymentDueDetail(p, today)})
			}
			out = append(out, dl)
			if inForce(c.State) {
				decl := pages.HomeBlock{Title: "À déclarer", Empty: "Aucune déclaration d'indicateurs n'est attendue : votre contrat arrive à son terme."}
				if n, w, ok := nextDeclaration(c, today); ok {
					it := pages.HomeItem{Href: href}
					if w.Contains(today) {
						it.Label, it.Status = "Déclarez les indicateurs de l'année "+strconv.Itoa(n), "Ouverte"
						it.Detail = "Période de déclaration " + w.Label() + " : clôture " + dDaysText(today.DaysUntil(w.Close)) + "."
					} else {
						it.Label, it.Status = "Prochaine déclaration : indicateurs de l'année "+strconv.Itoa(n), "À venir"
						it.Detail = "La déclaration sera ouverte " + w.Label() + "."
					}
					decl.Items = []pages.HomeItem{it}
				}
				out = append(out, decl)
			}
			return out, nil
		}
	}
	var toOrder func() []pages.HomeBlock
	if canOrderPayments(sc) {
		var n int
		var sum domain.Cents
		rd.PaymentsToOrder(today, &n, &sum)
		// The referent follows the contracts his manager signs (the manager
		// has his own block, signatureHomeBlock).
		follows := !access.For(sc.Viewer(), access.Contract(0, domain.CPTS, workflow.ASigner, nil)).Can(access.ActSignCPAM)
		var cs []store.ContractToSign
		var total int
		if follows {
			rd.ContractsAwaitingSignature(workflow.PartyCPAM, homeItemsMax, &cs, &total)
		}
		toOrder = func() []pages.HomeBlock {
			b := pages.HomeBlock{Title: "Paiements à ordonnancer", More: "/paiements?etat=prevu",
				Empty: "Aucun paiement prévu n'est échu au " + today.French() + " : rien à ordonnancer."}
			if n > 0 {
				b.Items = []pages.HomeItem{{Label: strconv.Itoa(n) + " paiement(s) prévu(s) à ordonnancer", Href: "/paiements?etat=prevu",
					Status: domain.FormatEUR(sum), Detail: "Échus au " + today.French() + " : " + domain.FormatEUR(sum) + " au total."}}
			}
			out := []pages.HomeBlock{b}
			if follows {
				out = append(out, contractsToSignBlock("Contrats en attente de la signature de la CPAM", sc.OrgName, cs, total))
			}
			return out
		}
	}
	crises := viewerCan(r, access.ActDeclareCrisis) // the ARS director declares them (docs/rules.md §31)
	return func() ([]pages.HomeBlock, error) {
		var out []pages.HomeBlock
		if toOrder != nil {
			out = append(out, toOrder()...)
		}
		if crises {
			out = append(out, pages.HomeBlock{Title: "Crises sanitaires", More: "/crises", Items: []pages.HomeItem{{
				Label: "Déclarer une crise sanitaire ou suivre les crises en cours", Href: "/crises",
				Detail: "La part variable « crise » est calculée pour chaque CPTS au contrat actif du territoire touché."}}})
		}
		return out, nil
	}
}

// canOrderPayments: the viewer orders payments for a CPAM (its referent or
// manager: access.ActOrderPayment, docs/rules.md §30).
func canOrderPayments(sc store.Scope) bool {
	return access.ForViewer(sc.Viewer()).Can(access.ActOrderPayment)
}

// inForce: a contract whose indicators are still declared.
func inForce(st workflow.State) bool {
	return st == workflow.Actif || st == workflow.ResiliationDemandee
}

// nextDeclaration is the declaration window that is open today or opens
// next, and the year it is for (docs/rules.md §6): contract years for a
// CPTS, civil years for an MSP; ok false once the last one has closed.
func nextDeclaration(c store.HomeContract, today domain.Date) (int, contractlife.Window, bool) {
	if c.StructureType == domain.MSP {
		for y := max(c.Start.Y, today.Y-1); y <= c.Start.Y+funding.ContractYears; y++ {
			if w := contractlife.MSPDeclarationWindow(y); !today.After(w.Close) {
				return y, w, true
			}
		}
		return 0, contractlife.Window{}, false
	}
	for n := 1; n <= funding.ContractYears; n++ {
		w, err := contractlife.DeclarationWindow(c.Start, n)
		if err == nil && !today.After(w.Close) {
			return n, w, true
		}
	}
	return 0, contractlife.Window{}, false
}

func paymentDueLabel(p store.PaymentDue) string {
	return statementKindLabel(p.Kind) + " de " + domain.FormatEUR(p.Amount) + " le " + p.Due.French()
}

func paymentDueDetail(p store.PaymentDue, today domain.Date) string {
	d := yearLabel(p.ContractYear)
	if p.Mission != "" {
		d += " — " + p.Mission.Label()
	}
	if !p.Due.Before(today) {
		d += " (" + dDaysText(today.DaysUntil(p.Due)) + ")"
	}
	return d
}

// yearLabel names a contract year (0: before the contract).
func yearLabel(n int) string {
	if n == 0 {
		return "Avant le contrat"
	}
	return "Année " + strconv.Itoa(n)
}

// statementKindLabel is the French name of a payment's kind.
func statementKindLabel(k funding.Kind) string {
	switch k {
	case funding.KindAvance:
		return "Avance"
	case funding.KindSolde:
		return "Solde"
	case funding.KindAmorcage:
		return "Amorçage"
	case funding.KindCrise:
		return "Part variable crise"
	case contractlife.KindPlanCrise:
		return "Plan de crise"
	case contractlife.KindAjustement:
		return "Ajustement"
	case contractlife.KindRecouvrement:
		return "Recouvrement"
	case contractlife.KindSoldeResiliation:
		return "Solde de résiliation"
	}
	return string(k)
}

// homeDashboard is the home's money panel: the structure's money per
// contract year; for ARS and DCGDR, their region's CPTS by tier and state.
// It queues its reads on rd (the home's batch) and builds the panel once rd
// is sent.
func (s *Server) homeDashboard(r *http.Request, rd *store.Reads, h *homeReads) func() pages.HomeDashboard {
	sc, _ := scopeFrom(r.Context())
	switch {
	case viewerCan(r, access.ActWorkAsStructure):
		// Read once the contract is known (none: no panel).
		var ys []store.YearMoney
		h.onContract(func(rd *store.Reads) { rd.StructureMoney(sc.OrgID, &ys) })
		return func() pages.HomeDashboard {
			var d pages.HomeDashboard
			hc := h.hc()
			if hc == nil {
				return d
			}
			c := *hc
			d.Statements = s.statementYears(c, sc.OrgID)
			d.Money = moneyChart("annees", "Versements par année de contrat", ys)
			if c.StructureType == domain.MSP && !c.Start.IsZero() {
				// An MSP's contract years are civil years (docs/rules.md §6).
				for i, y := range ys {
					if y.Year > 0 {
						d.Money.Rows[i].Label = strconv.Itoa(c.Start.Y+y.Year-1) + " (année " + strconv.Itoa(y.Year) + ")"
					}
				}
			}
			return d
		}
	case viewerCan(r, access.ActSteer) && !viewerCan(r, access.ActAdminister):
		var cs []store.TierStateCount
		rd.RegionalCPTS(&cs)
		return func() pages.HomeDashboard {
			t := tierTable("CPTS de "+sc.OrgName+" par état du dossier ou du contrat et par taille du territoire", cs)
			return pages.HomeDashboard{CPTS: &t, SteerHref: "/pilotage"}
		}
	}
	return func() pages.HomeDashboard { return pages.HomeDashboard{} }
}

// moneyChart turns the money of each contract year into the chart and its
// table.
func moneyChart(id, title string, ys []store.YearMoney) *components.MoneyChart {
	c := &components.MoneyChart{ID: id, Title: title}
	var paid, toCome domain.Cents
	for _, y := range ys {
		row := components.MoneyRow{Label: yearLabel(y.Year), Paid: int64(y.Paid), ToCome: int64(y.ToCome()),
			PaidText: domain.FormatEUR(y.Paid), ToComeText: domain.FormatEUR(y.ToCome())}
		if y.Recovered+y.ToRecover > 0 {
			row.RecoveredText = domain.FormatEUR(y.Recovered+y.ToRecover) + " (dont " + domain.FormatEUR(y.Recovered) + " recouvrés)"
		}
		paid, toCome = paid+y.Paid, toCome+y.ToCome()
		c.Rows = append(c.Rows, row)
	}
	c.Desc = "Reçu au total : " + domain.FormatEUR(paid) + " ; à venir : " + domain.FormatEUR(toCome) + ". Le détail par année figure dans le tableau qui suit."
	return c
}

// tierTable pivots counts of CPTS into states × tiers, states in the
// workflow's order (dossier, then contract), tiers 1 to 4 and, when some
// CPTS has no commune yet, a column for them.
func tierTable(caption string, cs []store.TierStateCount) pages.TierTable {
	t := pages.TierTable{Caption: caption}
	tiers := []int{1, 2, 3, 4}
	if slices.ContainsFunc(cs, func(c store.TierStateCount) bool { return c.Tier == 0 }) {
		tiers = append(tiers, 0)
	}
	for _, n := range tiers {
		if n == 0 {
			t.Tiers = append(t.Tiers, "Sans territoire")
		} else {
			t.Tiers = append(t.Tiers, "Taille "+strconv.Itoa(n))
		}
	}
	order := append([]workflow.State{""}, workflow.DossierStates()...)
	order = append(order, workflow.ContractStates()...)
	t.Totals = make([]int, len(tiers)+1)
	for _, st := range order {
		row := pages.TierRow{State: st.Label(), N: make([]int, len(tiers)+1)}
		if st == "" {
			row.State = "Sans dossier"
		}
		found := false
		for _, c := range cs {
			if c.State != st {
				continue
			}
			found = true
			i := slices.Index(tiers, c.Tier)
			row.N[i] += c.N
			row.N[len(tiers)] += c.N
			t.Totals[i] += c.N
			t.Totals[len(tiers)] += c.N
		}
		if found {
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}
