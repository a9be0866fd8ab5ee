package bench

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// FranceExport is the export of every payment of France (the national
// admin's read-only /paiements): the page Single times alone.
const FranceExport = "export CSV paiements France"

// Alone is one request of a page timed on its own, the whole answer read
// (an export streamed to its end).
type Alone struct {
	Page    string
	Status  int
	Bytes   int64
	Elapsed time.Duration
	Err     string // "" when the request answered
}

// Single loads page p once, logged in as its role, with nothing else
// running, and times it to the last byte.
func Single(ctx context.Context, base, password string, p Page) Alone {
	out := Alone{Page: p.Name}
	jar, err := login(ctx, base, p.Who, password)
	if err != nil {
		out.Err = "connexion : " + err.Error()
		return out
	}
	c := newClient(jar, 1)
	c.Timeout = 5 * time.Minute
	var n countingWriter
	start := time.Now()
	out.Status, err = get(ctx, c, base+p.Path, &n)
	out.Elapsed, out.Bytes = time.Since(start), int64(n)
	if err != nil {
		out.Err = err.Error()
	}
	return out
}

type countingWriter int64

func (w *countingWriter) Write(b []byte) (int, error) {
	*w += countingWriter(len(b))
	return len(b), nil
}

// PageNamed is the page of Pages() called name (ok false when absent).
func PageNamed(name string) (Page, bool) {
	for _, p := range Pages() {
		if p.Name == name {
			return p, true
		}
	}
	return Page{}, false
}

// The targets of docs/rules.md §35, on this 2-core machine.
const (
	targetP95          = 50 * time.Millisecond
	targetShare        = 25 // % of the floor's throughput, for the homes, the dossier and the contract
	targetSearchP95    = 20 * time.Millisecond
	targetRSSkB        = 150 * 1024
	targetFranceExport = 2 * time.Second
)

// keyPage: the pages whose throughput is compared with the floor's (the
// homes, the dossier, the contract with its schedule).
func keyPage(name string) bool {
	return strings.HasPrefix(name, "accueil ") || name == "dossier" || strings.HasPrefix(name, "contrat")
}

// Targets writes, after the table, each target with what this run measured
// and whether it is met: the pages over the p95 bound, the key pages under
// a quarter of the floor, the territory search, the server's peak memory
// and the export of every payment of France timed alone.
func Targets(w io.Writer, results []Result, peakRSS string, alone Alone) {
	f := floor(results)
	yes := func(ok bool) string {
		if ok {
			return "oui"
		}
		return "**non**"
	}
	var slow, weak []string
	var search *Result
	for i, r := range results {
		if r.Skipped != "" || r.Page.Name == Floor {
			continue
		}
		if r.P95 >= targetP95 {
			slow = append(slow, fmt.Sprintf("%s (%s ms)", r.Page.Name, ms(r.P95)))
		}
		if keyPage(r.Page.Name) && f > 0 && 100*r.RPS()/f < targetShare {
			weak = append(weak, fmt.Sprintf("%s (%.0f %%)", r.Page.Name, 100*r.RPS()/f))
		}
		if r.Page.Name == "recherche territoire" {
			search = &results[i]
		}
	}
	list := func(xs []string) string {
		if len(xs) == 0 {
			return "toutes"
		}
		return "sauf " + strings.Join(xs, ", ")
	}
	fmt.Fprintln(w, "## Cibles (docs/rules.md §35)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| cible | mesure de cette exécution | atteinte |")
	fmt.Fprintln(w, "|---|---|---|")
	fmt.Fprintf(w, "| p95 < %d ms sur chaque page | %s | %s |\n", targetP95.Milliseconds(), list(slow), yes(len(slow) == 0))
	fmt.Fprintf(w, "| accueils, dossier, contrat ≥ %d %% du plancher | %s | %s |\n", targetShare, list(weak), yes(len(weak) == 0 && f > 0))
	if search != nil {
		fmt.Fprintf(w, "| recherche de territoire p95 < %d ms | %s ms | %s |\n", targetSearchP95.Milliseconds(), ms(search.P95), yes(search.P95 < targetSearchP95))
	} else {
		fmt.Fprintf(w, "| recherche de territoire p95 < %d ms | non mesurée | **non** |\n", targetSearchP95.Milliseconds())
	}
	kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(peakRSS), " kB"), 10, 64)
	fmt.Fprintf(w, "| mémoire résidente maximale < 150 Mo | %s | %s |\n", peakRSS, yes(err == nil && kb < targetRSSkB))
	switch {
	case alone.Page == "":
		fmt.Fprintln(w, "| export de tous les paiements de France < 2 s | non mesuré | **non** |")
	case alone.Err != "" || alone.Status != 200:
		fmt.Fprintf(w, "| export de tous les paiements de France < 2 s | échec : statut %d %s | **non** |\n", alone.Status, alone.Err)
	default:
		fmt.Fprintf(w, "| export de tous les paiements de France < 2 s (seul, lu jusqu'au dernier octet) | %s ms, %d octets | %s |\n",
			ms(alone.Elapsed), alone.Bytes, yes(alone.Elapsed < targetFranceExport))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Ce qui reste au-dessus d'une cible, le profil qui l'explique et le plan : docs/performance.md.")
}
