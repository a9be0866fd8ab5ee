package server

import (
	"errors"
	"github.com/portail-aci/aci/internal/access"
	"net/http"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/pages"
)

// formErrors splits a store error into field errors (shown next to the
// fields, with a summary in field order) and a conflict message; any other
// error is returned as is.
func formErrors(err error, order []string) (fe registry.FieldErrors, summary []string, conflict string, other error) {
	if errors.As(err, &fe) {
		seen := map[string]bool{}
		for _, f := range order {
			if msg, ok := fe[f]; ok {
				summary = append(summary, msg)
				seen[f] = true
			}
		}
		for _, f := range fe.Fields() {
			if !seen[f] {
				summary = append(summary, fe[f])
			}
		}
		return fe, summary, "", nil
	}
	if domain.ErrorCode(err) == domain.EConflict {
		return nil, nil, domain.ErrorMessage(err), nil
	}
	return nil, nil, "", err
}

// structureFieldOrder is the order of the structure form's fields (errors summary).
func structureFieldOrder() []string {
	return []string{"type", "name", "legal_form", "siret", "finess", "coordinator_email", "address1", "address2",
		"postal_code", "commune_code", "departement", "created_on"}
}

// structureFormInput is the structure form as typed: the store's input, and
// the dates as typed (shown again when the save is refused).
type structureFormInput struct {
	store.StructureInput
	CreatedOn string
}

// structureInputFrom reads the structure form of r; a date that cannot be
// parsed is a field error in StructureInput.Invalid.
func structureInputFrom(r *http.Request) structureFormInput {
	in := structureFormInput{CreatedOn: formValue(r, "created_on", 20)}
	in.StructureInput = store.StructureInput{
		Type:             domain.StructureType(formValue(r, "type", 10)),
		Name:             formValue(r, "name", 300),
		LegalForm:        formValue(r, "legal_form", 20),
		SIRET:            formValue(r, "siret", 40),
		FINESS:           formValue(r, "finess", 30),
		Address1:         formValue(r, "address1", 300),
		Address2:         formValue(r, "address2", 300),
		PostalCode:       formValue(r, "postal_code", 20),
		CommuneCode:      formValue(r, "commune_code", 20),
		Departement:      formValue(r, "departement", 5),
		CoordinatorEmail: formValue(r, "coordinator_email", 254),
	}
	fe := registry.FieldErrors{}
	in.StructureInput.CreatedOn = parseFormDate(fe, "created_on", in.CreatedOn)
	if len(fe) > 0 {
		in.Invalid = fe
	}
	return in
}

// parseFormDate reads an optional date (AAAA-MM-JJ from input type=date, or
// jj/mm/aaaa typed by hand).
func parseFormDate(fe registry.FieldErrors, field, raw string) domain.Date {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return domain.Date{}
	}
	d, err := domain.ParseDate(raw)
	if err != nil {
		fe.Add(field, store.DateError)
		return domain.Date{}
	}
	return d
}

func inputFromDetail(d store.StructureDetail) structureFormInput {
	iso := func(x domain.Date) string {
		if x.IsZero() {
			return ""
		}
		return x.String()
	}
	return structureFormInput{StructureInput: store.StructureInput{Type: d.StructureType, Name: d.Name, LegalForm: string(d.LegalForm),
		SIRET: d.SIRET, FINESS: d.FINESS, Address1: d.Address1, Address2: d.Address2, PostalCode: d.PostalCode, CommuneCode: d.CommuneCode,
		Departement: d.Departement, CreatedOn: d.CreatedOn,
		CoordinatorEmail: d.CoordinatorEmail}, CreatedOn: iso(d.CreatedOn)}
}

