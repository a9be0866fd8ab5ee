package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

// Changes of a structure's seat (docs/rules.md §33): once a dossier is
// filed, the coordinator asks (/structures/{id}/siege), the CPAM of the
// current seat or a national admin decides (/changements-de-siege, or the
// structure page).

const seatPerPage = 20

func frenchStamp(t time.Time) string {
	return domain.DateOf(t).French() + " " + t.In(domain.Paris).Format("15:04")
}

func seatPlace(dep, commune, name string) string {
	s := "département " + dep
	if commune != "" {
		if name != "" {
			s += ", " + name + " (" + commune + ")"
		} else {
			s += ", commune " + commune
		}
	}
	return s
}

func seatRow(c store.SeatChange) pages.SeatRow {
	r := pages.SeatRow{ID: c.ID, StructureID: c.StructureID, StructureName: c.StructureName, State: c.State, StateLabel: c.StateLabel(),
		RequestedBy: orDash(c.RequestedName), RequestedAt: frenchStamp(c.RequestedAt),
		From: seatPlace(c.FromDepartement, c.FromCommune, c.FromCommuneName), To: seatPlace(c.ToDepartement, c.ToCommune, c.ToCommuneName),
		Reason: c.Reason, DecisionReason: c.DecisionReason, Decidable: c.Decidable}
	if c.ToAddress1 != "" || c.ToPostalCode != "" {
		r.To += " — " + c.ToAddress1 + " " + c.ToPostalCode
	}
	if c.DecidedAt != nil {
		verb := "Approuvée"
		if c.State == store.SeatRefused {
			verb = "Refusée"
		}
		r.Decision = verb + " par " + orDash(c.DecidedName) + " le " + frenchStamp(*c.DecidedAt)
	}
	return r
}

// seatSection is the structure page's "Changement de siège" card.
func (s *Server) seatSection(r *http.Request, sc store.Scope, d store.StructureDetail, p access.Permission) (pages.SeatSectionView, error) {
	v := pages.SeatSectionView{StructureID: d.ID, Locked: d.SeatLocked, CanRequest: d.SeatLocked && p.Can(access.ActRequestSeatChange)}
	cs, err := s.store.StructureSeatChanges(r.Context(), sc, d.ID)
	if err != nil {
		return v, err
	}
	for _, c := range cs {
		if c.State == store.SeatPending {
			v.CanRequest = false
		}
		v.Rows = append(v.Rows, seatRow(c))
	}
	return v, nil
}

// seatFieldOrder is the order of the request form's fields.
func seatFieldOrder() []string {
	return []string{"to_departement", "to_commune", "to_postal_code", "to_address1", "reason"}
}

