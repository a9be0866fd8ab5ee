package server

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

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
		for _, vs := range r.PostForm {
			for _, v := range vs {
				if !utf8.ValidString(v) {
					s.renderError(w, r, http.StatusBadRequest, "Formulaire illisible",
						"Le formulaire contient des caractères invalides. Rechargez la page et recommencez.")
					return false
				}
			}
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

// pathID reads a positive int64 id; ok is false for anything else.
func pathID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
