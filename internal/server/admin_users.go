package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portail-aci/aci/internal/auth"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/refdata"
	"github.com/portail-aci/aci/internal/store"
	"github.com/portail-aci/aci/templates/components"
	"github.com/portail-aci/aci/templates/pages"
)

// Accounts administration pages (national admin only, see mountAdmin).

const adminUsersPerPage = 50

// sessNewPassword holds, between the creation POST and the account's page,
// the generated initial password: popped (shown once) by that page.
const sessNewPassword = "admin_new_password"

func adminActor(sc store.Scope) store.Actor { return store.Actor{UserID: sc.UserID, Name: sc.UserName} }

// adminKinds are the organisation kinds, in the order of the forms.
func adminKinds() []domain.OrgKind {
	return []domain.OrgKind{domain.OrgNational, domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR, domain.OrgStructure}
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	f := adminUserFilter(r)
	page := pageNumber(r)
	rows, total, err := s.store.ListAccounts(r.Context(), f, store.Page{Number: page, Size: adminUsersPerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.AdminUsersView{Total: total, Query: f.Query}
	for _, k := range adminKinds() {
		v.Kinds = append(v.Kinds, pages.Option{Value: string(k), Label: k.Label(), Selected: k == f.Kind})
	}
	for _, u := range rows {
		v.Rows = append(v.Rows, pages.AdminUserRow{ID: u.ID, Name: u.Name, Email: u.Email, Active: u.DisabledAt == nil, Memberships: adminMemberships(u.Memberships)})
	}
	enc := url.Values{}
	if f.Query != "" {
		enc.Set("q", f.Query)
	}
	if f.Kind != "" {
		enc.Set("type", string(f.Kind))
	}
	base := "/admin/utilisateurs?"
	if e := enc.Encode(); e != "" {
		base += e + "&"
	}
	v.Pager = components.Pager{Page: page, Pages: (total + adminUsersPerPage - 1) / adminUsersPerPage, Total: total, Base: base}
	v.ExportURL = "/admin/utilisateurs/export.csv"
	if e := enc.Encode(); e != "" {
		v.ExportURL += "?" + e
	}
	s.render(w, r, http.StatusOK, pages.AdminUsers(s.page(r, "Administration — utilisateurs"), v))
}

// adminUserFilter reads the accounts list's filters (q, type).
func adminUserFilter(r *http.Request) store.UserFilter {
	q := r.URL.Query()
	f := store.UserFilter{Query: strings.TrimSpace(q.Get("q"))}
	if len([]rune(f.Query)) > 100 {
		f.Query = string([]rune(f.Query)[:100])
	}
	if k := domain.OrgKind(q.Get("type")); k.Valid() {
		f.Kind = k
	}
	return f
}

func adminMemberships(ms []store.Membership) []pages.AdminMembership {
	var out []pages.AdminMembership
	for _, m := range ms {
		out = append(out, pages.AdminMembership{OrgID: m.OrgID, OrgName: m.OrgName, Kind: m.Kind.Label(), Role: m.Role.Label()})
	}
	return out
}

// membershipFields builds the organisation and role choices, the current
// values selected.
// maxStructureOptions bounds the structures listed in the organisation
// select of the account forms.
const maxStructureOptions = 100

func (s *Server) membershipFields(r *http.Request, orgID int64, role string) (pages.AdminMembershipFields, error) {
	orgs, err := s.store.AdminOrganisations(r.Context(), true)
	if err != nil {
		return pages.AdminMembershipFields{}, err
	}
	f := pages.AdminMembershipFields{StructureQuery: strings.TrimSpace(r.URL.Query().Get("structure")), SearchAction: r.URL.Path}
	if len(f.StructureQuery) > 100 {
		f.StructureQuery = f.StructureQuery[:100]
	}
	nStructures := 0
	for _, o := range orgs {
		switch o.Kind { // the organisations offered, not the viewer's
		case domain.OrgStructure:
			nStructures++
		}
	}
	// At national volume (≈ 3 700 structures) one select would be unusable:
	// beyond maxStructureOptions only the structures matching the search,
	// and the one already chosen, are offered.
	filter := nStructures > maxStructureOptions || f.StructureQuery != ""
	if filter {
		f.StructureNote = domain.GroupThousands(int64(nStructures)) + " structures : tapez une partie du nom pour choisir la vôtre dans la liste."
	}
	needle := refdata.Normalize(f.StructureQuery)
	for _, k := range adminKinds() {
		g := pages.OptionGroup{Label: k.Label()}
		rg := pages.OptionGroup{Label: k.Label()}
		shown := 0
		for _, o := range orgs {
			if o.Kind == k && k == domain.OrgStructure && filter && o.ID != orgID {
				if needle == "" || !strings.Contains(refdata.Normalize(o.Name), needle) || shown >= maxStructureOptions {
					continue
				}
				shown++
			}
			if o.Kind == k {
				label := o.Name
				if o.Detail != "" {
					label += " (" + o.Detail + ")"
				}
				g.Options = append(g.Options, pages.Option{Value: strconv.FormatInt(o.ID, 10), Label: label, Selected: o.ID == orgID})
			}
		}
		for _, x := range domain.RolesFor(k) {
			rg.Options = append(rg.Options, pages.Option{Value: string(x), Label: x.Label(), Selected: string(x) == role})
		}
		if len(g.Options) > 0 {
			f.Orgs = append(f.Orgs, g)
		}
		f.Roles = append(f.Roles, rg)
	}
	return f, nil
}

func (s *Server) adminUserNew(w http.ResponseWriter, r *http.Request) {
	s.renderUserForm(w, r, http.StatusOK, "", "", 0, "", nil)
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, status int, name, email string, orgID int64, role string, ferrs []*domain.Error) {
	fields, err := s.membershipFields(r, orgID, role)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.AdminUserFormView{
		Name:   pages.FieldView{Name: "name", Label: "Nom et prénom", Value: name, Required: true, MaxLen: 200, Autocomplete: "off"},
		Email:  pages.FieldView{Name: "email", Label: "Adresse e-mail", Type: "email", Value: email, Required: true, MaxLen: 254, Autocomplete: "off", Hint: "Elle sert d'identifiant de connexion."},
		Fields: fields,
	}
	for _, ferr := range ferrs {
		v.Errors = append(v.Errors, ferr.Message)
		switch ferr.Field {
		case "name":
			v.Name.Error = ferr.Message
		case "email":
			v.Email.Error = ferr.Message
		case "org_id":
			v.Fields.OrgError = ferr.Message
		case "role":
			v.Fields.RoleError = ferr.Message
		}
	}
	s.render(w, r, status, pages.AdminUserForm(s.page(r, "Créer un compte"), v))
}

func (s *Server) adminUserCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	name, email, role := formValue(r, "name", 200), formValue(r, "email", 254), formValue(r, "role", 20)
	orgID, _ := pathID(r.PostFormValue("org_id"))
	n := store.NewAccount{Email: email, Name: name, OrgID: orgID, Role: domain.Role(role)}
	if errs := s.accountErrors(r, n); len(errs) > 0 {
		s.renderUserForm(w, r, http.StatusUnprocessableEntity, name, email, orgID, role, errs)
		return
	}
	password := GeneratePassword()
	hash, err := auth.Hash(password)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	n.PasswordHash = hash
	id, err := s.store.CreateAccount(ctx, adminActor(sc), n)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EInvalid {
		s.renderUserForm(w, r, http.StatusUnprocessableEntity, name, email, orgID, role, []*domain.Error{de})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("admin: user created", "admin_user_id", sc.UserID, "user_id", id, "email", store.NormalizeEmail(email),
		"org_id", orgID, "role", role, "request_id", requestIDFrom(ctx))
	s.sessions.Put(ctx, sessNewPassword, strconv.FormatInt(id, 10)+":"+password)
	redirect(w, r, "/admin/utilisateurs/"+strconv.FormatInt(id, 10))
}

// accountErrors lists every problem of the create form at once: the fields
// (store.AccountErrors), the role refused for the organisation's kind
// (domain.Role.AllowedFor, docs/rules.md §12) and the e-mail already taken.
// CreateAccount checks the last two again in its transaction.
func (s *Server) accountErrors(r *http.Request, n store.NewAccount) []*domain.Error {
	errs := store.AccountErrors(n)
	has := func(field string) bool {
		for _, e := range errs {
			if e.Field == field {
				return true
			}
		}
		return false
	}
	if !has("org_id") {
		o, err := s.store.Organisation(r.Context(), n.OrgID)
		switch {
		case err != nil || o.ArchivedAt != nil:
			errs = append(errs, domain.FieldError("org_id", "Cette organisation n'existe pas ou est archivée : choisissez-en une autre."))
		case !has("role") && !n.Role.AllowedFor(o.Kind):
			var ls []string
			for _, x := range domain.RolesFor(o.Kind) {
				ls = append(ls, "« "+x.Label()+" »")
			}
			errs = append(errs, domain.FieldError("role", "Le rôle « %s » n'existe pas pour une organisation de type %s : choisissez parmi %s.",
				n.Role.Label(), o.Kind.Label(), strings.Join(ls, ", ")))
		}
	}
	if !has("email") {
		if _, err := s.store.UserByEmail(r.Context(), n.Email); err == nil {
			errs = append(errs, domain.FieldError("email", "Un compte existe déjà avec cette adresse e-mail."))
		}
	}
	return errs
}

func (s *Server) adminUserShow(w http.ResponseWriter, r *http.Request) {
	s.renderUser(w, r, http.StatusOK, nil, 0, "")
}

// renderUser shows an account; ferr is the error of the "add a membership"
// form (values kept).
func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, status int, ferr *domain.Error, orgID int64, role string) {
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	id, ok := pathID(chiParam(r, "id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.store.Memberships(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	audit, err := s.store.AdminAuditFor(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fields, err := s.membershipFields(r, orgID, role)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	created, err := s.store.UserCreatedAt(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mfa, err := s.store.MFA(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.AdminUserView{ID: u.ID, Name: u.Name, Email: u.Email, Active: u.DisabledAt == nil, IsSelf: u.ID == sc.UserID,
		CreatedOn: domain.DateOf(created).French(), Memberships: adminMemberships(ms), Add: fields, MFAEnabled: mfa.Enabled}
	if ferr != nil {
		v.Errors = []string{ferr.Message}
		switch ferr.Field {
		case "org_id":
			v.Add.OrgError = ferr.Message
		case "role":
			v.Add.RoleError = ferr.Message
		}
	}
	if status == http.StatusOK {
		if pw := s.sessions.PopString(ctx, sessNewPassword); pw != "" {
			if pid, p, ok := strings.Cut(pw, ":"); ok && pid == strconv.FormatInt(id, 10) {
				v.NewPassword = p
				w.Header().Set("Cache-Control", "no-store")
			}
		}
	}
	for _, a := range audit {
		v.Audit = append(v.Audit, pages.AdminAuditRow{At: a.At.In(domain.Paris).Format("02/01/2006 15:04"), Actor: a.ActorName, Action: auditActionLabel(a.Action), Detail: a.Detail})
	}
	s.render(w, r, status, pages.AdminUser(s.page(r, u.Name+" — administration"), v))
}

func auditActionLabel(a string) string {
	switch a {
	case store.AuditUserCreate:
		return "Création du compte"
	case store.AuditUserDisable:
		return "Désactivation"
	case store.AuditUserEnable:
		return "Réactivation"
	case store.AuditMembershipAdd:
		return "Rattachement ajouté"
	case store.AuditMembershipRemove:
		return "Rattachement retiré"
	case store.AuditOrgCreate:
		return "Organisation créée"
	case store.AuditPasswordChange:
		return "Mot de passe changé"
	case store.AuditMFAEnable:
		return "Vérification en deux étapes activée"
	case store.AuditMFADisable:
		return "Vérification en deux étapes désactivée"
	case store.AuditMFAReset:
		return "Vérification en deux étapes réinitialisée"
	case store.AuditMFARecoveryUsed:
		return "Code de secours utilisé"
	case store.AuditMFARecoveryNew:
		return "Nouveaux codes de secours"
	}
	return a
}

func (s *Server) adminMembershipAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	id, ok := pathID(chiParam(r, "id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	orgID, _ := pathID(r.PostFormValue("org_id"))
	role := formValue(r, "role", 20)
	err := s.store.GrantMembership(ctx, adminActor(sc), id, orgID, domain.Role(role))
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EInvalid {
		s.renderUser(w, r, http.StatusUnprocessableEntity, de, orgID, role)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("admin: membership added", "admin_user_id", sc.UserID, "user_id", id, "org_id", orgID, "role", role, "request_id", requestIDFrom(ctx))
	s.flash(r, "ok", "Rattachement enregistré.")
	redirect(w, r, "/admin/utilisateurs/"+strconv.FormatInt(id, 10))
}

func (s *Server) adminMembershipRemove(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if !s.confirmed(w, r, "Retirer ce rattachement ? La personne ne pourra plus agir pour cette organisation.") {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	id, ok := pathID(chiParam(r, "id"))
	orgID, ok2 := pathID(r.PostFormValue("org_id"))
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	if err := s.store.RevokeMembership(ctx, adminActor(sc), id, orgID); err != nil {
		s.adminActionFailed(w, r, id, err)
		return
	}
	s.log.Info("admin: membership removed", "admin_user_id", sc.UserID, "user_id", id, "org_id", orgID, "request_id", requestIDFrom(ctx))
	s.flash(r, "ok", "Rattachement retiré.")
	redirect(w, r, "/admin/utilisateurs/"+strconv.FormatInt(id, 10))
}

// adminActionFailed shows a refused action (conflict) as a flash on the
// account's page; anything else goes to fail.
func (s *Server) adminActionFailed(w http.ResponseWriter, r *http.Request, id int64, err error) {
	if domain.ErrorCode(err) == domain.EConflict {
		s.flash(r, "error", domain.ErrorMessage(err))
		redirect(w, r, "/admin/utilisateurs/"+strconv.FormatInt(id, 10))
		return
	}
	s.fail(w, r, err)
}

func (s *Server) adminUserDisable(w http.ResponseWriter, r *http.Request) {
	s.adminSetDisabled(w, r, true)
}
func (s *Server) adminUserEnable(w http.ResponseWriter, r *http.Request) {
	s.adminSetDisabled(w, r, false)
}

func (s *Server) adminSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	if !s.parseForm(w, r) {
		return
	}
	q := "Réactiver ce compte ? La personne pourra de nouveau se connecter."
	if disabled {
		q = "Désactiver ce compte ? Ses sessions prennent fin immédiatement."
	}
	if !s.confirmed(w, r, q) {
		return
	}
	ctx := r.Context()
	sc, _ := scopeFrom(ctx)
	id, ok := pathID(chiParam(r, "id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.store.SetUserDisabled(ctx, adminActor(sc), id, disabled); err != nil {
		s.adminActionFailed(w, r, id, err)
		return
	}
	if disabled {
		s.log.Warn("admin: user disabled", "admin_user_id", sc.UserID, "user_id", id, "request_id", requestIDFrom(ctx))
		s.flash(r, "ok", "Compte désactivé : ses sessions ont pris fin.")
	} else {
		s.log.Info("admin: user re-enabled", "admin_user_id", sc.UserID, "user_id", id, "request_id", requestIDFrom(ctx))
		s.flash(r, "ok", "Compte réactivé : la personne peut de nouveau se connecter.")
	}
	redirect(w, r, "/admin/utilisateurs/"+strconv.FormatInt(id, 10))
}
