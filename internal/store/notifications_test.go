package store_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// notifiedEmails returns the e-mails of the users notified from source.
func notifiedEmails(t *testing.T, st *store.Store, source string) []string {
	t.Helper()
	rows, err := pgtest.Owner(t, st).Query(context.Background(), `SELECT u.email FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.source = $1 ORDER BY u.email`, source)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		rows.Scan(&e)
		out = append(out, e)
	}
	return out
}

func lastAuditID(t *testing.T, st *store.Store, dossierID int64) string {
	t.Helper()
	var id int64
	if err := pgtest.Owner(t, st).QueryRow(context.Background(), `SELECT max(id) FROM dossier_audit WHERE dossier_id = $1`, dossierID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return "audit:" + strconv.FormatInt(id, 10)
}

// drain processes the demo seed's audit rows and forgets their e-mails, so
// that a test sees only its own.
func drain(t *testing.T, st *store.Store, at time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 10000, at); err != nil {
		t.Fatal(err)
	}
	if _, err := pgtest.Owner(t, st).Exec(ctx, `DELETE FROM outbox; UPDATE notifications SET digest_pending = false`); err != nil {
		t.Fatal(err)
	}
}

// TestNotifierRecipientsPerAudience: each transition reaches its Notify
// audiences in the dossier's territory, never the actor, never another
// territory.
func TestNotifierRecipientsPerAudience(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	drain(t, st, now)
	id := freshDossier(t, st, scopes[coordA]) // CPTS in the Ain (01, ARA)
	steps := []struct {
		s       step
		want    []string
		notWant []string
	}{
		// deposer_lettre_intention notifies ARS + CPAM
		{step{coordA, workflow.DeposerLettreIntention, "", "", workflow.LettreIntentionDeposee, nil},
			[]string{arsDir, referen}, []string{dcgdrR, "coordinateur.b@demo.portail-aci.fr", "coordinateur@demo.portail-aci.fr", adminD}},
		// valider_lettre_intention notifies structure + CPAM, not the ARS actor
		{step{arsDir, workflow.ValiderLettreIntention, "", "", workflow.LettreIntentionValidee, nil},
			[]string{"cpts.test.ain@test.portail-aci.fr", referen}, []string{arsDir, dcgdrR, "coordinateur.b@demo.portail-aci.fr"}},
	}
	for _, tt := range steps {
		if _, err := apply(t, st, scopes, id, tt.s, now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, now); err != nil {
			t.Fatal(err)
		}
		got := notifiedEmails(t, st, lastAuditID(t, st, id))
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %s not notified (got %v)", tt.s.tr, w, got)
			}
		}
		for _, w := range tt.notWant {
			if slices.Contains(got, w) {
				t.Errorf("%s: %s notified (got %v)", tt.s.tr, w, got)
			}
		}
	}
	// A CPTS of the Rhône: the Ain's CPAM referent is not told.
	idB := freshDossier(t, st, scopes[coordB])
	if _, err := apply(t, st, scopes, idB, step{coordB, workflow.DeposerLettreIntention, "", "", workflow.LettreIntentionDeposee, nil}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, now); err != nil {
		t.Fatal(err)
	}
	got := notifiedEmails(t, st, lastAuditID(t, st, idB))
	if slices.Contains(got, referen) || !slices.Contains(got, arsDir) {
		t.Errorf("Rhône dossier notified %v", got)
	}
	// Every audit row is now marked, and instant users got an e-mail.
	var pending int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM dossier_audit WHERE notified_at IS NULL`).Scan(&pending)
	if pending != 0 {
		t.Errorf("%d audit rows not processed", pending)
	}
	mails := pgtest.Outbox(t, st, arsDir, 10)
	if len(mails) != 2 || !strings.Contains(mails[0].Body, "http://x/dossiers/") {
		t.Errorf("ARS outbox = %+v", mails)
	}
}

// TestNotifierConcurrentWorkersProcessEachRowOnce: two workers on the same
// pending audit rows process each exactly once.
func TestNotifierConcurrentWorkersProcessEachRowOnce(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	drain(t, st, now)
	for _, who := range []string{coordA, coordB, coordM, coordN} {
		id := freshDossier(t, st, scopes[who])
		tr := workflow.DeposerLettreIntention
		if who == coordM || who == coordN {
			tr = workflow.DeposerProjetSante
		}
		if _, err := apply(t, st, scopes, id, step{who, tr, "", "", "", nil}, now); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
	}
	var rows int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM dossier_audit WHERE notified_at IS NULL`).Scan(&rows)
	if rows < 8 {
		t.Fatalf("only %d pending rows", rows)
	}
	var wg sync.WaitGroup
	counts := make([]int, 4)
	errs := make([]error, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := st.ProcessAuditNotifications(ctx, "http://x", 1, now)
				counts[i] += n
				if err != nil || n == 0 {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if total := counts[0] + counts[1] + counts[2] + counts[3]; total != rows {
		t.Fatalf("workers processed %v = %d rows, want %d exactly", counts, total, rows)
	}
	// One e-mail per (recipient, audit row): no duplicate from the race.
	var dup int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM (SELECT to_email, body FROM outbox GROUP BY 1, 2 HAVING count(*) > 1) x`).Scan(&dup)
	if dup != 0 {
		t.Errorf("%d duplicated e-mails", dup)
	}
}

// TestOutboxRetryBackoffNoDuplicate: a failing send is retried after the
// backoff, then sent once; logged e-mails are kept.
func TestOutboxRetryBackoffNoDuplicate(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	drain(t, st, now)
	id := freshDossier(t, st, scopes[coordA])
	if _, err := apply(t, st, scopes, id, step{coordA, workflow.DeposerLettreIntention, "", "", "", nil}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, now); err != nil {
		t.Fatal(err)
	}
	queued := pgtest.Outbox(t, st, "", 100)
	if len(queued) == 0 {
		t.Fatal("nothing queued")
	}
	sends := map[int64]int{}
	failing := true
	send := func(_ context.Context, m store.OutboxMail) (store.Delivery, error) {
		if failing {
			return 0, errors.New("451 try again later")
		}
		sends[m.ID]++
		return store.Sent, nil
	}
	n, err := st.SendDueMail(ctx, now, 100, send)
	if err != nil || n != 0 {
		t.Fatalf("failing round: %d, %v", n, err)
	}
	got := pgtest.Outbox(t, st, "", 100)
	for _, m := range got {
		if m.Attempts != 1 || m.LastError == "" || m.SentAt != nil {
			t.Fatalf("after failure: %+v", m)
		}
	}
	failing = false
	// Not due yet (backoff 1 min).
	if n, _ := st.SendDueMail(ctx, now.Add(30*time.Second), 100, send); n != 0 {
		t.Fatalf("sent %d before the backoff", n)
	}
	if n, _ := st.SendDueMail(ctx, now.Add(2*time.Minute), 100, send); n != len(queued) {
		t.Fatalf("sent %d, want %d", n, len(queued))
	}
	if n, _ := st.SendDueMail(ctx, now.Add(time.Hour), 100, send); n != 0 {
		t.Fatalf("sent again: %d", n)
	}
	for id, c := range sends {
		if c != 1 {
			t.Errorf("mail %d sent %d times", id, c)
		}
	}
	got = pgtest.Outbox(t, st, "", 100)
	for _, m := range got {
		if m.SentAt == nil || m.LastError != "" {
			t.Errorf("not marked sent: %+v", m)
		}
	}
	if store.MailBackoff(1) != time.Minute || store.MailBackoff(3) != 4*time.Minute || store.MailBackoff(40) != 6*time.Hour {
		t.Error("backoff schedule")
	}
}

// TestDigestModeGroups: a user in digest mode gets no instant e-mail, then
// one digest a day from 7:00 listing the notifications.
func TestDigestModeGroups(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	ars := scopes[arsDir]
	drain(t, st, time.Now())
	if err := st.SetEmailMode(ctx, ars.UserID, "digest"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetEmailMode(ctx, ars.UserID, "weekly"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("bad mode accepted: %v", err)
	}
	// 06:00 Paris on 10/03/2026.
	early := time.Date(2026, 3, 10, 6, 0, 0, 0, domain.Paris)
	for _, who := range []string{coordA, coordB} {
		id := freshDossier(t, st, scopes[who])
		if _, err := apply(t, st, scopes, id, step{who, workflow.DeposerLettreIntention, "", "", "", nil}, early); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, early); err != nil {
		t.Fatal(err)
	}
	if m := pgtest.Outbox(t, st, arsDir, 10); len(m) != 0 {
		t.Fatalf("digest user got instant e-mails: %+v", m)
	}
	if n, _ := st.PrepareDigests(ctx, early, "http://x"); n != 0 {
		t.Fatal("digest before 7:00")
	}
	at7 := early.Add(75 * time.Minute)
	for range 2 { // a second run the same day writes nothing
		if _, err := st.PrepareDigests(ctx, at7, "http://x"); err != nil {
			t.Fatal(err)
		}
	}
	m := pgtest.Outbox(t, st, arsDir, 10)
	if len(m) != 1 || !m[0].Digest || !strings.Contains(m[0].Body, "2 notification(s)") ||
		!strings.Contains(m[0].Body, "CPTS Test Ain") || !strings.Contains(m[0].Body, "CPTS Test Rhone") {
		t.Fatalf("digest = %+v", m)
	}
	// The referent (instant) got one e-mail for the Ain dossier only.
	if m := pgtest.Outbox(t, st, referen, 10); len(m) != 1 || m[0].Digest {
		t.Errorf("referent outbox %+v", m)
	}
}

// TestRemindersIdempotent: the lettre d'intention reminders 30 and 7 days
// before the 6-month deadline, once each even when the job runs twice.
func TestRemindersIdempotent(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	drain(t, st, now)
	id := freshDossier(t, st, scopes[coordA])
	for _, s := range []step{
		{coordA, workflow.DeposerLettreIntention, "", "", "", nil},
		{arsDir, workflow.ValiderLettreIntention, "", "", "", nil},
	} {
		if _, err := apply(t, st, scopes, id, s, now); err != nil {
			t.Fatal(err)
		}
	}
	d, err := st.Dossier(ctx, scopes[adminD], id)
	if err != nil {
		t.Fatal(err)
	}
	due := workflow.LettreIntentionDeadline(d.LetterValidatedOn)
	for _, tt := range []struct {
		day  domain.Date
		want int
	}{{due.AddDays(-31), 0}, {due.AddDays(-30), 1}, {due.AddDays(-30), 0}, {due.AddDays(-7), 1}, {due.AddDays(-7), 0}, {due.AddDays(-6), 0}} {
		n, err := st.SendReminders(ctx, tt.day, "http://x", now)
		if err != nil || n != tt.want {
			t.Errorf("SendReminders(%s) = %d, %v; want %d", tt.day, n, err, tt.want)
		}
	}
	got := notifiedEmails(t, st, "reminder:"+strconv.FormatInt(id, 10)+":lettre_intention:"+due.AddDays(-7).String())
	if !slices.Contains(got, "cpts.test.ain@test.portail-aci.fr") || !slices.Contains(got, referen) || slices.Contains(got, arsDir) {
		t.Errorf("reminder recipients %v", got)
	}
}

// TestRemindersProjetSanteAndComplements: the ARS is reminded 30 and 7 days
// before a CPTS projet de santé is réputé validé (CSP L1434-12); a pending
// complement request is recalled to the structure every 7 days.
func TestRemindersProjetSanteAndComplements(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	drain(t, st, at)
	id := freshDossier(t, st, scopes[coordA])
	walk := func(steps []step) {
		for i, s := range steps {
			if _, err := apply(t, st, scopes, id, s, at.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatalf("%s: %v", s.tr, err)
			}
		}
	}
	walk([]step{
		{coordA, workflow.DeposerLettreIntention, "", "", "", nil},
		{arsDir, workflow.ValiderLettreIntention, "", "", "", nil},
		{coordA, workflow.DeposerProjetSante, "", "", "", nil},
	})
	filed := domain.DateOf(at)
	rv := workflow.ProjetSanteReputeValide(filed) // 05/03/2026
	n, err := st.SendReminders(ctx, rv.AddDays(-30), "http://x", at)
	if err != nil || n != 1 {
		t.Fatalf("projet de santé reminder: %d, %v", n, err)
	}
	got := notifiedEmails(t, st, "reminder:"+strconv.FormatInt(id, 10)+":projet_sante_repute:"+rv.AddDays(-30).String())
	if !slices.Contains(got, arsDir) || slices.Contains(got, referen) || slices.Contains(got, "cpts.test.ain@test.portail-aci.fr") {
		t.Errorf("projet de santé reminder to %v, want the ARS only", got)
	}
	walk([]step{
		{arsDir, workflow.ValiderProjetSante, "", "", "", nil},
		{coordA, workflow.DeposerDemande, "", "", "", nil},
		{referen, workflow.PrendreEnInstruction, "", "", "", nil},
		{referen, workflow.DemanderComplements, "Pièces à préciser", "", "",
			map[string]string{store.ExtraComplementTarget: "doc:statuts", store.ExtraComplementText: "Statuts signés"}},
	})
	for _, tt := range []struct {
		day  domain.Date
		want int
	}{{filed.AddDays(6), 0}, {filed.AddDays(7), 1}, {filed.AddDays(7), 0}, {filed.AddDays(10), 0}, {filed.AddDays(14), 1}} {
		if n, err := st.SendReminders(ctx, tt.day, "http://x", at); err != nil || n != tt.want {
			t.Errorf("complement reminder on %s: %d, %v; want %d", tt.day.French(), n, err, tt.want)
		}
	}
	got = notifiedEmails(t, st, "reminder:"+strconv.FormatInt(id, 10)+":complement:"+filed.AddDays(14).String())
	if !slices.Equal(got, []string{"cpts.test.ain@test.portail-aci.fr"}) {
		t.Errorf("complement reminder to %v", got)
	}
}
