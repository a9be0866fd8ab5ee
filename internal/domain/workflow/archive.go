package workflow

import (
	"github.com/portail-aci/aci/internal/domain"
)

// ArchiveFact is what archiving a structure looks at for one of its
// dossiers: its state, its contract's state ("" without a contract) and the
// trop-perçu of a terminated contract still to recover.
type ArchiveFact struct {
	Dossier   State
	Contract  State
	TropPercu domain.Cents
}

// ArchiveBlockers lists, in French, why a structure cannot be archived
// (docs/rules.md §9: a structure with a contract in force or money to recover
// cannot be archived): a dossier under way, a contract to sign or in force,
// a trop-perçu to recover. Empty: it may be archived.
//
// Decision: a dossier still in brouillon is not under way (nothing was filed:
// the structure may give up its project); a refused dossier, an expired or
// terminated contract whose trop-perçu is nil, do not block.
func ArchiveBlockers(facts []ArchiveFact) []string {
	var out []string
	for _, f := range facts {
		switch {
		case f.Contract == ASigner:
			out = append(out, "le contrat est à signer (onglet « Contrat » du dossier)")
		case f.Contract == Actif || f.Contract == ResiliationDemandee:
			out = append(out, "le contrat est en vigueur (« "+f.Contract.Label()+" ») : il doit être résilié ou échu")
		case f.Contract != "":
			if f.TropPercu > 0 {
				out = append(out, "un trop-perçu de "+domain.FormatEUR(f.TropPercu)+" reste à récupérer")
			}
		case f.Dossier != Brouillon && !f.Dossier.Final():
			out = append(out, "le dossier est en cours (« "+f.Dossier.Label()+" »)")
		case f.Dossier == Acceptee:
			out = append(out, "le dossier est accepté et son contrat n'est pas encore créé")
		}
	}
	return out
}
