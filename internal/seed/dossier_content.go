package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain/contractlife"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/store"
)

// DemoDossierContent writes the content of the demo dossiers
// (docs/rules.md §15): it runs BEFORE DemoDossiers, so that the walks find a
// lettre d'intention, the socle missions and complete mandatory indicators
// (the content requirement refuses deposer_lettre_intention and
// deposer_demande without them). It opens each demo dossier the way
// DemoDossiers does (same creation date) when it does not exist yet, and
// fills only empty sections, through the coordinator's own saves
// (store.SaveContent): a second run changes nothing.
//   - CPTS du Val de Démo: lettre, projet de santé, the six missions, the five
//     mandatory indicators with baselines and targets, and two more;
//   - CPTS des Monts de Démo: lettre and projet de santé;
//   - MSP de Démo-Lille: projet de santé, MSP indicators, patientèle 5 200.
func DemoDossierContent(ctx context.Context, st *store.Store) error {
	now := time.Now()
	patientele := int64(5200)
	for _, x := range []struct {
		org, coord string
		daysAgo    int // as DemoDossiers: creation 7 days before the first step
		content    store.DossierContent
	}{
		{ValDeDemo, "coordinateur@demo.portail-aci.fr", 167, store.DossierContent{
			Letter: valLettre, HealthProject: valProjet,
			Missions:   []funding.Mission{funding.Acces, funding.Parcours, funding.Prevention, funding.Crise, funding.Qualite, funding.Accompagnement},
			Indicators: valIndicators(),
		}},
		{MontsDeDemo, "coordinateur.b@demo.portail-aci.fr", 127, store.DossierContent{Letter: montsLettre, HealthProject: montsProjet}},
		{CotiereDeDemo, CotiereCoordinator, cotiereWalkDays + 7, store.DossierContent{
			Letter: cotiereLettre, HealthProject: cotiereProjet,
			Missions:   []funding.Mission{funding.Acces, funding.Parcours, funding.Prevention, funding.Crise},
			Indicators: valIndicators()[:5],
		}},
		{MSPLille, "msp@demo.portail-aci.fr", 207, store.DossierContent{
			HealthProject:      lilleProjet,
			MSPIndicators:      []string{"horaires_soins_non_programmes", "fonction_coordination", "sas_moitie_medecins"},
			RegisteredPatients: &patientele,
		}},
	} {
		coord, err := demoScope(ctx, st, x.coord)
		if err != nil {
			return err
		}
		id, err := demoDossier(ctx, st, coord, now.AddDate(0, 0, -x.daysAgo))
		if err != nil {
			return fmt.Errorf("DemoDossierContent %s: %w", x.org, err)
		}
		if err := writeContent(ctx, st, coord, id, x.content, now); err != nil {
			return fmt.Errorf("DemoDossierContent %s: %w", x.org, err)
		}
	}
	return nil
}

