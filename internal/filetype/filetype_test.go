package filetype_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
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
	// A large, highly compressible entry within MaxUncompressed: accepted.
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
		{"compressible within the bound", "big.docx", bomb, filetype.DOCX, ""},
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

// deflated compresses n bytes of "A" (for a raw ZIP entry).
func deflated(t *testing.T, n int) (raw []byte, crc uint32) {
	t.Helper()
	var b bytes.Buffer
	fw, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	h := crc32.NewIEEE()
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		c := chunk[:min(left, len(chunk))]
		fw.Write(c)
		h.Write(c)
	}
	fw.Close()
	return b.Bytes(), h.Sum32()
}

// Office documents are read as real archives: bounded once decompressed
// (whatever the directory claims), bounded in entries, every entry intact.
func TestOfficeArchivesChecked(t *testing.T) {
	types := [2]string{"[Content_Types].xml", "<Types/>"}
	// 200 MiB of one letter: about 200 KB compressed.
	raw, crc := deflated(t, 200<<20)
	withRaw := func(first [2]string, stored bool, name string, claimed uint64) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		method := zip.Deflate
		if stored {
			method = zip.Store
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: first[0], Method: method})
		w.Write([]byte(first[1]))
		rw, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(raw)), UncompressedSize64: claimed})
		if err != nil {
			t.Fatal(err)
		}
		rw.Write(raw)
		zw.Close()
		return b.Bytes()
	}
	bomb := withRaw(types, false, "word/document.xml", 200<<20)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	// The same bomb whose directory claims 1 KiB.
	lying := withRaw(types, false, "word/document.xml", 1<<10)
	odtBomb := withRaw([2]string{"mimetype", filetype.ODT}, true, "content.xml", 200<<20)
	// Many entries.
	many := [][2]string{types, {"word/document.xml", "<w/>"}}
	for i := range filetype.MaxEntries {
		many = append(many, [2]string{"word/media/" + strconv.Itoa(i) + ".xml", ""})
	}
	// A damaged entry: one byte of the compressed data changed (the CRC no
	// longer matches).
	good := zipBytes(t, [][2]string{types, {"word/document.xml", strings.Repeat("Lorem ipsum dolor sit amet. ", 200)}})
	damaged := bytes.Clone(good)
	i := bytes.Index(damaged, []byte("word/document.xml")) + len("word/document.xml") + 10
	damaged[i] ^= 0xff

	for _, tc := range []struct {
		name   string
		file   string
		data   []byte
		reason string
	}{
		{"200 MiB docx", "gros.docx", bomb, "décompressé"},
		{"lying directory", "faux.docx", lying, "endommagé"},
		{"too many entries", "x.docx", zipBytes(t, many), "trop d'éléments"},
		{"damaged entry", "x.docx", damaged, "endommagé"},
		{"200 MiB odt", "x.odt", odtBomb, "décompressé"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := filetype.Check(tc.file, tc.data)
			var fe *filetype.Error
			if err == nil || !asError(err, &fe) || !strings.Contains(fe.Reason, tc.reason) {
				t.Fatalf("Check = %q, %v; want refusal containing %q", got, err, tc.reason)
			}
		})
	}
	if mt, err := filetype.Check("ok.docx", good); err != nil || mt != filetype.DOCX {
		t.Fatalf("intact docx: %q %v", mt, err)
	}
}

// PDFs are checked beyond their first bytes: a %%EOF near the end and the
// objects and trailer of a PDF.
func TestPDFStructureChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		ok   bool
	}{
		{"tiny", tinyPDF, true},
		{"xref stream (no trailer keyword)", "%PDF-1.7\n1 0 obj<</Type/XRef>>stream\nx\nendstream endobj\nstartxref\n9\n%%EOF", true},
		{"incremental update with CRLF", tinyPDF + "2 0 obj<<>>endobj\r\ntrailer<</Prev 9>>\r\n%%EOF\r\n", true},
		{"only a header", "%PDF-1.4\n%pièce\n", false},
		{"truncated", tinyPDF[:len(tinyPDF)-8], false},
		{"no objects", "%PDF-1.4\ntrailer<<>>\n%%EOF\n", false},
		{"no trailer", "%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", false},
		{"EOF far from the end", tinyPDF + strings.Repeat("x", 4096), false},
		{"bad version", "%PDF-x\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", false},
	} {
		mt, err := filetype.Check("a.pdf", []byte(tc.data))
		if tc.ok && (err != nil || mt != filetype.PDF) {
			t.Errorf("%s: %q %v", tc.name, mt, err)
		}
		var fe *filetype.Error
		if !tc.ok && (err == nil || !asError(err, &fe) || !strings.Contains(fe.Reason, "PDF")) {
			t.Errorf("%s: accepted or wrong reason: %v", tc.name, err)
		}
	}
}
