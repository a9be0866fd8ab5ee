package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/funding"
	"github.com/portail-aci/aci/internal/refdata"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

const (
	coordVal   = "coordinateur@demo.portail-aci.fr"
	coordMonts = "coordinateur.b@demo.portail-aci.fr"
	admin      = "admin@demo.portail-aci.fr"
	referent   = "referent@demo.portail-aci.fr"
	coordFresh = "fresh"
)

func orgID(t *testing.T, st *store.Store, name string) int64 {
	t.Helper()
	id, err := st.OrganisationIDByName(context.Background(), domain.OrgStructure, name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSearchCommunes(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	demo(t, st)
	tests := []struct {
		name, q   string
		limit     int
		wantFirst string // code of the first hit
		wantAll   func(h store.CommuneHit) bool
		wantN     int // exact count when > 0
		holder    string
	}{
		{name: "accents", q: "ambérieu", limit: 10, wantFirst: "01004", holder: seed.ValDeDemo},
		{name: "without accents", q: "AMBERIEU", limit: 10, wantFirst: "01004"},
		{name: "exact name first", q: "Lagnieu", limit: 10, wantFirst: "01202"},
		{name: "word start", q: "rambert", limit: 10, wantAll: func(h store.CommuneHit) bool {
			return strings.Contains(strings.ToLower(h.Name), "rambert")
		}},
		{name: "INSEE code prefix", q: "0100", limit: 50, wantAll: func(h store.CommuneHit) bool {
			return strings.HasPrefix(h.Code, "0100") || hasPrefix(h.PostalCodes, "0100")
		}},
		{name: "postal code prefix", q: "0150", limit: 50, wantFirst: "01004", wantAll: func(h store.CommuneHit) bool {
			return hasPrefix(h.PostalCodes, "0150") || strings.HasPrefix(h.Code, "0150")
		}},
		{name: "Corsica code", q: "2A004", limit: 5, wantFirst: "2A004"},
		{name: "limit", q: "saint", limit: 7, wantN: 7},
		{name: "nothing", q: "zzzzqq", limit: 7, wantN: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := st.SearchCommunes(ctx, refdata.Normalize(tc.q), tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantN == -1 && len(hits) != 0 || tc.wantN > 0 && len(hits) != tc.wantN {
				t.Fatalf("%d hits, want %d", len(hits), tc.wantN)
			}
			if tc.wantN != -1 && len(hits) == 0 {
				t.Fatal("no hit")
			}
			if len(hits) > tc.limit {
				t.Fatalf("%d hits > limit %d", len(hits), tc.limit)
			}
			if tc.wantFirst != "" && hits[0].Code != tc.wantFirst {
				t.Errorf("first hit %s %s, want %s", hits[0].Code, hits[0].Name, tc.wantFirst)
			}
			if tc.holder != "" && hits[0].HolderName != tc.holder {
				t.Errorf("holder %q, want %q", hits[0].HolderName, tc.holder)
			}
			for _, h := range hits {
				if tc.wantAll != nil && !tc.wantAll(h) {
					t.Errorf("unexpected hit %+v", h)
				}
			}
		})
	}
}

func hasPrefix(ss []string, p string) bool {
	for _, s := range ss {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func TestDemoTerritories(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	sc := demo(t, st)
	if err := seed.Demo(ctx, st); err != nil { // idempotent
		t.Fatal(err)
	}
	for _, tc := range []struct {
		org      string
		min, max int64
		tier     int
	}{{seed.ValDeDemo, 42000, 48000, 2}, {seed.MontsDeDemo, 25000, 35000, 1}} {
		tr, err := st.Territory(ctx, sc[admin], orgID(t, st, tc.org))
		if err != nil {
			t.Fatal(err)
		}
		if tr.Population < tc.min || tr.Population > tc.max || tr.Tier != tc.tier || tr.PopulationYear != "2023" {
			t.Errorf("%s: population %d tier %d year %q", tc.org, tr.Population, tr.Tier, tr.PopulationYear)
		}
		ch, total, err := st.TerritoryChanges(ctx, sc[admin], tr.StructureID, store.Page{Number: 1, Size: 50})
		if err != nil || total != 1 || len(ch) != 1 || ch[0].TierAfter != tc.tier {
			t.Errorf("%s: history %+v %d %v", tc.org, ch, total, err)
		}
	}
}

func TestTerritoryEditsAndHistory(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	sc := demo(t, st)
	// The demo Val de Démo has filed its contractualisation request: its
	// territory is frozen (docs/rules.md §7). The edits run on a CPTS that
	// has not filed yet.
	frozen := orgID(t, st, seed.ValDeDemo)
	sc[coordFresh] = testStructure(t, st, "CPTS Test Territoire", domain.CPTS, "01")
	val, monts := sc[coordFresh].OrgID, orgID(t, st, seed.MontsDeDemo)
	tr, err := st.Territory(ctx, sc[coordFresh], val)
	if err != nil {
		t.Fatal(err)
	}
	v := tr.Version

	// Add Meximieux (8 247): population and tier follow funding.Tier.
	res, err := st.AddCommune(ctx, sc[coordFresh], val, v, "01244")
	if err != nil {
		t.Fatal(err)
	}
	wantTier, _ := funding.Tier(tr.Population + 8247)
	if res.Population != tr.Population+8247 || res.Tier != wantTier || res.Version != v+1 {
		t.Fatalf("after add: %+v", res)
	}
	// Stale version: refused, naming who changed it.
	if _, err := st.RemoveCommune(ctx, sc[coordFresh], val, v, "01244"); domain.ErrorCode(err) != domain.EConflict ||
		!strings.Contains(err.Error(), "Coord CPTS Test Territoire") {
		t.Fatalf("stale version: %v", err)
	}
	// Already ours; taken by another CPTS (message names the holder).
	if _, err := st.AddCommune(ctx, sc[coordFresh], val, v+1, "01244"); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("twice: %v", err)
	}
	_, err = st.AddCommune(ctx, sc[coordMonts], monts, terrVersion(t, st, sc[coordMonts], monts), "01244")
	if domain.ErrorCode(err) != domain.EConflict || domain.ErrorMessage(err) != "La commune Meximieux appartient déjà au territoire de la CPTS Test Territoire." {
		t.Fatalf("taken: %v", err)
	}
	// Unknown commune.
	if _, err := st.AddCommune(ctx, sc[coordFresh], val, terrVersion(t, st, sc[coordFresh], val), "99999"); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("unknown: %v", err)
	}
	// Remove it again.
	res, err = st.RemoveCommune(ctx, sc[coordFresh], val, v+1, "01244")
	if err != nil || res.Population != tr.Population || res.Version != v+2 {
		t.Fatalf("remove: %+v %v", res, err)
	}
	ch, total, err := st.TerritoryChanges(ctx, sc[referent], val, store.Page{Number: 1, Size: 50})
	if err != nil || total != 2 {
		t.Fatalf("history: %d %v", total, err)
	}
	if ch[0].Action != "remove" || ch[1].Action != "add" || ch[1].Communes[0] != "Meximieux (01244)" ||
		ch[1].UserName != "Coord CPTS Test Territoire" || ch[1].PopulationAfter != tr.Population+8247 || ch[0].PopulationBefore != tr.Population+8247 {
		t.Fatalf("history rows: %+v", ch[:2])
	}

	// Rights and tenancy: readers and other tenants cannot edit (not found).
	for _, email := range []string{referent, "ars@demo.portail-aci.fr", "dcgdr@demo.portail-aci.fr", coordMonts, "msp@demo.portail-aci.fr"} {
		if _, err := st.AddCommune(ctx, sc[email], val, 0, "01244"); !domain.IsNotFound(err) {
			t.Errorf("%s edits: %v", email, err)
		}
	}
	if _, err := st.Territory(ctx, sc[coordMonts], val); !domain.IsNotFound(err) {
		t.Errorf("Monts reads Val: %v", err)
	}
	if _, err := st.AddCommune(ctx, sc[admin], val, terrVersion(t, st, sc[admin], val), "01244"); err != nil {
		t.Errorf("admin edits: %v", err)
	}
	// Frozen after filing: neither its coordinator nor an admin edits it.
	for _, email := range []string{coordVal, admin} {
		_, err := st.AddCommune(ctx, sc[email], frozen, terrVersion(t, st, sc[email], frozen), "01450")
		if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(domain.ErrorMessage(err), "avenant de territoire") {
			t.Errorf("%s edits a frozen territory: %v", email, err)
		}
	}
	if f, err := st.TerritoryFrozen(ctx, sc[referent], frozen); err != nil || !f.Frozen {
		t.Errorf("Val frozen: %+v %v", f, err)
	}
	if f, err := st.TerritoryFrozen(ctx, sc[referent], val); err != nil || f.Frozen {
		t.Errorf("fresh CPTS frozen: %+v %v", f, err)
	}
	// Not a CPTS: no territory.
	msp := orgID(t, st, seed.MSPLille)
	if _, err := st.AddCommune(ctx, sc[admin], msp, 0, "59350"); !domain.IsNotFound(err) {
		t.Errorf("MSP territory: %v", err)
	}
}

func TestAddEPCIReportsHeldCommunes(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	sc := demo(t, st)
	monts := orgID(t, st, seed.MontsDeDemo)
	// CC de la Plaine de l'Ain: Val holds 18 of its communes.
	res, err := st.AddEPCI(ctx, sc[coordMonts], monts, terrVersion(t, st, sc[coordMonts], monts), "240100883")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Held) != 18 || len(res.Added) == 0 || res.Held[0].Holder != seed.ValDeDemo {
		t.Fatalf("held %d added %d: %+v", len(res.Held), len(res.Added), res.Held[:1])
	}
	tr, _ := st.Territory(ctx, sc[coordMonts], monts)
	if len(tr.Communes) != 25+len(res.Added) || tr.Population != res.Population {
		t.Fatalf("territory %d communes, %d", len(tr.Communes), tr.Population)
	}
	ch, _, _ := st.TerritoryChanges(ctx, sc[coordMonts], monts, store.Page{Number: 1, Size: 1})
	if ch[0].Action != "add_epci" || ch[0].EPCIName == "" || len(ch[0].Skipped) != 18 || len(ch[0].Communes) != len(res.Added) {
		t.Fatalf("change %+v", ch[0])
	}
	// Again: nothing to add, no history row.
	res2, err := st.AddEPCI(ctx, sc[coordMonts], monts, res.Version, "240100883")
	if err != nil || len(res2.Added) != 0 || res2.Already != len(res.Added) || res2.Version != res.Version {
		t.Fatalf("again: %+v %v", res2, err)
	}
}

// Two transactions add the same commune at the same time to two CPTS:
// exactly one wins; the other gets the message naming the winner.
func TestConcurrentAddSameCommune(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	sc := demo(t, st)
	sc[coordFresh] = testStructure(t, st, "CPTS Test Territoire", domain.CPTS, "01")
	val, monts := sc[coordFresh].OrgID, orgID(t, st, seed.MontsDeDemo)
	for round, code := range []string{"01244", "01450", "01224", "01378", "01361"} {
		var start, done sync.WaitGroup
		start.Add(1)
		errs := make([]error, 2)
		for i, who := range []struct {
			sc store.Scope
			id int64
		}{{sc[coordFresh], val}, {sc[coordMonts], monts}} {
			done.Add(1)
			v := terrVersion(t, st, who.sc, who.id)
			go func() {
				defer done.Done()
				start.Wait() // barrier
				_, errs[i] = st.AddCommune(ctx, who.sc, who.id, v, code)
			}()
		}
		start.Done()
		done.Wait()
		ok, conflict := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case domain.ErrorCode(err) == domain.EConflict && strings.Contains(domain.ErrorMessage(err), "appartient déjà au territoire de la CPTS"):
				conflict++
			default:
				t.Errorf("round %d: unexpected %v", round, err)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("round %d: %d ok, %d conflicts: %v", round, ok, conflict, errs)
		}
	}
}

