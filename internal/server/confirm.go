package server

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/portail-aci/aci/templates/pages"
)

// confirmed guards an irreversible act. With JavaScript, app.js asks the
// question of the form's data-confirm in a dialog and adds confirm=1; a form
// with a "Je confirme" checkbox sends it too. Without either, the answer is a
// confirmation page: the question, and the same form — every field kept —
// to confirm, or a link back. It reports whether the act may go on.
func (s *Server) confirmed(w http.ResponseWriter, r *http.Request, question string) bool {
	if r.PostFormValue("confirm") == "1" {
		return true
	}
	v := pages.ConfirmView{Question: question, Action: r.URL.Path, Back: sameOriginBack(r)}
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		if k != "confirm" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, val := range r.PostForm[k] {
			v.Fields = append(v.Fields, [2]string{k, val})
		}
	}
	s.render(w, r, http.StatusOK, pages.ConfirmStep(s.page(r, "Confirmation"), v))
	return false
}

// sameOriginBack is the page the form was sent from (its Referer, when it is
// a path of this site), else the home page.
func sameOriginBack(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host || u.Path == "" {
		return "/"
	}
	return safeNext(u.RequestURI())
}
