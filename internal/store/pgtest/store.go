package pgtest

import (
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// Options are the store collaborators of production for clock: the templ
// contract document (the same bytes production signs). A nil clock is the
// wall clock.
func Options(clock func() time.Time) store.Options {
	if clock == nil {
		clock = time.Now
	}
	return store.Options{Clock: clock, RenderContract: pages.RenderContractDocument}
}

// Store is a store on a fresh test database (New) with the collaborators of
// production (Options); clock may be nil (the wall clock).
func Store(t testing.TB, clock func() time.Time) *store.Store {
	t.Helper()
	return store.New(New(t), Options(clock))
}
