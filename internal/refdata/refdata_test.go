package refdata

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Paris", "paris"},
		{"L'Abergement-Clémenciat", "l abergement clemenciat"},
		{"Saint-Étienne", "saint etienne"},
		{"L’Haÿ-les-Roses", "l hay les roses"},
		{"Œuilly", "oeuilly"},
		{"Cœuvres-et-Valsery", "coeuvres et valsery"},
		{"Læ", "lae"},
		{"Ça", "ca"},
		{"Île-d'Yeu", "ile d yeu"},
		{"  Bourg -- en   Bresse ", "bourg en bresse"},
		{"Château-Thierry (02)", "chateau thierry 02"},
		{"ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ", "aaaeeeeiioouuuyc"},
		{"straße", "strasse"},
		{"75001", "75001"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Idempotent.
	for _, c := range Communes() {
		n := Normalize(c.Nom)
		if Normalize(n) != n || n == "" {
			t.Fatalf("Normalize(%q) = %q is not a fixed point", c.Nom, n)
		}
	}
}

func TestEmbedded(t *testing.T) {
	src := Source()
	if src.Package != "@etalab/decoupage-administratif" || src.Version != "6.0.0" || src.License != "MIT" ||
		src.COGYear != "2026" || src.PopulationYear != "2023" || len(src.SHA256) != 64 {
		t.Errorf("Source() = %+v", src)
	}
	regs, deps, comms, epcis := Regions(), Departements(), Communes(), EPCIs()
	if len(regs) != 18 {
		t.Errorf("régions: %d, want 18", len(regs))
	}
	if len(deps) != 101 {
		t.Errorf("départements: %d, want 101", len(deps))
	}
	if len(comms) != 34875 {
		t.Errorf("communes: %d, want 34875", len(comms))
	}
	if len(epcis) != 1255 {
		t.Errorf("EPCI: %d, want 1255", len(epcis))
	}

	regOK := map[string]bool{}
	for _, r := range regs {
		regOK[r.Code] = true
	}
	depOK := map[string]bool{}
	for _, d := range deps {
		depOK[d.Code] = true
		if !regOK[d.Region] {
			t.Errorf("département %s: unknown région %s", d.Code, d.Region)
		}
	}
	byCode := map[string]Commune{}
	noEPCI, postal := 0, 0
	var zeroPop []string
	for i, c := range comms {
		if i > 0 && comms[i-1].Code >= c.Code {
			t.Fatalf("communes not sorted at %s", c.Code)
		}
		byCode[c.Code] = c
		if !depOK[c.Departement] || !regOK[c.Region] {
			t.Errorf("commune %s: unknown département %s or région %s", c.Code, c.Departement, c.Region)
		}
		if c.Population == 0 {
			zeroPop = append(zeroPop, c.Code)
		}
		postal += len(c.CodesPostaux)
		if c.EPCI == "" {
			noEPCI++
		}
	}
	// The six "villages morts pour la France" of the Meuse have no inhabitants.
	if got := strings.Join(zeroPop, " "); got != "55039 55050 55139 55189 55239 55307" {
		t.Errorf("communes with population 0: %s", got)
	}
	if postal != 35359 {
		t.Errorf("(commune, code postal) pairs: %d, want 35359", postal)
	}
	if noEPCI != 4 {
		t.Errorf("communes without EPCI: %d, want 4", noEPCI)
	}
	for _, tc := range []struct {
		code, nom, dep, reg string
		pop                 int
		cp                  string
	}{
		{"75056", "Paris", "75", "11", 2103778, "75001"},
		{"69123", "Lyon", "69", "84", 519127, "69001"},
		{"01053", "Bourg-en-Bresse", "01", "84", 42372, "01000"},
		{"97611", "Mamoudzou", "976", "06", 71437, "97600"},
		{"2A004", "Ajaccio", "2A", "94", 76320, "20000"},
	} {
		c, ok := byCode[tc.code]
		if !ok {
			t.Errorf("commune %s missing", tc.code)
			continue
		}
		if c.Nom != tc.nom || c.Departement != tc.dep || c.Region != tc.reg || c.Population != tc.pop ||
			c.CodesPostaux[0] != tc.cp {
			t.Errorf("commune %s = %+v", tc.code, c)
		}
	}
	if len(byCode["75056"].CodesPostaux) != 21 {
		t.Errorf("Paris postal codes: %v", byCode["75056"].CodesPostaux)
	}
	if _, ok := byCode["75101"]; ok {
		t.Error("arrondissement municipal 75101 kept")
	}
	for _, e := range epcis {
		for _, m := range e.Membres {
			if byCode[m].EPCI != e.Code {
				t.Errorf("EPCI %s member %s has EPCI %q", e.Code, m, byCode[m].EPCI)
			}
		}
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	pool := testPool(t)

	// An organisation referencing a département must survive every load.
	if _, err := pool.Exec(ctx, `INSERT INTO regions (code, nom) VALUES ('84', 'ancien nom');
		INSERT INTO departements (code, nom, region) VALUES ('01', 'Ain', '84');
		INSERT INTO organisations (kind, name, structure_type, departement) VALUES ('structure', 'CPTS test', 'CPTS', '01')`); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if err := Load(ctx, pool); err != nil {
		t.Fatal(err)
	}
	// Informative only: the speed target is checked by BenchmarkLoad.
	t.Logf("first Load: %v", time.Since(start))

	type counts struct{ reg, dep, epci, com, cp int }
	count := func() counts {
		var c counts
		err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM regions), (SELECT count(*) FROM departements),
			(SELECT count(*) FROM epci), (SELECT count(*) FROM communes WHERE actuelle),
			(SELECT count(*) FROM commune_codes_postaux)`).Scan(&c.reg, &c.dep, &c.epci, &c.com, &c.cp)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := count()
	if c1.reg != 18 || c1.dep != 101 || c1.epci != 1255 || c1.com != 34875 || c1.cp != 35359 {
		t.Errorf("counts after Load: %+v", c1)
	}

	var nom, nomNorm, dep, reg string
	var pop int
	var cps []string
	var epci *string
	if err := pool.QueryRow(ctx, `SELECT nom, nom_norm, departement, region, population, codes_postaux, epci
		FROM communes WHERE code = '01053'`).Scan(&nom, &nomNorm, &dep, &reg, &pop, &cps, &epci); err != nil {
		t.Fatal(err)
	}
	if nom != "Bourg-en-Bresse" || nomNorm != "bourg en bresse" || dep != "01" || reg != "84" || pop != 42372 ||
		strings.Join(cps, ",") != "01000" || epci == nil || *epci != "200071751" {
		t.Errorf("01053: %s %s %s %s %d %v %v", nom, nomNorm, dep, reg, pop, cps, epci)
	}
	if err := pool.QueryRow(ctx, `SELECT nom FROM regions WHERE code = '84'`).Scan(&nom); err != nil || nom != "Auvergne-Rhône-Alpes" {
		t.Errorf("région 84 = %q, %v", nom, err)
	}
	// Search paths the indexes are for.
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM communes WHERE nom_norm LIKE $1 || '%'`, Normalize("Saint-Étienne")).Scan(&n); err != nil || n < 5 {
		t.Errorf("prefix search saint etienne: %d, %v", n, err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT commune) FROM commune_codes_postaux WHERE code_postal LIKE '7500%'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("postal prefix 7500: %d, %v", n, err)
	}
	versions := map[string]string{}
	rows, err := pool.Query(ctx, `SELECT name, version FROM refdata_versions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		versions[k] = v
	}
	if versions[VersionPackage] != "6.0.0" || versions[VersionPopulation] != "2023" || versions[VersionCOG] != "2026" ||
		versions[VersionSHA256] != Source().SHA256 {
		t.Errorf("refdata_versions: %v", versions)
	}

	// Second Load: already loaded, returns fast and changes nothing.
	var xmin1 string
	if err := pool.QueryRow(ctx, `SELECT string_agg(xmin::text, ',' ORDER BY code) FROM communes`).Scan(&xmin1); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := Load(ctx, pool); err != nil {
		t.Fatal(err)
	}
	// Idempotence is checked below by the rows' xmin, not by the clock.
	t.Logf("second Load: %v", time.Since(start))
	var xmin2 string
	if err := pool.QueryRow(ctx, `SELECT string_agg(xmin::text, ',' ORDER BY code) FROM communes`).Scan(&xmin2); err != nil {
		t.Fatal(err)
	}
	if xmin1 != xmin2 || count() != c1 {
		t.Error("second Load changed rows")
	}

	// A new data version: stale rows go when unreferenced, stay (retired)
	// when referenced; changed rows are fixed; the organisation survives.
	if _, err := pool.Exec(ctx, `
		UPDATE refdata_versions SET version = 'old' WHERE name = 'data-sha256';
		INSERT INTO regions (code, nom) VALUES ('99', 'Stale region');
		INSERT INTO departements (code, nom, region) VALUES ('99', 'Stale dep', '99'), ('98', 'Stale dep 2', '99');
		INSERT INTO epci (code, nom, nom_norm) VALUES ('999999999', 'Stale EPCI', 'stale epci');
		INSERT INTO communes (code, nom, nom_norm, departement, region, epci, codes_postaux)
			VALUES ('99001', 'Gone', 'gone', '99', '99', '999999999', '{99000}'),
			       ('99002', 'Kept', 'kept', '98', '99', '999999999', '{99000}');
		INSERT INTO commune_codes_postaux VALUES ('99000', '99001'), ('99000', '99002');
		CREATE TABLE test_commune_refs (commune text REFERENCES communes (code) ON DELETE CASCADE);
		INSERT INTO test_commune_refs VALUES ('99002');
		UPDATE communes SET population = 1 WHERE code = '75056'`); err != nil {
		t.Fatal(err)
	}
	if err := Load(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var gone, keptActuelle bool
	var keptEPCI *string
	if err := pool.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM communes WHERE code = '99001')`).Scan(&gone); err != nil || !gone {
		t.Errorf("stale unreferenced commune not deleted: %v", err)
	}
	if err := pool.QueryRow(ctx, `SELECT actuelle, epci FROM communes WHERE code = '99002'`).Scan(&keptActuelle, &keptEPCI); err != nil || keptActuelle || keptEPCI != nil {
		t.Errorf("referenced stale commune: actuelle=%v epci=%v err=%v", keptActuelle, keptEPCI, err)
	}
	var refs, deps99, epci99, cp99 int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM test_commune_refs),
		(SELECT count(*) FROM departements WHERE code IN ('98', '99')),
		(SELECT count(*) FROM epci WHERE code = '999999999'),
		(SELECT count(*) FROM commune_codes_postaux WHERE code_postal = '99000')`).Scan(&refs, &deps99, &epci99, &cp99); err != nil {
		t.Fatal(err)
	}
	if refs != 1 || deps99 != 1 || epci99 != 0 || cp99 != 0 {
		t.Errorf("after reload: refs=%d stale deps=%d (want 1: 98 is used by a kept commune) stale epci=%d cp=%d", refs, deps99, epci99, cp99)
	}
	if err := pool.QueryRow(ctx, `SELECT population FROM communes WHERE code = '75056'`).Scan(&pop); err != nil || pop != 2103778 {
		t.Errorf("Paris population = %d, %v", pop, err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE departement = '01'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("organisation lost: %d %v", n, err)
	}
}
