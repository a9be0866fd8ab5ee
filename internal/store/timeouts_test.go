package store_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// Open sets statement_timeout on its connections: PostgreSQL itself cancels
// a statement that runs longer (SQLSTATE 57014, query_canceled).
func TestOpenSetsStatementTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := pgtest.Options(time.Now)
	o.StatementTimeout = 300 * time.Millisecond
	st, err := store.Open(ctx, pgtest.NewURL(t), o)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var setting string
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SHOW statement_timeout`).Scan(&setting); err != nil || setting != "300ms" {
		t.Fatalf("statement_timeout = %q, %v", setting, err)
	}
	_, err = pgtest.Owner(t, st).Exec(ctx, `SELECT pg_sleep(10)`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("a statement longer than statement_timeout: %v", err)
	}
}

// Open gives up on a server that accepts the TCP connection and never
// answers, after ConnectTimeout, instead of hanging.
func TestOpenGivesUpOnASilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	o := pgtest.Options(time.Now)
	o.ConnectTimeout = 300 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		st, err := store.Open(context.Background(), "postgres://aci@"+ln.Addr().String()+"/aci?sslmode=disable", o)
		if err == nil {
			st.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Open succeeded on a server that never answers")
		}
	case <-time.After(60 * time.Second): // a guard against hanging forever, far above the timeout
		t.Fatal("Open still waiting on a server that never answers")
	}
}
