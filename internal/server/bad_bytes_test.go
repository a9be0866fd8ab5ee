package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// postRaw sends a same-origin urlencoded body as is (url.Values would
// percent-encode it: the bytes reach the server decoded either way).
func (c *client) postRaw(path, body string) resp {
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func wantBadBytes(t *testing.T, what string, r resp) {
	t.Helper()
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "caractères invalides") {
		t.Errorf("%s: status %d, want 400 with the French message\n%.300s", what, r.StatusCode, r.body)
	}
}

// A NUL byte or invalid UTF-8 in a query parameter or a form field (also a
// multipart text field) is refused with 400 and a French page on every route.
func TestBadBytesRefused(t *testing.T) {
	e := newEnv(t)
	coord := e.loggedIn(coordVal)
	ref := e.loggedIn(ctReferentA)
	admin := e.loggedIn(adminEmail)
	nord := e.loggedIn(ctCpamNord)
	val := e.demoDossierID(seed.ValDeDemo)
	lille := e.demoDossierID(seed.MSPLille)
	valOrg := e.regID(seed.ValDeDemo)
	var lc int64
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT id FROM contracts WHERE dossier_id = $1`, lille).Scan(&lc); err != nil {
		t.Fatal(err)
	}
	lilleContract := strconv.FormatInt(lc, 10)

	for _, tc := range []struct {
		c    *client
		path string
	}{
		{coord, "/structures?q=%00"},
		{coord, "/structures?q=%ff"},
		{ref, "/dossiers?q=%ff"},
		{ref, "/dossiers?q=%00"},
		{ref, "/instruction?q=%00"},
		{ref, "/structures/export.csv?q=%00"},
		{ref, "/structures/export.csv?departement=%c3%28"},
		{admin, "/admin/utilisateurs?q=%00"},
		{admin, "/admin/utilisateurs?q=%ff"},
		{coord, "/structures/" + valOrg + "/territoire?q=%00"},
		{coord, "/simulateur?population=%00"},
		{e.client(), "/login?next=%00"},
	} {
		wantBadBytes(t, "GET "+tc.path, tc.c.get(tc.path))
	}

	for _, tc := range []struct {
		c          *client
		path, body string
	}{
		{coord, "/structures/nouvelle", "type=MSP&name=MSP%00Nul&departement=01&siret=73282932000074"},
		{coord, "/structures/" + valOrg + "/modifier", "name=Val%00&version=1"},
		{coord, "/structures/" + valOrg + "/territoire/communes", "code=01244%00&version=1"},
		{coord, "/structures/" + valOrg + "/territoire/communes?q=%00", "code=01244&version=1"},
		{coord, dpath(val, "/contenu/projet"), "text=diag%00nostic&version=1"},
		{coord, dpath(val, "/contenu/projet"), "text=diag%ffnostic&version=1"},
		{coord, dpath(val, "/messages"), "body=Bonjour%00"},
		{ref, dpath(val, "/transitions"), "transition=demander_complements&motivation=x%00y&seen=en_instruction"},
		{nord, "/contrats/" + lilleContract + "/avenants", "object=Avenant%00&version=1"},
		{nord, "/contrats/" + lilleContract + "/avenants", "object=Avenant%fe&version=1"},
		{admin, "/admin/utilisateurs/nouveau", "name=Nul%00&email=nul@ex.fr&role=referent"},
		{coord, "/compte", "email_mode=immediat%00"},
	} {
		wantBadBytes(t, "POST "+tc.path+" "+tc.body, tc.c.postRaw(tc.path, tc.body))
	}

	// Multipart: text fields are checked, file contents are not.
	wantBadBytes(t, "multipart message body", coord.postMultipart(dpath(val, "/messages"),
		map[string]string{"body": "Bonjour\x00"}, "", "", nil))
	r := coord.postMultipart(dpath(val, "/messages"), map[string]string{"body": "Pièce jointe binaire"},
		"attachment", "note.pdf", []byte("%PDF-1.4\n%\x00\xff\xfe binaire\n1 0 obj<<>>endobj\ntrailer\n<<>>\n%%EOF\n"))
	if r.StatusCode == http.StatusBadRequest && strings.Contains(r.body, "caractères invalides") {
		t.Errorf("binary file contents refused as bad bytes")
	}
}

// Names refuse control and bidi-override characters with a French message
// at the field; versions beyond int32 are refused cleanly, never 500.
func TestNamesAndVersionsRefusedCleanly(t *testing.T) {
	e := newEnv(t)
	coord := e.loggedIn(coordVal)
	coordB := e.loggedIn(ctMontsCoord)
	admin := e.loggedIn(adminEmail)
	valOrg := e.regID(seed.ValDeDemo)
	montsOrg := e.regID(seed.MontsDeDemo)
	cpam := e.orgID(t, "cpam", "CPAM de l'Ain")

	for _, tc := range []struct {
		name  string
		c     *client
		path  string
		form  url.Values
		field string
	}{
		{"structure bidi", coord, "/structures/nouvelle", url.Values{"type": {"ESP"}, "name": {"ESP \u202egnp.exe"}, "departement": {"01"}}, "name"},
		{"structure isolate", coord, "/structures/nouvelle", url.Values{"type": {"ESP"}, "name": {"ESP \u2067x"}, "departement": {"01"}}, "name"},
		{"structure control", coord, "/structures/nouvelle", url.Values{"type": {"ESP"}, "name": {"ESP \u0007 bip"}, "departement": {"01"}}, "name"},
		{"member control", coordB, "/structures/" + montsOrg + "/membres/nouveau", url.Values{"last_name": {"Dupont\u001b[31m"}, "first_name": {"Ana"},
			"profession": {"orthophoniste"}, "mode": {"liberal"}, "commune_code": {"01004"}}, "last_name"},
		{"member bidi", coordB, "/structures/" + montsOrg + "/membres/nouveau", url.Values{"last_name": {"Dupont"}, "first_name": {"A\u202dna"},
			"profession": {"orthophoniste"}, "mode": {"liberal"}, "commune_code": {"01004"}}, "first_name"},
		{"user bidi", admin, "/admin/utilisateurs/nouveau", url.Values{"name": {"Paul \u202e"}, "email": {"paul@ex.fr"}, "org_id": {cpam}, "role": {"referent"}}, "name"},
	} {
		r := tc.c.post(tc.path, tc.form)
		field := r.doc(t).Find(`[data-testid=field-` + tc.field + `]`)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(field.Find(".error-msg").Text(), "caractère") {
			t.Errorf("%s: status %d, field %q", tc.name, r.StatusCode, field.Text())
		}
	}

	val := e.demoDossierID(seed.ValDeDemo)
	e.setState(val, "brouillon")
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/structures/" + valOrg + "/modifier", url.Values{"name": {"Val"}, "departement": {"01"}, "version": {"99999999999"}}},
		{"/structures/" + valOrg + "/territoire/communes", url.Values{"code": {"01244"}, "version": {"9999999999"}}},
		{dpath(val, "/contenu/projet"), url.Values{"text": {"x"}, "version": {"9999999999"}}},
		{dpath(val, "/contenu/projet"), url.Values{"text": {"x"}, "version": {"-9999999999"}}},
	} {
		r := coord.post(tc.path, tc.form)
		if r.StatusCode >= 500 || r.StatusCode == http.StatusSeeOther {
			t.Errorf("%s version %s: status %d", tc.path, tc.form.Get("version"), r.StatusCode)
		}
	}
	// Archiving with a version beyond int32 is refused as stale (flash and
	// back to the page): the structure stays.
	if r := coord.post("/structures/"+valOrg+"/archiver", url.Values{"confirm": {"1"}, "version": {"4294967297"}}); r.StatusCode >= 500 {
		t.Errorf("archive with a huge version: %d", r.StatusCode)
	}
	var archived bool
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT archived_at IS NOT NULL FROM organisations WHERE id = $1`, valOrg).Scan(&archived); err != nil || archived {
		t.Errorf("archived with a huge version: %v %v", archived, err)
	}
	// Path version numbers (document versions) beyond int32: 404, never 500.
	doc := e.dossierOf(seed.ValDeDemo)
	var docID string
	if err := pgtest.Owner(t, e.st).QueryRow(context.Background(), `SELECT id::text FROM documents WHERE dossier_id = $1 LIMIT 1`, doc).Scan(&docID); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"2147483648", "99999999999", "1e3"} {
		if r := coord.get("/dossiers/" + doc + "/documents/" + docID + "/versions/" + n); r.StatusCode != http.StatusNotFound {
			t.Errorf("document version %s: status %d", n, r.StatusCode)
		}
	}
}
