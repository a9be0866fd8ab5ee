package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// demoDossier returns the id of the Val de Démo (Ain) dossier, creating it
// when the demo seed has none.
func demoDossier(t *testing.T, e *env) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := e.st.UserByEmail(ctx, "coordinateur@demo.portail-aci.fr")
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := e.st.Memberships(ctx, u.ID)
	sc, err := e.st.ScopeFor(ctx, u.ID, ms[0].OrgID)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT id FROM dossiers WHERE structure_id = $1 AND state <> 'refusee'`, sc.OrgID).Scan(&id); err == nil {
		return id
	}
	id, err = e.st.CreateDossier(ctx, sc, sc.OrgID, e.now)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMessagesPage(t *testing.T) {
	e := newEnv(t)
	id := demoDossier(t, e)
	path := "/dossiers/" + strconv.FormatInt(id, 10) + "/messages"
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	ref := e.loggedIn("referent@demo.portail-aci.fr")

	// Structure writes a message with HTML: it is shown as text.
	r := coord.post(path, url.Values{"body": {"Bonjour <script>alert(1)</script>\nligne 2"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("post: %d %s", r.StatusCode, r.body)
	}
	// A structure cannot write an internal note.
	if r := coord.post(path, url.Values{"body": {"x"}, "internal": {"1"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("structure internal note: %d", r.StatusCode)
	}
	// Empty body: error next to the field.
	if r := ref.post(path, url.Values{"body": {"  "}}); r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find("#body-error").Length() != 1 {
		t.Errorf("empty body: %d", r.StatusCode)
	}
	if r := ref.post(path, url.Values{"body": {"Note pour l'ARS"}, "internal": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("internal note: %d", r.StatusCode)
	}
	if r := ref.post(path, url.Values{"body": {"Merci, reçu."}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d", r.StatusCode)
	}
	// The structure's badge counts the referent's reply (message +
	// notification) before it opens the thread.
	home := coord.get("/notifications")
	if b := home.doc(t).Find("[data-testid=unread]").Text(); b == "" || b == "0" {
		t.Errorf("no unread badge for the structure: %q", b)
	}

	page := coord.get(path)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("get: %d", page.StatusCode)
	}
	if strings.Contains(page.body, "<script>alert") || !strings.Contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("message body not escaped")
	}
	doc := page.doc(t)
	if n := doc.Find("[data-testid=message]").Length(); n != 2 {
		t.Errorf("structure sees %d messages, want 2 (internal note hidden)", n)
	}
	if strings.Contains(page.body, "Note pour l'ARS") || doc.Find("#internal").Length() != 0 {
		t.Error("internal note or its checkbox shown to the structure")
	}
	// Viewing marks nothing read (a GET commits nothing): the page offers
	// the button, which does.
	coordScope := scopeOf(t, e, "coordinateur@demo.portail-aci.fr")
	if n, _ := e.st.UnreadMessages(context.Background(), coordScope, id); n != 1 {
		t.Errorf("after view: %d unread messages, want 1 (the reply)", n)
	}
	if doc.Find("[data-testid=mark-read]").Length() != 1 {
		t.Error("no mark-read button on a thread with an unread reply")
	}
	if r := coord.post(path+"/lu", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark read: %d", r.StatusCode)
	}
	if n, _ := e.st.UnreadMessages(context.Background(), coordScope, id); n != 0 {
		t.Errorf("after mark read: %d unread messages", n)
	}
	if coord.get(path).doc(t).Find("[data-testid=mark-read]").Length() != 0 {
		t.Error("mark-read button still shown on a read thread")
	}
	refDoc := ref.get(path).doc(t)
	if n := refDoc.Find("[data-testid=message]").Length(); n != 3 || refDoc.Find("[data-testid=internal-badge]").Length() != 1 || refDoc.Find("#internal").Length() != 1 {
		t.Errorf("referent sees %d messages", n)
	}
	// Outside the scope: 404 for the page, the post and the notifications' owner.
	other := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	if r := other.get(path); r.StatusCode != http.StatusNotFound {
		t.Errorf("other structure: %d", r.StatusCode)
	}
	if r := other.post(path, url.Values{"body": {"intrus"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("other structure post: %d", r.StatusCode)
	}
}

func scopeOf(t *testing.T, e *env, email string) store.Scope {
	t.Helper()
	ctx := context.Background()
	u, _ := e.st.UserByEmail(ctx, email)
	ms, _ := e.st.Memberships(ctx, u.ID)
	sc, err := e.st.ScopeFor(ctx, u.ID, ms[0].OrgID)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestNotificationsPageAndAccount(t *testing.T) {
	e := newEnv(t)
	id := demoDossier(t, e)
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	if r := coord.post("/dossiers/"+strconv.FormatInt(id, 10)+"/messages", url.Values{"body": {"Question sur le territoire"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("post: %d", r.StatusCode)
	}
	ars := e.loggedIn("ars@demo.portail-aci.fr")
	doc := ars.get("/notifications").doc(t)
	items := doc.Find("[data-testid=notification]")
	if items.Length() == 0 || items.Find("[data-testid=unread-mark]").Length() == 0 {
		t.Fatalf("ARS notifications: %d", items.Length())
	}
	// Another user cannot open the ARS's notification.
	action, _ := items.First().Find("form").Attr("action")
	if r := e.loggedIn("coordinateur.b@demo.portail-aci.fr").post(action, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("foreign notification: %d", r.StatusCode)
	}
	if r := ars.post(action, nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/dossiers/") {
		t.Errorf("open: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := ars.post("/notifications/lire", nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("mark all: %d", r.StatusCode)
	}
	if n := ars.get("/notifications").doc(t).Find("[data-testid=unread-mark]").Length(); n != 0 {
		t.Errorf("%d still unread", n)
	}
	// E-mail preference.
	if r := ars.post("/compte", url.Values{"email_mode": {"digest"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("compte: %d", r.StatusCode)
	}
	if u, _ := e.st.UserByEmail(context.Background(), "ars@demo.portail-aci.fr"); u.EmailMode != "digest" {
		t.Errorf("mode = %s", u.EmailMode)
	}
	if r := ars.post("/compte", url.Values{"email_mode": {"jamais"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad mode: %d", r.StatusCode)
	}
	if _, ok := ars.get("/compte").doc(t).Find("#mode-digest").Attr("checked"); !ok {
		t.Error("digest not checked")
	}
}
