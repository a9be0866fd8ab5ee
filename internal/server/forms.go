package server

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// msgBadBytes answers a form field or query parameter holding a NUL byte or
// bytes that are not UTF-8: no page or form of the product sends them.
const msgBadBytes = "Le formulaire ou l'adresse contient des caractères invalides (octet nul ou texte qui n'est pas en UTF-8). Rechargez la page et recommencez."

// badBytes reports whether a key or value holds a NUL byte or invalid UTF-8
// (PostgreSQL refuses both in text; nothing legitimate carries them).
func badBytes(vs url.Values) bool {
	bad := func(s string) bool { return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) }
	for k, list := range vs {
		if bad(k) {
			return true
		}
		for _, v := range list {
			if bad(v) {
				return true
			}
		}
	}
	return false
}

// refuseBadQuery answers 400 for every route whose query string carries a
// NUL byte or invalid UTF-8; parseForm does the same for form bodies
// (multipart text fields included, file contents excepted).
func (s *Server) refuseBadQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" && badBytes(r.URL.Query()) {
			s.renderError(w, r, http.StatusBadRequest, "Adresse illisible", msgBadBytes)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseForm parses a urlencoded or multipart form within the body limit set
// by limitBody. Oversized bodies answer 413 and malformed ones 400, with a
// French page; it returns false when it has answered.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	if err == nil {
		// r.PostForm holds the multipart text fields too; file parts are in
		// r.MultipartForm.File and are not text.
		if badBytes(r.PostForm) {
			s.renderError(w, r, http.StatusBadRequest, "Formulaire illisible", msgBadBytes)
			return false
		}
		return true
	}
	if isTooLarge(err) {
		s.renderError(w, r, http.StatusRequestEntityTooLarge, "Envoi trop volumineux",
			"Ce que vous avez envoyé dépasse la taille autorisée. Réduisez le texte ou la taille du fichier, puis recommencez.")
		return false
	}
	s.renderError(w, r, http.StatusBadRequest, "Formulaire illisible",
		"Le formulaire envoyé est mal formé. Rechargez la page et recommencez.")
	return false
}

// formValue returns a trimmed form value, cut to max runes.
func formValue(r *http.Request, name string, max int) string {
	v := strings.TrimSpace(r.PostFormValue(name))
	if utf8.RuneCountInString(v) > max {
		v = string([]rune(v)[:max])
	}
	return v
}

// pageNumber reads ?page=N (default 1, bounded).
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	if n > 100000 {
		return 100000
	}
	return n
}

// parseVersion reads an optimistic-locking version or any other int32
// counter (database integer); ok is false for anything else, including
// numbers beyond int32.
func parseVersion(s string) (int, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil || n < 0 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

// formVersion reads the form's version field; a missing or out-of-range
// one is -1, which every stale check refuses (a conflict, never a 500).
func formVersion(r *http.Request) int {
	if n, ok := parseVersion(r.PostFormValue("version")); ok {
		return n
	}
	return -1
}

// pathID reads a positive int64 id; ok is false for anything else.
func pathID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
