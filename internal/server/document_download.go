package server

import (
	"net/http"
	"strconv"
	"strings"
)

// documentDownload sends version {n} of document {doc} of dossier {id},
// read through the dossier's scope (404 outside it): as an attachment with
// its sanitised name (RFC 6266 / RFC 5987), the media type found from its
// content, nosniff, and never cached by a shared cache.
func (s *Server) documentDownload(w http.ResponseWriter, r *http.Request) {
	sc, d, _ := dossierFrom(r)
	id := d.ID
	docID, ok := pathID(chiParam(r, "doc"))
	n, ok2 := parseVersion(chiParam(r, "n"))
	if !ok || !ok2 || n < 1 {
		s.notFound(w, r)
		return
	}
	f, err := s.store.DocumentFile(r.Context(), sc, id, docID, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, r, f.Filename, f.MediaType, f.SHA256, f.Content)
}

// sendFile sends a stored file as a download (docs/rules.md §24): its
// checked media type, an attachment disposition, never sniffed, never
// cached, sandboxed; etag (the SHA-256, "" for none) names the version.
func sendFile(w http.ResponseWriter, r *http.Request, filename, mediaType, etag string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Disposition", contentDisposition(filename))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if etag != "" {
		h.Set("ETag", `"`+etag+`"`)
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// contentDisposition builds "attachment" with an ASCII fallback filename and
// the exact UTF-8 name as filename* (RFC 5987).
func contentDisposition(name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	for _, b := range []byte(name) {
		if (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			ext.WriteByte(b)
		} else {
			ext.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(b)|0x100, 16)[1:]))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}
