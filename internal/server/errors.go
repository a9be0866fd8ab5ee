package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/templates/layout"
	"github.com/portail-aci/aci/templates/pages"
)

// errorCode is domain.ErrorCode, with the database's unavailability coded
// domain.EUnavailable: PostgreSQL unreachable (connect error or timeout,
// network error), the request's deadline passed (waiting for a pooled
// connection or for a statement: REQUEST_TIMEOUT), a statement cancelled by
// statement_timeout, the server shutting down or refusing connections. This
// is the one place that maps pgx's errors to that code.
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ce) || pgconn.Timeout(err) || errors.As(err, &ne) {
		return domain.EUnavailable
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "57014", // query_canceled: statement_timeout
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutdown, cannot connect now
			pe.Code == "53300",               // too_many_connections
			strings.HasPrefix(pe.Code, "08"): // connection exception
			return domain.EUnavailable
		}
	}
	return domain.ErrorCode(err)
}

// fail maps a domain error to its status and French page; internal errors
// are logged once with the request id.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch errorCode(err) {
	case domain.ENotFound:
		if _, ok := scopeFrom(r.Context()); ok {
			// Outside the scope and truly missing look the same to the user;
			// the log says who asked for what.
			s.log.Warn("access refused or not found", logAttrs(r)...)
		}
		s.notFound(w, r)
	case domain.EInvalid:
		s.renderError(w, r, http.StatusBadRequest, "Demande invalide", domain.ErrorMessage(err))
	case domain.EConflict:
		s.renderError(w, r, http.StatusConflict, "Action impossible", domain.ErrorMessage(err))
	case domain.EUnauthorized:
		s.renderError(w, r, http.StatusUnauthorized, "Connexion requise", domain.ErrorMessage(err))
	case domain.EUnavailable:
		s.unavailable(w, r, err)
	default:
		s.internalError(w, r, err)
	}
}

// unavailable answers 503 while the database does not answer, logged once.
// The page is built without the database (no viewer, no navigation): asking
// it again would wait once more. An autosave or htmx request gets a French
// plain-text line instead of a page (web/static/autosave.js shows it and
// retries).
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("database unavailable", append(logAttrs(r), "error", err.Error())...)
	w.Header().Set("Retry-After", "10")
	if r.Header.Get("X-Autosave") == "1" || r.Header.Get("HX-Request") == "true" {
		msg := "Service momentanément indisponible, réessayez dans un instant."
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			msg = "Enregistrement impossible, réessai… (service momentanément indisponible ; votre texte reste dans la page)"
		}
		plain(w, http.StatusServiceUnavailable, msg)
		return
	}
	// The request's deadline has often passed: the page renders without it.
	r = r.WithContext(context.WithoutCancel(r.Context()))
	const heading = "Service momentanément indisponible"
	w.Header().Set("Cache-Control", "no-store")
	p := layout.Page{Title: heading, RequestID: requestIDFrom(r.Context())}
	s.render(w, r, http.StatusServiceUnavailable, pages.Error(p, pages.ErrorView{Status: http.StatusServiceUnavailable, Heading: heading,
		Message: "Le Portail ACI ne parvient pas à joindre sa base de données. Ce qui était déjà enregistré n'est pas perdu ; ce que vous venez d'envoyer n'a peut-être pas été enregistré. Réessayez dans quelques instants ; si cela dure, contactez le support en donnant la référence ci-dessous."}))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "Page introuvable",
		"Cette page n'existe pas, ou vous n'avez pas accès à ce qu'elle contient. Vérifiez l'adresse, ou repartez de l'accueil.")
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("internal error", append(logAttrs(r), "error", err.Error())...)
	s.renderError(w, r, http.StatusInternalServerError, "Une erreur est survenue",
		"Le Portail ACI n'a pas pu traiter votre demande. Rien n'a été perdu de ce qui était déjà enregistré. Réessayez dans un instant ; si l'erreur persiste, contactez le support en donnant la référence ci-dessous.")
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	p := s.page(r, heading)
	p.Flash = ""
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, pages.Error(p, pages.ErrorView{Status: status, Heading: heading, Message: msg}))
}

// isTooLarge reports whether err comes from http.MaxBytesReader.
func isTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
