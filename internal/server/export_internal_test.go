package server

import "github.com/go-chi/chi/v5"

// WalkRoutes lets the external tests enumerate every route of the product.
func WalkRoutes(s *Server, fn chi.WalkFunc) error {
	return chi.Walk(s.handler.(chi.Routes), fn)
}
