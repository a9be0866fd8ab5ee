package server

import (
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// memberFieldOrder is the order of the member form's fields (errors summary).
func memberFieldOrder() []string {
	return []string{"last_name", "first_name", "profession", "specialty", "mode", "rpps", "commune_code",
		"own_structure_id", "email", "phone"}
}

// memberInput reads the member form. Unknown profession or mode codes are
// kept as typed: registry.Member.Validate refuses them.
func memberInput(r *http.Request) registry.Member {
	m := registry.Member{
		LastName:    formValue(r, "last_name", 200),
		FirstName:   formValue(r, "first_name", 200),
		Profession:  registry.Profession(formValue(r, "profession", 40)),
		Specialty:   formValue(r, "specialty", 200),
		Mode:        registry.Mode(formValue(r, "mode", 20)),
		RPPS:        formValue(r, "rpps", 30),
		CommuneCode: formValue(r, "commune_code", 20),
		Email:       formValue(r, "email", 254),
		Phone:       formValue(r, "phone", 30),
	}
	if id, ok := pathID(formValue(r, "own_structure_id", 20)); ok {
		m.OwnStructureID = &id
	}
	return m
}

func (s *Server) memberFormView(r *http.Request, d store.StructureDetail, m registry.Member, fe registry.FieldErrors) (pages.MemberFormView, error) {
	sc, _ := scopeFrom(r.Context())
	var profs, modes []pages.Option
	for _, p := range registry.Professions() {
		profs = append(profs, pages.Option{Value: string(p), Label: p.Label(), Selected: p == m.Profession})
	}
	for _, md := range registry.Modes() {
		modes = append(modes, pages.Option{Value: string(md), Label: md.Label(), Selected: md == m.Mode})
	}
	v := pages.MemberFormView{StructureID: d.ID, StructureName: d.Name}
	v.Fields = []pages.FieldView{
		{Name: "last_name", Label: "Nom", Value: m.LastName, Required: true, MaxLen: 100, Error: fe["last_name"], Autocomplete: "family-name",
			Hint: "Pour un établissement ou une structure : son nom."},
		{Name: "first_name", Label: "Prénom", Value: m.FirstName, MaxLen: 100, Error: fe["first_name"], Autocomplete: "given-name",
			Hint: "Obligatoire pour une personne."},
		{Name: "profession", Label: "Profession", Required: true, Options: profs, Error: fe["profession"]},
		{Name: "specialty", Label: "Spécialité ou précision", Value: m.Specialty, MaxLen: 100, Error: fe["specialty"],
			Hint: "Obligatoire pour un médecin spécialiste (la spécialité) et pour « Autre » (la profession)."},
		{Name: "mode", Label: "Mode d'exercice", Required: true, Options: modes, Error: fe["mode"]},
		{Name: "rpps", Label: "Numéro RPPS", Value: m.RPPS, MaxLen: 15, Inputmode: "numeric", Error: fe["rpps"],
			Hint: "11 chiffres ; facultatif."},
		{Name: "commune_code", Label: "Code INSEE de la commune d'exercice", Value: m.CommuneCode, Required: true, MaxLen: 5, Error: fe["commune_code"],
			Hint: "5 caractères (exemple : 01053 pour Bourg-en-Bresse) ; ce n'est pas le code postal."},
	}
	if d.StructureType == domain.CPTS {
		choices, err := s.store.OwnStructureChoices(r.Context(), sc, d)
		if err != nil {
			return v, err
		}
		opts := []pages.Option{}
		for _, c := range choices {
			opts = append(opts, pages.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + " (" + string(c.Type) + ")",
				Selected: m.OwnStructureID != nil && *m.OwnStructureID == c.ID})
		}
		v.Fields = append(v.Fields, pages.FieldView{Name: "own_structure_id", Label: "Structure d'exercice (MSP ou ESP)", Options: opts,
			Error: fe["own_structure_id"], Hint: "Si le membre exerce dans une MSP ou une ESP enregistrée sur le portail."})
	}
	v.Fields = append(v.Fields,
		pages.FieldView{Name: "email", Label: "Adresse e-mail", Type: "email", Value: m.Email, MaxLen: 254, Error: fe["email"], Autocomplete: "email"},
		pages.FieldView{Name: "phone", Label: "Téléphone", Type: "tel", Value: m.Phone, MaxLen: 25, Error: fe["phone"], Autocomplete: "tel"},
	)
	return v, nil
}

