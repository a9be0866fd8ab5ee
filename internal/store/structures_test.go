package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

func structureIDs(t *testing.T, st *store.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, n := range []string{seed.ValDeDemo, seed.MontsDeDemo, seed.MSPLille} {
		id, err := st.OrganisationIDByName(context.Background(), domain.OrgStructure, n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = id
	}
	return out
}

// Every demo account against every demo structure: detail, members, counts
// and member detail are visible exactly in scope, not found outside.
func TestStructureDetailAndMembersScope(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	ids := structureIDs(t, st)
	sees := map[string][]string{
		"coordinateur@demo.portail-aci.fr":   {seed.ValDeDemo},
		"coordinateur.b@demo.portail-aci.fr": {seed.MontsDeDemo},
		"msp@demo.portail-aci.fr":            {seed.MSPLille},
		"referent@demo.portail-aci.fr":       {seed.ValDeDemo},
		"ars@demo.portail-aci.fr":            {seed.ValDeDemo, seed.MontsDeDemo},
		"dcgdr@demo.portail-aci.fr":          {seed.ValDeDemo, seed.MontsDeDemo},
		"admin@demo.portail-aci.fr":          {seed.ValDeDemo, seed.MontsDeDemo, seed.MSPLille},
	}
	admin := scopes["admin@demo.portail-aci.fr"]
	for email, sc := range scopes {
		for name, id := range ids {
			want := false
			for _, n := range sees[email] {
				want = want || n == name
			}
			t.Run(email+"/"+name, func(t *testing.T) {
				_, err := st.StructureDetail(ctx, sc, id)
				_, _, errL := st.ListMembers(ctx, sc, id, store.Page{Number: 1, Size: 50})
				all, _, _ := st.ListMembers(ctx, admin, id, store.Page{Number: 1, Size: 50})
				if len(all) == 0 {
					t.Fatal("demo structure without members")
				}
				_, errM := st.Member(ctx, sc, id, all[0].ID)
				ms, errS := st.StructureMembers(ctx, sc, id)
				for i, e := range []error{err, errL, errM} {
					if want && e != nil {
						t.Errorf("call %d: in scope, got %v", i, e)
					}
					if !want && !domain.IsNotFound(e) {
						t.Errorf("call %d: outside scope, got %v, want not_found", i, e)
					}
				}
				if errS != nil || (want != (len(ms) > 0)) {
					t.Errorf("StructureMembers: %d members, %v (in scope %v)", len(ms), errS, want)
				}
			})
		}
	}
}

// The demo structures pass their composition rules (registry.Composition).
func TestDemoStructuresPassComposition(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	sc := demo(t, st)["admin@demo.portail-aci.fr"]
	for name, id := range structureIDs(t, st) {
		d, err := st.StructureDetail(ctx, sc, id)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := st.StructureMembers(ctx, sc, id)
		if err != nil {
			t.Fatal(err)
		}
		checks := registry.Composition(d.StructureType, string(d.LegalForm), d.FINESS != "", ms)
		if ok, missing := registry.CanPay(checks); !ok {
			t.Errorf("%s: %v", name, missing)
		}
		if d.CoordinatorName == "" || d.SIRET == "" {
			t.Errorf("%s: identity not seeded: %+v", name, d)
		}
	}
}

func TestUpdateStructureOptimisticLockAndPermissions(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	ids := structureIDs(t, st)
	coord := scopes["coordinateur@demo.portail-aci.fr"]
	val := ids[seed.ValDeDemo]
	d, err := st.StructureDetail(ctx, coord, val)
	if err != nil || !d.CanEdit {
		t.Fatalf("coordinator: %v, CanEdit %v", err, d.CanEdit)
	}
	in := store.StructureInput{Name: d.Name, LegalForm: string(d.LegalForm), SIRET: d.SIRET, Address1: "1 rue Neuve",
		PostalCode: "01000", CommuneCode: "01053", Departement: "01"}
	if err := st.UpdateStructure(ctx, coord, val, d.Version, in); err != nil {
		t.Fatal(err)
	}
	// The same stale version again: conflict naming who changed it.
	in.Address1 = "2 rue Vieille"
	err = st.UpdateStructure(ctx, coord, val, d.Version, in)
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(domain.ErrorMessage(err), "Camille Martin") ||
		!strings.Contains(domain.ErrorMessage(err), "modifiée entre-temps") {
		t.Fatalf("stale version: %v", err)
	}
	d2, _ := st.StructureDetail(ctx, coord, val)
	if d2.Address1 != "1 rue Neuve" || d2.Version != d.Version+1 {
		t.Fatalf("overwritten: %+v", d2)
	}
	// Readers and other structures' coordinators cannot write: not found.
	for _, email := range []string{"referent@demo.portail-aci.fr", "ars@demo.portail-aci.fr", "dcgdr@demo.portail-aci.fr", "coordinateur.b@demo.portail-aci.fr", "msp@demo.portail-aci.fr"} {
		sc := scopes[email]
		if err := st.UpdateStructure(ctx, sc, val, d2.Version, in); !domain.IsNotFound(err) {
			t.Errorf("%s update: %v", email, err)
		}
		if _, err := st.AddMember(ctx, sc, val, registry.Member{LastName: "X", FirstName: "Y", Profession: registry.Infirmier, Mode: registry.ModeLiberal, CommuneCode: "01053"}); !domain.IsNotFound(err) {
			t.Errorf("%s add member: %v", email, err)
		}
		if err := st.ArchiveStructure(ctx, sc, val, d2.Version); !domain.IsNotFound(err) {
			t.Errorf("%s archive: %v", email, err)
		}
	}
	// Invalid SIRET: field error, nothing saved.
	in.SIRET = "73282932000075"
	err = st.UpdateStructure(ctx, coord, val, d2.Version, in)
	var fe registry.FieldErrors
	if !errors.As(err, &fe) || fe["siret"] == "" {
		t.Fatalf("bad SIRET: %v", err)
	}
	// Archive is refused while its dossier is under way, with the reason.
	admin := scopes["admin@demo.portail-aci.fr"]
	var refused *store.ArchiveRefusedError
	if err := st.ArchiveStructure(ctx, admin, val, d2.Version); !errors.As(err, &refused) ||
		!strings.Contains(domain.ErrorMessage(err), "le dossier est en cours (« En instruction »)") {
		t.Fatalf("archive with a dossier in instruction: %v", err)
	}
	// Once the dossier is closed (refused), archive hides it from lists.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE dossiers SET state = 'refusee' WHERE structure_id = $1`, val); err != nil {
		t.Fatal(err)
	}
	if err := st.ArchiveStructure(ctx, admin, val, d2.Version); err != nil {
		t.Fatal(err)
	}
	rows, _, _ := st.ListStructures(ctx, admin, store.StructureFilter{}, store.Page{Number: 1, Size: 50})
	for _, r := range rows {
		if r.ID == val {
			t.Fatal("archived structure listed")
		}
	}
	hist, err := st.StructureChanges(ctx, admin, val, 10)
	if err != nil || len(hist) < 2 || hist[0].Action != "archive" {
		t.Fatalf("history: %+v %v", hist, err)
	}
}