// writeContent saves the sections of want that the dossier's content still
// lacks, one SaveContent each, as coordinator coord would in the content
// page. Indicators: the mandatory ones first, then one more per save (the
// page has one blank row for a new indicator).
func writeContent(ctx context.Context, st *store.Store, coord store.Scope, id int64, want store.DossierContent, at time.Time) error {
	save := func(sec store.Section, fill func(in *store.ContentSave)) error {
		c, err := st.DossierContent(ctx, coord, id)
		if err != nil {
			return err
		}
		if !store.SectionEditable(sec, c.State) {
			return nil // walked past this section: left as it is
		}
		in := store.ContentSave{DossierID: id, Section: sec, Version: c.Meta[sec].Version, At: at}
		fill(&in)
		_, err = st.SaveContent(ctx, coord, in)
		return err
	}
	c, err := st.DossierContent(ctx, coord, id)
	if err != nil {
		return err
	}
	if want.Letter != "" && c.Letter == "" {
		if err := save(store.SectionLettre, func(in *store.ContentSave) { in.Text = want.Letter }); err != nil {
			return err
		}
	}
	if want.HealthProject != "" && c.HealthProject == "" {
		if err := save(store.SectionProjet, func(in *store.ContentSave) { in.Text = want.HealthProject }); err != nil {
			return err
		}
	}
	if len(want.Missions) > 0 && !c.MissionsSaved {
		if err := save(store.SectionMissions, func(in *store.ContentSave) {
			for _, m := range want.Missions {
				in.Missions = append(in.Missions, string(m))
			}
		}); err != nil {
			return err
		}
	}
	if (len(want.MSPIndicators) > 0 || want.RegisteredPatients != nil) && len(c.MSPIndicators) == 0 && c.RegisteredPatients == nil {
		if err := save(store.SectionPatientele, func(in *store.ContentSave) {
			in.MSPIndicators = want.MSPIndicators
			in.RegisteredPatients = want.RegisteredPatients
		}); err != nil {
			return err
		}
	}
	saved := false
	for _, x := range c.Indicators {
		saved = saved || x.ID != 0
	}
	if len(want.Indicators) == 0 || saved {
		return nil
	}
	var mandatory, others []store.ContentIndicator
	for _, x := range want.Indicators {
		if x.Mandatory {
			mandatory = append(mandatory, x)
		} else {
			others = append(others, x)
		}
	}
	rows := []store.IndicatorInput{}
	for _, x := range mandatory {
		rows = append(rows, indicatorInput(x))
	}
	if err := save(store.SectionIndicateurs, func(in *store.ContentSave) { in.Indicators = rows }); err != nil {
		return err
	}
	for _, x := range others {
		c, err := st.DossierContent(ctx, coord, id)
		if err != nil {
			return err
		}
		rows := []store.IndicatorInput{}
		for _, y := range c.Indicators {
			rows = append(rows, indicatorInput(y))
		}
		x.Code = "" // a new row: the store names it
		rows = append(rows, indicatorInput(x))
		if err := save(store.SectionIndicateurs, func(in *store.ContentSave) { in.Indicators = rows }); err != nil {
			return err
		}
	}
	return nil
}

// indicatorInput is indicator x as the coordinator saves it.
func indicatorInput(x store.ContentIndicator) store.IndicatorInput {
	w := x.Weight
	return store.IndicatorInput{Code: x.Code, Mission: x.Mission, Label: x.Label, Direction: x.Direction,
		Baseline: x.Baseline, Targets: x.Targets, Weight: &w, Unit: x.Unit}
}

func n(v int64) *int64 { return &v }

// valIndicators: the five mandatory indicators (docs/rules.md §6), in
// percent (hundredths: 8 420 = 84,2 %) unless said, and two indicators of
// the CPTS's own.
func valIndicators() []store.ContentIndicator {
	per := string(contractlife.Percent)
	out := []store.ContentIndicator{}
	vals := map[string]struct {
		base    int64
		targets [5]*int64
		unit    string
	}{
		"patientele_mt":                 {8420, [5]*int64{n(8500), n(8580), n(8650), n(8700), n(8750)}, per},
		"sans_mt_ald_70_cmuc":           {610, [5]*int64{n(550), n(500), n(450), n(400), n(350)}, per},
		"urgences_sans_hospitalisation": {7420, [5]*int64{n(7350)}, per},
		"admissions_directes_ville":     {1180, [5]*int64{n(1250), n(1350), n(1450), n(1500), n(1600)}, per},
		"consultations_snp":             {0, [5]*int64{n(1500), n(3000), n(4500), n(5000), n(6000)}, string(contractlife.Count)},
	}
	for _, m := range funding.MandatoryCPTSIndicators() {
		v := vals[m.Code]
		out = append(out, store.ContentIndicator{Code: m.Code, Mission: m.Mission, Label: m.Label, Direction: m.Direction,
			Baseline: n(v.base), Targets: v.targets, Weight: 1, Unit: v.unit, Mandatory: true})
	}
	return append(out,
		store.ContentIndicator{Code: "autre_6", Mission: funding.Prevention, Direction: funding.Increasing, Weight: 1,
			Label:    "Nombre d'actions de promotion du dépistage organisé du cancer colorectal menées sur le territoire",
			Baseline: n(0), Targets: [5]*int64{n(4)}, Unit: string(contractlife.Count)},
		store.ContentIndicator{Code: "autre_7", Mission: funding.Qualite, Direction: funding.Increasing, Weight: 2,
			Label:    "Nombre de groupes d'analyse de pratiques pluriprofessionnels réunis",
			Baseline: n(1), Targets: [5]*int64{n(3), n(4), n(6), n(6), n(8)}, Unit: string(contractlife.Count)},
	)
}