// structureForm builds the form's view model from the typed values.
func (s *Server) structureForm(r *http.Request, in structureFormInput, fe registry.FieldErrors, isNew, isAdmin bool) (pages.StructureFormView, error) {
	deps, err := s.store.Departements(r.Context())
	if err != nil {
		return pages.StructureFormView{}, err
	}
	var depOpts []pages.Option
	for _, d := range deps {
		depOpts = append(depOpts, pages.Option{Value: d[0], Label: d[0] + " — " + d[1], Selected: d[0] == in.Departement})
	}
	var typeOpts []pages.Option
	for _, t := range []domain.StructureType{domain.CPTS, domain.MSP, domain.ESP, domain.ESS} {
		typeOpts = append(typeOpts, pages.Option{Value: string(t), Label: structureTypeLabel(t), Selected: t == in.Type})
	}
	var lfOpts []pages.Option
	for _, lf := range registry.LegalForms() {
		lfOpts = append(lfOpts, pages.Option{Value: string(lf), Label: lf.Label(), Selected: string(lf) == in.LegalForm})
	}
	v := pages.StructureFormView{}
	if isNew {
		v.Identity = append(v.Identity, pages.FieldView{Name: "type", Label: "Type de structure", Required: true, Options: typeOpts, Error: fe["type"]})
	}
	v.Identity = append(v.Identity,
		pages.FieldView{Name: "name", Label: "Nom de la structure", Value: in.Name, Required: true, MaxLen: 200, Error: fe["name"],
			Autocomplete: "organization"},
		pages.FieldView{Name: "legal_form", Label: "Forme juridique", Options: lfOpts, Error: fe["legal_form"],
			Hint: "Une CPTS est une association loi 1901 ; une MSP doit être constituée en SISA pour percevoir les rémunérations."},
		pages.FieldView{Name: "siret", Label: "Numéro SIRET", Value: in.SIRET, MaxLen: 20, Inputmode: "numeric", Error: fe["siret"],
			Hint: "14 chiffres, espaces acceptés (exemple : 732 829 320 00074). Facultatif tant que la structure n'est pas immatriculée."},
		pages.FieldView{Name: "finess", Label: "Numéro FINESS", Value: in.FINESS, MaxLen: 12, Error: fe["finess"],
			Hint: "9 caractères, commençant par le numéro du département. Nécessaire à une MSP pour être payée."},
	)
	if isAdmin {
		v.Identity = append(v.Identity, pages.FieldView{Name: "coordinator_email", Label: "E-mail du coordinateur", Value: in.CoordinatorEmail,
			Type: "email", MaxLen: 254, Error: fe["coordinator_email"], Hint: "Compte existant qui deviendra coordinateur de la structure (facultatif)."})
	}
	v.Address = []pages.FieldView{
		{Name: "address1", Label: "Adresse", Value: in.Address1, MaxLen: 200, Error: fe["address1"], Autocomplete: "address-line1"},
		{Name: "address2", Label: "Complément d'adresse", Value: in.Address2, MaxLen: 200, Error: fe["address2"], Autocomplete: "address-line2"},
		{Name: "postal_code", Label: "Code postal", Value: in.PostalCode, MaxLen: 5, Inputmode: "numeric", Error: fe["postal_code"], Autocomplete: "postal-code"},
		{Name: "commune_code", Label: "Code INSEE de la commune du siège", Value: in.CommuneCode, MaxLen: 5, Error: fe["commune_code"],
			Hint: "5 caractères (exemple : 01053 pour Bourg-en-Bresse) ; ce n'est pas le code postal."},
		{Name: "departement", Label: "Département du siège", Required: true, Options: depOpts, Error: fe["departement"]},
	}
	v.Dates = []pages.FieldView{
		{Name: "created_on", Label: "Date de création (statuts)", Type: "date", Value: in.CreatedOn, Error: fe["created_on"]},
	}
	return v, nil
}

func (s *Server) renderStructureNew(w http.ResponseWriter, r *http.Request, status int, in structureFormInput, fe registry.FieldErrors, summary []string) {
	v, err := s.structureForm(r, in, fe, true, viewerCan(r, access.ActAdminister))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Heading, v.Action, v.Cancel, v.IsNew, v.Errors, v.Submit = "Enregistrer une structure", "/structures/nouvelle", "/structures", true, summary, "Enregistrer la structure"
	v.Intro = "Enregistrez une CPTS, une MSP, une ESP ou une ESS. Vous en deviendrez le coordinateur : vous pourrez ensuite saisir ses membres."
	if viewerCan(r, access.ActAdminister) {
		v.Intro = "Enregistrez une structure pour n'importe quel département, et désignez si besoin son coordinateur."
	}
	s.render(w, r, status, pages.StructureForm(s.page(r, v.Heading), v))
}

func (s *Server) structureNew(w http.ResponseWriter, r *http.Request) {
	if !viewerCan(r, access.ActCreateStructure) {
		s.notFound(w, r)
		return
	}
	s.renderStructureNew(w, r, http.StatusOK, structureFormInput{}, nil, nil)
}

func (s *Server) structureCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	in := structureInputFrom(r)
	id, err := s.store.CreateStructure(idempotent(r), sc, in.StructureInput)
	if err != nil {
		fe, summary, _, other := formErrors(err, structureFieldOrder())
		if other != nil || fe == nil {
			s.fail(w, r, err)
			return
		}
		s.renderStructureNew(w, r, http.StatusUnprocessableEntity, in, fe, summary)
		return
	}
	if viewerCan(r, access.ActWorkAsStructure) {
		// The creator is now the coordinator of the new structure: act for it.
		if err := s.sessions.RenewToken(ctx); err != nil {
			s.internalError(w, r, err)
			return
		}
		s.sessions.Put(ctx, sessOrgID, id)
		s.flash(r, "ok", "La structure est enregistrée. Vous en êtes le coordinateur et agissez maintenant pour elle ; ajoutez ses membres.")
	} else {
		s.flash(r, "ok", "La structure est enregistrée.")
	}
	redirect(w, r, "/structures/"+strconv.FormatInt(id, 10))
}

