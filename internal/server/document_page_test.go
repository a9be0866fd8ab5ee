package server_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portail-aci/aci/internal/seed"
	"github.com/portail-aci/aci/internal/store/pgtest"
)

// postFile sends a same-origin multipart form with one file.
func (c *client) postFile(path string, fields map[string]string, filename string, data []byte) resp {
	return c.postFileLen(path, fields, filename, data, true)
}

// postFileLen is postFile, with or without a Content-Length header (without:
// a chunked body, as a streaming client sends).
func (c *client) postFileLen(path string, fields map[string]string, filename string, data []byte, withLength bool) resp {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write(data)
	}
	mw.Close()
	var body io.Reader = &b
	if !withLength {
		body = io.MultiReader(&b) // not a *bytes.Buffer: no length known
	}
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+path, body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func (e *env) dossierOf(org string) string {
	e.t.Helper()
	var id int64
	if err := pgtest.Owner(e.t, e.st).QueryRow(context.Background(), `SELECT d.id FROM dossiers d JOIN organisations o ON o.id = d.structure_id
		WHERE o.name = $1`, org).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func docCard(d *goquery.Document, code string) *goquery.Selection {
	return d.Find(`[data-testid=document][data-code="` + code + `"]`)
}

func TestDocumentsPageByRole(t *testing.T) {
	e := newEnv(t)
	val := e.dossierOf(seed.ValDeDemo)
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	r := coord.get("/dossiers/" + val + "/documents")
	if r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	d := r.doc(t)
	if n := d.Find("[data-testid=document]").Length(); n != 4 {
		t.Fatalf("%d documents", n)
	}
	wantStates := map[string]string{"projet_sante": "accepte", "statuts": "fourni", "contours_territoire": "fourni", "liste_membres": "a_refaire"}
	for code, st := range wantStates {
		if got, _ := docCard(d, code).Attr("data-state"); got != st {
			t.Errorf("%s: state %q, want %q", code, got, st)
		}
	}
	if c := docCard(d, "liste_membres").Find("[data-testid=review-comment]").Text(); !strings.Contains(c, "régénérez la liste") {
		t.Errorf("coordinator does not see the comment: %q", c)
	}
	// En instruction: frozen for the coordinator, and no review form for them.
	if d.Find("[data-testid=upload], [data-testid=review], [data-testid=new-attachment]").Length() != 0 {
		t.Error("coordinator has forms on a dossier in instruction")
	}
	if r.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("cache-control %q", r.Header.Get("Cache-Control"))
	}
	// The referent reviews.
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	d = ref.get("/dossiers/" + val + "/documents").doc(t)
	if n := d.Find("[data-testid=review]").Length(); n != 4 {
		t.Fatalf("referent review forms: %d", n)
	}
	// Other tenants: 404.
	for _, who := range []string{"coordinateur.b@demo.portail-aci.fr", "msp@demo.portail-aci.fr"} {
		if r := e.loggedIn(who).get("/dossiers/" + val + "/documents"); r.StatusCode != 404 {
			t.Errorf("%s: status %d", who, r.StatusCode)
		}
	}
}

func TestDocumentDownloadScope(t *testing.T) {
	e := newEnv(t)
	val := e.dossierOf(seed.ValDeDemo)
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	d := coord.get("/dossiers/" + val + "/documents").doc(t)
	href, ok := docCard(d, "statuts").Find("[data-testid=version] a").Attr("href")
	if !ok {
		t.Fatal("no download link")
	}
	tests := []struct {
		who  string
		want int
	}{
		{"coordinateur@demo.portail-aci.fr", 200},
		{"referent@demo.portail-aci.fr", 200},
		{"ars@demo.portail-aci.fr", 200},
		{"dcgdr@demo.portail-aci.fr", 200},
		{"coordinateur.b@demo.portail-aci.fr", 404},
		{"msp@demo.portail-aci.fr", 404},
	}
	for _, tt := range tests {
		r := e.loggedIn(tt.who).get(href)
		if r.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.who, r.StatusCode, tt.want)
			continue
		}
		if tt.want != 200 {
			continue
		}
		h := r.Header
		if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Cache-Control"), "no-store") || !strings.HasPrefix(r.body, "%PDF-") {
			t.Errorf("%s: headers %v", tt.who, h)
		}
		if cd := h.Get("Content-Disposition"); cd != `attachment; filename="statuts-association-val-de-demo.pdf"; filename*=UTF-8''statuts-association-val-de-demo.pdf` {
			t.Errorf("content-disposition %q", cd)
		}
	}
	// Not logged in: to the login page; a version that does not exist: 404.
	if r := e.client().get(href); r.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.StatusCode)
	}
	if r := coord.get(strings.TrimSuffix(href, "1") + "9"); r.StatusCode != 404 {
		t.Errorf("missing version: %d", r.StatusCode)
	}
}