func TestTerritoryTotals(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	sc := demo(t, st)
	val, monts, msp := orgID(t, st, seed.ValDeDemo), orgID(t, st, seed.MontsDeDemo), orgID(t, st, seed.MSPLille)
	got, err := st.TerritoryTotals(ctx, sc[referent], []int64{val, monts, msp})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[val].Population != 45664 || got[val].Tier != 2 || got[val].Communes != 18 {
		t.Fatalf("referent totals: %+v", got)
	}
	got, _ = st.TerritoryTotals(ctx, sc[admin], []int64{val, monts, msp})
	if len(got) != 2 || got[monts].Population != 30801 || got[monts].Tier != 1 {
		t.Fatalf("admin totals: %+v", got)
	}
}

// BenchmarkSearchCommunes: a search must answer in well under 50 ms.
func BenchmarkSearchCommunes(b *testing.B) {
	ctx := context.Background()
	st := pgtest.Store(b, time.Now)
	if err := seed.Demo(ctx, st); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"amberieu", "saint", "sur", "01", "69001", "bourg en b", "rambert"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.SearchCommunes(ctx, refdata.Normalize(q), 20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// commune_words (word-start search) follows changes of communes made by the
// reference data loader.
func TestCommuneWordsFollowCommunes(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	find := func(q string) []string {
		t.Helper()
		hits, err := st.SearchCommunes(ctx, refdata.Normalize(q), 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Code)
		}
		return out
	}
	if got := find("rambert en"); len(got) == 0 || got[0] != "01384" {
		t.Fatalf("rambert en: %v", got)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, "UPDATE communes SET nom_norm = 'saint zyxwv en bugey' WHERE code = '01384'"); err != nil {
		t.Fatal(err)
	}
	if got := find("rambert"); slices.Contains(got, "01384") {
		t.Errorf("old word still found: %v", got)
	}
	if got := find("zyxwv"); len(got) != 1 || got[0] != "01384" {
		t.Errorf("new word: %v", got)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, "UPDATE communes SET actuelle = false WHERE code = '01384'"); err != nil {
		t.Fatal(err)
	}
	if got := find("zyxwv"); len(got) != 0 {
		t.Errorf("former commune found: %v", got)
	}
}

// An edit sent with version 0 (or none) is stale like any other wrong
// version, on a territory never edited as on one already edited: versions
// start at 1, so 0 never matches.
func TestTerritoryVersionZeroIsStale(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	sc := demo(t, st)
	val := orgID(t, st, seed.ValDeDemo)
	fresh, err := st.CreateStructure(ctx, sc[admin], store.StructureInput{Type: domain.CPTS, Name: "CPTS sans territoire",
		LegalForm: "association", Departement: "01", CommuneCode: "01244"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		id   int64
	}{{"edited", val}, {"never edited", fresh}} {
		tr, err := st.Territory(ctx, sc[admin], tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Version < 1 {
			t.Errorf("%s: version %d shown", tc.name, tr.Version)
		}
		if _, err := st.AddCommune(ctx, sc[admin], tc.id, 0, "01244"); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("%s: version 0 accepted: %v", tc.name, err)
		}
		if _, err := st.AddCommune(ctx, sc[admin], tc.id, -1, "01244"); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("%s: version -1 accepted: %v", tc.name, err)
		}
	}
	tr, _ := st.Territory(ctx, sc[admin], fresh)
	if res, err := st.AddCommune(ctx, sc[admin], fresh, tr.Version, "01244"); err != nil || res.Version != tr.Version+1 {
		t.Fatalf("shown version refused: %+v %v", res, err)
	}
}

// terrVersion is the version the territory editor of CPTS id shows.
func terrVersion(t *testing.T, st *store.Store, sc store.Scope, id int64) int {
	t.Helper()
	tr, err := st.Territory(context.Background(), sc, id)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Version
}
