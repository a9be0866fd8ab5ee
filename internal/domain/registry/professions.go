// Package registry holds the pure rules of the structures registry
// (docs/rules.md §21): professions, identifier validators (SIRET,
// SIREN, FINESS, RPPS, e-mail, phone, commune code), members, the composition
// rules of docs/rules.md §2 and the CSV import of a member list. It imports the
// standard library and internal/domain only: no database, no HTTP, no clock.
package registry

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Profession is the stable code of a member's profession (used in data, URLs
// and CSV files). Labels are French.
type Profession string

// The fixed list of professions (docs/rules.md §2; the URPS HDF guide lists who may form an
// ESP, MSP, CPTS or ESS).
const (
	MedecinGeneraliste      Profession = "medecin_generaliste"
	MedecinSpecialiste      Profession = "medecin_specialiste"
	Infirmier               Profession = "infirmier"
	Pharmacien              Profession = "pharmacien"
	MasseurKinesitherapeute Profession = "masseur_kinesitherapeute"
	SageFemme               Profession = "sage_femme"
	ChirurgienDentiste      Profession = "chirurgien_dentiste"
	Orthophoniste           Profession = "orthophoniste"
	PedicurePodologue       Profession = "pedicure_podologue"
	Psychologue             Profession = "psychologue"
	ActeurMedicoSocial      Profession = "acteur_medico_social"
	ActeurSocial            Profession = "acteur_social"
	Etablissement           Profession = "etablissement"
	Autre                   Profession = "autre"
)

// professionInfo classifies a profession.
//
// Decision (docs/rules.md §2, URPS HDF guide; Code de la santé publique, 4e partie):
//   - Health professional (PS): the professions of the CSP 4e partie — médicales
//     (médecin, chirurgien-dentiste, sage-femme), pharmaceutique (pharmacien) and
//     auxiliaires médicaux (infirmier, masseur-kinésithérapeute, orthophoniste,
//     pédicure-podologue). Psychologue is NOT a health profession under the CSP
//     (a protected title, loi du 25 juillet 1985): it counts as a member, never
//     as a health professional in a composition rule.
//   - Paramédical = auxiliaire médical (CSP 4e partie, livre III): infirmier,
//     masseur-kinésithérapeute, orthophoniste, pédicure-podologue. Sage-femme and
//     chirurgien-dentiste are professions médicales and pharmacien a profession
//     pharmaceutique: none of them is paramédical, so none of them satisfies the
//     MSP's "≥ 1 professionnel paramédical" (URPS HDF guide: "A minima 2 médecins
//     généralistes et 1 professionnel paramédical").
//   - Premier recours: every health professional of the list except the médecin
//     spécialiste (CSP L1411-11 defines soins de premier recours broadly —
//     proximity care, dispensing, follow-up; the URPS HDF guide speaks of "médecins
//     spécialisés du 2nd recours" for the ESS). A specialist counts as second
//     recours even when patients may see him directly.
type professionInfo struct {
	label        string
	health       bool
	paramedical  bool
	firstRecours bool
}

var professions = sync.OnceValue(func() map[Profession]professionInfo {
	return map[Profession]professionInfo{
		MedecinGeneraliste:      {"Médecin généraliste", true, false, true},
		MedecinSpecialiste:      {"Médecin spécialiste", true, false, false},
		Infirmier:               {"Infirmier", true, true, true},
		Pharmacien:              {"Pharmacien", true, false, true},
		MasseurKinesitherapeute: {"Masseur-kinésithérapeute", true, true, true},
		SageFemme:               {"Sage-femme", true, false, true},
		ChirurgienDentiste:      {"Chirurgien-dentiste", true, false, true},
		Orthophoniste:           {"Orthophoniste", true, true, true},
		PedicurePodologue:       {"Pédicure-podologue", true, true, true},
		Psychologue:             {"Psychologue", false, false, false},
		ActeurMedicoSocial:      {"Acteur médico-social", false, false, false},
		ActeurSocial:            {"Acteur social", false, false, false},
		Etablissement:           {"Établissement", false, false, false},
		Autre:                   {"Autre", false, false, false},
	}
})

// Professions lists every profession in display order.
func Professions() []Profession {
	return []Profession{MedecinGeneraliste, MedecinSpecialiste, Infirmier, Pharmacien,
		MasseurKinesitherapeute, SageFemme, ChirurgienDentiste, Orthophoniste, PedicurePodologue,
		Psychologue, ActeurMedicoSocial, ActeurSocial, Etablissement, Autre}
}

// Valid reports whether p is a known profession.
func (p Profession) Valid() bool { _, ok := professions()[p]; return ok }

// Label is the French label ("Médecin généraliste"), or the code if unknown.
func (p Profession) Label() string {
	if i, ok := professions()[p]; ok {
		return i.label
	}
	return string(p)
}

// IsHealthProfessional reports whether p is a professionnel de santé (see the
// decision on professionInfo).
func (p Profession) IsHealthProfessional() bool { return professions()[p].health }

// IsParamedical reports whether p is an auxiliaire médical (see professionInfo).
func (p Profession) IsParamedical() bool { return professions()[p].paramedical }

// IsFirstRecourse reports whether p is a health professional of premier
// recours (see professionInfo).
func (p Profession) IsFirstRecourse() bool { return professions()[p].firstRecours }

