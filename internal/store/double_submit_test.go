package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// A double click sends the same request twice at the same moment: the
// store files a complement request or a message once, even when the two
// arrive concurrently.
func TestConcurrentDuplicatesAreFiledOnce(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	ref := scopes["referent@demo.portail-aci.fr"]
	var id int64
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT d.id FROM dossiers d JOIN organisations o ON o.id = d.structure_id
		WHERE o.name = 'CPTS du Val de Démo'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := pgtest.Owner(t, st).QueryRow(ctx, q, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	run := func(n int, f func() error) (ok, dup int) {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = f() }()
		}
		wg.Wait()
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrComplementAlreadyOpen), errors.Is(err, store.ErrMessageAlreadyPosted):
				dup++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		return ok, dup
	}

	before := count(`SELECT count(*) FROM dossier_complements WHERE dossier_id = $1`)
	now := time.Now()
	ok, dup := run(5, func() error {
		_, err := st.AddComplementRequest(ctx, ref, id, "doc:statuts", "Merci de fournir les statuts signés.", now)
		return err
	})
	if ok != 1 || dup != 4 || count(`SELECT count(*) FROM dossier_complements WHERE dossier_id = $1`) != before+1 {
		t.Errorf("complement request: %d filed, %d duplicates", ok, dup)
	}

	before = count(`SELECT count(*) FROM messages WHERE dossier_id = $1`)
	ok, dup = run(5, func() error {
		_, err := st.PostMessage(ctx, ref, store.NewMessage{DossierID: id, Body: "Bonjour, le dossier est complet.", At: now})
		return err
	})
	if ok != 1 || dup != 4 || count(`SELECT count(*) FROM messages WHERE dossier_id = $1`) != before+1 {
		t.Errorf("message: %d posted, %d duplicates", ok, dup)
	}
	// The same text later, or a different one, is a new message.
	if _, err := st.PostMessage(ctx, ref, store.NewMessage{DossierID: id, Body: "Bonjour, le dossier est complet.", At: now.Add(time.Minute)}); err != nil {
		t.Errorf("same text a minute later refused: %v", err)
	}
}

// A member without RPPS posted twice at once (double click) is added once:
// the same name, profession and commune within the structure is refused as
// already present, whatever the case of the name; another commune is a
// different member.
func TestConcurrentMemberWithoutRPPSAddedOnce(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	scopes := demo(t, st)
	coord := scopes["coordinateur.b@demo.portail-aci.fr"]
	id := structureIDs(t, st)[seed.MontsDeDemo]
	m := registry.Member{LastName: "Sansrpps", FirstName: "Camille", Profession: registry.Orthophoniste, Mode: registry.ModeLiberal,
		CommuneCode: "69264"}
	count := func() int {
		var n int
		if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM members WHERE structure_id = $1 AND last_name = 'Sansrpps'`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = st.AddMember(ctx, coord, id, m) }()
	}
	wg.Wait()
	ok, dup := 0, 0
	for _, err := range errs {
		var fe registry.FieldErrors
		switch {
		case err == nil:
			ok++
		case errors.As(err, &fe) && fe["last_name"] != "":
			dup++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || dup != n-1 || count() != 1 {
		t.Fatalf("%d added, %d refused, %d rows", ok, dup, count())
	}
	again := m
	again.LastName, again.FirstName = "SANSRPPS", " camille "
	if _, err := st.AddMember(ctx, coord, id, again); err == nil {
		t.Fatal("same member in capitals accepted")
	}
	other := m
	other.CommuneCode = "69123"
	if _, err := st.AddMember(ctx, coord, id, other); err != nil {
		t.Fatalf("same name in another commune: %v", err)
	}
}