const valLettre = `Madame la Directrice générale,

Les professionnels de santé de la plaine de l'Ain et des contreforts du Bugey (Ambérieu-en-Bugey, Lagnieu, Ambronay et quinze communes voisines, environ 45 000 habitants) souhaitent constituer la CPTS du Val de Démo.

Une quarantaine de professionnels — médecins généralistes, infirmiers, pharmaciens, masseurs-kinésithérapeutes, sages-femmes — se sont réunis à trois reprises depuis le printemps. Ils partagent un constat : un habitant sur huit n'a plus de médecin traitant, et les urgences du centre hospitalier reçoivent de nombreux patients qui auraient pu être vus en ville.

Nous nous engageons à rédiger le projet de santé dans les six mois suivant la validation de cette lettre, autour des missions socle : accès aux soins, parcours pluriprofessionnels, prévention et réponse aux crises sanitaires graves.

Veuillez agréer, Madame la Directrice générale, l'expression de nos salutations distinguées.

Pour l'association, Camille Martin, coordinatrice`

const valProjet = `Diagnostic territorial

Le territoire compte 18 communes et 45 664 habitants (populations légales 2023). La population vieillit : 21 % des habitants ont plus de 65 ans. La densité de médecins généralistes est inférieure de 30 % à la moyenne régionale ; trois départs en retraite sont annoncés d'ici deux ans.

Axes du projet

1. Accès aux soins : trouver un médecin traitant aux patients en ALD et aux plus de 70 ans qui n'en ont pas ; organiser des plages de soins non programmés partagées entre les cabinets, en lien avec le SAS de l'Ain.
2. Parcours : insuffisance cardiaque et sortie d'hospitalisation, avec le centre hospitalier et les infirmiers libéraux.
3. Prévention : dépistage organisé du cancer colorectal, vaccination.
4. Crises sanitaires : plan de continuité de l'activité et annuaire des professionnels mobilisables.
5. Qualité et accompagnement : groupes d'analyse de pratiques, accueil des internes et des jeunes installés.`

const montsLettre = `Madame la Directrice générale,

Les professionnels de santé des Monts du Lyonnais souhaitent constituer la CPTS des Monts de Démo, pour organiser ensemble l'accès aux soins non programmés et le maintien à domicile des personnes âgées sur un territoire rural étendu.

Pour l'association, Bruno Lefèvre, coordinateur`

const montsProjet = `Diagnostic territorial

Territoire rural de moyenne montagne, population dispersée, temps d'accès aux urgences supérieur à 30 minutes pour un tiers des habitants.

Axes : soins non programmés, parcours de la personne âgée à domicile, prévention des chutes, plan de crise.`

const lilleProjet = `Projet de santé de la MSP de Démo-Lille

Six médecins généralistes, quatre infirmières, deux masseurs-kinésithérapeutes et une diététicienne exercent ensemble. Le projet porte sur l'accès aux soins (ouverture de 8 h à 20 h, soins non programmés chaque jour ouvré), la coordination des parcours des patients diabétiques et la participation au service d'accès aux soins.`
