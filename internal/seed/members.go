package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/store"
)

// demoIdentity is the registry identity and the members of a demo structure.
// The composition rules (registry.Composition, docs/rules.md §2) pass for each.
type demoIdentity struct {
	org         string
	coordinator string // e-mail of the demo coordinator
	in          store.StructureInput
	members     []registry.Member
}

// withKey appends the Luhn check digit to digits (SIRET and RPPS are Luhn
// numbers, registry.ParseSIRET/ParseRPPS; FINESS too, see ParseFINESS).
func withKey(digits string) string {
	for k := byte('0'); k <= '9'; k++ {
		s := digits + string(k)
		sum := 0
		for i := 0; i < len(s); i++ {
			d := int(s[len(s)-1-i] - '0')
			if i%2 == 1 {
				d *= 2
				if d > 9 {
					d -= 9
				}
			}
			sum += d
		}
		if sum%10 == 0 {
			return s
		}
	}
	return digits + "0"
}

func rpps(n int) string { return withKey(fmt.Sprintf("1000%06d", n)) }

func person(last, first string, p registry.Profession, mode registry.Mode, rppsN int, commune string) registry.Member {
	m := registry.Member{LastName: last, FirstName: first, Profession: p, Mode: mode, CommuneCode: commune}
	if rppsN > 0 {
		m.RPPS = rpps(rppsN)
	}
	return m
}

// Real INSEE codes: 01053 Bourg-en-Bresse, 01344 Saint-Denis-lès-Bourg,
// 01451 Viriat (Ain); 69264 Villefranche-sur-Saône (Rhône); 59350 Lille.
func demoIdentities() []demoIdentity {
	return []demoIdentity{
		{
			org: ValDeDemo, coordinator: "coordinateur@demo.portail-aci.fr",
			in: store.StructureInput{Type: domain.CPTS, Name: ValDeDemo, LegalForm: string(registry.LegalAssociation),
				SIRET: withKey("8834129870001"), Address1: "12 rue de la République", PostalCode: "01000",
				CommuneCode: "01053", Departement: "01", CreatedOn: domain.NewDate(2022, time.March, 15)},
			members: []registry.Member{
				person("Bernard", "Claire", registry.MedecinGeneraliste, registry.ModeLiberal, 101, "01053"),
				person("Petit", "Julien", registry.MedecinGeneraliste, registry.ModeLiberal, 102, "01053"),
				person("Roux", "Émilie", registry.MedecinGeneraliste, registry.ModeLiberal, 103, "01344"),
				person("Fournier", "Marc", registry.MedecinGeneraliste, registry.ModeSalarie, 104, "01451"),
				{LastName: "Girard", FirstName: "Nadia", Profession: registry.MedecinSpecialiste, Specialty: "Pédiatrie",
					Mode: registry.ModeLiberal, RPPS: rpps(105), CommuneCode: "01053"},
				person("Bonnet", "Lucie", registry.Infirmier, registry.ModeLiberal, 106, "01053"),
				person("Dupont", "Thomas", registry.Infirmier, registry.ModeLiberal, 107, "01344"),
				person("Lambert", "Sarah", registry.Infirmier, registry.ModeSalarie, 108, "01451"),
				person("Fontaine", "Hugo", registry.Pharmacien, registry.ModeLiberal, 109, "01053"),
				person("Chevalier", "Anaïs", registry.MasseurKinesitherapeute, registry.ModeLiberal, 110, "01053"),
				person("Robin", "Léa", registry.SageFemme, registry.ModeLiberal, 111, "01451"),
				person("Gauthier", "Paul", registry.Psychologue, registry.ModeLiberal, 0, "01053"),
				{LastName: "Centre communal d'action sociale de Bourg-en-Bresse", Profession: registry.ActeurSocial,
					Mode: registry.ModeStructure, CommuneCode: "01053"},
			},
		},
		{
			org: CotiereDeDemo, coordinator: CotiereCoordinator,
			in: store.StructureInput{Type: domain.CPTS, Name: CotiereDeDemo, LegalForm: string(registry.LegalAssociation),
				SIRET: withKey("8845671230001"), Address1: "2 place de la Mairie", PostalCode: "01120",
				CommuneCode: "01262", Departement: "01", CreatedOn: domain.NewDate(2023, time.September, 4)},
			members: []registry.Member{
				person("Perrin", "Margaux", registry.MedecinGeneraliste, registry.ModeLiberal, 401, "01262"),
				person("Colin", "Yann", registry.MedecinGeneraliste, registry.ModeLiberal, 402, "01249"),
				person("Masson", "Aurélie", registry.MedecinGeneraliste, registry.ModeLiberal, 403, "01043"),
				person("Henry", "Olivier", registry.MedecinGeneraliste, registry.ModeSalarie, 404, "01142"),
				person("Renard", "Julie", registry.Infirmier, registry.ModeLiberal, 405, "01262"),
				person("Barbier", "Kevin", registry.Infirmier, registry.ModeLiberal, 406, "01249"),
				person("Arnaud", "Sophie", registry.Pharmacien, registry.ModeLiberal, 407, "01376"),
				person("Giraud", "Mathieu", registry.MasseurKinesitherapeute, registry.ModeLiberal, 408, "01049"),
				person("Roche", "Inès", registry.SageFemme, registry.ModeLiberal, 409, "01333"),
				{LastName: "Centre communal d'action sociale de Montluel", Profession: registry.ActeurSocial,
					Mode: registry.ModeStructure, CommuneCode: "01262"},
			},
		},
		{
			org: MontsDeDemo, coordinator: "coordinateur.b@demo.portail-aci.fr",
			in: store.StructureInput{Type: domain.CPTS, Name: MontsDeDemo, LegalForm: string(registry.LegalAssociation),
				SIRET: withKey("8912345670001"), Address1: "4 place des Arts", PostalCode: "69400",
				CommuneCode: "69264", Departement: "69", CreatedOn: domain.NewDate(2023, time.January, 10)},
			members: []registry.Member{
				person("Morel", "Isabelle", registry.MedecinGeneraliste, registry.ModeLiberal, 201, "69264"),
				person("Mercier", "Antoine", registry.MedecinGeneraliste, registry.ModeLiberal, 202, "69264"),
				person("Blanc", "Chloé", registry.Infirmier, registry.ModeLiberal, 203, "69264"),
				person("Guerin", "Louis", registry.Pharmacien, registry.ModeLiberal, 204, "69264"),
			},
		},
		{
			org: MSPLille, coordinator: "msp@demo.portail-aci.fr",
			in: store.StructureInput{Type: domain.MSP, Name: MSPLille, LegalForm: string(registry.LegalSISA),
				SIRET: withKey("9012345670001"), FINESS: withKey("59000123"), Address1: "30 rue Nationale", PostalCode: "59000",
				CommuneCode: "59350", Departement: "59", CreatedOn: domain.NewDate(2021, time.June, 1)},
			members: []registry.Member{
				person("Lefebvre", "Jeanne", registry.MedecinGeneraliste, registry.ModeLiberal, 301, "59350"),
				person("Leroy", "Maxime", registry.MedecinGeneraliste, registry.ModeLiberal, 302, "59350"),
				person("Roussel", "Camille", registry.MedecinGeneraliste, registry.ModeLiberal, 303, "59350"),
				person("Vasseur", "Manon", registry.Infirmier, registry.ModeLiberal, 304, "59350"),
				person("Delattre", "Nicolas", registry.Infirmier, registry.ModeLiberal, 305, "59350"),
				person("Carpentier", "Élise", registry.MasseurKinesitherapeute, registry.ModeLiberal, 306, "59350"),
			},
		},
	}
}

