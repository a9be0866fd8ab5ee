package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store"
)

const (
	arsAura  = "ars@demo.portail-aci.fr"
	cpamNord = "cpam.nord@demo.portail-aci.fr"
)

// kill -9 of aci serve in the middle of a burst of workflow transitions,
// payment orders, evaluation questions (dialogue de gestion) and messages, then a restart on the same database: every
// write the server acknowledged is there, no act is half applied (a
// transition without its audit row, an ordered payment without its
// ordonnancement row, a dossier whose state is not its last audit row's),
// and `aci audit verify` finds the chain intact (docs/rules.md §39).
func TestKill9DuringABurstLosesNoAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	dbURL, fixURL := demoDatabase(t)
	ctx := context.Background()
	conn := connectFixture(t, fixURL)
	defer conn.Close(ctx)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The Val de Démo lettre d'intention goes back and forth between the
	// ARS (renvoyer) and the coordinator (déposer).
	val := demoDossier(t, fixURL, seed.ValDeDemo)
	exec(`UPDATE dossiers SET state = 'lettre_intention_deposee' WHERE id = $1`, val)
	// Every structure may be paid (SISA, FINESS): the payments the CPAM Nord
	// sees are orderable as far as their own state goes.
	exec(`UPDATE organisations SET legal_form = 'sisa', finess = coalesce(finess, lpad((590000000 + id)::text, 9, '0'))
		WHERE kind = 'structure'`)
	rows, err := conn.Query(ctx, `SELECT id FROM payments WHERE status = 'prevu' ORDER BY due_on, id`)
	if err != nil {
		t.Fatal(err)
	}
	payments, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(payments) == 0 {
		t.Fatalf("payments to order: %v %v", payments, err)
	}
	var lilleContract int64
	if err := conn.QueryRow(ctx, `SELECT c.id FROM contracts c JOIN organisations o ON o.id = c.structure_id
		WHERE o.name = $1 AND c.state = 'actif'`, seed.MSPLille).Scan(&lilleContract); err != nil {
		t.Fatalf("contract of %s: %v", seed.MSPLille, err)
	}
	transitions := []string{string(workflow.DeposerLettreIntention), string(workflow.RenvoyerLettreIntention)}
	auditBefore := count(`SELECT count(*) FROM dossier_audit WHERE dossier_id = $1 AND transition = ANY($2)`, val, transitions)
	orderedBefore := count(`SELECT count(*) FROM payments WHERE ordered_on IS NOT NULL`)
	orderRowsBefore := count(`SELECT count(*) FROM dossier_audit WHERE transition = $1`, string(store.TransitionOrdonnancement))

	srv := startServe(t, dbURL, nil)
	ars, coord, cpam, poster, evaluator := newWebClient(srv.base), newWebClient(srv.base), newWebClient(srv.base), newWebClient(srv.base), newWebClient(srv.base)
	ars.login(t, arsAura)
	coord.login(t, coordVal)
	cpam.login(t, cpamNord)
	poster.login(t, coordVal)
	evaluator.login(t, "msp@demo.portail-aci.fr")
	dossierPath := "/dossiers/" + strconv.FormatInt(val, 10)
	// The evaluation act of the burst: the MSP's questions for the
	// dialogue de gestion of a year of the Lille contract (an MSP's years
	// are civil years: the first one that takes a question).
	yearPath := ""
	for n := time.Now().Year() - 2; n <= time.Now().Year() && yearPath == ""; n++ {
		p := "/contrats/" + strconv.FormatInt(lilleContract, 10) + "/annees/" + strconv.Itoa(n)
		if a, err := evaluator.post(p+"/dialogue/preparation", url.Values{"question": {"Question préalable"}}); err == nil && a.status == http.StatusSeeOther {
			yearPath = p
		}
	}
	if yearPath == "" {
		t.Fatal("no year of the Lille contract takes a question")
	}

	var trAcked, msgAcked, payAcked, evalAcked acks
	var wg sync.WaitGroup
	stop := make(chan struct{})
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	var bad sync.Map // unexpected answers while the server was up
	wg.Add(4)
	go func() { // evaluations: questions for the dialogue de gestion
		defer wg.Done()
		for i := 0; !stopped(); i++ {
			q := fmt.Sprintf("Question de la rafale %d", i)
			a, err := evaluator.post(yearPath+"/dialogue/preparation", url.Values{"question": {q}})
			if err != nil {
				return
			}
			if a.status != http.StatusSeeOther {
				bad.Store("evaluation", fmt.Sprintf("%d\n%s", a.status, a.body))
				return
			}
			evalAcked.add(q)
		}
	}()
	go func() { // transitions, one after the other
		defer wg.Done()
		for i := 0; !stopped(); i++ {
			c, form := ars, url.Values{"transition": {transitions[1]}, "seen": {string(workflow.LettreIntentionDeposee)},
				"motivation": {fmt.Sprintf("Renvoi %d : à reprendre", i)}}
			if i%2 == 1 {
				c, form = coord, url.Values{"transition": {transitions[0]}, "seen": {string(workflow.Brouillon)}}
			}
			a, err := c.post(dossierPath+"/transitions", form)
			if err != nil {
				return // the server is gone
			}
			if a.status != http.StatusSeeOther {
				bad.Store("transition", fmt.Sprintf("%s: %d\n%s", form.Get("transition"), a.status, a.body))
				return
			}
			trAcked.add(form.Get("transition"))
		}
	}()
	go func() { // payment orders
		defer wg.Done()
		for _, id := range payments {
			if stopped() {
				return
			}
			path := "/paiements/" + strconv.FormatInt(id, 10) + "/ordonnancer"
			a, err := cpam.post(path, nil)
			if err != nil {
				return
			}
			if a.status == http.StatusNotFound {
				continue // not the CPAM Nord's
			}
			if a.status != http.StatusSeeOther {
				bad.Store("payment", fmt.Sprintf("%s: %d\n%s", path, a.status, a.body))
				return
			}
			// The outcome is in the flash of the page it goes back to.
			p, err := cpam.get(a.location)
			if err != nil {
				return
			}
			if strings.Contains(p.body, `class="notice ok"`) && strings.Contains(p.body, "ordonnancé") {
				payAcked.add(strconv.FormatInt(id, 10))
			}
		}
	}()
	go func() { // messages
		defer wg.Done()
		for i := 0; !stopped(); i++ {
			body := fmt.Sprintf("Message de la rafale %d", i)
			a, err := poster.post(dossierPath+"/messages", url.Values{"body": {body}})
			if err != nil {
				return
			}
			if a.status != http.StatusSeeOther {
				bad.Store("message", fmt.Sprintf("%d\n%s", a.status, a.body))
				return
			}
			msgAcked.add(body)
		}
	}()
	// Kill once each kind of act has been acknowledged a few times.
	for end := time.Now().Add(40 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if len(trAcked.all()) >= 6 && len(payAcked.all()) >= 2 && len(msgAcked.all()) >= 6 && len(evalAcked.all()) >= 6 {
			break
		}
	}
	srv.kill9()
	close(stop)
	wg.Wait()
	bad.Range(func(k, v any) bool { t.Errorf("%s while the server was up: %s", k, v); return true })
	tr, pay, msg, ev := trAcked.all(), payAcked.all(), msgAcked.all(), evalAcked.all()
	if len(tr) < 6 || len(pay) < 2 || len(msg) < 6 || len(ev) < 6 {
		t.Fatalf("the burst acknowledged too little before the kill: %d transitions, %d orders, %d messages, %d questions", len(tr), len(pay), len(msg), len(ev))
	}

	// Restart on the same database.
	srv = startServe(t, dbURL, nil)

	// Transitions: each acknowledged one has its audit row — at most one more
	// (committed, killed before its answer) — and the dossier is in the
	// state of its last audit row.
	got := count(`SELECT count(*) FROM dossier_audit WHERE dossier_id = $1 AND transition = ANY($2)`, val, transitions) - auditBefore
	if got < len(tr) || got > len(tr)+1 {
		t.Fatalf("%d transitions acknowledged, %d audit rows", len(tr), got)
	}
	var state, last string
	if err := conn.QueryRow(ctx, `SELECT d.state, a.to_state FROM dossiers d
		JOIN LATERAL (SELECT to_state FROM dossier_audit WHERE dossier_id = d.id ORDER BY seq DESC LIMIT 1) a ON true
		WHERE d.id = $1`, val).Scan(&state, &last); err != nil || state != last {
		t.Fatalf("dossier state %q, last audit row to %q: %v", state, last, err)
	}
	// Payment orders: each acknowledged one is ordered; every ordered
	// payment has its one ordonnancement row.
	for _, id := range pay {
		if n := count(`SELECT count(*) FROM payments WHERE id = $1 AND status = 'ordonnance' AND ordered_on IS NOT NULL`, id); n != 1 {
			t.Fatalf("acknowledged order of payment %s is not in the database", id)
		}
	}
	ordered := count(`SELECT count(*) FROM payments WHERE ordered_on IS NOT NULL`) - orderedBefore
	orderRows := count(`SELECT count(*) FROM dossier_audit WHERE transition = $1`, string(store.TransitionOrdonnancement)) - orderRowsBefore
	if ordered != orderRows || ordered < len(pay) {
		t.Fatalf("%d payments ordered, %d ordonnancement audit rows, %d acknowledged", ordered, orderRows, len(pay))
	}
	if n := count(`SELECT count(*) FROM payments p WHERE p.ordered_on IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM dossier_audit a WHERE a.dossier_id = p.dossier_id AND a.transition = $1
			AND a.motivation LIKE 'Paiement n° ' || p.seq || ' (%')`, string(store.TransitionOrdonnancement)); n != 0 {
		t.Fatalf("%d ordered payments without their audit row", n)
	}
	// Messages: each acknowledged one is there once.
	for _, body := range msg {
		if n := count(`SELECT count(*) FROM messages WHERE dossier_id = $1 AND body = $2`, val, body); n != 1 {
			t.Fatalf("acknowledged message %q: %d in the database", body, n)
		}
	}
	// Evaluation questions: each acknowledged one is there once.
	for _, q := range ev {
		if n := count(`SELECT count(*) FROM year_questions WHERE contract_id = $1 AND body = $2`, lilleContract, q); n != 1 {
			t.Fatalf("acknowledged question %q: %d in the database", q, n)
		}
	}
	// The audit chain is intact.
	out, stderr, err := runArgs(t, map[string]string{"DATABASE_URL": dbURL}, "audit", "verify")
	if err != nil || !strings.Contains(out, "chaîne d'audit intacte") {
		t.Fatalf("aci audit verify after the kill: %v\n%s%s", err, out, stderr)
	}
	// The restarted server carries on: the next transition goes through.
	next := newWebClient(srv.base)
	form := url.Values{"transition": {transitions[1]}, "seen": {state}, "motivation": {"Après la reprise"}}
	c := next
	if state == string(workflow.Brouillon) {
		form = url.Values{"transition": {transitions[0]}, "seen": {state}}
		c.login(t, coordVal)
	} else {
		c.login(t, arsAura)
	}
	if a, err := c.post(dossierPath+"/transitions", form); err != nil || a.status != http.StatusSeeOther {
		t.Fatalf("transition after the restart: %d %v\n%s", a.status, err, a.body)
	}
	t.Logf("acknowledged before kill -9: %d transitions (%d audit rows), %d payment orders (%d ordered), %d messages, %d evaluation questions",
		len(tr), got, len(pay), ordered, len(msg), len(ev))
}
