// Package seed loads the demo organisations and accounts (make run only,
// never aci serve on its own). Everything is idempotent: a second run keeps
// what users created and changes nothing that exists.
package seed

import (
	"context"
	"fmt"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "portail-aci-demo"

// Demo organisation names (other seed steps refer to them).
const (
	ValDeDemo   = "CPTS du Val de Démo"
	MontsDeDemo = "CPTS des Monts de Démo"
	MSPLille    = "MSP de Démo-Lille"
	// CotiereDeDemo is the demo CPTS whose contract is in its second year
	// (cotiere.go); its demo key, stable whatever users rename it to, is
	// this constant (store.DemoOrganisationID(ctx, seed.CotiereDeDemo)).
	CotiereDeDemo = "CPTS de la Côtière de Démo"
	CPAMAin       = "CPAM de l'Ain"
	ARSAura       = "ARS Auvergne-Rhône-Alpes"
	DCGDRAura     = "DCGDR Auvergne-Rhône-Alpes"
	National      = "Administration nationale"
)

func demoOrgs() []store.NewOrganisation {
	return []store.NewOrganisation{
		{Kind: domain.OrgStructure, Name: ValDeDemo, StructureType: domain.CPTS, Departement: "01"},
		{Kind: domain.OrgStructure, Name: MontsDeDemo, StructureType: domain.CPTS, Departement: "69"},
		{Kind: domain.OrgStructure, Name: MSPLille, StructureType: domain.MSP, Departement: "59"},
		{Kind: domain.OrgStructure, Name: CotiereDeDemo, StructureType: domain.CPTS, Departement: "01"},
		{Kind: domain.OrgCPAM, Name: CPAMAin, Departements: []string{"01"}},
		{Kind: domain.OrgARS, Name: ARSAura, Region: "84"},
		{Kind: domain.OrgDCGDR, Name: DCGDRAura, Region: "84"},
		{Kind: domain.OrgNational, Name: National},
	}
}

// DemoAccount is one demo login.
type DemoAccount struct {
	Email, Name, Org string
	Kind             domain.OrgKind
	Role             domain.Role
}

// DemoAccounts lists the demo logins (README and tests use them).
func DemoAccounts() []DemoAccount {
	return []DemoAccount{
		{"coordinateur@demo.portail-aci.fr", "Camille Martin", ValDeDemo, domain.OrgStructure, domain.RoleCoordinator},
		{"coordinateur.b@demo.portail-aci.fr", "Bruno Lefèvre", MontsDeDemo, domain.OrgStructure, domain.RoleCoordinator},
		{"msp@demo.portail-aci.fr", "Inès Dubois", MSPLille, domain.OrgStructure, domain.RoleCoordinator},
		{CotiereCoordinator, "Margaux Perrin", CotiereDeDemo, domain.OrgStructure, domain.RoleCoordinator},
		{"referent@demo.portail-aci.fr", "Rachid Benali", CPAMAin, domain.OrgCPAM, domain.RoleReferent},
		{"ars@demo.portail-aci.fr", "Sophie Garnier", ARSAura, domain.OrgARS, domain.RoleDirector},
		{"dcgdr@demo.portail-aci.fr", "Paul Moreau", DCGDRAura, domain.OrgDCGDR, domain.RoleReviewer},
		{"admin@demo.portail-aci.fr", "Alex Admin", National, domain.OrgNational, domain.RoleAdmin},
	}
}

// steps run after the organisations and accounts exist, in order; each
// area's step is idempotent demo data.
func steps() []func(ctx context.Context, st *store.Store) error {
	return []func(ctx context.Context, st *store.Store) error{
		structuresDemo,      // members.go: identities and members of the demo structures
		DemoTerritories,     // territory.go: the demo CPTS territories
		DemoDossierContent,  // dossier_content.go: the demo dossiers' content (before DemoDossiers: the walks need it)
		DemoDocuments,       // documents.go: the demo dossiers' documents (before DemoDossiers: the walks file them)
		DemoDossiers,        // dossiers.go: the demo dossiers walked through the workflow
		DemoDocumentReviews, // documents.go: the referent's review marks (after DemoDossiers: Val is in instruction)
		DemoContracts,       // contracts.go: Lille's contract signed (actif, with its schedule); CPAM de l'Ain manager (after DemoDossiers)
		DemoCotiereContract, // cotiere.go: the Côtière's contract signed 13 months ago, its missions' starts (after DemoContracts)
		DemoEvaluations,     // evaluations.go: year 1 of the Côtière CPTS and Lille's last open civil year declared, awaiting validation (after DemoContracts)
	}
}

// Demo loads the demo organisations, accounts and the areas' demo data.
// Organisations and accounts are found by their demo key (their canonical
// name or address), and restored each time: renamed, archived, edited or
// deleted by users, they come back as the demo describes them.
func Demo(ctx context.Context, st *store.Store) error {
	ids := map[string]int64{}
	for _, o := range demoOrgs() {
		id, err := st.EnsureDemoOrganisation(ctx, o.Name, o)
		if err != nil {
			return fmt.Errorf("seed.Demo: organisation %q: %w", o.Name, err)
		}
		ids[o.Name] = id
	}
	for _, a := range DemoAccounts() {
		if err := ensureDemoAccount(ctx, st, a, ids[a.Org]); err != nil {
			return fmt.Errorf("seed.Demo: %w", err)
		}
	}
	for _, step := range steps() {
		if err := step(ctx, st); err != nil {
			return fmt.Errorf("seed.Demo: %w", err)
		}
	}
	return nil
}

// ensureDemoAccount restores a demo account (key: its address) and its
// membership, with the demo password. The stored hash is kept while it is
// still the demo password's (argon2id salts every hash: rehashing would
// end the account's sessions at every run).
func ensureDemoAccount(ctx context.Context, st *store.Store, a DemoAccount, orgID int64) error {
	hash, err := st.DemoPasswordHash(ctx, a.Email)
	if err != nil {
		return err
	}
	if hash == "" || !auth.Check(hash, DemoPassword) {
		if hash, err = auth.Hash(DemoPassword); err != nil {
			return err
		}
	}
	if _, err := st.EnsureDemoAccount(ctx, store.DemoAccountInput{Key: a.Email, Email: a.Email, Name: a.Name, PasswordHash: hash,
		OrgID: orgID, Role: a.Role}); err != nil {
		return fmt.Errorf("account %s: %w", a.Email, err)
	}
	return nil
}
