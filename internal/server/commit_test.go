package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// failSessionSaves makes every save of a session fail (a trigger on the
// sessions table: reads still work, so a request loads its session and runs,
// and the save after it fails) until the returned function is called.
func (e *env) failSessionSaves(t *testing.T) (restore func()) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE FUNCTION test_fail_session_save() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN RAISE EXCEPTION 'session store unavailable (test)'; END $$`,
		`CREATE TRIGGER test_fail_session_save BEFORE INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION test_fail_session_save()`,
	} {
		if _, err := pgtest.Owner(t, e.st).Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		t.Helper()
		if _, err := pgtest.Owner(t, e.st).Exec(ctx, `DROP TRIGGER test_fail_session_save ON sessions; DROP FUNCTION test_fail_session_save()`); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCommittedWriteIsNeverAnError: the session store fails after the
// member's transaction committed (the flash cannot be saved): the answer is
// still the 303 of a saved member, not an error page that would make the
// user post again; and the same form posted again (its idempotency key)
// stores nothing more.
func TestCommittedWriteIsNeverAnError(t *testing.T) {
	e := newEnv(t)
	val := e.structureID(seed.ValDeDemo)
	base := "/structures/" + strconv.FormatInt(val, 10) + "/membres"
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	form := formOf(c.get(base+"/nouveau").doc(t), "form.card")
	if form.Get("idem") == "" {
		t.Fatal("the member form has no idempotency key")
	}
	form.Set("last_name", "Idempotente")
	form.Set("first_name", "Claire")
	form.Set("profession", "infirmier")
	form.Set("mode", "liberal")
	form.Set("commune_code", "01053")
	members := `SELECT count(*) FROM members WHERE structure_id = $1 AND last_name = 'Idempotente'`
	restore := e.failSessionSaves(t)
	r := c.post(base+"/nouveau", form)
	restore()
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("session store failing after the commit: status %d, want 303", r.StatusCode)
	}
	if n := e.count(t, members, val); n != 1 {
		t.Fatalf("%d members stored, want 1", n)
	}
	// The user, unsure, sends the same form again.
	if r := c.post(base+"/nouveau", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("replay: status %d, want 303\n%s", r.StatusCode, r.body)
	}
	if n := e.count(t, members, val); n != 1 {
		t.Fatalf("after the replay %d members stored, want 1", n)
	}
	// A new form (a new key) is a new creation, refused as a duplicate.
	form2 := formOf(c.get(base+"/nouveau").doc(t), "form.card")
	for k, v := range form {
		if k != "idem" {
			form2[k] = v
		}
	}
	if r := c.post(base+"/nouveau", form2); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a second form for the same person: %d, want 422", r.StatusCode)
	}
}

// TestCreationFormsReplayedCreateOnce: each creation form posted twice with
// the same key (a double click, a retry after a lost answer) creates one
// record and answers the same redirect twice.
func TestCreationFormsReplayedCreateOnce(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn("coordinateur@demo.portail-aci.fr")
	twice := func(path string, form url.Values) string {
		t.Helper()
		r1 := c.post(path, form)
		r2 := c.post(path, form)
		if r1.StatusCode != http.StatusSeeOther || r2.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: statuses %d, %d, want 303 twice\n%s", path, r1.StatusCode, r2.StatusCode, r2.body)
		}
		if l1, l2 := r1.Header.Get("Location"), r2.Header.Get("Location"); l1 != l2 {
			t.Fatalf("%s: redirects %s then %s", path, l1, l2)
		}
		return r1.Header.Get("Location")
	}

	// A structure (the coordinator then acts for it).
	sf := formOf(c.get("/structures/nouvelle").doc(t), "form.card")
	if sf.Get("idem") == "" {
		t.Fatal("the structure form has no idempotency key")
	}
	sf.Set("type", "MSP")
	sf.Set("name", "MSP du double clic")
	sf.Set("departement", "01")
	twice("/structures/nouvelle", sf)
	if n := e.count(t, `SELECT count(*) FROM organisations WHERE name = 'MSP du double clic'`); n != 1 {
		t.Fatalf("%d structures", n)
	}
	sid := e.structureID("MSP du double clic")

	// Its dossier.
	df := formOf(c.get("/dossiers").doc(t), `form[action="/dossiers"][method=post]`)
	if df.Get("idem") == "" {
		t.Fatal("the dossier creation form has no idempotency key")
	}
	loc := twice("/dossiers", df)
	if n := e.count(t, `SELECT count(*) FROM dossiers WHERE structure_id = $1`, sid); n != 1 {
		t.Fatalf("%d dossiers", n)
	}

	// A message with an attachment-free body, in its thread.
	mf := formOf(c.get(loc+"/messages").doc(t), `[data-testid=message-form]`)
	if mf.Get("idem") == "" {
		t.Fatal("the message form has no idempotency key")
	}
	mf.Set("body", "Un message envoyé deux fois")
	twice(loc+"/messages", mf)
	if n := e.count(t, `SELECT count(*) FROM messages m JOIN dossiers d ON d.id = m.dossier_id WHERE d.structure_id = $1`, sid); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

// TestCrisisDeclaredTwiceWithTheSameFormIsOne: a double submit of the crisis
// form (same idempotency key) declares one crisis and answers the same
// redirect (docs/rules.md §31, §33).
func TestCrisisDeclaredTwiceWithTheSameFormIsOne(t *testing.T) {
	e := newEnv(t)
	ars := e.loggedIn("ars@demo.portail-aci.fr")
	f := formOf(ars.get("/crises").doc(t), `[data-testid=crisis-form]`)
	if f.Get("idem") == "" {
		t.Fatal("the crisis form has no idempotency key")
	}
	today := domain.DateOf(time.Now())
	f.Set("name", "Crise déclarée deux fois")
	f.Set("start", today.French())
	f.Set("end", today.AddDays(14).French())
	f.Set("departements", "01")
	r1, r2 := ars.post("/crises", f), ars.post("/crises", f)
	if r1.StatusCode != http.StatusSeeOther || r2.StatusCode != http.StatusSeeOther {
		t.Fatalf("statuses %d, %d, want 303 twice\n%s", r1.StatusCode, r2.StatusCode, r2.body)
	}
	if l1, l2 := r1.Header.Get("Location"), r2.Header.Get("Location"); l1 != l2 {
		t.Fatalf("redirects %s then %s", l1, l2)
	}
	if n := e.count(t, `SELECT count(*) FROM crises WHERE name = 'Crise déclarée deux fois'`); n != 1 {
		t.Fatalf("%d crises", n)
	}
}
