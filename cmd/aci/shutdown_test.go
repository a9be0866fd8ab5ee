package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// lineWriter collects what serve prints and signals its first line.
type lineWriter struct {
	mu    sync.Mutex
	b     []byte
	ready chan struct{}
	once  sync.Once
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	w.once.Do(func() { close(w.ready) })
	return len(p), nil
}

func (w *lineWriter) String() string { w.mu.Lock(); defer w.mu.Unlock(); return string(w.b) }

// aci serve stops within its grace period while a request is stuck on a
// hung table: the request is cut off and the pool closed without waiting for
// the database.
func TestServeStopsWhileARequestIsStuck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	st, err := store.Open(ctx, url, pgtest.Options(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tx, err := pgtest.Owner(t, st).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// Every request carrying a session cookie reads the sessions table.
	if _, err := tx.Exec(ctx, `LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	out := &lineWriter{ready: make(chan struct{})}
	env := map[string]string{"DATABASE_URL": url, "ADDR": "127.0.0.1:0", "SHUTDOWN_GRACE": "1s",
		"REQUEST_TIMEOUT": "10m", "DB_STATEMENT_TIMEOUT": "10m"}
	done := make(chan error, 1)
	go func() {
		done <- run(sctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), out, io.Discard)
	}()
	guard := time.After(2 * time.Minute) // against hanging forever, far above the grace period
	select {
	case <-out.ready:
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	case <-guard:
		t.Fatal("serve did not start")
	}
	addr := regexp.MustCompile(`http://\S+`).FindString(out.String())
	sent := make(chan struct{})
	go func() {
		req, _ := http.NewRequest(http.MethodGet, addr+"/", nil)
		req.AddCookie(&http.Cookie{Name: "aci_session", Value: "stuck-request-token"})
		close(sent)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	<-sent
	// The request is stuck once its session lookup waits on the lock (seen
	// as the server's role: another role's wait events are hidden).
	for {
		var n int
		if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		select {
		case <-guard:
			t.Fatal("the request never reached the database")
		case <-time.After(20 * time.Millisecond):
		}
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-guard:
		t.Fatal("serve still running after its grace period while a request is stuck")
	}
}
