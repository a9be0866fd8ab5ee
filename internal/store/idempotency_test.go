package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestCreationsWithTheSameKeyCreateOnce: the same structure creation sent
// five times at once with one idempotency key creates one structure and
// answers its id every time; the key used for another kind of creation is a
// conflict; without a key a second creation is a second attempt (refused
// here by the unique name).
func TestCreationsWithTheSameKeyCreateOnce(t *testing.T) {
	st, scopes := fixture(t)
	sc := scopes[coordA]
	ctx := store.WithIdempotencyKey(context.Background(), "cle-de-test-0123456789")
	in := store.StructureInput{Type: domain.MSP, Name: "MSP de la clé", Departement: "01"}
	ids := make([]int64, 5)
	errs := make([]error, 5)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ids[i], errs[i] = st.CreateStructure(ctx, sc, in)
		}(i)
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] || ids[0] == 0 {
			t.Fatalf("creation %d: id %d (first %d), %v", i, ids[i], ids[0], errs[i])
		}
	}
	var n int
	if err := pgtest.Owner(t, st).QueryRow(context.Background(), `SELECT count(*) FROM organisations WHERE name = $1`, in.Name).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d structures (%v)", n, err)
	}
	if _, err := st.CreateDossier(ctx, sc, sc.OrgID, time.Now()); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("the key reused for a dossier: %v", err)
	}
	if _, err := st.CreateStructure(context.Background(), sc, in); err == nil {
		t.Fatal("without a key, a second creation of the same name went through")
	}
}
