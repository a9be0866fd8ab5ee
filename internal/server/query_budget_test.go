package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// queryCounter is a pgx tracer that counts, while on, the statements sent to
// PostgreSQL (round trips: a batch counts once) and the commits: explicit
// COMMITs, and writes sent outside a transaction (autocommit).
type queryCounter struct {
	mu      sync.Mutex
	on      bool
	inTx    map[*pgx.Conn]bool
	queries int
	stmts   int // statements, each of a batch (its set_config left out)
	commits int
	sqls    []string
}

func newQueryCounter() *queryCounter { return &queryCounter{inTx: map[*pgx.Conn]bool{}} }

func (q *queryCounter) record(conn *pgx.Conn, sql string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.on {
		return
	}
	q.queries++
	if strings.HasPrefix(sql, "batch: ") {
		q.stmts += strings.Count(sql, " ‖ ") + 1
	} else if sql != "batch" {
		q.stmts++
	}
	q.sqls = append(q.sqls, strings.Join(strings.Fields(sql), " "))
	head := strings.ToLower(strings.TrimSpace(sql))
	word := head
	if i := strings.IndexAny(head, " \t\n;("); i >= 0 {
		word = head[:i]
	}
	switch word {
	case "begin", "start":
		q.inTx[conn] = true
	case "commit", "end":
		q.inTx[conn] = false
		q.commits++
	case "rollback":
		q.inTx[conn] = false
	case "insert", "update", "delete", "merge", "truncate":
		if !q.inTx[conn] {
			q.commits++
		}
	case "with":
		if !q.inTx[conn] && (strings.Contains(head, "insert ") || strings.Contains(head, "update ") || strings.Contains(head, "delete ")) {
			q.commits++
		}
	}
}

func (q *queryCounter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	q.record(conn, d.SQL)
	return ctx
}

func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (q *queryCounter) TraceBatchStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	// The store sends every statement in a batch behind its row-level
	// security settings (one round trip): a batch that opens a transaction
	// counts as its BEGIN; one outside a transaction that writes commits
	// once (an implicit transaction).
	if d.Batch == nil || len(d.Batch.QueuedQueries) == 0 {
		q.record(conn, "batch")
		return ctx
	}
	first := strings.ToLower(strings.TrimSpace(d.Batch.QueuedQueries[0].SQL))
	if strings.HasPrefix(first, "begin") {
		q.record(conn, "begin (batch)")
		q.mu.Lock()
		if q.on {
			q.stmts += len(d.Batch.QueuedQueries) - 2 // the set_config, and the one record counted
		}
		q.mu.Unlock()
		return ctx
	}
	var parts []string
	for _, qq := range d.Batch.QueuedQueries {
		if !strings.Contains(qq.SQL, "set_config('aci.kind'") {
			parts = append(parts, strings.Join(strings.Fields(qq.SQL), " "))
		}
	}
	q.record(conn, "batch: "+strings.Join(parts, " ‖ "))
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.on || q.inTx[conn] {
		return ctx
	}
	for _, qq := range d.Batch.QueuedQueries {
		head := strings.ToLower(strings.TrimSpace(qq.SQL))
		if strings.HasPrefix(head, "insert") || strings.HasPrefix(head, "update") || strings.HasPrefix(head, "delete") ||
			strings.HasPrefix(head, "merge") || (strings.HasPrefix(head, "with") &&
			(strings.Contains(head, "insert ") || strings.Contains(head, "update ") || strings.Contains(head, "delete "))) {
			q.commits++
			q.sqls = append(q.sqls, strings.Join(strings.Fields(qq.SQL), " "))
			return ctx
		}
	}
	return ctx
}

