// Package filetype checks uploaded files by their CONTENT, not by their name
// (docs/rules.md §24: size-capped, type-checked by content).
// It is pure: standard library only, no I/O beyond the bytes given.
//
// Accepted: PDF, PNG, JPEG, CSV (UTF-8 or Windows-1252 text), ODT, ODS,
// DOCX, XLSX. Office files are ZIP archives: their type is told from the
// central directory (and the few stored bytes of an ODF "mimetype" entry);
// then every entry is decompressed once, to its end, within MaxUncompressed
// bytes in all and MaxEntries entries, so that a damaged archive or a zip
// bomb is refused and costs at most that bound. PDFs are checked for the
// structure of a PDF (objects, a trailer, %%EOF at the end).
package filetype

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MaxSize is the largest accepted file (docs/rules.md §24: at most 20 MB each).
const MaxSize = 20 << 20

// MaxUncompressed bounds the total size of an office document's entries
// once decompressed. Decision: 100 MiB, five times MaxSize — text XML
// compresses about tenfold, images (most of a large document) not at all —
// so a real document fits, and a "zip bomb" (a small file that expands to
// gigabytes) is refused after at most this much work.
const MaxUncompressed = 100 << 20

// MaxEntries bounds the number of entries of an office document (a DOCX or
// an ODT holds a few dozen; a workbook one per sheet, image and style).
const MaxEntries = 5000

