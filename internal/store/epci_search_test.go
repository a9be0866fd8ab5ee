package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/refdata"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// SearchEPCI: the intercommunalités whose name (or a word of it) starts with
// the query, accents and case aside, and those given by code first; each with
// its number of current communes and their population, as the communes say;
// none without a current commune.
func TestSearchEPCI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t, time.Now)
	var code, nom string
	if err := st.Pool.QueryRow(ctx, `SELECT e.code, e.nom FROM epci e WHERE e.nom ILIKE 'CC %' AND EXISTS
		(SELECT 1 FROM communes c WHERE c.epci = e.code AND c.actuelle) ORDER BY e.code LIMIT 1`).Scan(&code, &nom); err != nil {
		t.Fatal(err)
	}
	want := func(code string) (n int, pop int64) {
		t.Helper()
		if err := st.Pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(population), 0) FROM communes WHERE epci = $1 AND actuelle`, code).Scan(&n, &pop); err != nil {
			t.Fatal(err)
		}
		return n, pop
	}
	// A word of the name, in capitals: found, with its communes.
	word := strings.Fields(nom)[len(strings.Fields(nom))-1]
	hits, err := st.SearchEPCI(ctx, refdata.Normalize(strings.ToUpper(word)), nil, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i, h := range hits {
		if !strings.Contains(refdata.Normalize(h.Name), refdata.Normalize(word)) {
			t.Errorf("%q does not match %q", h.Name, word)
		}
		if n, pop := want(h.Code); h.Communes != n || h.Population != pop || n == 0 {
			t.Errorf("%s: %d communes, %d inhabitants; the communes say %d, %d", h.Code, h.Communes, h.Population, n, pop)
		}
		if i > 0 && h.Population > hits[i-1].Population {
			t.Errorf("not by decreasing population: %+v", hits)
		}
		found = found || h.Code == code
	}
	if !found {
		t.Errorf("%s (%s) not found by %q: %+v", code, nom, word, hits)
	}
	// By code (the EPCIs of the communes found), first, whatever the query.
	hits, err = st.SearchEPCI(ctx, "zzzz", []string{code}, 5)
	if err != nil || len(hits) != 1 || hits[0].Code != code {
		t.Fatalf("by code: %+v %v", hits, err)
	}
	// An EPCI without a current commune is not offered.
	if _, err := st.Pool.Exec(ctx, `UPDATE communes SET actuelle = false WHERE epci = $1`, code); err != nil {
		t.Fatal(err)
	}
	if hits, err = st.SearchEPCI(ctx, "zzzz", []string{code}, 5); err != nil || len(hits) != 0 {
		t.Fatalf("without communes: %+v %v", hits, err)
	}
}
