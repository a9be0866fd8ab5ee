package server

import (
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
)

// TestEveryRecordRouteLoadsItsRecord checks routes.go: every route naming a
// structure or a dossier by {id} goes through the middleware that loads it
// through the scope (404 outside it), so that no handler reads {id} itself.
func TestEveryRecordRouteLoadsItsRecord(t *testing.T) {
	s := &Server{sessions: scs.New(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ptr := func(mw func(http.Handler) http.Handler) uintptr { return reflect.ValueOf(mw).Pointer() }
	want := map[uintptr]string{ptr(s.withStructure): "withStructure", ptr(s.withDossier): "withDossier", ptr(s.withContract): "withContract",
		ptr(s.withContractByID): "withContractByID", ptr(s.withCrisis): "withCrisis"}
	n := 0
	err := chi.Walk(s.routes().(chi.Routes), func(method, pattern string, _ http.Handler, mws ...func(http.Handler) http.Handler) error {
		var expect string
		switch {
		case strings.HasPrefix(pattern, "/structures/{id}"):
			expect = "withStructure"
		case strings.HasPrefix(pattern, "/dossiers/{id}/contrat"):
			expect = "withContract"
		case strings.HasPrefix(pattern, "/dossiers/{id}"):
			expect = "withDossier"
		case strings.HasPrefix(pattern, "/contrats/{id}"):
			expect = "withContractByID"
		case strings.HasPrefix(pattern, "/crises/{id}"):
			expect = "withCrisis"
		default:
			for _, mw := range mws {
				if name, ok := want[ptr(mw)]; ok {
					t.Errorf("%s %s: %s on a route without a record {id}", method, pattern, name)
				}
			}
			return nil
		}
		n++
		var got []string
		for _, mw := range mws {
			if name, ok := want[ptr(mw)]; ok {
				got = append(got, name)
			}
		}
		if len(got) != 1 || got[0] != expect {
			t.Errorf("%s %s: record middleware %v, want [%s]", method, pattern, got, expect)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("only %d record routes found: the walk is broken", n)
	}
}
