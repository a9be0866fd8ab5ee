package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// TestAcceleratorSessions: the CPAM or the ARS of the territory schedules a
// session for a CPTS project; its facilitator (or organiser) records the
// report once, after the session; the structure is told, the report in the
// notification and its e-mail; nobody else may do either.
func TestAcceleratorSessions(t *testing.T) {
	ctx := context.Background()
	st, scopes := fixture(t)
	now := time.Now()
	drain(t, st, now)
	id := freshDossier(t, st, scopes[coordA]) // CPTS of the Ain (ARA)
	today := domain.DateOf(now)
	in := store.AcceleratorInput{AcceleratorSession: workflow.AcceleratorSession{On: today.AddDays(7), Length: workflow.HalfDay,
		Participants: "Le bureau de la CPTS, deux infirmiers"}, FacilitatorUserID: scopes[referen].UserID, At: now}

	for _, who := range []string{coordA, dcgdrR, "coordinateur.b@demo.portail-aci.fr"} {
		if _, err := st.ScheduleAccelerator(ctx, scopes[who], id, in); !domain.IsNotFound(err) {
			t.Errorf("%s schedules: %v", who, err)
		}
	}
	bad := in
	bad.Length = "trois_jours"
	if _, err := st.ScheduleAccelerator(ctx, scopes[referen], id, bad); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("bad length: %v", err)
	}
	sid, err := st.ScheduleAccelerator(ctx, scopes[referen], id, in)
	if err != nil {
		t.Fatal(err)
	}
	ars := in
	ars.FacilitatorUserID, ars.Facilitator, ars.Length = 0, "Cabinet Conseil Santé", workflow.FullDay
	if _, err := st.ScheduleAccelerator(ctx, scopes[arsDir], id, ars); err != nil {
		t.Fatalf("ARS schedules: %v", err)
	}
	list, err := st.AcceleratorSessions(ctx, scopes[coordA], id)
	if err != nil || len(list) != 2 || list[0].Facilitator == "" || list[0].OrganiserName == "" {
		t.Fatalf("sessions seen by the structure: %+v %v", list, err)
	}
	if _, err := st.AcceleratorSessions(ctx, scopes["coordinateur.b@demo.portail-aci.fr"], id); !domain.IsNotFound(err) {
		t.Fatalf("another structure lists the sessions: %v", err)
	}

	const report = "Diagnostic territorial partagé ; trois missions retenues."
	if err := st.RecordAcceleratorReport(ctx, scopes[referen], id, sid, report, now); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("report before the session: %v", err)
	}
	after := now.AddDate(0, 0, 8)
	for _, who := range []string{coordA, arsDir, dcgdrR} { // arsDir: not this session's organiser
		if err := st.RecordAcceleratorReport(ctx, scopes[who], id, sid, report, after); !domain.IsNotFound(err) {
			t.Errorf("%s records the report: %v", who, err)
		}
	}
	if err := st.RecordAcceleratorReport(ctx, scopes[referen], id, sid, report, after); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordAcceleratorReport(ctx, scopes[referen], id, sid, "encore", after); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second report: %v", err)
	}
	list, _ = st.AcceleratorSessions(ctx, scopes[coordA], id)
	if list[0].Report != report || list[0].ReportAt == nil {
		t.Fatalf("report not kept: %+v", list[0])
	}
	if _, err := st.ProcessAuditNotifications(ctx, "http://x", 100, after); err != nil {
		t.Fatal(err)
	}
	var title, body string
	if err := pgtest.Owner(t, st).QueryRow(ctx, `SELECT n.title, n.body FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE u.email = 'cpts.test.ain@test.portail-aci.fr' AND n.dossier_id = $1 ORDER BY n.id DESC LIMIT 1`, id).Scan(&title, &body); err != nil {
		t.Fatal(err)
	}
	if title != "Le compte rendu de votre séance accélérateur vous a été envoyé" || !strings.Contains(body, report) {
		t.Fatalf("notification %q %q", title, body)
	}
	mails := pgtest.Outbox(t, st, "cpts.test.ain@test.portail-aci.fr", 100)
	found := false
	for _, m := range mails {
		found = found || strings.Contains(m.Body, report)
	}
	if !found {
		t.Fatal("the report is not in the project leader's e-mail")
	}
	var audits int
	pgtest.Owner(t, st).QueryRow(ctx, `SELECT count(*) FROM dossier_audit WHERE dossier_id = $1 AND transition IN ('seance_accelerateur', 'compte_rendu_accelerateur')`, id).Scan(&audits)
	if audits != 3 {
		t.Fatalf("audit rows %d, want 3", audits)
	}
}
