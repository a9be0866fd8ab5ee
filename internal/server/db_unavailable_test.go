package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// hang makes every statement touching table wait, as a hung database would:
// another connection holds an ACCESS EXCLUSIVE lock on it until release.
func (e *env) hang(table string) (release func()) {
	e.t.Helper()
	ctx := context.Background()
	tx, err := pgtest.Owner(e.t, e.st).Begin(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			_ = tx.Rollback(ctx)
		}
	}
	e.t.Cleanup(release)
	if _, err := tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{table}.Sanitize()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		e.t.Fatal(err)
	}
	return release
}

// While the database does not answer, a page answers 503 with a French page
// once REQUEST_TIMEOUT has passed (not a 500, not a hang), and an autosave
// gets the plain-text line autosave.js shows while it retries.
func TestDatabaseHangAnswers503(t *testing.T) {
	e, log := newEnvWith(t, map[string]string{"REQUEST_TIMEOUT": "1s"})
	id := e.demoDossierID(seed.ValDeDemo)
	e.setState(id, "brouillon")
	c := e.loggedIn(coordVal)
	c.c.Timeout = time.Minute // a guard against hanging forever, far above the budget
	path := dpath(id, "/contenu")
	form := sectionVersion(t, c.get(path), "projet")
	form.Set("text", "Brouillon pendant la panne")

	release := e.hang("organisations")
	r := c.get("/structures")
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" ||
		!strings.Contains(r.doc(t).Find("h1").Text(), "Service momentanément indisponible") ||
		!strings.Contains(r.body, "ne parvient pas à joindre sa base de données") {
		t.Fatalf("page during the hang: %d %q\n%s", r.StatusCode, r.Header.Get("Retry-After"), r.body)
	}
	if n := strings.Count(log.String(), "database unavailable"); n != 1 {
		t.Fatalf("%d log lines for one unavailable request:\n%s", n, log.String())
	}
	release()
	if r := c.get("/structures"); r.StatusCode != http.StatusOK {
		t.Fatalf("after the hang: %d", r.StatusCode)
	}

	e.hang("dossier_content")
	r = c.autosave(path+"/projet", form)
	if r.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") ||
		!strings.HasPrefix(r.body, "Enregistrement impossible, réessai…") {
		t.Fatalf("autosave during the hang: %d %q %q", r.StatusCode, r.Header.Get("Content-Type"), r.body)
	}
}
