package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// postMultipart sends a same-origin multipart form with one file.
func (c *client) postMultipart(path string, fields map[string]string, fileField, fileName string, data []byte) resp {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if fileField != "" {
		f, _ := w.CreateFormFile(fileField, fileName)
		f.Write(data)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", c.e.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func TestMessageAttachments(t *testing.T) {
	e := newEnv(t)
	id := demoDossier(t, e)
	path := "/dossiers/" + strconv.FormatInt(id, 10) + "/messages"
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	pdf := []byte("%PDF-1.4\n%pièce\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

	// A file whose content is not an accepted type: refused next to the field.
	r := ref.postMultipart(path, map[string]string{"body": "voir pièce"}, "attachment", "virus.pdf", []byte("MZ\x90\x00binary"))
	if r.StatusCode != http.StatusUnprocessableEntity || r.doc(t).Find("#attachment-error").Length() != 1 {
		t.Fatalf("bad file: %d", r.StatusCode)
	}
	if r := ref.postMultipart(path, map[string]string{"body": "voir pièce"}, "attachment", "../../cr réunion.pdf", pdf); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.StatusCode, r.body)
	}
	if r := ref.postMultipart(path, map[string]string{"body": "interne", "internal": "1"}, "attachment", "interne.pdf", pdf); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("internal upload: %d", r.StatusCode)
	}
	links := ref.get(path).doc(t).Find("[data-testid=attachment]")
	if links.Length() != 2 {
		t.Fatalf("%d attachments listed", links.Length())
	}
	pub, _ := links.Eq(0).Attr("href")
	internal, _ := links.Eq(1).Attr("href")
	coord := e.loggedIn("coordinateur@demo.portail-aci.fr")
	d := coord.get(pub)
	if d.StatusCode != http.StatusOK || d.Header.Get("Content-Type") != "application/pdf" || d.body != string(pdf) ||
		!strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") || strings.Contains(d.Header.Get("Content-Disposition"), "..") {
		t.Errorf("download: %d %v", d.StatusCode, d.Header)
	}
	if r := coord.get(internal); r.StatusCode != http.StatusNotFound {
		t.Errorf("structure downloads the internal note's file: %d", r.StatusCode)
	}
	if r := e.loggedIn("coordinateur.b@demo.portail-aci.fr").get(pub); r.StatusCode != http.StatusNotFound {
		t.Errorf("other structure downloads: %d", r.StatusCode)
	}
}
