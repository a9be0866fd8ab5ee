// Package funding is the pure funding engine of Portail ACI: CPTS size tiers,
// barèmes (amounts as data, one value per avenant), the annual entitlement of
// a contract year, start-up money, the 5-year payment schedule, termination,
// and the MSP / ESP / forfait structure rules. Every amount is domain.Cents and
// every product or proration goes through domain.MulDiv (docs/rules.md §11).
//
// It imports the standard library and package domain only, and never reads
// the clock: dates are passed in.
package funding

import (
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
)

// Mission is the stable code of a CPTS funding line (docs/rules.md §4): used in
// URLs, the CLI and the database.
type Mission string

// Mission codes (docs/rules.md §4; ACI CPTS, avenant 2).
const (
	Fonctionnement Mission = "fonctionnement"
	Acces          Mission = "acces"
	Parcours       Mission = "parcours"
	Prevention     Mission = "prevention"
	Crise          Mission = "crise"
	Qualite        Mission = "qualite"
	Accompagnement Mission = "accompagnement"
)

// AllMissions returns every line in display order, fonctionnement first.
func AllMissions() []Mission {
	return []Mission{Fonctionnement, Acces, Parcours, Prevention, Crise, Qualite, Accompagnement}
}

// SocleMissions are the four compulsory missions of a CPTS contract
// (ACI CPTS "socle"; avenant 2 added crise to the socle).
func SocleMissions() []Mission { return []Mission{Acces, Parcours, Prevention, Crise} }

// OptionalMissions are the two optional missions (ACI CPTS "optionnel").
func OptionalMissions() []Mission { return []Mission{Qualite, Accompagnement} }

// Valid reports whether m is a known mission code.
func (m Mission) Valid() bool { return m.index() >= 0 }

func (m Mission) index() int {
	for i, x := range AllMissions() {
		if x == m {
			return i
		}
	}
	return -1
}

// HasAchievement reports whether the variable part of m is paid × an
// achievement rate (docs/rules.md §4, §6): acces, parcours, prevention, qualite,
// accompagnement. Crise's variable part has no result indicator (avenant 2 negotiation).
func (m Mission) HasAchievement() bool {
	switch m {
	case Acces, Parcours, Prevention, Qualite, Accompagnement:
		return true
	}
	return false
}

// Label is the French name of the mission.
func (m Mission) Label() string {
	switch m {
	case Fonctionnement:
		return "Fonctionnement"
	case Acces:
		return "Accès aux soins"
	case Parcours:
		return "Parcours pluriprofessionnels"
	case Prevention:
		return "Prévention"
	case Crise:
		return "Crises sanitaires graves"
	case Qualite:
		return "Qualité et pertinence"
	case Accompagnement:
		return "Accompagnement des professionnels"
	}
	return string(m)
}

// ParseMission reads a mission code (case and surrounding spaces ignored).
func ParseMission(s string) (Mission, error) {
	m := Mission(strings.ToLower(strings.TrimSpace(s)))
	if !m.Valid() {
		return "", domain.Errorf(domain.EInvalid, "mission inconnue %q (codes : fonctionnement, acces, parcours, prevention, crise, qualite, accompagnement)", s)
	}
	return m, nil
}

// ValidateContractMissions checks that a contract's missions contain the four
// socle missions (acces, parcours, prevention, crise) and only known codes
// (ACI CPTS; avenant 2). Fonctionnement is implicit. It is separate from
// the computation so that a simulation may use any subset.
func ValidateContractMissions(ms []Mission) error {
	has := map[Mission]bool{}
	for _, m := range ms {
		if !m.Valid() {
			return domain.Errorf(domain.EInvalid, "mission inconnue %q", string(m))
		}
		has[m] = true
	}
	var missing []string
	for _, m := range SocleMissions() {
		if !has[m] {
			missing = append(missing, m.Label())
		}
	}
	if len(missing) > 0 {
		return domain.Errorf(domain.EInvalid, "missions socle obligatoires manquantes : %s", strings.Join(missing, ", "))
	}
	return nil
}

// Tier returns the CPTS size tier (1..4) of a population under the tier
// edges of the latest built-in barème (Bareme.Tier; docs/rules.md §3): for
// the pages that show a territory's tier outside any contract year. A
// contract year's tier follows the edges of that year's barème.
//
// Decision (docs/rules.md §3) on the edges: 40 000 → tier 2; 80 000 → tier 3;
// 175 000 → tier 3; 175 001 → tier 4.
func Tier(population int64) (int, error) {
	list := Builtin()
	return list[len(list)-1].Tier(population)
}

// TierRange is the French wording of a tier's population range, the one
// label every page uses (docs/rules.md §3), with the edges of Tier:
// "de 40 000 à 79 999 habitants". "" for an unknown tier.
func TierRange(tier int) string {
	switch tier {
	case 1:
		return "moins de 40 000 habitants"
	case 2:
		return "de 40 000 à 79 999 habitants"
	case 3:
		return "de 80 000 à 175 000 habitants"
	case 4:
		return "plus de 175 000 habitants"
	}
	return ""
}

// TierLabel is "Taille 2 (de 40 000 à 79 999 habitants)"; "" for an unknown
// tier.
func TierLabel(tier int) string {
	if r := TierRange(tier); r != "" {
		return "Taille " + strconv.Itoa(tier) + " (" + r + ")"
	}
	return ""
}

func checkTier(tier int) error {
	if tier < 1 || tier > 4 {
		return domain.FieldError("tier", "taille de CPTS invalide (%d) : attendue entre 1 et 4", tier)
	}
	return nil
}
