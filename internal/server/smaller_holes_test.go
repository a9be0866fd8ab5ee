package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/config"
	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/server"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// The page after login is a same-origin path only, whatever a browser would
// make of the rest (a tab or a backslash is dropped or turned into "/").
func TestLoginNextSameOriginOnly(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		next, want string
	}{
		{"/structures?q=val", "/structures?q=val"},
		{"/dossiers/1/contenu#lettre", "/dossiers/1/contenu#lettre"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // an escaped path stays a path
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/x\\..\\\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"https:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{" /structures", "/"},
		{"/structures\u00a0", "/"},
		{"/\u2028/evil.example", "/"},
		{"", "/"},
	} {
		r := e.client().post("/login", url.Values{"email": {ctReferentA}, "password": {seed.DemoPassword}, "next": {tc.next}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != tc.want {
			t.Errorf("next=%q: %d Location %q, want %q", tc.next, r.StatusCode, r.Header.Get("Location"), tc.want)
		}
	}
	// The form keeps only a safe next, too.
	r := e.client().get("/login?next=" + url.QueryEscape("/\t/evil.example"))
	if v, _ := r.doc(t).Find(`input[name=next]`).Attr("value"); v != "/" {
		t.Errorf("login form next %q", v)
	}
}

func TestCSPBaseURINone(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/login", "/nowhere"} {
		if csp := e.client().get(p).Header.Get("Content-Security-Policy"); !strings.Contains(csp, "base-uri 'none'") || strings.Contains(csp, "base-uri 'self'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
}

// A SIRET or FINESS already registered is refused without telling whose it
// is (it may be another tenant's structure).
func TestDuplicateSIRETNamesNoStructure(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := pgtest.Owner(t, e.st).Exec(ctx, `UPDATE organisations SET siret = '73282932000074', finess = '010002723' WHERE name = $1`, seed.MSPLille); err != nil {
		t.Fatal(err)
	}
	c := e.loggedIn(coordVal)
	for _, tc := range []struct{ field, siret, finess string }{
		{"siret", "732 829 320 00074", ""},
		{"finess", "", "010002723"},
	} {
		form := url.Values{"type": {"MSP"}, "name": {"MSP Doublon " + tc.field}, "legal_form": {"sisa"}, "siret": {tc.siret}, "finess": {tc.finess},
			"departement": {"01"}, "address1": {"1 rue du Test"}}
		if tc.siret == "" {
			form.Set("siret", "35600000000048")
		}
		r := c.post("/structures/nouvelle", form)
		d := r.doc(t)
		msg := d.Find(`[data-testid="field-` + tc.field + `"] .error-msg`).Text()
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, "déjà") {
			t.Fatalf("%s duplicate: %d %q", tc.field, r.StatusCode, msg)
		}
		if strings.Contains(r.body, "Lille") {
			t.Errorf("%s duplicate: the page names the other structure", tc.field)
		}
	}
}

// A CPTS member's own structure is an active MSP or ESP of the CPTS's
// territory: its département or one of its communes.
func TestMemberOwnStructureInTerritoryOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.loggedIn(adminEmail)
	// A commune of the Ain outside any territory, and one of the Isère that
	// the Val de Démo's territory is given here.
	var ain, isere string
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT code FROM communes WHERE departement = '01'
		AND code NOT IN (SELECT commune_code FROM territory_communes) ORDER BY code LIMIT 1`).Scan(&ain); err != nil {
		t.Fatal(err)
	}
	if err := pgtest.Owner(t, e.st).QueryRow(ctx, `SELECT code FROM communes WHERE departement = '38'
		AND code NOT IN (SELECT commune_code FROM territory_communes) ORDER BY code LIMIT 1`).Scan(&isere); err != nil {
		t.Fatal(err)
	}
	val := e.regID(seed.ValDeDemo)
	if _, err := pgtest.Owner(t, e.st).Exec(ctx, `INSERT INTO territory_communes (structure_id, commune_code) VALUES ($1, $2)`, val, isere); err != nil {
		t.Fatal(err)
	}
	esp := func(name, dep, commune string) string {
		r := admin.post("/structures/nouvelle", url.Values{"type": {"ESP"}, "name": {name}, "departement": {dep}, "commune_code": {commune}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create %s: %d %s", name, r.StatusCode, r.body)
		}
		return e.regID(name)
	}
	inAin := esp("ESP de l'Ain", "01", ain)
	inIsere := esp("ESP de l'Isère du territoire", "38", isere)
	elsewhere := esp("ESP du Rhône", "69", "")
	archived := esp("ESP archivée de l'Ain", "01", "")
	if _, err := pgtest.Owner(t, e.st).Exec(ctx, `UPDATE organisations SET archived_at = now() WHERE id = $1`, archived); err != nil {
		t.Fatal(err)
	}
	lille := e.regID(seed.MSPLille)

	c := e.loggedIn(coordVal)
	page := c.get("/structures/" + val + "/membres/nouveau").doc(t)
	offered := map[string]bool{}
	for _, id := range []string{inAin, inIsere, elsewhere, archived, lille} {
		offered[id] = page.Find(`select[name=own_structure_id] option[value="`+id+`"]`).Length() == 1
	}
	if !offered[inAin] || !offered[inIsere] || offered[elsewhere] || offered[archived] || offered[lille] {
		t.Errorf("choices offered: %v (ain %s, isère %s, rhône %s, archived %s, lille %s)", offered, inAin, inIsere, elsewhere, archived, lille)
	}
	for i, tc := range []struct {
		id string
		ok bool
	}{
		{inAin, true}, {inIsere, true}, {elsewhere, false}, {archived, false}, {lille, false},
	} {
		r := c.post("/structures/"+val+"/membres/nouveau", url.Values{"last_name": {"Membre" + strconv.Itoa(i)}, "first_name": {"Ana"},
			"profession": {"infirmier"}, "mode": {"liberal"}, "commune_code": {"01004"}, "own_structure_id": {tc.id}})
		if tc.ok && r.StatusCode != http.StatusSeeOther {
			t.Errorf("own structure %s: %d\n%s", tc.id, r.StatusCode, r.doc(t).Find(`[data-testid=error-summary]`).Text())
		}
		if !tc.ok {
			field := r.doc(t).Find(`[data-testid="field-own_structure_id"] .error-msg`).Text()
			if r.StatusCode != http.StatusUnprocessableEntity || field == "" {
				t.Errorf("own structure %s out of territory: %d %q", tc.id, r.StatusCode, field)
			}
			if strings.Contains(r.body, "Lille") || strings.Contains(r.body, "ESP du Rhône") {
				t.Errorf("own structure %s: the refused structure's name is shown", tc.id)
			}
		}
	}
}

// docxOf builds a DOCX whose document part is n bytes of one letter.
func docxOf(t *testing.T, n int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte("<Types/>"))
	w, _ = zw.Create("word/document.xml")
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		w.Write(chunk[:min(left, len(chunk))])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Uploads: a small DOCX expanding to 200 MiB is refused with a French
// message; the structure's storage quota is enforced on documents and
// message attachments.
func TestUploadBombAndStorageQuota(t *testing.T) {
	e := newEnv(t)
	c := e.loggedIn(coordVal)
	id := e.dossierOf(seed.ValDeDemo)
	base := "/dossiers/" + id + "/documents"
	e.setState(e.demoDossierID(seed.ValDeDemo), "brouillon")

	bomb := docxOf(t, 200<<20)
	r := c.postFile(base+"/autre", map[string]string{"title": "Compte rendu"}, "cr.docx", bomb)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "décompressé") {
		t.Fatalf("200 MiB docx: %d (%d bytes sent)", r.StatusCode, len(bomb))
	}

	// The quota: what the structure holds now plus one file and a half, on
	// a server over the same database whose store has that quota.
	pdf := seed.MinimalPDF([]string{"Compte rendu", strings.Repeat("x", 2000)})
	used := e.structureStorage(seed.ValDeDemo)
	q := e.withQuota(used + int64(len(pdf))*3/2)
	c = q.loggedIn(coordVal)
	if r := c.postFile(base+"/autre", map[string]string{"title": "Pièce 1"}, "p1.pdf", pdf); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first upload within the quota: %d\n%s", r.StatusCode, r.body)
	}
	r = c.postFile(base+"/autre", map[string]string{"title": "Pièce 2"}, "p2.pdf", pdf)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "espace de stockage") {
		t.Fatalf("upload beyond the quota: %d", r.StatusCode)
	}
	r = c.postMultipart("/dossiers/"+id+"/messages", map[string]string{"body": "Voici la pièce"}, "attachment", "p2.pdf", pdf)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "espace de stockage") {
		t.Fatalf("attachment beyond the quota: %d", r.StatusCode)
	}
	if got := e.structureStorage(seed.ValDeDemo); got != used+int64(len(pdf)) {
		t.Fatalf("stored %d, want %d", got, used+int64(len(pdf)))
	}
	// Another structure is not held by Val de Démo's use.
	msp := e.withQuota(e.structureStorage(seed.MSPLille) + int64(len(pdf))*3/2).loggedIn(ctMspCoord)
	lille := e.dossierOf(seed.MSPLille)
	if r := msp.postMultipart("/dossiers/"+lille+"/messages", map[string]string{"body": "Pièce"}, "attachment", "p.pdf", pdf); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("other structure within its quota: %d", r.StatusCode)
	}
}

// withQuota is a second test server over e's database and clock whose store
// holds each structure to quota bytes of uploads (store.Options.StorageQuota).
func (e *env) withQuota(quota int64) *env {
	e.t.Helper()
	o := pgtest.Options(func() time.Time { return *e.clock })
	o.StorageQuota = quota
	q := &env{t: e.t, st: store.New(e.st.Pool, o), clock: e.clock}
	cfg, err := config.Parse(func(k string) string { return map[string]string{"ADDR": "127.0.0.1:0", "MFA": "optional"}[k] })
	if err != nil {
		e.t.Fatal(err)
	}
	srv := server.New(cfg, q.st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{Now: func() time.Time { return *e.clock }})
	q.ts = httptest.NewServer(srv)
	e.t.Cleanup(q.ts.Close)
	return q
}

// structureStorage is the bytes of the files uploaded to the dossiers of a
// structure (document versions that were not generated, and attachments).
func (e *env) structureStorage(name string) int64 {
	e.t.Helper()
	var n int64
	if err := pgtest.Owner(e.t, e.st).QueryRow(context.Background(), `SELECT
		coalesce((SELECT sum(f.size) FROM document_versions v JOIN documents x ON x.id = v.document_id
			JOIN stored_files f ON f.id = v.file_id JOIN dossiers d ON d.id = x.dossier_id JOIN organisations o ON o.id = d.structure_id
			WHERE o.name = $1 AND NOT v.generated), 0) +
		coalesce((SELECT sum(a.size) FROM message_attachments a JOIN messages m ON m.id = a.message_id
			JOIN dossiers d ON d.id = m.dossier_id JOIN organisations o ON o.id = d.structure_id WHERE o.name = $1), 0)`, name).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