func TestCreateStructure(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	coord := scopes["coordinateur@demo.portail-aci.fr"]
	in := store.StructureInput{Type: domain.MSP, Name: "MSP des Tilleuls", LegalForm: "sisa", SIRET: "732 829 320 00074",
		FINESS: "010000124", Departement: "01", CommuneCode: "01053"}
	// FINESS with a wrong key, SIRET fine: nothing saved.
	_, err := st.CreateStructure(ctx, coord, in)
	var fe registry.FieldErrors
	if !errors.As(err, &fe) || fe["finess"] == "" || fe["siret"] != "" {
		t.Fatalf("bad FINESS: %v", err)
	}
	if _, err := st.OrganisationIDByName(ctx, domain.OrgStructure, in.Name); !domain.IsNotFound(err) {
		t.Fatalf("saved despite errors: %v", err)
	}
	in.FINESS = ""
	id, err := st.CreateStructure(ctx, coord, in)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := st.Memberships(ctx, coord.UserID)
	found := false
	for _, m := range ms {
		found = found || (m.OrgID == id && m.Role == domain.RoleCoordinator)
	}
	if !found {
		t.Fatalf("creator not coordinator: %+v", ms)
	}
	// CPAM users do not register structures; duplicate SIRET refused.
	if _, err := st.CreateStructure(ctx, scopes["referent@demo.portail-aci.fr"], in); !domain.IsNotFound(err) {
		t.Fatalf("referent create: %v", err)
	}
	in.Name = "Autre"
	_, err = st.CreateStructure(ctx, scopes["admin@demo.portail-aci.fr"], in)
	if !errors.As(err, &fe) || fe["siret"] == "" {
		t.Fatalf("duplicate SIRET: %v", err)
	}
}