// NeedsSpecialty reports whether the specialty text is required: for a médecin
// spécialiste (which specialty; URPS HDF guide, ESS) and for "autre" (which
// profession). Decision of ours for "autre".
func (p Profession) NeedsSpecialty() bool { return p == MedecinSpecialiste || p == Autre }

// ParseProfession reads a profession by code or French label, ignoring case,
// accents, spaces, hyphens and underscores ("Masseur-Kinésithérapeute",
// "masseur_kinesitherapeute", "MASSEUR KINESITHERAPEUTE" all match).
func ParseProfession(s string) (Profession, bool) {
	k := foldKey(s)
	for _, p := range Professions() {
		if k == foldKey(string(p)) || k == foldKey(p.Label()) {
			return p, true
		}
	}
	switch k { // a few usual short forms
	case "mg", "generaliste", "medecingeneral":
		return MedecinGeneraliste, true
	case "specialiste":
		return MedecinSpecialiste, true
	case "ide", "infirmiere":
		return Infirmier, true
	case "kine", "mk", "kinesitherapeute":
		return MasseurKinesitherapeute, true
	case "dentiste":
		return ChirurgienDentiste, true
	case "podologue":
		return PedicurePodologue, true
	}
	return "", false
}

// Mode is how a member practises.
type Mode string

// Modes of practice. ModeStructure: the member is an organisation (an
// établissement, an ESP/MSP as a legal person), not an individual.
const (
	ModeLiberal   Mode = "liberal"
	ModeSalarie   Mode = "salarie"
	ModeStructure Mode = "structure"
)

// Modes lists every mode in display order.
func Modes() []Mode { return []Mode{ModeLiberal, ModeSalarie, ModeStructure} }

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ModeLiberal || m == ModeSalarie || m == ModeStructure }

// Label is the French label.
func (m Mode) Label() string {
	switch m {
	case ModeLiberal:
		return "Libéral"
	case ModeSalarie:
		return "Salarié"
	case ModeStructure:
		return "Structure"
	}
	return string(m)
}

// ParseMode reads a mode by code or French label, ignoring case and accents
// ("Libéral", "LIBERAL", "salariée").
func ParseMode(s string) (Mode, bool) {
	k := foldKey(s)
	for _, m := range Modes() {
		if k == foldKey(string(m)) || k == foldKey(m.Label()) {
			return m, true
		}
	}
	switch k {
	case "liberale":
		return ModeLiberal, true
	case "salariee":
		return ModeSalarie, true
	}
	return "", false
}

// LegalForm is the legal form of a structure.
type LegalForm string

// Legal forms (docs/rules.md §2: CPTS = association loi 1901; MSP = association,
// then SISA to be paid; ESP/ESS: none imposed).
const (
	LegalAssociation LegalForm = "association" // association loi 1901
	LegalSISA        LegalForm = "sisa"        // société interprofessionnelle de soins ambulatoires
	LegalNone        LegalForm = "aucune"
	LegalOther       LegalForm = "autre"
)

// LegalForms lists every legal form in display order.
func LegalForms() []LegalForm {
	return []LegalForm{LegalAssociation, LegalSISA, LegalNone, LegalOther}
}

// Valid reports whether f is a known legal form.
func (f LegalForm) Valid() bool {
	return f == LegalAssociation || f == LegalSISA || f == LegalNone || f == LegalOther
}

// Label is the French label.
func (f LegalForm) Label() string {
	switch f {
	case LegalAssociation:
		return "Association loi 1901"
	case LegalSISA:
		return "SISA (société interprofessionnelle de soins ambulatoires)"
	case LegalNone:
		return "Aucune"
	case LegalOther:
		return "Autre"
	}
	return string(f)
}

// foldKey lowercases s, removes French accents and keeps only letters and
// digits: "Prénom" → "prenom", "N° RPPS" → "nrpps", "Sage-femme" → "sagefemme".
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		r = unicode.ToLower(foldAccent(r))
		if r == 'œ' {
			b.WriteString("oe")
			continue
		}
		if r == 'æ' {
			b.WriteString("ae")
			continue
		}
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldAccent maps the accented Latin letters used in French to their base letter.
func foldAccent(r rune) rune {
	switch r {
	case 'à', 'â', 'ä', 'á', 'ã', 'å', 'À', 'Â', 'Ä', 'Á', 'Ã', 'Å':
		return 'a'
	case 'ç', 'Ç':
		return 'c'
	case 'é', 'è', 'ê', 'ë', 'É', 'È', 'Ê', 'Ë':
		return 'e'
	case 'î', 'ï', 'í', 'ì', 'Î', 'Ï', 'Í', 'Ì':
		return 'i'
	case 'ô', 'ö', 'ó', 'ò', 'õ', 'Ô', 'Ö', 'Ó', 'Ò', 'Õ':
		return 'o'
	case 'ù', 'û', 'ü', 'ú', 'Ù', 'Û', 'Ü', 'Ú':
		return 'u'
	case 'ÿ', 'Ÿ', 'ý', 'Ý':
		return 'y'
	case 'ñ', 'Ñ':
		return 'n'
	case 'Œ':
		return 'œ'
	case 'Æ':
		return 'æ'
	}
	return r
}
