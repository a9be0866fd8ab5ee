package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
)

// An avenant (docs/rules.md §13 "actif → avenant (new version)"): recorded by the
// CPAM manager only, on an actif contract, with its object; contract version
// + 1, an avenant row numbered per contract, and an audit row (avenant,
// actif → actif, motivation = object) that keeps the chain verifiable.
func TestContractAvenant(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, start)
	day := start.AddDays(40)
	req := func(object string, eff domain.Date) store.ContractRequest {
		cur, err := st.ContractByDossier(ctx, scopes[coordA], id)
		if err != nil {
			t.Fatal(err)
		}
		return store.ContractRequest{DossierID: id, Transition: workflow.Avenant, Seen: workflow.Actif, Version: cur.Version,
			Motivation: object, EffectiveOn: eff, Today: day, At: day.Time().Add(9 * time.Hour)}
	}
	for _, tc := range []struct {
		name   string
		who    string
		object string
		eff    domain.Date
		code   string
		field  string
	}{
		{"structure coordinator", coordA, "Ajout d'une mission", domain.Date{}, domain.EUnauthorized, ""},
		{"CPAM referent", referen, "Ajout d'une mission", domain.Date{}, domain.EUnauthorized, ""},
		{"ARS director", arsDir, "Ajout d'une mission", domain.Date{}, domain.EUnauthorized, ""},
		{"missing object", cpamMgr, "   ", domain.Date{}, domain.EInvalid, ""},
		{"before the start", cpamMgr, "Objet", start.AddDays(-1), domain.EInvalid, "effective_on"},
		{"after the end", cpamMgr, "Objet", c.End, domain.EInvalid, "effective_on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.ApplyContractTransition(ctx, scopes[tc.who], req(tc.object, tc.eff))
			if err == nil {
				t.Fatal("accepted")
			}
			if got := domain.ErrorCode(err); got != tc.code && !(tc.code == domain.EUnauthorized && got == domain.ENotFound) {
				t.Fatalf("code %s, want %s (%v)", got, tc.code, err)
			}
			var de *domain.Error
			if tc.field != "" && (!errors.As(err, &de) || de.Field != tc.field) {
				t.Fatalf("want an error on %q: %v", tc.field, err)
			}
		})
	}
	// Out of scope: another structure's coordinator does not even find it.
	if _, err := st.ApplyContractTransition(ctx, scopes[coordB], req("x", domain.Date{})); !domain.IsNotFound(err) {
		t.Fatalf("outside the scope: %v", err)
	}

	out, err := st.ApplyContractTransition(ctx, scopes[cpamMgr], req("  Ajout de la mission qualité  ", domain.Date{}))
	if err != nil {
		t.Fatal(err)
	}
	if !out.NewVersion || out.To != workflow.Actif {
		t.Fatalf("outcome %+v", out)
	}
	eff := day.AddDays(30)
	if _, err := st.ApplyContractTransition(ctx, scopes[cpamMgr], req("<b>Second</b> avenant", eff)); err != nil {
		t.Fatal(err)
	}
	got, err := st.ContractByDossier(ctx, scopes[coordA], id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != c.Version+2 || got.State != workflow.Actif || got.DocumentSHA256 != c.DocumentSHA256 {
		t.Fatalf("contract v%d %s (was v%d)", got.Version, got.State, c.Version)
	}
	avs, err := st.ContractAvenants(ctx, scopes[coordA], id)
	if err != nil || len(avs) != 2 {
		t.Fatalf("avenants %v %v", avs, err)
	}
	if avs[0].Number != 1 || avs[0].Object != "Ajout de la mission qualité" || avs[0].EffectiveOn != day || avs[0].Version != c.Version+1 || avs[0].CreatedBy == "" {
		t.Fatalf("first avenant %+v", avs[0])
	}
	if avs[1].Number != 2 || avs[1].EffectiveOn != eff || avs[1].Version != c.Version+2 {
		t.Fatalf("second avenant %+v", avs[1])
	}
	if avs, err := st.ContractAvenants(ctx, scopes[coordB], id); err != nil || len(avs) != 0 {
		t.Fatalf("outside the scope: %v %v", avs, err)
	}
	hist, err := st.DossierHistory(ctx, scopes[cpamMgr], id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, h := range hist {
		if h.Transition == workflow.Avenant {
			n++
			if h.From != workflow.Actif || h.To != workflow.Actif {
				t.Fatalf("audit %s → %s", h.From, h.To)
			}
			if n == 1 && h.Motivation != "Ajout de la mission qualité" {
				t.Fatalf("audit motivation %q", h.Motivation)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d avenant audit rows", n)
	}
	if rep, err := st.VerifyAudit(ctx); err != nil || rep.Broken != "" {
		t.Fatalf("audit chain: %v %s", err, rep.Broken)
	}
}

// A double submit of the avenant form: ten identical posts at once, all
// shown the same contract version, record exactly one avenant; the others
// are refused as stale (conflict). A missing version (0) is stale too.
func TestConcurrentAvenantsRecordedOnce(t *testing.T) {
	ctx := context.Background()
	st, scopes := contractFixture(t)
	start := domain.NewDate(2026, time.March, 2)
	id, c := activeContract(t, st, scopes, coordA, start)
	day := start.AddDays(40)
	req := store.ContractRequest{DossierID: id, Transition: workflow.Avenant, Seen: workflow.Actif, Version: c.Version,
		Motivation: "Ajout de la mission qualité", Today: day, At: day.Time().Add(9 * time.Hour)}
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.ApplyContractTransition(ctx, scopes[cpamMgr], req)
		}()
	}
	wg.Wait()
	ok, stale := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case domain.ErrorCode(err) == domain.EConflict && strings.Contains(err.Error(), "modifié entre-temps"):
			stale++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || stale != n-1 {
		t.Fatalf("%d recorded, %d stale", ok, stale)
	}
	got, err := st.ContractByDossier(ctx, scopes[coordA], id)
	if err != nil || got.Version != c.Version+1 {
		t.Fatalf("contract v%d (was v%d) %v", got.Version, c.Version, err)
	}
	if avs, err := st.ContractAvenants(ctx, scopes[coordA], id); err != nil || len(avs) != 1 {
		t.Fatalf("avenants %v %v", avs, err)
	}
	for _, v := range []int{0, c.Version, c.Version + 2} {
		req.Version = v
		if _, err := st.ApplyContractTransition(ctx, scopes[cpamMgr], req); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("version %d (current %d): %v", v, got.Version, err)
		}
	}
}
