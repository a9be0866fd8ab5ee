package registry

import (
	"fmt"

	"github.com/portail-aci/aci/internal/domain"
)

// Check is one composition rule evaluated for a structure.
type Check struct {
	Code        string // stable code, e.g. "esp_composition"
	Label       string // the rule, in French
	OK          bool
	Reason      string // why it fails, in French ("" when OK)
	Blocking    bool   // a failed check blocks filing a dossier
	PaymentOnly bool   // a failed check does not block filing but blocks payments
}

// Counts summarises the members that composition rules look at.
type Counts struct {
	Members, Health, FirstRecourse, Generalists, Specialists, Paramedical int
}

// Count counts members by the classification of their profession (see
// professionInfo). Every member passed is counted: pass validated members.
func Count(members []Member) Counts {
	var c Counts
	for _, m := range members {
		c.Members++
		p := m.Profession
		if p.IsHealthProfessional() {
			c.Health++
		}
		if p.IsFirstRecourse() {
			c.FirstRecourse++
		}
		if p == MedecinGeneraliste {
			c.Generalists++
		}
		if p == MedecinSpecialiste {
			c.Specialists++
		}
		if p.IsParamedical() {
			c.Paramedical++
		}
	}
	return c
}

func plural(n int, one, many string) string {
	if n > 1 {
		return fmt.Sprintf("%d %s", n, many)
	}
	return fmt.Sprintf("%d %s", n, one)
}

// Composition evaluates the composition and legal-form rules of docs/rules.md §2
// (URPS HDF guide, avenant 2 negotiation, ACI CPTS) for a structure of type t.
//
//   - ESP: ≥ 2 health professionals of premier recours including ≥ 1 médecin
//     généraliste (URPS HDF guide: "A minima 2 professionnels de santé (dont 1
//     médecin généraliste) de premiers recours") — blocking. No legal form is
//     imposed; an association is advised: a non-blocking check.
//   - MSP: ≥ 2 médecins généralistes and ≥ 1 paramedical professional
//     (URPS HDF guide) — blocking. Decision: filing needs a legal form, association or SISA
//     (URPS HDF guide: "Constituer une association puis se constituer en SISA") —
//     blocking. A SISA and a FINESS number are needed to be paid (docs/rules.md §2
//     and §9, ACI MSP) — PaymentOnly: they do not block filing.
//   - CPTS: an association loi 1901 (ordonnance of 12 May 2021, ACI CPTS) —
//     blocking. Decision: at least one health professional among the members
//     (a CPTS is a community of health professionals, CSP L1434-12; the rest of
//     its composition is for the ARS to judge) — blocking.
//   - ESS: ≥ 1 médecin spécialiste (URPS HDF guide: "Des médecins d'une ou plusieurs
//     spécialités hors spécialité de médecine générale") — blocking; no legal
//     form imposed.
//
// An unknown type yields one failed blocking check.
func Composition(t domain.StructureType, legalForm string, hasFINESS bool, members []Member) []Check {
	c := Count(members)
	lf := LegalForm(legalForm)
	switch t {
	case domain.ESP:
		ok := c.FirstRecourse >= 2 && c.Generalists >= 1
		var reason string
		switch {
		case c.FirstRecourse < 2 && c.Generalists < 1:
			reason = fmt.Sprintf("%s de premier recours sur 2 requis, dont aucun médecin généraliste",
				plural(c.FirstRecourse, "professionnel de santé", "professionnels de santé"))
		case c.FirstRecourse < 2:
			reason = fmt.Sprintf("%s de premier recours sur 2 requis",
				plural(c.FirstRecourse, "professionnel de santé", "professionnels de santé"))
		case c.Generalists < 1:
			reason = "Aucun médecin généraliste parmi les membres"
		}
		return []Check{
			{Code: "esp_composition", Label: "Au moins 2 professionnels de santé de premier recours dont 1 médecin généraliste",
				OK: ok, Reason: reason, Blocking: true},
			legalFormAdvice(lf),
		}
	case domain.MSP:
		ok := c.Generalists >= 2 && c.Paramedical >= 1
		var reason string
		switch {
		case c.Generalists < 2 && c.Paramedical < 1:
			reason = fmt.Sprintf("%s sur 2 requis et aucun professionnel paramédical",
				plural(c.Generalists, "médecin généraliste", "médecins généralistes"))
		case c.Generalists < 2:
			reason = fmt.Sprintf("%s sur 2 requis", plural(c.Generalists, "médecin généraliste", "médecins généralistes"))
		case c.Paramedical < 1:
			reason = "Aucun professionnel paramédical (infirmier, masseur-kinésithérapeute, orthophoniste, pédicure-podologue)"
		}
		checks := []Check{
			{Code: "msp_composition", Label: "Au moins 2 médecins généralistes et 1 professionnel paramédical",
				OK: ok, Reason: reason, Blocking: true},
			{Code: "msp_forme_juridique", Label: "Constituée en association ou en SISA",
				OK: lf == LegalAssociation || lf == LegalSISA, Blocking: true},
			{Code: "msp_sisa", Label: "Constituée en SISA pour percevoir les rémunérations",
				OK: lf == LegalSISA, PaymentOnly: true},
			{Code: "msp_finess", Label: "Numéro FINESS renseigné pour percevoir les rémunérations",
				OK: hasFINESS, PaymentOnly: true},
		}
		if !checks[1].OK {
			checks[1].Reason = "Forme juridique : " + legalFormText(lf) + " ; une association ou une SISA est requise"
		}
		if !checks[2].OK {
			checks[2].Reason = "Forme juridique : " + legalFormText(lf) + " ; les paiements sont versés à une SISA"
		}
		if !checks[3].OK {
			checks[3].Reason = "Aucun numéro FINESS : les paiements ne peuvent pas être versés"
		}
		return checks
	case domain.CPTS:
		checks := []Check{
			{Code: "cpts_association", Label: "Constituée en association loi 1901",
				OK: lf == LegalAssociation, Blocking: true},
			{Code: "cpts_membres", Label: "Au moins 1 professionnel de santé parmi les membres",
				OK: c.Health >= 1, Blocking: true},
		}
		if !checks[0].OK {
			checks[0].Reason = "Forme juridique : " + legalFormText(lf) + " ; une CPTS est une association loi 1901"
		}
		if !checks[1].OK {
			checks[1].Reason = "Aucun professionnel de santé parmi les membres"
		}
		return checks
	case domain.ESS:
		ch := Check{Code: "ess_specialiste", Label: "Au moins 1 médecin spécialiste (hors médecine générale)",
			OK: c.Specialists >= 1, Blocking: true}
		if !ch.OK {
			ch.Reason = "Aucun médecin spécialiste parmi les membres"
		}
		return []Check{ch}
	}
	return []Check{{Code: "type", Label: "Type de structure connu (CPTS, MSP, ESP ou ESS)",
		Reason: fmt.Sprintf("Type de structure inconnu : %q", string(t)), Blocking: true}}
}