// Media types returned by Check.
const (
	PDF  = "application/pdf"
	PNG  = "image/png"
	JPEG = "image/jpeg"
	CSV  = "text/csv"
	ODT  = "application/vnd.oasis.opendocument.text"
	ODS  = "application/vnd.oasis.opendocument.spreadsheet"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// kind describes an accepted type: its French name (with article) and its
// extensions (the first is the canonical one).
type kind struct {
	name string
	exts []string
}

var kinds = sync.OnceValue(func() map[string]kind {
	return map[string]kind{
		PDF:  {"un PDF", []string{".pdf"}},
		PNG:  {"une image PNG", []string{".png"}},
		JPEG: {"une image JPEG", []string{".jpg", ".jpeg"}},
		CSV:  {"un tableau CSV", []string{".csv"}},
		ODT:  {"un texte OpenDocument (ODT)", []string{".odt"}},
		ODS:  {"un tableur OpenDocument (ODS)", []string{".ods"}},
		DOCX: {"un document Word (DOCX)", []string{".docx"}},
		XLSX: {"un classeur Excel (XLSX)", []string{".xlsx"}},
	}
})

// Accept is the value of an <input type="file" accept> (a hint for the
// browser only: the server checks the content).
const Accept = ".pdf,.odt,.docx,.ods,.xlsx,.csv,.png,.jpg,.jpeg"

// Allowed is the French list of accepted types, for help texts.
const Allowed = "PDF, ODT, DOCX, ODS, XLSX, CSV, PNG ou JPEG"

// Error is a refused file; Reason is French, for the user.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func refuse(format string, a ...any) error { return &Error{Reason: fmt.Sprintf(format, a...)} }

// Label returns the French name of an accepted media type ("un PDF").
func Label(mediaType string) string {
	if k, ok := kinds()[mediaType]; ok {
		return k.name
	}
	return mediaType
}

// Extension returns the canonical extension of an accepted media type.
func Extension(mediaType string) string {
	if k, ok := kinds()[mediaType]; ok {
		return k.exts[0]
	}
	return ""
}

// extType returns the accepted media type an extension claims ("" when the
// extension is not one of ours).
func extType(ext string) string {
	ext = strings.ToLower(ext)
	for mt, k := range kinds() {
		for _, e := range k.exts {
			if e == ext {
				return mt
			}
		}
	}
	return ""
}

// Check returns the media type of a file from its content, or an *Error
// with the reason in French: empty, larger than MaxSize, not an accepted
// type, or an extension that names another accepted type than the content
// (a ".pdf" that is really a PNG).
//
// Decision: an extension that is not one of the accepted ones (or none) is
// not a lie: the stored name gets the right extension (see Name).
func Check(name string, data []byte) (string, error) {
	if len(data) == 0 {
		return "", refuse("Le fichier est vide : choisissez un fichier qui a un contenu.")
	}
	if len(data) > MaxSize {
		return "", refuse("Le fichier dépasse la taille maximale de 20 Mo : réduisez-le (PDF compressé, images moins lourdes) ou découpez-le.")
	}
	mt, other := sniff(data)
	if mt == "" {
		return "", refuse("Ce fichier n'est pas un document accepté (%s) : son contenu est de type %s.", Allowed, other)
	}
	switch mt {
	case PDF:
		if err := checkPDF(data); err != nil {
			return "", err
		}
	case ODT, ODS, DOCX, XLSX:
		if err := checkArchive(data); err != nil {
			return "", err
		}
	}
	ext := path.Ext(strings.ReplaceAll(name, `\`, "/"))
	if claimed := extType(ext); claimed != "" && claimed != mt {
		return "", refuse("Le fichier prétend être %s (extension %s) mais contient %s : choisissez le bon fichier ou corrigez son extension.",
			Label(claimed), strings.ToLower(ext), Label(mt))
	}
	return mt, nil
}

// Name returns a safe file name for storage and download: the base name
// without directories, control or reserved characters, at most 120
// characters, with the extension of mediaType (added when missing or not an
// accepted one).
func Name(name, mediaType string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), strings.ContainsRune(`<>:"/\|?*`, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(strings.TrimSpace(b.String()), ". ")
	ext := path.Ext(name)
	if extType(ext) == mediaType && mediaType != "" {
		name = strings.TrimSuffix(name, ext)
		ext = strings.ToLower(ext)
	} else {
		ext = Extension(mediaType)
	}
	if r := []rune(name); len(r) > 120 {
		name = strings.TrimSpace(string(r[:120]))
	}
	if name == "" {
		name = "document"
	}
	return name + ext
}

// sniff returns the accepted media type of data, or "" and a French
// description of what it is.
func sniff(data []byte) (mediaType, other string) {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return PDF, ""
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, ""
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return JPEG, ""
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return sniffZip(data)
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "", "image GIF"
	case bytes.HasPrefix(data, []byte("RIFF")) && len(data) >= 12 && string(data[8:12]) == "WEBP":
		return "", "image WebP"
	case bytes.HasPrefix(data, []byte("MZ")):
		return "", "programme Windows (exécutable)"
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return "", "programme (exécutable ELF)"
	case bytes.HasPrefix(data, []byte("\x1f\x8b")):
		return "", "archive compressée (gzip)"
	case bytes.HasPrefix(data, []byte("Rar!")):
		return "", "archive RAR"
	case bytes.HasPrefix(data, []byte("7z\xbc\xaf\x27\x1c")):
		return "", "archive 7-Zip"
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return "", "ancien document Microsoft Office (DOC ou XLS : enregistrez-le en DOCX, XLSX ou PDF)"
	}
	return sniffText(data)
}

// sniffZip tells an office document from another ZIP archive by its
// directory only (no entry is decompressed).
func sniffZip(data []byte) (string, string) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", "archive ZIP illisible ou incomplète"
	}
	if len(zr.File) > 0 && zr.File[0].Name == "mimetype" {
		f := zr.File[0]
		// ODF stores its mimetype uncompressed: reading it decompresses nothing.
		if f.Method == zip.Store && f.UncompressedSize64 <= 100 {
			if rc, err := f.Open(); err == nil {
				b, _ := io.ReadAll(io.LimitReader(rc, 101))
				rc.Close()
				switch strings.TrimSpace(string(b)) {
				case ODT:
					return ODT, ""
				case ODS:
					return ODS, ""
				}
				return "", "document OpenDocument d'un autre type (" + strings.TrimSpace(string(b)) + ")"
			}
		}
	}
	var types, word, xl bool
	for _, f := range zr.File {
		switch {
		case f.Name == "[Content_Types].xml":
			types = true
		case strings.HasPrefix(f.Name, "word/"):
			word = true
		case strings.HasPrefix(f.Name, "xl/"):
			xl = true
		}
	}
	switch {
	case types && word && !xl:
		return DOCX, ""
	case types && xl && !word:
		return XLSX, ""
	case types:
		return "", "document Office d'un autre type (PowerPoint ?)"
	}
	return "", "archive ZIP"
}