func (s *Server) renderMemberForm(w http.ResponseWriter, r *http.Request, status int, d store.StructureDetail, memberID int64, version int,
	m registry.Member, fe registry.FieldErrors, summary []string, conflict string) {
	v, err := s.memberFormView(r, d, m, fe)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := "/structures/" + strconv.FormatInt(d.ID, 10) + "/membres/"
	if memberID == 0 {
		v.Heading, v.Action, v.IsNew = "Ajouter un membre", base+"nouveau", true
	} else {
		v.Heading, v.Action = "Modifier "+memberDisplayName(m), base+strconv.FormatInt(memberID, 10)+"/modifier"
	}
	v.Version, v.Errors, v.Conflict = version, summary, conflict
	s.render(w, r, status, pages.MemberForm(s.page(r, v.Heading), v))
}

func (s *Server) memberNew(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditMembers)
	if !ok {
		return
	}
	s.renderMemberForm(w, r, http.StatusOK, d, 0, 0, registry.Member{Mode: registry.ModeLiberal}, nil, nil, "")
}

func (s *Server) memberCreate(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditMembers)
	if !ok || !s.parseForm(w, r) {
		return
	}
	sc, _ := scopeFrom(r.Context())
	m := memberInput(r)
	if _, err := s.store.AddMember(idempotent(r), sc, d.ID, m); err != nil {
		fe, summary, _, other := formErrors(err, memberFieldOrder())
		if other != nil || fe == nil {
			s.fail(w, r, err)
			return
		}
		s.renderMemberForm(w, r, http.StatusUnprocessableEntity, d, 0, 0, m, fe, summary, "")
		return
	}
	s.flash(r, "ok", memberDisplayName(m.Normalized())+" est ajouté(e) aux membres.")
	redirect(w, r, "/structures/"+strconv.FormatInt(d.ID, 10)+"/membres")
}

func (s *Server) memberEdit(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditMembers)
	if !ok {
		return
	}
	sc, _ := scopeFrom(r.Context())
	mid, ok := pathID(chiParam(r, "mid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	row, err := s.store.Member(r.Context(), sc, d.ID, mid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderMemberForm(w, r, http.StatusOK, d, mid, row.Version, row.Member, nil, nil, "")
}

func (s *Server) memberUpdate(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditMembers)
	if !ok || !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	mid, ok := pathID(chiParam(r, "mid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	m := memberInput(r)
	version := formVersion(r)
	if err := s.store.UpdateMember(ctx, sc, d.ID, mid, version, m); err != nil {
		fe, summary, conflict, other := formErrors(err, memberFieldOrder())
		if other != nil {
			s.fail(w, r, err)
			return
		}
		status := http.StatusUnprocessableEntity
		if conflict != "" {
			status = http.StatusConflict
			if cur, err := s.store.Member(ctx, sc, d.ID, mid); err == nil {
				version = cur.Version
			}
		}
		s.renderMemberForm(w, r, status, d, mid, version, m, fe, summary, conflict)
		return
	}
	s.flash(r, "ok", "Les modifications de "+memberDisplayName(m.Normalized())+" sont enregistrées.")
	redirect(w, r, "/structures/"+strconv.FormatInt(d.ID, 10)+"/membres")
}

func (s *Server) memberRemove(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditMembers)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Retirer ce membre du registre de la structure ? Cette action est définitive.") {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	mid, ok := pathID(chiParam(r, "mid"))
	if !ok {
		s.notFound(w, r)
		return
	}
	row, err := s.store.Member(ctx, sc, d.ID, mid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.RemoveMember(ctx, sc, d.ID, mid); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", memberDisplayName(row.Member)+" a été retiré(e) des membres.")
	redirect(w, r, "/structures/"+strconv.FormatInt(d.ID, 10)+"/membres")
}
