package server

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
)

// A flash message (« Message envoyé. ») travels in a cookie of its own, not
// in the session: the page that shows it after the POST → 303 would
// otherwise rewrite the session row, and a GET commits nothing
// (docs/rules.md §35). It is the user's own text about their own act,
// HttpOnly and SameSite=Lax like the session, and shown escaped.

type flashState struct {
	set       bool
	kind, msg string
	shown     bool // the request's page showed the incoming flash: clear it
	written   bool
}

type flashKey struct{}

// flashMax bounds the message kept in the cookie (a cookie holds 4 KB).
const flashMax = 1000

func (s *Server) flashCookieName() string {
	if s.cfg.HTTPS() {
		return "__Host-aci_flash" // Secure, Path=/, no Domain
	}
	return "aci_flash"
}

// flashes carries the request's flash state and writes its cookie with the
// response's header.
func (s *Server) flashes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &flashState{}
		fw := &flashWriter{ResponseWriter: w, s: s, st: st}
		next.ServeHTTP(fw, r.WithContext(context.WithValue(r.Context(), flashKey{}, st)))
		fw.writeCookie()
	})
}

type flashWriter struct {
	http.ResponseWriter
	s  *Server
	st *flashState
}

func (fw *flashWriter) writeCookie() {
	st := fw.st
	if st.written {
		return
	}
	st.written = true
	c := &http.Cookie{Name: fw.s.flashCookieName(), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: fw.s.cfg.HTTPS()}
	switch {
	case st.set:
		c.Value = base64.RawURLEncoding.EncodeToString([]byte(st.kind + "\x00" + st.msg))
	case st.shown:
		c.MaxAge = -1
	default:
		return
	}
	fw.Header().Add("Set-Cookie", c.String())
}

func (fw *flashWriter) WriteHeader(code int) {
	fw.writeCookie()
	fw.ResponseWriter.WriteHeader(code)
}

func (fw *flashWriter) Write(b []byte) (int, error) {
	fw.writeCookie()
	return fw.ResponseWriter.Write(b)
}

func (fw *flashWriter) Unwrap() http.ResponseWriter { return fw.ResponseWriter }

// flash stores a message shown once on the next page.
func (s *Server) flash(r *http.Request, kind, msg string) {
	if st, ok := r.Context().Value(flashKey{}).(*flashState); ok {
		if rs := []rune(msg); len(rs) > flashMax {
			msg = string(rs[:flashMax])
		}
		st.set, st.kind, st.msg = true, kind, msg
	}
}

// takeFlash returns the flash the request carries (and clears it with the
// response).
func (s *Server) takeFlash(r *http.Request) (kind, msg string) {
	st, ok := r.Context().Value(flashKey{}).(*flashState)
	c, err := r.Cookie(s.flashCookieName())
	if !ok || err != nil {
		return "", ""
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	st.shown = true
	if err != nil {
		return "", ""
	}
	kind, msg, _ = strings.Cut(string(b), "\x00")
	return kind, msg
}