func TestMemberEditRemoveAndConflict(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	coord := scopes["coordinateur.b@demo.portail-aci.fr"]
	id := structureIDs(t, st)[seed.MontsDeDemo]
	m := registry.Member{LastName: "Nouveau", FirstName: "Membre", Profession: registry.Orthophoniste, Mode: registry.ModeLiberal,
		RPPS: "10005173140", CommuneCode: "99999"}
	_, err := st.AddMember(ctx, coord, id, m)
	var fe registry.FieldErrors
	if !errors.As(err, &fe) || fe["commune_code"] == "" {
		t.Fatalf("bad commune: %v", err)
	}
	m.CommuneCode = "69264"
	mid, err := st.AddMember(ctx, coord, id, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddMember(ctx, coord, id, m); !errors.As(err, &fe) || fe["rpps"] == "" {
		t.Fatalf("duplicate RPPS: %v", err)
	}
	row, _ := st.Member(ctx, coord, id, mid)
	m.FirstName = "Changé"
	if err := st.UpdateMember(ctx, coord, id, mid, row.Version, m); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateMember(ctx, coord, id, mid, row.Version, m); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("stale member: %v", err)
	}
	if err := st.RemoveMember(ctx, scopes["coordinateur@demo.portail-aci.fr"], id, mid); !domain.IsNotFound(err) {
		t.Fatalf("other coordinator removes: %v", err)
	}
	if err := st.RemoveMember(ctx, coord, id, mid); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Member(ctx, coord, id, mid); !domain.IsNotFound(err) {
		t.Fatalf("removed member: %v", err)
	}
}

func TestImportMembers(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	coord := scopes["coordinateur.b@demo.portail-aci.fr"]
	id := structureIDs(t, st)[seed.MontsDeDemo]
	count := func() int {
		_, n, err := st.ListMembers(ctx, coord, id, store.Page{Number: 1, Size: 1})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	var big strings.Builder
	big.WriteString("nom;prénom;profession;spécialité;mode;rpps;commune\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&big, "Nom%d;P;infirmier;;libéral;;69264\n", i)
	}
	cp1252 := "nom;prénom;profession;spécialité;mode;rpps;commune\r\nL\xe9vy;H\xe9l\xe8ne;infirmi\xe8re;;lib\xe9ral;;69264\r\n"
	cp1252 = strings.Replace(cp1252, "prénom", "pr\xe9nom", 1)
	cp1252 = strings.Replace(cp1252, "spécialité", "sp\xe9cialit\xe9", 1)
	tests := []struct {
		name                string
		file                string
		accepted, refused   int
		present             int
		fileErr, refusedMsg string
		scope               string
	}{
		{name: "lines with unknown commune and bad RPPS", file: "nom;prénom;profession;spécialité;mode;rpps;commune\n" +
			"Durand;Ana;MG;;libéral;;69264\nMartin;Léo;infirmier;;libéral;;69999\nNoël;Zoé;kiné;;libéral;12345678901;69264\n" +
			"Faure;Tom;pharmacien;;libéral;" + "10005173140" + ";69264\n",
			accepted: 2, refused: 2, refusedMsg: "69999 n'existe pas"},
		{name: "RPPS already a member", file: "nom;prénom;profession;spécialité;mode;rpps;commune\nFaure;Tom;pharmacien;;libéral;10005173140;69264\n",
			accepted: 0, present: 1},
		{name: "without RPPS, first time", file: "nom;prénom;profession;spécialité;mode;rpps;commune\nSans;Rpps;infirmier;;libéral;;69264\nAutre;Une;sage-femme;;libéral;;69264\n",
			accepted: 2},
		{name: "the same file again", file: "nom;prénom;profession;spécialité;mode;rpps;commune\nSans;Rpps;infirmier;;libéral;;69264\nAutre;Une;sage-femme;;libéral;;69264\n",
			present: 2},
		{name: "same person, other case and accents", file: "nom;prénom;profession;spécialité;mode;rpps;commune\nSANS;rpps;Infirmière;;libéral;;69264\n",
			present: 1},
		{name: "same name, other commune", file: "nom;prénom;profession;spécialité;mode;rpps;commune\nSans;Rpps;infirmier;;libéral;;69123\n",
			accepted: 1},
		{name: "twice in one file", file: "nom;prénom;profession;spécialité;mode;rpps;commune\nDeux;Fois;infirmier;;libéral;;69264\nDeux;Fois;infirmier;;libéral;;69264\n",
			accepted: 1, refused: 1, refusedMsg: "figure déjà ligne 2"},
		{name: "10 000 lines", file: big.String(), fileErr: "plus de 2000 lignes"},
		{name: "wrong columns", file: "name;first;job\nA;B;C\n", fileErr: "Colonnes manquantes"},
		{name: "Windows-1252", file: cp1252, accepted: 1},
		{name: "other coordinator", file: "nom;prénom;profession;spécialité;mode;rpps;commune\nA;B;MG;;libéral;;69264\n",
			scope: "coordinateur@demo.portail-aci.fr", fileErr: "not_found"},
	}
	total := before
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := coord
			if tc.scope != "" {
				sc = scopes[tc.scope]
			}
			rep, err := st.ImportMembers(ctx, sc, id, registry.ParseMembersCSV(strings.NewReader(tc.file)))
			if tc.fileErr == "not_found" {
				if !domain.IsNotFound(err) {
					t.Fatalf("got %v", err)
				}
				if count() != total {
					t.Fatal("imported outside scope")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.fileErr != "" {
				if !strings.Contains(rep.FileError, tc.fileErr) {
					t.Fatalf("file error %q", rep.FileError)
				}
			} else if len(rep.Accepted) != tc.accepted || len(rep.Refused) != tc.refused || len(rep.Present) != tc.present {
				t.Fatalf("accepted %d refused %+v present %+v", len(rep.Accepted), rep.Refused, rep.Present)
			}
			if tc.refusedMsg != "" && !strings.Contains(fmt.Sprint(rep.Refused), tc.refusedMsg) {
				t.Fatalf("refused %+v", rep.Refused)
			}
			total += len(rep.Accepted)
			if tc.fileErr != "" && len(rep.Accepted) != 0 {
				t.Fatal("accepted lines with a file error")
			}
			if got := count(); got != total {
				t.Fatalf("members %d, want %d", got, total)
			}
		})
	}
	rows, _, _ := st.ListMembers(ctx, coord, id, store.Page{Number: 1, Size: 100})
	found := false
	for _, r := range rows {
		found = found || (r.Member.LastName == "Lévy" && r.Member.FirstName == "Hélène")
	}
	if !found {
		t.Fatal("Windows-1252 names not converted")
	}
}