func TestDocumentUploads(t *testing.T) {
	e := newEnv(t)
	monts := e.dossierOf(seed.MontsDeDemo) // projet de santé at the ARS: other documents open
	c := e.loggedIn("coordinateur.b@demo.portail-aci.fr")
	base := "/dossiers/" + monts + "/documents"
	pdf := seed.MinimalPDF([]string{"Statuts", "Test"})

	r := c.postFile(base+"/statuts", nil, "Statuts signés.pdf", pdf)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.StatusCode, r.body)
	}
	r = c.postFile(base+"/statuts", nil, "statuts-v2.pdf", seed.MinimalPDF([]string{"Statuts v2"}))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second upload: %d %s", r.StatusCode, r.body)
	}
	d := c.get(base).doc(t)
	card := docCard(d, "statuts")
	if st, _ := card.Attr("data-state"); st != "fourni" || card.Find("[data-testid=version]").Length() != 2 {
		t.Fatalf("statuts after two uploads: %s, %d versions", st, card.Find("[data-testid=version]").Length())
	}
	if !strings.Contains(card.Text(), "Statuts signés.pdf") {
		t.Error("first version not listed")
	}

	refusals := []struct {
		name, path, file string
		fields           map[string]string
		data             []byte
		status           int
		want             string
	}{
		{"lying extension", "/statuts", "statuts.pdf", nil, []byte("\x89PNG\r\n\x1a\n0000"), 422, "prétend être un PDF"},
		{"empty", "/statuts", "vide.pdf", nil, []byte{}, 422, "vide"},
		{"no file", "/statuts", "", nil, nil, 422, "Choisissez un fichier"},
		{"zip not office", "/statuts", "a.docx", nil, []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), 422, "archive ZIP"},
		{"frozen projet de santé", "/projet_sante", "p.pdf", nil, pdf, 409, "ne peut pas être modifiée"},
		{"attachment without title", "/autre", "a.pdf", nil, pdf, 422, "titre"},
		{"unknown document", "/lettre", "a.pdf", nil, pdf, 404, ""},
	}
	for _, tt := range refusals {
		r := c.postFile(base+tt.path, tt.fields, tt.file, tt.data)
		if r.StatusCode != tt.status || !strings.Contains(r.body, tt.want) {
			t.Errorf("%s: status %d, want %d with %q", tt.name, r.StatusCode, tt.status, tt.want)
			continue
		}
		if tt.status == 422 && r.doc(t).Find(".has-error .error-msg").Length() == 0 {
			t.Errorf("%s: no error next to the field", tt.name)
		}
	}
	// A free attachment, then its second version.
	r = c.postFile(base+"/autre", map[string]string{"title": "Compte rendu d'AG"}, "ag.csv", []byte("point;décision\n1;adopté\n"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("attachment: %d", r.StatusCode)
	}
	d = c.get(base).doc(t)
	att := d.Find(`[data-testid=attachments] [data-testid=document]`)
	if att.Length() != 1 || !strings.Contains(att.Text(), "Compte rendu d'AG") {
		t.Fatalf("attachments: %q", att.Text())
	}
	docID, _ := att.Find("input[name=document_id]").Attr("value")
	if r := c.postFile(base+"/autre", map[string]string{"document_id": docID}, "ag2.csv", []byte("a;b\n")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("attachment v2: %d", r.StatusCode)
	}
	// Generated from the registry.
	if r := c.post(base+"/liste_membres/generer", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("generate: %d %s", r.StatusCode, r.body)
	}
	d = c.get(base).doc(t)
	if !strings.Contains(docCard(d, "liste_membres").Text(), "généré") {
		t.Error("generated version not marked")
	}
	// Someone else's dossier: 404, nothing stored.
	other := e.loggedIn("coordinateur@demo.portail-aci.fr")
	if r := other.postFile(base+"/statuts", nil, "s.pdf", pdf); r.StatusCode != 404 {
		t.Errorf("other coordinator: %d", r.StatusCode)
	}
	// A 25 MB body (no JavaScript to stop it in the browser): back to the
	// documents page with the message, nothing stored — announced length or
	// not.
	big := make([]byte, 25<<20)
	copy(big, "%PDF-1.4\n")
	before := docCard(c.get(base).doc(t), "statuts").Find("[data-testid=version]").Length()
	for _, withLength := range []bool{true, false} {
		r = c.postFileLen(base+"/statuts", nil, "gros.pdf", big, withLength)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != base {
			t.Fatalf("25 MB (length %v): %d %q", withLength, r.StatusCode, r.Header.Get("Location"))
		}
		d = c.get(base).doc(t)
		if f := d.Find("[data-testid=flash]").Text(); !strings.Contains(f, "dépasse 20 Mo") {
			t.Errorf("25 MB (length %v): flash %q", withLength, f)
		}
		if n := docCard(d, "statuts").Find("[data-testid=version]").Length(); n != before {
			t.Errorf("25 MB stored: %d versions, want %d", n, before)
		}
	}
	// The limit is stated next to every file field and checked in the browser.
	d.Find("input[type=file]").Each(func(_ int, in *goquery.Selection) {
		if in.AttrOr("data-max-size", "") != strconv.Itoa(20<<20) {
			t.Errorf("file field %s: data-max-size %q", in.AttrOr("id", ""), in.AttrOr("data-max-size", ""))
		}
	})
}

