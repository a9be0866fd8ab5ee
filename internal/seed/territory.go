package seed

import (
	"context"
	"fmt"

	"github.com/portail-aci/aci/internal/store"
)

// demoTerritory is the territory a demo CPTS's coordinator composes.
type demoTerritory struct {
	org, coordinator string
	communes         []string
}

// demoTerritories: real communes, legal populations of the loaded reference
// data (populations légales 2023).
func demoTerritories() []demoTerritory {
	return []demoTerritory{
		// CPTS du Val de Démo (Ain): Ambérieu-en-Bugey and its neighbours of the
		// plaine de l'Ain and the Bugey foothills (CC de la Plaine de l'Ain),
		// 18 communes, 45 664 inhabitants → tier 2 (docs/rules.md §3).
		{ValDeDemo, "coordinateur@demo.portail-aci.fr", []string{
			"01004", // Ambérieu-en-Bugey
			"01202", // Lagnieu
			"01007", // Ambronay
			"01089", // Château-Gaillard
			"01345", // Saint-Denis-en-Bugey
			"01099", // Chazey-sur-Ain
			"01213", // Leyment
			"01047", // Blyes
			"01390", // Saint-Vulbas
			"01444", // Villebois
			"01431", // Vaux-en-Bugey
			"01386", // Saint-Sorlin-en-Bugey
			"01149", // Douvres
			"01366", // Sainte-Julie
			"01396", // Sault-Brénaz
			"01041", // Bettant
			"01008", // Ambutrix
			"01379", // Saint-Maurice-de-Rémens
		}},
		// CPTS de la Côtière de Démo (Ain): the communes of the CC de la
		// Côtière à Montluel and of the CC de Miribel et du Plateau, with four
		// communes of the southern Dombes, 19 communes, 60 384 inhabitants → tier 2
		// (docs/rules.md §3: 40 000 – 80 000).
		{CotiereDeDemo, CotiereCoordinator, cotiereCommunes()},
		// CPTS des Monts de Démo (Rhône): the Rhône communes of the CC des Monts
		// du Lyonnais, 25 communes, 30 801 inhabitants → tier 1.
		{MontsDeDemo, "coordinateur.b@demo.portail-aci.fr", []string{
			"69014", "69030", "69031", "69038", "69042", "69062", "69078", "69095", "69098",
			"69099", "69110", "69120", "69132", "69138", "69139", "69155", "69178", "69184",
			"69187", "69201", "69203", "69220", "69227", "69238", "69263",
		}},
	}
}

// DemoTerritories gives the demo CPTS their territories when still empty
// (idempotent: a territory with communes is left as users made it), as their
// coordinators would: one AddCommunes each.
func DemoTerritories(ctx context.Context, st *store.Store) error {
	for _, d := range demoTerritories() {
		id, err := st.DemoOrganisationID(ctx, d.org)
		if err != nil {
			return fmt.Errorf("seed.DemoTerritories: %s: %w", d.org, err)
		}
		sc, err := demoScope(ctx, st, d.coordinator)
		if err != nil {
			return fmt.Errorf("seed.DemoTerritories: %w", err)
		}
		t, err := st.Territory(ctx, sc, id)
		if err != nil {
			return fmt.Errorf("seed.DemoTerritories: %s: %w", d.org, err)
		}
		if len(t.Communes) > 0 {
			continue
		}
		if _, err := st.AddCommunes(ctx, sc, id, t.Version, d.communes); err != nil {
			return fmt.Errorf("seed.DemoTerritories: %s: %w", d.org, err)
		}
	}
	return nil
}
