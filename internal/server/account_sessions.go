package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/templates/pages"
)

// deviceOf summarises a User-Agent in French for the sessions list of
// /compte: « Firefox sur Linux », « Navigateur inconnu » when nothing is
// recognised.
func deviceOf(ua string) string {
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " sur " + system
	case browser != "":
		return browser
	case system != "":
		return "Navigateur inconnu sur " + system
	}
	return "Navigateur inconnu"
}

// accountSessions is the sessions part of /compte.
func (s *Server) accountSessions(r *http.Request, userID int64) ([]pages.SessionRow, error) {
	list, err := s.store.UserSessions(r.Context(), userID, s.sessions.Token(r.Context()))
	if err != nil {
		return nil, err
	}
	out := make([]pages.SessionRow, 0, len(list))
	for _, v := range list {
		out = append(out, pages.SessionRow{ID: strconv.FormatInt(v.ID, 10), Device: deviceOf(v.UserAgent), Address: v.Address,
			Since: domain.FrenchDateTime(v.CreatedAt), LastUsed: domain.FrenchDateTime(v.LastUsed), Current: v.Current})
	}
	return out, nil
}

// accountEndSession ends one of the viewer's other sessions.
func (s *Server) accountEndSession(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	if !s.parseForm(w, r) {
		return
	}
	id, ok := pathID(r.PostFormValue("session"))
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.store.EndSession(r.Context(), sc.UserID, id, s.sessions.Token(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("session ended by its owner", "user_id", sc.UserID, "session", id, "request_id", requestIDFrom(r.Context()))
	s.flash(r, "ok", "La session est terminée : l'appareil devra se reconnecter.")
	redirect(w, r, "/compte#sessions")
}

// accountEndOthersConfirm asks, without JavaScript, before ending every
// other session (GET: nothing changes).
func (s *Server) accountEndOthersConfirm(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	rows, err := s.accountSessions(r, sc.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.EndOtherSessions(s.page(r, "Terminer les autres sessions"), len(rows)-1))
}

// accountEndOthers ends every session of the viewer but this one.
func (s *Server) accountEndOthers(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	if !s.parseForm(w, r) {
		return
	}
	n, err := s.store.EndOtherSessions(r.Context(), sc.UserID, s.sessions.Token(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("other sessions ended by their owner", "user_id", sc.UserID, "count", n, "request_id", requestIDFrom(r.Context()))
	msg := "Aucune autre session n'était ouverte."
	switch {
	case n == 1:
		msg = "L'autre session est terminée."
	case n > 1:
		msg = strconv.Itoa(n) + " autres sessions sont terminées."
	}
	s.flash(r, "ok", msg)
	redirect(w, r, "/compte#sessions")
}