func (q *queryCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (q *queryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// measure counts the statements and commits of fn.
func (q *queryCounter) measure(fn func()) (queries, commits int, sqls []string) {
	q.mu.Lock()
	q.on, q.queries, q.stmts, q.commits, q.sqls = true, 0, 0, 0, nil
	q.mu.Unlock()
	fn()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.on = false
	return q.queries, q.commits, q.sqls
}

func newTracedEnv(t *testing.T) (*env, *queryCounter) {
	t.Helper()
	t.Parallel()
	qc := newQueryCounter()
	return newSerialEnvTraced(t, qc), qc
}

// TestQueryBudgetPerPage loads the key pages, each as the role that uses it,
// and fails when one makes more round trips to PostgreSQL than its budget or
// commits anything (docs/rules.md §35). Every logged-in page pays 1 round
// trip for the session with its viewer (scope, memberships) and the frame's
// unread badge (notifications + messages): in the page's own batch where the
// page gathers its reads in one (store.Reads, docs/rules.md §35.1), else
// apart. The log gives the statements too (a batch's, its set_config left
// out): a statement costs more than a round trip.
func TestQueryBudgetPerPage(t *testing.T) {
	e, qc := newTracedEnv(t)
	var freshTerritory string
	ctx := context.Background()
	val := e.demoDossierID(seed.ValDeDemo)
	lille := e.demoDossierID(seed.MSPLille)
	var valOrg int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT id FROM organisations WHERE name = $1`, seed.ValDeDemo).Scan(&valOrg); err != nil {
		t.Fatal(err)
	}
	clients := map[string]*client{"": e.client()}
	// A CPTS whose territory is still editable (the demo's are frozen by
	// their filed dossiers, where no search is offered), registered by the
	// coordinator of another CPTS (no other page here is theirs), whose
	// session then acts for it.
	fresh := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	if r := fresh.post("/structures/nouvelle", url.Values{"type": {"CPTS"}, "name": {"CPTS de la mesure"}, "departement": {"01"},
		"commune_code": {"01053"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create a CPTS: %d %s", r.StatusCode, r.body)
	} else {
		clients["fresh"] = fresh
		freshTerritory = r.Header.Get("Location") + "/territoire?q=saint"
	}
	as := func(email string) *client {
		if c, ok := clients[email]; ok {
			return c
		}
		c := e.loggedIn(email)
		clients[email] = c
		return c
	}
	const (
		coord    = "coordinateur@demo.portail-aci.fr"
		msp      = "msp@demo.portail-aci.fr"
		referent = "referent@demo.portail-aci.fr"
		cpamNord = "cpam.nord@demo.portail-aci.fr"
		ars      = "ars@demo.portail-aci.fr"
		dcgdr    = "dcgdr@demo.portail-aci.fr"
		admin    = "admin@demo.portail-aci.fr"
	)
	for _, p := range []struct {
		who, path string
		budget    int // round trips; why, when above the session and one batch
	}{
		// Anonymous: the session cookie is absent, nothing is read.
		{"", "/login", 0},
		// Homes: the session, then every read of the page — the frame's
		// unread badge, the structure, its latest contract and every block —
		// in one batch (docs/rules.md §35.1): 2 (6 to 9 before).
		{coord, "/", 2},
		// A structure with a contract reads its next payments, its money per
		// year and its contract alerts in a second batch, once the contract
		// is known (a statement costs more than a round trip: they are not
		// sent for a structure without contract): 3 (9 before).
		{msp, "/", 3},
		// Payments to order, contracts to sign (count and page), the queue
		// (count and page) and the contract alerts (the contracts with their
		// missions, evaluations and closings in one statement) with the
		// badge: 2 (8 before).
		{referent, "/", 2},
		// The ARS: its queue, the contracts waiting for its signature and the
		// region's CPTS by tier and state, with the badge: 2 (6 before).
		{ars, "/", 2},
		{dcgdr, "/", 2}, // the queue and the region's CPTS: 2 (4 before)
		{admin, "/", 2},
		// Lists: the session, then the page with its count and the frame's
		// badge (one batch): 2 (3 before).
		{referent, "/dossiers", 2},
		{referent, "/instruction", 2},
		// The structures list: its count and page, the page's territories'
		// totals (by the page's ids, no longer after the page), the admin's
		// département choices and the frame's badge in one batch: 2 (5 and
		// 4 before).
		{admin, "/structures", 2},
		{coord, "/structures", 2},
		// A dossier: the session, the dossier (withDossier), then its page in
		// one batch — the frame's badge, history, complements, amorçage
		// payments, the contract of an accepted dossier, the accelerator
		// sessions with their scope check: 3 (5 before).
		{coord, dpath(val, ""), 3},
		// The referent's batch also holds the instruction checklist (its
		// six reads) and the facilitators of the accelerator form, the whole
		// batch one read-only snapshot that it opens and ends itself: 3 (6
		// before, 11 before the checklist's batch).
		{referent, dpath(val, ""), 3},
		// The contract with its signatures (one statement: they come in its
		// row), then the page's batch — the frame's badge, the crises of a
		// CPTS contract, its avenants and its payments (read by the contract
		// already in hand, scope-checked): 3 (5 before; one more for the
		// avenants' signatures when it has avenants).
		{msp, dpath(lille, "/contrat"), 3},
		{cpamNord, dpath(lille, "/contrat"), 3},
		// The territory editor of a frozen territory (the demo's: no search
		// is offered, the query is ignored): the session, the structure
		// (withStructure), then one batch — the frame's badge, the territory
		// with its scope check (communes, version, population vintage), its
		// freeze and a page of its history, each guarded by the same scope —
		// and the contract that froze it: 4 (10 before).
		{coord, "/structures/" + strconv.FormatInt(valOrg, 10) + "/territoire?q=saint", 4},
		// The same page where the search runs, for a CPTS never filed: the
		// session, the structure, whether it has filed a dossier (which
		// decides who may edit its record), the page's batch, and the search
		// — the codes of the best matches, their details with their holder,
		// and the EPCIs in one statement (store.SearchTerritory): 5 (11
		// before).
		{"fresh", freshTerritory, 5},
		// The barèmes (3 tables), the viewer's CPTS for the "simulate my
		// structure" shortcut (count and page) and their populations (read
		// by the page's ids as a subquery) with the frame's badge: one batch,
		// 2 (5 before).
		{coord, "/simulateur", 2},
		// The notifications (count and page), the unread count and the
		// frame's badge in one batch: 2 (5 before).
		{coord, "/notifications", 2},
	} {
		if p.who == "fresh" {
			// The search ran: the page lists the communes found.
			if n := clients["fresh"].get(p.path).doc(t).Find(`[data-testid="hit"]`).Length(); n == 0 {
				t.Errorf("%s: no commune found, the search did not run", p.path)
			}
		}
		c := as(p.who)
		c.get(p.path) // warm: a first view may follow the login's redirect
		var r resp
		n, commits, sqls := qc.measure(func() { r = c.get(p.path) })
		if r.StatusCode != http.StatusOK {
			t.Errorf("%s as %q: status %d", p.path, p.who, r.StatusCode)
			continue
		}
		qc.mu.Lock()
		stmts := qc.stmts
		qc.mu.Unlock()
		t.Logf("%-60s %-34s %d round trips (%d statements), %d commits", p.path, p.who, n, stmts, commits)
		if os.Getenv("BUDGET_SQL") != "" {
			for i, q := range sqls {
				t.Logf("  %d. %.1000s", i+1, q)
			}
		}
		if n > p.budget || commits != 0 {
			var b strings.Builder
			for i, q := range sqls {
				fmt.Fprintf(&b, "\n  %d. %.200s", i+1, q)
			}
			t.Errorf("%s as %q: %d statements (budget %d), %d commits (budget 0):%s", p.path, p.who, n, p.budget, commits, b.String())
		}
	}
}

// A page view leaves the session's row as it was; a minute later the next
// view moves its idle expiry once (and only once), so an active user stays
// logged in; an idle one is logged out after SESSION_IDLE_TIMEOUT.
func TestPageViewWritesNoSession(t *testing.T) {
	e, qc := newTracedEnv(t)
	ctx := context.Background()
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	type row struct {
		data   []byte
		expiry time.Time
	}
	read := func() row {
		t.Helper()
		var r row
		if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT data, expiry FROM sessions WHERE user_id IS NOT NULL`).Scan(&r.data, &r.expiry); err != nil {
			t.Fatal(err)
		}
		return r
	}
	c.get("/")
	before := read()
	_, commits, sqls := qc.measure(func() {
		for _, p := range []string{"/", "/dossiers", "/structures", "/notifications", "/simulateur", "/compte"} {
			if r := c.get(p); r.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
	})
	after := read()
	if commits != 0 || string(after.data) != string(before.data) || !after.expiry.Equal(before.expiry) {
		t.Fatalf("page views wrote: %d commits, expiry %v → %v, data changed %v\n%s", commits, before.expiry, after.expiry,
			string(after.data) != string(before.data), strings.Join(sqls, "\n"))
	}

	// The page after a POST shows its flash message and writes nothing
	// either (the flash travels in its own cookie), once.
	thread := dpath(e.demoDossierID(seed.ValDeDemo), "/messages")
	if r := c.post(thread, url.Values{"body": {"Une question sur le dossier."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("post message: %d", r.StatusCode)
	}
	posted := read()
	var shown resp
	if _, commits, sqls = qc.measure(func() { shown = c.get(thread) }); commits != 0 {
		t.Fatalf("page after the POST: %d commits\n%s", commits, strings.Join(sqls, "\n"))
	}
	if f := shown.doc(t).Find("[data-testid=flash]").Text(); f != "Message envoyé." {
		t.Errorf("flash after the POST: %q", f)
	}
	if f := c.get(thread).doc(t).Find("[data-testid=flash]").Length(); f != 0 {
		t.Error("flash shown twice")
	}
	if after := read(); string(after.data) != string(posted.data) || !after.expiry.Equal(posted.expiry) {
		t.Error("the session row changed on the page after the POST")
	}

	// A minute later (the row's expiry set back as the minute would have
	// left it; sessions live on the wall clock): one write moves the expiry
	// to now + idle.
	age := func(d time.Duration) {
		t.Helper()
		if _, err := pgtest.Owner(t, e.st).Exec(ctx, `UPDATE sessions SET expiry = expiry - $1::interval WHERE user_id IS NOT NULL`, d.String()); err != nil {
			t.Fatal(err)
		}
	}
	age(61 * time.Second)
	start := time.Now()
	_, commits, _ = qc.measure(func() { c.get("/") })
	moved := read()
	if want := start.Add(30 * time.Minute); commits != 1 || moved.expiry.Before(want.Add(-time.Second)) || moved.expiry.After(time.Now().Add(30*time.Minute)) {
		t.Fatalf("after a minute: %d commits, expiry %v, want %v", commits, moved.expiry, want)
	}
	// And not again within the minute.
	age(30 * time.Second)
	if _, commits, _ = qc.measure(func() { c.get("/dossiers") }); commits != 0 || !read().expiry.Equal(moved.expiry.Add(-30*time.Second)) {
		t.Fatalf("second view within the minute: %d commits", commits)
	}
	// Idle past the timeout: logged out.
	age(31 * time.Minute)
	if r := c.get("/"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("idle session still open: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}
