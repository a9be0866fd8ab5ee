package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestNotifierPastEventsInAppOnly: the demo's backdated history (and any
// audit row the notifier first sees more than 48 h after it happened) is
// listed in-app, dated when it happened, but never e-mailed nor put in a
// digest; a live transition is e-mailed (docs/rules.md §20).
func TestNotifierPastEventsInAppOnly(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	// Every demo user in digest mode too: nothing may reach a digest either.
	if _, err := pgtest.Owner(t, st).Exec(ctx, `UPDATE users SET email_mode = 'digest' WHERE email = $1`, referen); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 10000, now); err != nil {
		t.Fatal(err)
	}
	var notifs, mails, pendingDigest, misdated int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM notifications`).Scan(&notifs)
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&mails)
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM notifications WHERE digest_pending`).Scan(&pendingDigest)
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM notifications n JOIN dossier_audit a ON n.source = 'audit:' || a.id
		WHERE n.created_at <> a.at`).Scan(&misdated)
	if notifs == 0 || mails != 0 || pendingDigest != 0 || misdated != 0 {
		t.Fatalf("demo history: %d notifications, %d e-mails, %d for the digest, %d not dated at the event; want >0, 0, 0, 0",
			notifs, mails, pendingDigest, misdated)
	}

	// A live transition: e-mailed to the instant users it concerns.
	id := freshDossier(t, st, scopes[coordA])
	if _, err := apply(t, st, scopes, id, step{coordA, workflow.DeposerLettreIntention, "", "", workflow.LettreIntentionDeposee, nil}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, now); err != nil {
		t.Fatal(err)
	}
	if got := pgtest.Outbox(t, st, arsDir, 10); len(got) != 1 {
		t.Errorf("live transition: ARS outbox = %d mails; want 1", len(got))
	}

	// A row first seen three days after it happened: in-app only.
	if _, err := apply(t, st, scopes, id, step{arsDir, workflow.ValiderLettreIntention, "", "", workflow.LettreIntentionValidee, nil}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, now.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	src := lastAuditID(t, st, id)
	if got := notifiedEmails(t, st, src); len(got) == 0 {
		t.Errorf("late row: nobody notified in-app")
	}
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM outbox WHERE created_at > $1`, now.Add(time.Hour)).Scan(&mails)
	if mails != 0 {
		t.Errorf("late row: %d e-mails queued, want 0", mails)
	}
}