// The member file (export, generated « liste des membres ») starts with a
// BOM, neutralises formula cells, and imported back adds nobody.
func TestMemberFileFormulasAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	coord := scopes["coordinateur.b@demo.portail-aci.fr"]
	id := structureIDs(t, st)[seed.MontsDeDemo]
	for _, name := range []string{"=HYPERLINK(\"http://x\")", "+Plus", "-Moins", "@Arob"} {
		if _, err := st.AddMember(ctx, coord, id, registry.Member{LastName: name, FirstName: "Test", Profession: registry.Infirmier,
			Mode: registry.ModeLiberal, CommuneCode: "69264"}); err != nil {
			t.Fatal(name, err)
		}
	}
	b, n, err := st.MemberFile(ctx, coord, id)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if !strings.HasPrefix(text, "\uFEFF") {
		t.Fatalf("no BOM: %q", text[:10])
	}
	for _, bad := range []string{"\n=HYPERLINK", "\n+Plus", "\n-Moins", "\n@Arob", "\n\"=HYPERLINK"} {
		if strings.Contains(text, bad) {
			t.Errorf("formula cell not neutralised: %q", bad)
		}
	}
	if !strings.Contains(text, "'+Plus") {
		t.Errorf("want '+Plus in %q", text)
	}
	_, before, _ := st.ListMembers(ctx, coord, id, store.Page{Number: 1, Size: 1})
	if n != before {
		t.Fatalf("file has %d members, registry %d", n, before)
	}
	rep, err := st.ImportMembers(ctx, coord, id, registry.ParseMembersCSV(strings.NewReader(text)))
	if err != nil {
		t.Fatal(err)
	}
	if rep.FileError != "" || len(rep.Accepted) != 0 {
		t.Fatalf("re-import of the export: file error %q, accepted %d, refused %+v", rep.FileError, len(rep.Accepted), rep.Refused)
	}
	if _, after, _ := st.ListMembers(ctx, coord, id, store.Page{Number: 1, Size: 1}); after != before {
		t.Fatalf("members %d after re-import, want %d", after, before)
	}
}
