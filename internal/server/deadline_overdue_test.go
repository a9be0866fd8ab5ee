package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestDeadlineOverdueFlagged: Val de Démo's lettre d'intention validated
// more than six months ago (docs/rules.md §5): the CPAM queue and the dossier
// page say "dépassé de N jours", the queue with the error status.
func TestDeadlineOverdueFlagged(t *testing.T) {
	e := newEnv(t)
	id := demoDossier(t, e)
	validated := time.Now().AddDate(0, -6, -3)
	if _, err := pgtest.Owner(t, e.st).Exec(context.Background(), `UPDATE dossiers SET lettre_validated_on = $2 WHERE id = $1`, id, validated); err != nil {
		t.Fatal(err)
	}
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	q := ref.get("/instruction").doc(t).Find("[data-testid=queue-deadline]")
	if q.Length() == 0 || !strings.Contains(q.First().Text(), "dépassé") || !q.First().HasClass("error") {
		t.Errorf("queue deadline: %q (class error: %v)", q.First().Text(), q.First().HasClass("error"))
	}
	page := ref.get("/dossiers/" + strconv.FormatInt(id, 10))
	if !strings.Contains(page.body, "dépassé") {
		t.Errorf("dossier page does not flag the overdue deadline")
	}
}