func (s *Server) renderSeatForm(w http.ResponseWriter, r *http.Request, status int, in store.SeatChangeInput, fe map[string]string, summary []string) {
	sc, d, _ := structureFrom(r)
	deps, err := s.store.Departements(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var opts []pages.Option
	for _, x := range deps {
		opts = append(opts, pages.Option{Value: x[0], Label: x[0] + " — " + x[1], Selected: x[0] == in.Departement})
	}
	v := pages.SeatFormView{StructureID: d.ID, StructureName: d.Name, Current: seatPlace(d.Departement, d.CommuneCode, d.CommuneName),
		Errors: summary, Reason: in.Reason, ReasonError: fe["reason"],
		Fields: []pages.FieldView{
			{Name: "to_departement", Label: "Département du nouveau siège", Required: true, Options: opts, Error: fe["to_departement"]},
			{Name: "to_commune", Label: "Code INSEE de la commune du nouveau siège", Value: in.CommuneCode, MaxLen: 5, Error: fe["to_commune"],
				Hint: "5 caractères (exemple : 59350 pour Lille) ; ce n'est pas le code postal."},
			{Name: "to_postal_code", Label: "Code postal", Value: in.PostalCode, MaxLen: 5, Inputmode: "numeric", Error: fe["to_postal_code"], Autocomplete: "postal-code"},
			{Name: "to_address1", Label: "Adresse", Value: in.Address1, MaxLen: 200, Error: fe["to_address1"], Autocomplete: "address-line1"},
		}}
	cs, err := s.store.StructureSeatChanges(r.Context(), sc, d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range cs {
		c.Decidable = false
		v.Rows = append(v.Rows, seatRow(c))
	}
	s.render(w, r, status, pages.SeatForm(s.page(r, "Changement de siège — "+d.Name), v))
}

// seatForm is GET /structures/{id}/siege: the coordinator's request form.
func (s *Server) seatForm(w http.ResponseWriter, r *http.Request) {
	_, _, p := structureFrom(r)
	if !p.Can(access.ActRequestSeatChange) {
		s.notFound(w, r)
		return
	}
	s.renderSeatForm(w, r, http.StatusOK, store.SeatChangeInput{}, nil, nil)
}

// seatRequest is POST /structures/{id}/siege.
func (s *Server) seatRequest(w http.ResponseWriter, r *http.Request) {
	sc, d, p := structureFrom(r)
	if !p.Can(access.ActRequestSeatChange) {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := store.SeatChangeInput{Departement: formValue(r, "to_departement", 10), CommuneCode: formValue(r, "to_commune", 20),
		PostalCode: formValue(r, "to_postal_code", 20), Address1: r.PostFormValue("to_address1"), Reason: r.PostFormValue("reason")}
	ctx := idempotent(r)
	if _, err := s.store.RequestSeatChange(ctx, sc, d.ID, in); err != nil {
		fe, summary, conflict, other := formErrors(err, seatFieldOrder())
		switch {
		case other != nil:
			s.fail(w, r, err)
		case conflict != "":
			s.flash(r, "error", conflict)
			redirect(w, r, "/structures/"+strconv.FormatInt(d.ID, 10))
		default:
			s.renderSeatForm(w, r, http.StatusUnprocessableEntity, in, fe, summary)
		}
		return
	}
	s.flash(r, "ok", "Votre demande de changement de siège est envoyée à la CPAM ; le siège changera une fois la demande approuvée.")
	redirect(w, r, "/structures/"+strconv.FormatInt(d.ID, 10))
}

// seatDecide is POST /structures/{id}/siege/{rid}: approve (decision =
// approuver, confirmed) or refuse (decision = refuser, with a reason).
func (s *Server) seatDecide(w http.ResponseWriter, r *http.Request) {
	sc, d, p := structureFrom(r)
	rid, ok := pathID(chiParam(r, "rid"))
	if !ok || !p.Can(access.ActDecideSeatChange) {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	approve := r.PostFormValue("decision") == "approuver"
	if approve && !s.confirmed(w, r, "Approuver le changement de siège de « "+d.Name+" » ? La structure passera à la CPAM et à l'ARS du nouveau siège ; ses dossiers déjà déposés restent instruits par leurs organismes d'origine.") {
		return
	}
	back := "/changements-de-siege"
	err := s.store.DecideSeatChange(r.Context(), sc, rid, approve, r.PostFormValue("decision_reason"))
	switch {
	case err == nil && approve:
		s.flash(r, "ok", "Le changement de siège de « "+d.Name+" » est approuvé.")
	case err == nil:
		s.flash(r, "ok", "Le changement de siège de « "+d.Name+" » est refusé ; la structure en est informée par son historique.")
	case domain.IsNotFound(err):
		s.notFound(w, r)
		return
	case domain.ErrorCode(err) == domain.EInvalid:
		// The refusal's reason is missing or too long: the list again, the
		// message next to the field.
		s.renderSeatPending(w, r, http.StatusUnprocessableEntity, rid, domain.ErrorMessage(err))
		return
	case domain.ErrorCode(err) == domain.EConflict:
		s.flash(r, "error", domain.ErrorMessage(err))
	default:
		s.fail(w, r, err)
		return
	}
	redirect(w, r, back)
}

// seatPending is GET /changements-de-siege: the requests the viewer decides.
func (s *Server) seatPending(w http.ResponseWriter, r *http.Request) {
	sc, _ := scopeFrom(r.Context())
	if !access.For(sc.Viewer(), access.Structure(0, "", false)).Can(access.ActDecideSeatChange) {
		s.notFound(w, r)
		return
	}
	s.renderSeatPending(w, r, http.StatusOK, 0, "")
}

// renderSeatPending shows the pending requests, with msg next to the
// refusal's reason of request errFor (0: none).
func (s *Server) renderSeatPending(w http.ResponseWriter, r *http.Request, status int, errFor int64, msg string) {
	sc, _ := scopeFrom(r.Context())
	page := pageNumber(r)
	cs, total, err := s.store.PendingSeatChanges(r.Context(), sc, store.Page{Number: page, Size: seatPerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.SeatPendingView{Pager: components.Pager{Page: page, Pages: (total + seatPerPage - 1) / seatPerPage, Total: total, Base: "/changements-de-siege?"}}
	for _, c := range cs {
		row := seatRow(c)
		if c.ID == errFor {
			row.Error = msg
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(w, r, status, pages.SeatPending(s.page(r, "Changements de siège"), v))
}
