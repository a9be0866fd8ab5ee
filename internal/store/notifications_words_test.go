package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestNotificationTitlesAndManagerDigest: a notification says what happened,
// from the reader's side; the CPAM manager is not e-mailed at once about a
// step that is not theirs (it waits for the digest), the referent is.
func TestNotificationTitlesAndManagerDigest(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	drain(t, st, now)
	id := freshDossier(t, st, scopes[coordA])
	title := func(email, source string) (string, bool) {
		t.Helper()
		var s string
		var digest bool
		if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT n.title, n.digest_pending FROM notifications n JOIN users u ON u.id = n.user_id
			WHERE u.email = $1 AND n.source = $2`, email, source).Scan(&s, &digest); err != nil {
			t.Fatalf("%s %s: %v", email, source, err)
		}
		return s, digest
	}
	var name string
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT o.name FROM dossiers d JOIN organisations o ON o.id = d.structure_id WHERE d.id = $1`, id).Scan(&name); err != nil {
		t.Fatal(err)
	}
	const manager = "cpam.manager@demo.portail-aci.fr"
	mails := func(email string) int {
		return len(pgtest.Outbox(t, st, email, 100))
	}
	before := mails(manager)
	if _, err := apply(t, st, scopes, id, step{coordA, workflow.DeposerLettreIntention, "", "", workflow.LettreIntentionDeposee, nil}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, now); err != nil {
		t.Fatal(err)
	}
	src := lastAuditID(t, st, id)
	if got, digest := title(referen, src); got != name+" : lettre d'intention déposée" || digest {
		t.Errorf("referent: %q digest %v", got, digest)
	}
	if _, digest := title(manager, src); !digest || mails(manager) != before {
		t.Errorf("manager e-mailed at once about a step not theirs (digest %v, mails %d → %d)", digest, before, mails(manager))
	}
	if _, err := apply(t, st, scopes, id, step{arsDir, workflow.RenvoyerLettreIntention, "Le territoire n'est pas décrit.", "", workflow.Brouillon, nil}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, now); err != nil {
		t.Fatal(err)
	}
	src = lastAuditID(t, st, id)
	if got, _ := title("cpts.test.ain@test.portail-aci.fr", src); got != "Votre lettre d'intention a été renvoyée par l'ARS" {
		t.Errorf("structure: %q", got)
	}
	if got, _ := title(referen, src); got != name+" : lettre d'intention renvoyée par l'ARS" {
		t.Errorf("referent: %q", got)
	}
}
