package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/seed"
)

// outagePause is how long the fault test keeps PostgreSQL stopped (the
// figure of docs/rules.md §39).
const outagePause = 10 * time.Second

const (
	unavailableHeading = "Service momentanément indisponible"
	unavailableText    = "ne parvient pas à joindre sa base de données"
	coordVal           = "coordinateur@demo.portail-aci.fr"
)

// demoDossier is the id of the dossier of demo structure name at u.
func demoDossier(t *testing.T, u, name string) int64 {
	t.Helper()
	conn := connectFixture(t, u)
	defer conn.Close(context.Background())
	var id int64
	if err := conn.QueryRow(context.Background(), `SELECT d.id FROM dossiers d JOIN organisations o ON o.id = d.structure_id
		WHERE o.name = $1`, name).Scan(&id); err != nil {
		t.Fatalf("dossier of %s: %v", name, err)
	}
	return id
}

// is503Page reports whether a is the French « service unavailable » page.
func is503Page(a answer) bool {
	return a.status == http.StatusServiceUnavailable && strings.Contains(a.body, unavailableHeading) &&
		strings.Contains(a.body, unavailableText)
}

// PostgreSQL stopped for outagePause while users post messages and read
// pages: the server answers the French 503 page meanwhile (never a 500, never
// a hang), recovers by itself once PostgreSQL is back — the same process,
// not restarted — and every message it acknowledged (303) is in the
// database. Then PostgreSQL frozen (SIGSTOP of the postmaster and its
// backends, a hung server): requests answer 503 within their budget
// (REQUEST_TIMEOUT, DB_CONNECT_TIMEOUT) and SIGTERM stops the server within
// its grace period (docs/rules.md §39).
func TestServeThroughDatabaseOutage(t *testing.T) {
	c, data, dbURL, fixURL := privateCluster(t)
	dossier := demoDossier(t, fixURL, seed.ValDeDemo)
	const budget = 2 * time.Second
	srv := startServe(t, dbURL, map[string]string{"REQUEST_TIMEOUT": budget.String(), "DB_CONNECT_TIMEOUT": "1s",
		"DB_STATEMENT_TIMEOUT": budget.String(), "SHUTDOWN_GRACE": "2s"})
	msgs := "/dossiers/" + strconv.FormatInt(dossier, 10) + "/messages"

	// The load: two writers post numbered messages, a reader reads pages.
	var acked acks
	var down atomic.Bool // PostgreSQL stopped: every answer must be the 503 page
	var bad atomic.Value // first unexpected answer
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 2 {
		wc := newWebClient(srv.base)
		wc.login(t, coordVal)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				body := fmt.Sprintf("Message de charge %d-%d", w, i)
				a, err := wc.post(msgs, url.Values{"body": {body}})
				switch {
				case err != nil:
					bad.CompareAndSwap(nil, fmt.Sprintf("post %q: %v", body, err))
				case a.status == http.StatusSeeOther:
					acked.add(body)
				case is503Page(a):
				default:
					bad.CompareAndSwap(nil, fmt.Sprintf("post %q: %d\n%s", body, a.status, a.body))
				}
				acked.saw(a.status)
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	reader := newWebClient(srv.base)
	reader.login(t, coordVal)
	var during []answer
	var dmu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			isDown := down.Load()
			a, err := reader.get(msgs)
			switch {
			case err != nil:
				bad.CompareAndSwap(nil, fmt.Sprintf("get: %v", err))
			case a.status != http.StatusOK && !is503Page(a):
				bad.CompareAndSwap(nil, fmt.Sprintf("get: %d\n%s", a.status, a.body))
			case isDown && down.Load():
				dmu.Lock()
				during = append(during, a)
				dmu.Unlock()
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()

	time.Sleep(time.Second)
	before := len(acked.all())
	if err := c.ForceStop(); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	time.Sleep(outagePause)
	down.Store(false)
	restartCluster(t, data)
	// Self-recovery: the same server process answers again.
	recovered := false
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if a, err := reader.get("/healthz"); err == nil && a.status == http.StatusOK {
			if a, err := reader.get(msgs); err == nil && a.status == http.StatusOK {
				recovered = true
				break
			}
		}
	}
	afterRecovery := len(acked.all())
	time.Sleep(time.Second) // writes after the recovery
	stopLoad()
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Fatalf("unexpected answer under load: %v", v)
	}
	if !recovered {
		t.Fatal("the server did not recover within 30 s of PostgreSQL's restart")
	}
	dmu.Lock()
	if len(during) == 0 {
		t.Fatal("no page read while PostgreSQL was stopped")
	}
	for _, a := range during {
		if !is503Page(a) {
			t.Fatalf("while PostgreSQL was stopped: %d\n%s", a.status, a.body)
		}
		if a.took > budget+5*time.Second {
			t.Fatalf("a 503 took %s (budget %s)", a.took, budget)
		}
	}
	dmu.Unlock()
	all := acked.all()
	if before == 0 || len(all) <= afterRecovery {
		t.Fatalf("acknowledged writes: %d before the outage, %d at recovery, %d in all: the load did not write on both sides", before, afterRecovery, len(all))
	}
	// Nothing lost: every acknowledged message is in the database, once.
	conn := connectFixture(t, fixURL)
	defer conn.Close(context.Background())
	for _, body := range all {
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM messages WHERE dossier_id = $1 AND body = $2`, dossier, body).Scan(&n); err != nil || n != 1 {
			t.Fatalf("acknowledged message %q: %d in the database, %v", body, n, err)
		}
	}
	t.Logf("statuses %v; %d messages acknowledged, %d pages answered 503 during the %s outage", acked.code, len(all), len(during), outagePause)

	// PostgreSQL hung: frozen processes accept the connection and never
	// answer.
	warm := newWebClient(srv.base)
	warm.login(t, coordVal)
	signalPostgres(c, syscall.SIGSTOP)
	for _, path := range []string{msgs, "/structures"} {
		a, err := warm.get(path)
		if err != nil || !is503Page(a) {
			t.Fatalf("%s while PostgreSQL is hung: %d %v\n%s", path, a.status, err, a.body)
		}
		if a.took > budget+5*time.Second {
			t.Fatalf("%s answered 503 after %s (budget %s)", path, a.took, budget)
		}
	}
	a, err := warm.post(msgs, url.Values{"body": {"Pendant le gel"}})
	if err != nil || !is503Page(a) || a.took > budget+5*time.Second {
		t.Fatalf("post while PostgreSQL is hung: %d %v after %s", a.status, err, a.took)
	}
	// A request left waiting, then SIGTERM: the server exits within its
	// grace period (2 s) plus the pool's (closeStore), not when PostgreSQL
	// answers.
	go func() { _, _ = warm.get("/structures") }()
	time.Sleep(200 * time.Millisecond)
	took := srv.terminate(30 * time.Second)
	signalPostgres(c, syscall.SIGCONT)
	if took > 10*time.Second {
		t.Fatalf("shutdown took %s with PostgreSQL hung (grace 2 s)", took)
	}
	if srv.err != nil {
		t.Fatalf("aci serve exit: %v", srv.err)
	}
}
