package filetype_test

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/portail-aci/aci/internal/filetype"
)

const tinyPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{200, 0, 0, 255})
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipBytes builds an archive; entries named in stored are not compressed.
func zipBytes(t *testing.T, entries [][2]string, stored ...string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		method := zip.Deflate
		for _, s := range stored {
			if s == e[0] {
				method = zip.Store
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheck(t *testing.T) {
	odt := zipBytes(t, [][2]string{{"mimetype", filetype.ODT}, {"content.xml", "<x/>"}}, "mimetype")
	ods := zipBytes(t, [][2]string{{"mimetype", filetype.ODS}, {"content.xml", "<x/>"}}, "mimetype")
	docx := zipBytes(t, [][2]string{{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<w/>"}})
	xlsx := zipBytes(t, [][2]string{{"[Content_Types].xml", "<Types/>"}, {"xl/workbook.xml", "<w/>"}})
	plainZip := zipBytes(t, [][2]string{{"a.txt", "hello"}})
	// A "bomb": a large, highly compressible entry. Check must not inflate it.
	bomb := zipBytes(t, [][2]string{{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", strings.Repeat("A", 5<<20)}})
	win1252 := []byte("nom;commune\nL\xe9a;Bourg\n")
	tests := []struct {
		name, file string
		data       []byte
		want       string // media type, or "" when refused
		reason     string // part of the refusal
	}{
		{"pdf", "projet.pdf", []byte(tinyPDF), filetype.PDF, ""},
		{"png", "plan.png", pngBytes(t), filetype.PNG, ""},
		{"jpeg", "photo.JPG", jpegBytes(t), filetype.JPEG, ""},
		{"jpeg ext", "photo.jpeg", jpegBytes(t), filetype.JPEG, ""},
		{"csv utf8 bom", "membres.csv", []byte("\xef\xbb\xbfnom;prénom\nDurand;Léa\n"), filetype.CSV, ""},
		{"csv windows-1252", "membres.csv", win1252, filetype.CSV, ""},
		{"odt", "statuts.odt", odt, filetype.ODT, ""},
		{"ods", "budget.ods", ods, filetype.ODS, ""},
		{"docx", "statuts.docx", docx, filetype.DOCX, ""},
		{"xlsx", "budget.xlsx", xlsx, filetype.XLSX, ""},
		{"zip bomb directory only", "big.docx", bomb, filetype.DOCX, ""},
		{"no extension corrected", "statuts", []byte(tinyPDF), filetype.PDF, ""},
		{"foreign extension corrected", "statuts.bin", []byte(tinyPDF), filetype.PDF, ""},
		{"lying extension", "projet.pdf", pngBytes(t), "", "prétend être un PDF (extension .pdf) mais contient une image PNG"},
		{"docx that is xlsx", "a.docx", xlsx, "", "prétend être un document Word"},
		{"ods that is odt", "a.ods", odt, "", "mais contient un texte OpenDocument"},
		{"empty", "vide.pdf", nil, "", "est vide"},
		{"too big", "gros.pdf", append([]byte("%PDF-"), make([]byte, filetype.MaxSize)...), "", "20 Mo"},
		{"zip not office", "archive.zip", plainZip, "", "son contenu est de type archive ZIP"},
		{"zip named docx", "faux.docx", plainZip, "", "archive ZIP"},
		{"broken zip", "x.docx", []byte("PK\x03\x04garbage"), "", "ZIP illisible"},
		{"csv with NUL", "membres.csv", []byte("nom;prenom\nA\x00;B\n"), "", "octets nuls"},
		{"text without delimiter", "notes.csv", []byte("bonjour\nau revoir\n"), "", "texte brut"},
		{"html", "page.csv", []byte("<!DOCTYPE html><html>;</html>"), "", "page web"},
		{"exe", "setup.pdf", []byte("MZ\x90\x00\x03"), "", "exécutable"},
		{"gif", "a.png", []byte("GIF89a\x01\x00"), "", "image GIF"},
		{"old word", "a.doc", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), "", "ancien document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := filetype.Check(tt.file, tt.data)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("Check = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var fe *filetype.Error
			if err == nil || !asError(err, &fe) || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("Check = %q, %v; want refusal containing %q", got, err, tt.reason)
			}
		})
	}
}

func asError(err error, fe **filetype.Error) bool {
	e, ok := err.(*filetype.Error)
	*fe = e
	return ok
}

func TestName(t *testing.T) {
	tests := []struct{ in, mt, want string }{
		{"projet.pdf", filetype.PDF, "projet.pdf"},
		{"PROJET.PDF", filetype.PDF, "PROJET.pdf"},
		{`C:\Users\léa\statuts`, filetype.PDF, "statuts.pdf"},
		{"../../etc/passwd", filetype.CSV, "passwd.csv"},
		{"a\x00b<c>.csv", filetype.CSV, "a_b_c_.csv"},
		{"  ..  ", filetype.PNG, "document.png"},
		{"photo.jpeg", filetype.JPEG, "photo.jpeg"},
		{"statuts.bin", filetype.PDF, "statuts.bin.pdf"},
		{strings.Repeat("é", 300) + ".pdf", filetype.PDF, strings.Repeat("é", 120) + ".pdf"},
	}
	for _, tt := range tests {
		if got := filetype.Name(tt.in, tt.mt); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