// structuresDemo gives the demo structures their identity and members
// (docs/rules.md §21). Idempotent: an identity is
// set only while the structure has no SIRET, members only while it has none,
// so a second run changes nothing and keeps what users entered.
func structuresDemo(ctx context.Context, st *store.Store) error {
	admin, err := st.UserByEmail(ctx, "admin@demo.portail-aci.fr")
	if err != nil {
		return fmt.Errorf("structures demo: %w", err)
	}
	ms, err := st.Memberships(ctx, admin.ID)
	if err != nil || len(ms) == 0 {
		return fmt.Errorf("structures demo: admin memberships: %v", err)
	}
	sc, err := st.ScopeFor(ctx, admin.ID, ms[0].OrgID)
	if err != nil {
		return fmt.Errorf("structures demo: %w", err)
	}
	for _, d := range demoIdentities() {
		id, err := st.DemoOrganisationID(ctx, d.org)
		if err != nil {
			return fmt.Errorf("structures demo %s: %w", d.org, err)
		}
		det, err := st.StructureDetail(ctx, sc, id)
		if err != nil {
			return fmt.Errorf("structures demo %s: %w", d.org, err)
		}
		if det.SIRET == "" && det.ArchivedAt == nil {
			in := d.in
			in.CoordinatorEmail = d.coordinator
			if err := st.UpdateStructure(ctx, sc, id, det.Version, in); err != nil {
				return fmt.Errorf("structures demo %s: %w", d.org, err)
			}
		}
		counts, err := st.MemberCounts(ctx, sc, id)
		if err != nil {
			return fmt.Errorf("structures demo %s: %w", d.org, err)
		}
		if len(counts) > 0 || det.ArchivedAt != nil {
			continue
		}
		for _, m := range d.members {
			if _, err := st.AddMember(ctx, sc, id, m); err != nil {
				return fmt.Errorf("structures demo %s, member %s: %w", d.org, m.LastName, err)
			}
		}
	}
	return nil
}