// legalFormAdvice is the ESP's non-blocking advice (URPS HDF guide: "Aucune
// structure juridique imposée, conseil de se structurer en association").
func legalFormAdvice(lf LegalForm) Check {
	ch := Check{Code: "esp_association_conseillee", Label: "Constituée en association (conseillé, non obligatoire)",
		OK: lf == LegalAssociation}
	if !ch.OK {
		ch.Reason = "Aucune forme juridique n'est imposée ; l'association est conseillée"
	}
	return ch
}

func legalFormText(lf LegalForm) string {
	if lf == "" {
		return "non renseignée"
	}
	if !lf.Valid() {
		return "inconnue"
	}
	return lf.Label()
}

// CanFile says whether a dossier may be filed: every Blocking check is OK.
// missing lists the labels of the failed blocking checks, each followed by its
// reason ("Label : Reason"). PaymentOnly and advisory checks never block filing.
func CanFile(checks []Check) (ok bool, missing []string) {
	return failing(checks, func(c Check) bool { return c.Blocking })
}

// CanPay says whether payments may be made: every Blocking and every
// PaymentOnly check is OK (MSP: SISA + FINESS, docs/rules.md §9).
func CanPay(checks []Check) (ok bool, missing []string) {
	return failing(checks, func(c Check) bool { return c.Blocking || c.PaymentOnly })
}

func failing(checks []Check, counts func(Check) bool) (bool, []string) {
	var missing []string
	for _, c := range checks {
		if counts(c) && !c.OK {
			s := c.Label
			if c.Reason != "" {
				s += " : " + c.Reason
			}
			missing = append(missing, s)
		}
	}
	return len(missing) == 0, missing
}