func TestDocumentReviewMarks(t *testing.T) {
	e := newEnv(t)
	val := e.dossierOf(seed.ValDeDemo)
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	base := "/dossiers/" + val + "/documents"
	d := ref.get(base).doc(t)
	form := docCard(d, "statuts").Find("[data-testid=review]")
	action, _ := form.Attr("action")
	version, _ := form.Find("input[name=version]").Attr("value")
	// Others may not mark: 404.
	for _, who := range []string{"coordinateur@demo.portail-aci.fr", "ars@demo.portail-aci.fr", "dcgdr@demo.portail-aci.fr", "coordinateur.b@demo.portail-aci.fr"} {
		if r := e.loggedIn(who).post(action, url.Values{"version": {version}, "state": {"accepte"}}); r.StatusCode != 404 {
			t.Errorf("%s: %d", who, r.StatusCode)
		}
	}
	// À refaire needs a comment; shown next to the form.
	r := ref.post(action, url.Values{"version": {version}, "state": {"a_refaire"}})
	if r.StatusCode != 422 || docCard(r.doc(t), "statuts").Find(".error-msg").Length() != 1 {
		t.Fatalf("à refaire without comment: %d", r.StatusCode)
	}
	if r := ref.post(action, url.Values{"version": {version}, "state": {"a_refaire"}, "comment": {"<b>Signatures</b> manquantes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark: %d %s", r.StatusCode, r.body)
	}
	// A stale page: refused.
	if r := ref.post(action, url.Values{"version": {version}, "state": {"accepte"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("stale: %d", r.StatusCode)
	}
	// The coordinator sees the comment as text.
	cd := e.loggedIn("coordinateur@demo.portail-aci.fr").get(base)
	card := docCard(cd.doc(t), "statuts")
	if st, _ := card.Attr("data-state"); st != "a_refaire" || !strings.Contains(card.Find("[data-testid=review-comment]").Text(), "<b>Signatures</b> manquantes") {
		t.Errorf("coordinator view: %s %q", st, card.Text())
	}
}
