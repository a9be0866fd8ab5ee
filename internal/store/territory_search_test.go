package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/portail-aci/aci/internal/refdata"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// SearchTerritory (one statement, docs/rules.md §35.2) returns the same rows
// in the same order as SearchCommunes followed by SearchEPCI on the first
// distinct EPCIs of the communes found — the two statements it replaced on
// the territory editor — for name prefixes of every length (the indexed ones
// and the longer ranges), word starts, INSEE and postal codes, with holders
// (the demo's CPTS), and after the reference data changes (the EPCIs'
// maintained communes and population, migration 00180).
func TestSearchTerritorySameAsSearchCommunesAndEPCI(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	demo(t, st)
	own := pgtest.Owner(t, st)
	queries := []string{"saint", "SAINT", "sur", "s", "la", "bourg en b", "rambert", "rambert en", "ambérieu", "Lagnieu",
		"01", "0100", "0150", "01004", "2A004", "69001", "zzzzqq", "  saint  ", "saint-", "l'", "é",
		"cc", "ca sainte", "communaute de communes", "sainte renommee", "renom", "pays d"}
	// Prefixes of 1 to 9 characters of the names of some communes, and
	// their words.
	rows, err := own.Query(ctx, `SELECT nom FROM communes WHERE actuelle ORDER BY md5(code) LIMIT 25`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var nom string
		if err := rows.Scan(&nom); err != nil {
			t.Fatal(err)
		}
		r := []rune(refdata.Normalize(nom))
		for n := 1; n <= 9 && n <= len(r); n++ {
			queries = append(queries, string(r[:n]))
		}
		queries = append(queries, nom)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	compare := func(t *testing.T) {
		t.Helper()
		held := 0
		for _, q := range queries {
			for _, lim := range [][2]int{{20, 5}, {3, 2}} {
				norm := refdata.Normalize(q)
				want, err := st.SearchCommunes(ctx, norm, lim[0])
				if err != nil {
					t.Fatal(err)
				}
				var epcis []string
				seen := map[string]bool{}
				for _, h := range want {
					if h.HolderID != 0 {
						held++
					}
					if h.EPCI != "" && !seen[h.EPCI] && len(epcis) < lim[1] {
						seen[h.EPCI] = true
						epcis = append(epcis, h.EPCI)
					}
				}
				wantE, err := st.SearchEPCI(ctx, norm, epcis, lim[1])
				if err != nil {
					t.Fatal(err)
				}
				got, err := st.SearchTerritory(ctx, norm, lim[0], lim[1])
				if err != nil {
					t.Fatal(err)
				}
				if (len(got.Hits) > 0 || len(want) > 0) && !reflect.DeepEqual(got.Hits, want) {
					t.Errorf("%q limit %d: communes\n got %+v\nwant %+v", q, lim[0], got.Hits, want)
				}
				if (len(got.EPCIs) > 0 || len(wantE) > 0) && !reflect.DeepEqual(got.EPCIs, wantE) {
					t.Errorf("%q limit %d/%d: EPCIs\n got %+v\nwant %+v", q, lim[0], lim[1], got.EPCIs, wantE)
				}
			}
		}
		if held == 0 {
			t.Fatal("no commune held by a CPTS among the results: the holder is not compared")
		}
	}
	compare(t)
	if t.Failed() {
		return
	}
	// The reference data changes (aci refdata): a commune moves to another
	// EPCI, another stops being current, a population changes, an EPCI
	// appears with communes, another is renamed, those without commune go.
	var code, other string
	if err := own.QueryRow(ctx, `SELECT c.code, (SELECT e.code FROM epci e WHERE e.code <> c.epci ORDER BY e.code LIMIT 1)
		FROM communes c WHERE c.actuelle AND c.epci IS NOT NULL AND c.nom_norm LIKE 'saint%' ORDER BY c.code LIMIT 1`).Scan(&code, &other); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE communes SET epci = '` + other + `' WHERE code = '` + code + `'`,
		`UPDATE communes SET actuelle = false WHERE code = (SELECT min(code) FROM communes WHERE actuelle AND epci IS NOT NULL AND code <> '` + code + `')`,
		`UPDATE communes SET population = population + 100000 WHERE code = (SELECT max(code) FROM communes WHERE actuelle AND epci IS NOT NULL)`,
		`INSERT INTO epci (code, nom, nom_norm) VALUES ('999999998', 'CC Saint Test', 'cc saint test')`,
		`UPDATE communes SET epci = '999999998' WHERE code IN (SELECT code FROM communes WHERE actuelle ORDER BY code DESC LIMIT 3)`,
		`UPDATE epci SET nom = 'CA Sainte Renommée', nom_norm = 'ca sainte renommee' WHERE code = '` + other + `'`,
		`DELETE FROM epci WHERE code NOT IN (SELECT epci FROM communes WHERE epci IS NOT NULL) AND code <> '` + other + `'`,
	} {
		if _, err := own.Exec(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	compare(t)
	var bad int
	if err := own.QueryRow(ctx, `SELECT count(*) FROM epci e CROSS JOIN LATERAL
		(SELECT count(*)::integer AS n, coalesce(sum(c.population), 0)::bigint AS pop FROM communes c WHERE c.epci = e.code AND c.actuelle) k
		WHERE (e.communes, e.population) IS DISTINCT FROM (k.n, k.pop)`).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("EPCIs whose kept communes or population differ from their communes: %d (%v)", bad, err)
	}
}
