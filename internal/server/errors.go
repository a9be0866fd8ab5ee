package server

import (
	"errors"
	"net/http"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/templates/pages"
)

// fail maps a domain error to its status and French page; internal errors
// are logged once with the request id.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch domain.ErrorCode(err) {
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
	default:
		s.internalError(w, r, err)
	}
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
