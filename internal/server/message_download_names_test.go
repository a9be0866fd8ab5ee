package server_test

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestMessageAttachmentNames: an attachment's name with quotes, a newline,
// directories or 300 characters is sanitised; the download is an
// attachment (ASCII filename and exact UTF-8 filename*), nosniff, sandboxed.
func TestMessageAttachmentNames(t *testing.T) {
	e := newEnv(t)
	id := demoDossier(t, e)
	path := "/dossiers/" + strconv.FormatInt(id, 10) + "/messages"
	ref := e.loggedIn("referent@demo.portail-aci.fr")
	csv := []byte("a;b\n1;2\n")
	tests := []struct {
		name, upload string
		check        func(t *testing.T, stored string)
	}{
		{"quotes", `compte "rendu" 'final'.csv`, func(t *testing.T, s string) {
			if strings.ContainsAny(s, "\"\r\n") || !strings.HasSuffix(s, ".csv") {
				t.Errorf("stored %q", s)
			}
		}},
		{"newline", "ligne1\nContent-Type: text/html.csv", func(t *testing.T, s string) {
			if strings.ContainsAny(s, "\r\n") {
				t.Errorf("stored %q", s)
			}
		}},
		{"directories", `..\..\windows\system32\réunion.csv`, func(t *testing.T, s string) {
			if s != "réunion.csv" {
				t.Errorf("stored %q, want réunion.csv", s)
			}
		}},
		{"very long", strings.Repeat("é", 300) + ".csv", func(t *testing.T, s string) {
			if n := utf8.RuneCountInString(s); n > 124 || !strings.HasSuffix(s, ".csv") {
				t.Errorf("stored %d characters: %q", n, s)
			}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := ref.postMultipart(path, map[string]string{"body": "pièce " + tt.name}, "attachment", tt.upload, csv); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload: %d", r.StatusCode)
			}
			links := ref.get(path).doc(t).Find("[data-testid=attachment]")
			if links.Length() != i+1 {
				t.Fatalf("%d attachments listed, want %d", links.Length(), i+1)
			}
			href, _ := links.Last().Attr("href")
			d := ref.get(href)
			if d.StatusCode != http.StatusOK || d.body != string(csv) {
				t.Fatalf("download: %d", d.StatusCode)
			}
			h := d.Header
			if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("headers: %v", h)
			}
			cd := h.Get("Content-Disposition")
			disp, params, err := mime.ParseMediaType(cd)
			if err != nil || disp != "attachment" || params["filename"] == "" {
				t.Fatalf("Content-Disposition %q: %v %v", cd, params, err)
			}
			// The header itself is printable ASCII (the fallback filename, and
			// filename* percent-encoded), so no header can be injected.
			for _, r := range cd {
				if r < 0x20 || r > 0x7e {
					t.Errorf("Content-Disposition not ASCII: %q", cd)
					break
				}
			}
			if !strings.Contains(cd, `filename="`) || !strings.Contains(cd, "filename*=UTF-8''") {
				t.Errorf("Content-Disposition %q: want filename and filename*", cd)
			}
			// mime.ParseMediaType decodes filename* into filename when present.
			tt.check(t, params["filename"])
		})
	}
}
