package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// When the ARS sends the lettre d'intention or the projet de santé back, or
// the CPAM asks for complements, the structure reads the reason in the
// « Prochaine étape » box (not only in the history), and in its notification
// and e-mail.
func TestNextStepShowsWhySentBack(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	monts := e.demoDossierID(seed.MontsDeDemo)
	val := e.demoDossierID(seed.ValDeDemo)
	ars := e.loggedIn(ctArsARA)
	reason := func(c *client, id int64) string {
		t.Helper()
		return strings.TrimSpace(c.get(dpath(id, "")).doc(t).Find(`[data-testid="next-step"] [data-testid="next-step-reason"]`).Text())
	}
	coordB := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	if got := reason(coordB, monts); got != "" {
		t.Fatalf("reason before any send-back: %q", got)
	}

	// Projet de santé sent back by the ARS.
	const projetWhy = "Le diagnostic territorial ne couvre pas les communes du nord du territoire."
	if r := ars.post(dpath(monts, "/transitions"), url.Values{"transition": {"demander_completion_projet_sante"}, "seen": {"projet_sante_depose"},
		"motivation": {projetWhy}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("demander_completion_projet_sante: %d\n%s", r.StatusCode, r.body)
	}
	if got := reason(coordB, monts); !strings.Contains(got, "Motif de l'ARS") || !strings.Contains(got, projetWhy) {
		t.Fatalf("projet de santé: next step %q", got)
	}

	// Lettre d'intention sent back by the ARS.
	e.setState(monts, "lettre_intention_deposee")
	const lettreWhy = "Précisez les communes du territoire et les professionnels déjà engagés."
	if r := ars.post(dpath(monts, "/transitions"), url.Values{"transition": {"renvoyer_lettre_intention"}, "seen": {"lettre_intention_deposee"},
		"motivation": {lettreWhy}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("renvoyer_lettre_intention: %d\n%s", r.StatusCode, r.body)
	}
	if got := reason(coordB, monts); !strings.Contains(got, lettreWhy) || strings.Contains(got, projetWhy) {
		t.Fatalf("lettre: next step %q", got)
	}

	// Complements asked by the CPAM: the request is in the box.
	const compWhy = "Les statuts signés par le bureau de l'association."
	ref := e.loggedIn(ctReferentA)
	if r := ref.post(dpath(val, "/complements"), url.Values{"complement_target": {"doc:statuts"}, "complement_text": {compWhy}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("complement: %d\n%s", r.StatusCode, r.body)
	}
	coord := e.loggedIn(ctValCoord)
	d := coord.get(dpath(val, "")).doc(t)
	if got := d.Find(`[data-testid="next-step"]`).Text(); !strings.Contains(got, "Motif de la CPAM") || !strings.Contains(got, compWhy) {
		t.Fatalf("complements: next step %q", got)
	}
	if got := d.Find(`[data-testid="next-step-requests"] li`).Text(); !strings.Contains(got, "Pièce : statuts") {
		t.Fatalf("open requests in the box: %q", got)
	}

	// Notifications and e-mails carry the reasons.
	if _, err := e.st.ProcessAuditNotifications(ctx, "http://portail.test", 100, *e.clock); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ email, why string }{
		{"coordinateur.b@demo.portail-aci.fr", projetWhy},
		{"coordinateur.b@demo.portail-aci.fr", lettreWhy},
		{ctValCoord, compWhy},
	} {
		var n, m int
		if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT
			(SELECT count(*) FROM notifications x JOIN users u ON u.id = x.user_id WHERE u.email = $1 AND x.body LIKE '%' || $2 || '%'),
			(SELECT count(*) FROM outbox WHERE to_email = $1 AND body LIKE '%' || $2 || '%')`, c.email, c.why).Scan(&n, &m); err != nil {
			t.Fatal(err)
		}
		if n != 1 || m != 1 {
			t.Errorf("%s: %d notifications, %d e-mails with %q", c.email, n, m, c.why)
		}
	}
}
