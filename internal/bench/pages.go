package bench

import (
	"net/url"
	"regexp"
)

// The demo accounts of each role (internal/seed); a national data set keeps
// them.
const (
	Coordinator = "coordinateur@demo.portail-aci.fr"
	MSP         = "msp@demo.portail-aci.fr"
	Referent    = "referent@demo.portail-aci.fr"
	ARS         = "ars@demo.portail-aci.fr"
	DCGDR       = "dcgdr@demo.portail-aci.fr"
	Admin       = "admin@demo.portail-aci.fr"
	CPAMNord    = "cpam.nord@demo.portail-aci.fr"
)

// Floor is the name of the one-query page every ratio is computed against.
const Floor = "plancher /healthz"

// Pages is the list `make bench` loads, in order, the floor first (the
// ratios are to it). A page whose route does not exist yet is Optional:
// skipped with a note.
func Pages() []Page {
	dossierLink := regexp.MustCompile(`href="/dossiers/(\d+)"`)
	structureLink := regexp.MustCompile(`/structures/(\d+)`)
	return []Page{
		{Name: Floor, Path: "/healthz"},
		{Name: "connexion", Path: "/login"},
		{Name: "accueil coordinateur CPTS", Who: Coordinator, Path: "/"},
		{Name: "accueil coordinateur MSP", Who: MSP, Path: "/"},
		{Name: "accueil référent CPAM", Who: Referent, Path: "/"},
		{Name: "accueil ARS", Who: ARS, Path: "/"},
		{Name: "accueil DCGDR", Who: DCGDR, Path: "/"},
		{Name: "accueil national", Who: Admin, Path: "/"},
		{Name: "file CPAM", Who: Referent, Path: "/instruction"},
		{Name: "dossier", Who: Referent, Path: "/dossiers/{id}",
			Discover: &Discover{Path: "/dossiers", Pattern: dossierLink}},
		{Name: "contrat et échéancier", Who: MSP, Path: "/dossiers/{id}/contrat",
			Discover: &Discover{Path: "/dossiers", Pattern: dossierLink}},
		{Name: "paiements", Who: CPAMNord, Path: "/paiements", Optional: true},
		// The search runs only in an editable territory: the demo CPTS all
		// have a filed dossier (their territory is frozen), so the run
		// registers a new CPTS of the coordinator first.
		{Name: "recherche territoire", Who: Coordinator, Path: "/structures/{id}/territoire?q=saint",
			Create: &Create{Path: "/structures/nouvelle", Pattern: structureLink,
				Form: url.Values{"type": {"CPTS"}, "name": {"CPTS de la mesure de charge"}, "departement": {"01"}, "commune_code": {"01053"}}}},
		{Name: "simulateur", Who: Coordinator, Path: "/simulateur"},
		{Name: "pilotage national", Who: Admin, Path: "/pilotage", Optional: true},
		{Name: "export CSV structures", Who: Admin, Path: "/structures/export.csv"},
		// Every payment of the CPAM, streamed (at national volume, the
		// largest file a user can ask for).
		{Name: "export CSV paiements", Who: CPAMNord, Path: "/paiements/export.csv"},
		// Every payment of France, as the national admin (read-only
		// /paiements, docs/rules.md §35).
		{Name: "export CSV paiements France", Who: Admin, Path: "/paiements/export.csv"},
	}
}