// checkArchive reads every entry of an office document to its end: the ZIP
// reader checks each entry's size against the directory and its CRC, and
// the count here bounds the whole to MaxUncompressed bytes (whatever the
// directory claims) and MaxEntries entries.
func checkArchive(data []byte) error {
	const damaged = "Ce document est endommagé ou n'est pas un vrai document bureautique (archive illisible) : enregistrez-le à nouveau, ou en PDF, puis recommencez."
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return refuse(damaged)
	}
	if len(zr.File) > MaxEntries {
		return refuse("Ce document contient trop d'éléments (%d, au plus %d) : ce n'est pas un document bureautique ordinaire. Enregistrez-le en PDF puis recommencez.", len(zr.File), MaxEntries)
	}
	tooBig := refuse("Ce document, une fois décompressé, dépasserait %d Mo : ce n'est pas un document bureautique ordinaire. Enregistrez-le en PDF (ou réduisez ses images) puis recommencez.", MaxUncompressed>>20)
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if declared > MaxUncompressed {
			return tooBig
		}
	}
	buf := make([]byte, 32<<10)
	var total int64
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return refuse(damaged)
		}
		n, err := io.CopyBuffer(io.Discard, io.LimitReader(rc, MaxUncompressed-total+1), buf)
		rc.Close()
		total += n
		if total > MaxUncompressed {
			return tooBig
		}
		if err != nil {
			return refuse(damaged)
		}
	}
	return nil
}

// pdfTail is how far from the end a PDF's last %%EOF may be (the readers'
// tolerance for trailing bytes) and where its startxref or trailer is.
const pdfTail = 1024

// checkPDF looks for the structure of a PDF beyond its first bytes: a
// version in the header ("%PDF-1.7"), at least one object ("obj" …
// "endobj"), a trailer or a startxref, and a %%EOF marker within the last
// pdfTail bytes — a truncated upload or a file merely starting with "%PDF-"
// fails.
func checkPDF(data []byte) error {
	const broken = "Ce PDF est incomplet ou endommagé (%s) : enregistrez-le ou exportez-le à nouveau en PDF, puis recommencez."
	if len(data) < 8 || data[5] < '1' || data[5] > '2' || data[6] != '.' || data[7] < '0' || data[7] > '9' {
		return refuse(broken, "en-tête sans numéro de version")
	}
	tail := data[max(0, len(data)-pdfTail):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return refuse(broken, "la fin du fichier manque")
	}
	if !bytes.Contains(tail, []byte("startxref")) && !bytes.Contains(tail, []byte("trailer")) {
		return refuse(broken, "pas de table de références")
	}
	if i := bytes.Index(data, []byte("obj")); i < 0 || !bytes.Contains(data[i:], []byte("endobj")) {
		return refuse(broken, "aucun objet PDF")
	}
	return nil
}

// sniffText accepts CSV: text in UTF-8 (with or without BOM) or
// Windows-1252, without NUL or other control characters than tab, CR, LF,
// whose first line holds a delimiter (; , or tab).
func sniffText(data []byte) (string, string) {
	text := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	isUTF8 := utf8.Valid(text)
	for _, c := range text {
		switch {
		case c == 0:
			return "", "binaire (octets nuls)"
		case c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f':
			return "", "binaire (caractères de contrôle)"
		case !isUTF8 && (c == 0x81 || c == 0x8d || c == 0x8f || c == 0x90 || c == 0x9d || c == 0x7f):
			return "", "binaire (ni UTF-8 ni Windows-1252)"
		}
	}
	first := text
	if i := bytes.IndexAny(first, "\r\n"); i >= 0 {
		first = first[:i]
	}
	if lower := bytes.ToLower(bytes.TrimSpace(text[:min(len(text), 512)])); bytes.HasPrefix(lower, []byte("<!doctype html")) ||
		bytes.HasPrefix(lower, []byte("<html")) || bytes.HasPrefix(lower, []byte("<?xml")) || bytes.HasPrefix(lower, []byte("<svg")) {
		return "", "page web ou XML"
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return "", "texte vide"
	}
	if !bytes.ContainsAny(first, ";,\t") {
		return "", "texte brut (pas un tableau CSV : la première ligne n'a pas de séparateur ; , ou tabulation)"
	}
	return CSV, ""
}