func (s *Server) renderStructureEdit(w http.ResponseWriter, r *http.Request, status int, d store.StructureDetail, in structureFormInput,
	version int, fe registry.FieldErrors, summary []string, conflict string) {
	v, err := s.structureForm(r, in, fe, false, viewerCan(r, access.ActAdminister))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := "/structures/" + strconv.FormatInt(d.ID, 10)
	if _, _, p := structureFrom(r); d.SeatLocked && !p.Can(access.ActMoveSeat) {
		// docs/rules.md §33: once a dossier is filed, the seat changes by a
		// request the CPAM approves; the fields are shown, sent, not edited.
		for i, f := range v.Address {
			if f.Name == "departement" || f.Name == "commune_code" {
				f.ReadOnly, f.Value = true, map[string]string{"departement": in.Departement, "commune_code": in.CommuneCode}[f.Name]
				f.Hint = "Un dossier est déposé : le siège se change par une demande à la CPAM, depuis la page de la structure."
				v.Address[i] = f
			}
		}
	}
	v.Heading, v.Action, v.Cancel, v.Version, v.Errors, v.Conflict, v.Submit = "Modifier « "+d.Name+" »", base+"/modifier", base, version, summary, conflict, "Enregistrer les modifications"
	v.Intro = structureTypeLabel(d.StructureType) + ". Le type d'une structure ne se modifie pas."
	s.render(w, r, status, pages.StructureForm(s.page(r, "Modifier "+d.Name), v))
}

// editableDetail is the structure of the route (withStructure) when the
// viewer may do act on it, or answers 404.
func (s *Server) editableDetail(w http.ResponseWriter, r *http.Request, act access.Act) (store.StructureDetail, bool) {
	_, d, p := structureFrom(r)
	if !p.Can(act) {
		s.notFound(w, r)
		return d, false
	}
	return d, true
}

func (s *Server) structureEdit(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditStructure)
	if !ok {
		return
	}
	s.renderStructureEdit(w, r, http.StatusOK, d, inputFromDetail(d), d.Version, nil, nil, "")
}

func (s *Server) structureUpdate(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActEditStructure)
	if !ok || !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	in := structureInputFrom(r)
	in.Type = d.StructureType
	version := formVersion(r)
	err := s.store.UpdateStructure(ctx, sc, d.ID, version, in.StructureInput)
	if err != nil {
		fe, summary, conflict, other := formErrors(err, structureFieldOrder())
		if other != nil {
			s.fail(w, r, err)
			return
		}
		status := http.StatusUnprocessableEntity
		if conflict != "" {
			// Keep what the user typed; the form now carries the current
			// version so that a second submit, after reading, goes through.
			status = http.StatusConflict
			version = d.Version
		}
		s.renderStructureEdit(w, r, status, d, in, version, fe, summary, conflict)
		return
	}
	s.flash(r, "ok", "Les modifications sont enregistrées.")
	redirect(w, r, "/structures/"+strconv.FormatInt(d.ID, 10))
}

func (s *Server) structureArchive(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActArchive)
	if !ok || !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	base := "/structures/" + strconv.FormatInt(d.ID, 10)
	if r.PostFormValue("confirm") != "1" {
		s.flash(r, "error", "Cochez la case de confirmation pour archiver la structure.")
		redirect(w, r, base)
		return
	}
	version := formVersion(r)
	if err := s.store.ArchiveStructure(ctx, sc, d.ID, version); err != nil {
		var refused *store.ArchiveRefusedError
		if domain.ErrorCode(err) == domain.EConflict || errors.As(err, &refused) {
			s.flash(r, "error", domain.ErrorMessage(err))
			redirect(w, r, base)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "« "+d.Name+" » est archivée.")
	if viewerCan(r, access.ActWorkAsStructure) {
		redirect(w, r, "/")
		return
	}
	redirect(w, r, "/structures")
}

// structureUnarchive makes an archived structure active again (national
// admin, audited in the structure's history).
func (s *Server) structureUnarchive(w http.ResponseWriter, r *http.Request) {
	d, ok := s.editableDetail(w, r, access.ActUnarchive)
	if !ok || !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	base := "/structures/" + strconv.FormatInt(d.ID, 10)
	if r.PostFormValue("confirm") != "1" {
		s.flash(r, "error", "Cochez la case de confirmation pour désarchiver la structure.")
		redirect(w, r, base)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if err := s.store.UnarchiveStructure(ctx, sc, d.ID, version); err != nil {
		if domain.ErrorCode(err) == domain.EConflict {
			s.flash(r, "error", domain.ErrorMessage(err))
			redirect(w, r, base)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "« "+d.Name+" » n'est plus archivée : ses utilisateurs peuvent de nouveau agir pour elle.")
	redirect(w, r, base)
}
