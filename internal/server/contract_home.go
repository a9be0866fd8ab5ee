package server

import (
	"net/http"
	"strconv"
)

// contractHome is the home of a contract (/contrats/{id}). Until the
// contract's life page replaces it, it shows the dossier's contract tab.
func (s *Server) contractHome(w http.ResponseWriter, r *http.Request) {
	_, c, _, _ := contractFrom(r)
	http.Redirect(w, r, "/dossiers/"+strconv.FormatInt(c.DossierID, 10)+"/contrat", http.StatusSeeOther)
}
