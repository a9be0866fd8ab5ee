package bench

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Run against a tiny server: login, discovery of an id, an optional page
// missing, a page needing the session; the table has a row per page.
func TestRunAndTable(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("password") != "pw" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "s", Value: r.FormValue("email"), Path: "/"})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /nouveau", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("s"); err != nil || c.Value != "a@x" || r.FormValue("name") != "n" || r.FormValue("confirm") != "1" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		http.Redirect(w, r, "/x/42", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /liste", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`<a href="/x/42">x</a>`)) })
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("s"); err != nil || c.Value != "a@x" || r.PathValue("id") != "42" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		w.Write([]byte("page"))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	pages := []Page{
		{Name: Floor, Path: "/healthz"},
		{Name: "x", Who: "a@x", Path: "/x/{id}", Discover: &Discover{Path: "/liste", Pattern: regexp.MustCompile(`href="/x/(\d+)"`)}},
		{Name: "absente", Who: "a@x", Path: "/pilotage", Optional: true},
		{Name: "créée", Who: "a@x", Path: "/x/{id}", Create: &Create{Path: "/nouveau", Form: url.Values{"name": {"n"}}, Pattern: regexp.MustCompile(`/x/(\d+)`)}},
	}
	res, err := Run(context.Background(), Options{Base: ts.URL, Password: "pw", Connections: 4, Duration: 200 * time.Millisecond}, pages)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 || res[3].Path != "/x/42" || res[3].Requests == 0 || res[3].Errors != 0 || res[0].Requests == 0 || res[0].Errors != 0 || res[1].Path != "/x/42" || res[1].Requests == 0 ||
		res[1].Errors != 0 || res[2].Skipped == "" || res[1].P50 > res[1].P99 {
		t.Fatalf("results: %+v", res)
	}
	var b bytes.Buffer
	Table(&b, res)
	if lines := strings.Count(b.String(), "\n"); lines != 6 || !strings.Contains(b.String(), "| 100 % |") || !strings.Contains(b.String(), "ignorée") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestQuantile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if quantile(d, 0.5) != 50*time.Millisecond || quantile(d, 0.95) != 95*time.Millisecond || quantile(d, 0.99) != 99*time.Millisecond || quantile(nil, 0.5) != 0 {
		t.Errorf("quantiles: %v %v %v", quantile(d, 0.5), quantile(d, 0.95), quantile(d, 0.99))
	}
}

// Targets says which target a run meets: a slow page, a key page under a
// quarter of the floor, the search, the memory and the export alone each
// get their line, met or not.
func TestTargets(t *testing.T) {
	res := func(name string, n int, p95 time.Duration) Result {
		return Result{Page: Page{Name: name}, Requests: n, Elapsed: time.Second, P95: p95}
	}
	results := []Result{
		res(Floor, 1000, time.Millisecond),
		res("accueil ARS", 100, 80*time.Millisecond), // 10 % and slow
		res("dossier", 400, 10*time.Millisecond),     // 40 %
		res("recherche territoire", 500, 15*time.Millisecond),
		{Page: Page{Name: "pilotage national"}, Skipped: "absente"},
	}
	var b bytes.Buffer
	Targets(&b, results, "64600 kB", Alone{Page: FranceExport, Status: 200, Bytes: 14 << 20, Elapsed: 1500 * time.Millisecond})
	out := b.String()
	for _, want := range []string{
		"| p95 < 50 ms sur chaque page | sauf accueil ARS (80.0 ms) | **non** |",
		"| accueils, dossier, contrat ≥ 25 % du plancher | sauf accueil ARS (10 %) | **non** |",
		"| recherche de territoire p95 < 20 ms | 15.0 ms | oui |",
		"| mémoire résidente maximale < 150 Mo | 64600 kB | oui |",
		"1500.0 ms, 14680064 octets | oui |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	b.Reset()
	Targets(&b, results[:1], "200000 kB", Alone{Page: FranceExport, Status: 404})
	out = b.String()
	for _, want := range []string{"| p95 < 50 ms sur chaque page | toutes | oui |", "| 200000 kB | **non** |", "non mesurée | **non** |", "échec : statut 404"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}
