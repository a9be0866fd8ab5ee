package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
)

// Accounts administration (docs/rules.md §12: "national admin:
// reference data, barèmes, users"). These functions are unscoped: only the
// national admin's pages (server/admin_*.go, behind their own guard) and the
// `aci user` command call them. Every change writes its admin_audit row in
// the same transaction.

// Actor is who makes an administrative change: a user, or the command line
// (UserID 0).
type Actor struct {
	UserID int64
	Name   string
}

// CLIActor is the actor of `aci user`.
func CLIActor() Actor { return Actor{Name: "Ligne de commande (aci user)"} }

// Admin audit actions (migrations/00050_admin_audit.sql).
const (
	AuditUserCreate       = "user_create"
	AuditUserDisable      = "user_disable"
	AuditUserEnable       = "user_enable"
	AuditMembershipAdd    = "membership_add"
	AuditMembershipRemove = "membership_remove"
	AuditOrgCreate        = "org_create"
	AuditPasswordChange   = "password_change"
	AuditPasswordReset    = "password_reset"
)

// NationalOrgName is the organisation `aci user create --org-kind national`
// creates when absent (the demo seed uses the same name).
const NationalOrgName = "Administration nationale"

func writeAdminAudit(ctx context.Context, tx pgx.Tx, a Actor, action string, userID, orgID int64, detail string) error {
	var actor, user, org *int64
	if a.UserID > 0 {
		actor = &a.UserID
	}
	if userID > 0 {
		user = &userID
	}
	if orgID > 0 {
		org = &orgID
	}
	name := strings.TrimSpace(a.Name)
	if name == "" {
		name = CLIActor().Name
	}
	if r := []rune(detail); len(r) > 1000 {
		detail = string(r[:1000])
	}
	_, err := tx.Exec(ctx, `INSERT INTO admin_audit (actor_user_id, actor_name, action, target_user_id, target_org_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6)`, actor, name, action, user, org, detail)
	return err
}

// NewAccount is what CreateAccount needs: the account and its first
// membership.
type NewAccount struct {
	Email        string
	Name         string
	PasswordHash string
	OrgID        int64
	Role         domain.Role
}

// ValidateAccount checks the fields of a new account: the first of
// AccountErrors, or nil.
func ValidateAccount(n NewAccount) error {
	if errs := AccountErrors(n); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// AccountErrors checks every field of a new account on its own (the forms
// show all errors at once); errors name the form field (email, name,
// org_id, role). Whether the role exists for the organisation's kind and
// whether the e-mail is free are checked again by CreateAccount.
func AccountErrors(n NewAccount) []*domain.Error {
	var errs []*domain.Error
	name := strings.TrimSpace(n.Name)
	switch {
	case name == "":
		errs = append(errs, domain.FieldError("name", "Indiquez le nom de la personne."))
	case len([]rune(name)) > 200:
		errs = append(errs, domain.FieldError("name", "Le nom ne peut dépasser 200 caractères."))
	case registry.HasForbiddenChars(name):
		errs = append(errs, domain.FieldError("name", registry.MsgNameChars))
	}
	email := NormalizeEmail(n.Email)
	at := strings.IndexByte(email, '@')
	switch {
	case email == "":
		errs = append(errs, domain.FieldError("email", "Indiquez l'adresse e-mail de la personne."))
	case len(email) > 254 || at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>,;") || !strings.Contains(email[at+1:], "."):
		errs = append(errs, domain.FieldError("email", "Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."))
	}
	if n.OrgID <= 0 {
		errs = append(errs, domain.FieldError("org_id", "Choisissez l'organisation de la personne."))
	}
	if !n.Role.Valid() {
		errs = append(errs, domain.FieldError("role", "Choisissez un rôle."))
	}
	return errs
}

// lockOrgForRole reads the organisation's kind and refuses a role that kind
// cannot grant (domain.Role.AllowedFor, docs/rules.md §12).
func lockOrgForRole(ctx context.Context, tx pgx.Tx, orgID int64, role domain.Role) (string, error) {
	var kind, name string
	var archived *time.Time
	err := tx.QueryRow(ctx, `SELECT kind, name, archived_at FROM organisations WHERE id = $1`, orgID).Scan(&kind, &name, &archived)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && archived != nil) {
		return "", domain.FieldError("org_id", "Cette organisation n'existe pas ou est archivée : choisissez-en une autre.")
	}
	if err != nil {
		return "", err
	}
	if !role.AllowedFor(domain.OrgKind(kind)) {
		return "", domain.FieldError("role", "Le rôle « %s » n'existe pas pour une organisation de type %s : choisissez parmi %s.",
			role.Label(), domain.OrgKind(kind).Label(), roleLabels(domain.RolesFor(domain.OrgKind(kind))))
	}
	return name, nil
}

func roleLabels(rs []domain.Role) string {
	var ls []string
	for _, r := range rs {
		ls = append(ls, "« "+r.Label()+" »")
	}
	return strings.Join(ls, ", ")
}

// CreateAccount creates a user and its membership in one transaction, with
// its audit row. A taken e-mail is a field error on "email".
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) CreateAccount(ctx context.Context, a Actor, n NewAccount) (int64, error) {
	if err := ValidateAccount(n); err != nil {
		return 0, err
	}
	var id int64
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		orgName, err := lockOrgForRole(ctx, tx, n.OrgID, n.Role)
		if err != nil {
			return err
		}
		// The initial password is someone else's choice: the person chooses
		// their own at first login (must_change_password).
		err = tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, must_change_password) VALUES ($1, $2, $3, true)
			ON CONFLICT (email) DO NOTHING RETURNING id`,
			NormalizeEmail(n.Email), strings.TrimSpace(n.Name), n.PasswordHash).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.FieldError("email", "Un compte existe déjà avec cette adresse e-mail.")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)`, id, n.OrgID, string(n.Role)); err != nil {
			return err
		}
		return writeAdminAudit(ctx, tx, a, AuditUserCreate, id, n.OrgID,
			NormalizeEmail(n.Email)+" — "+orgName+" ("+n.Role.Label()+")")
	})
	return id, pgError("store.CreateAccount", err)
}

// GrantMembership adds (or changes the role of) a user's membership, with its
// audit row.
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) GrantMembership(ctx context.Context, a Actor, userID, orgID int64, role domain.Role) error {
	if !role.Valid() {
		return domain.FieldError("role", "Choisissez un rôle.")
	}
	if orgID <= 0 {
		return domain.FieldError("org_id", "Choisissez une organisation.")
	}
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		orgName, err := lockOrgForRole(ctx, tx, orgID, role)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`, userID, orgID, string(role)); err != nil {
			return err
		}
		return writeAdminAudit(ctx, tx, a, AuditMembershipAdd, userID, orgID, orgName+" ("+role.Label()+")")
	})
	return pgError("store.GrantMembership", err)
}

func lockUser(ctx context.Context, tx pgx.Tx, userID int64) error {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.ENotFound, "utilisateur introuvable")
	}
	return err
}

// RevokeMembership removes a user's membership, with its audit row. An admin
// cannot remove their own national admin membership (nobody would be left
// to give it back).
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) RevokeMembership(ctx context.Context, a Actor, userID, orgID int64) error {
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		var orgName, role string
		err := tx.QueryRow(ctx, `DELETE FROM memberships m USING organisations o
			WHERE m.user_id = $1 AND m.org_id = $2 AND o.id = m.org_id RETURNING o.name, m.role`, userID, orgID).Scan(&orgName, &role)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.ENotFound, "rattachement introuvable")
		}
		if err != nil {
			return err
		}
		if userID == a.UserID && domain.Role(role) == domain.RoleAdmin {
			return domain.Errorf(domain.EConflict, "Vous ne pouvez pas retirer votre propre rattachement d'administration : demandez-le à un·e autre administrateur·rice.")
		}
		return writeAdminAudit(ctx, tx, a, AuditMembershipRemove, userID, orgID, orgName+" ("+domain.Role(role).Label()+")")
	})
	return pgError("store.RevokeMembership", err)
}

// SetUserDisabled disables (the auth middleware ends the account's sessions
// at their next request) or re-enables an account, with its audit row. An
// admin cannot disable their own account.
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) SetUserDisabled(ctx context.Context, a Actor, userID int64, disabled bool) error {
	if disabled && userID == a.UserID {
		return domain.Errorf(domain.EConflict, "Vous ne pouvez pas désactiver votre propre compte.")
	}
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		var email string
		q := `UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL RETURNING email`
		action := AuditUserEnable
		if disabled {
			q = `UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING email`
			action = AuditUserDisable
		}
		err := tx.QueryRow(ctx, q, userID).Scan(&email)
		if errors.Is(err, pgx.ErrNoRows) {
			if err := lockUser(ctx, tx, userID); err != nil {
				return err
			}
			if disabled {
				return domain.Errorf(domain.EConflict, "Ce compte est déjà désactivé.")
			}
			return domain.Errorf(domain.EConflict, "Ce compte est déjà actif.")
		}
		if err != nil {
			return err
		}
		return writeAdminAudit(ctx, tx, a, action, userID, 0, email)
	})
	return pgError("store.SetUserDisabled", err)
}

// ChangePassword replaces the password hash of a user (their own change),
// with its audit row.
// No scope: a user's own rows (WHERE user_id), not a structure's data; the
// handlers pass sc.UserID.
func (s *Store) ChangePassword(ctx context.Context, userID int64, actorName, hash string) error {
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, must_change_password = false
			WHERE id = $1`, userID, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.ENotFound, "utilisateur introuvable")
		}
		return writeAdminAudit(ctx, tx, Actor{UserID: userID, Name: actorName}, AuditPasswordChange, userID, 0, "")
	})
	return pgError("store.ChangePassword", err)
}

// UserFilter narrows the accounts list.
type UserFilter struct {
	Query string         // name or e-mail contains
	Kind  domain.OrgKind // holds a membership in an organisation of this kind
}

// AccountRow is a line of the accounts list.
type AccountRow struct {
	User
	CreatedAt   time.Time
	Memberships []Membership
}

// ListAccounts returns one page of accounts matching f, ordered by name, with
// their memberships, and the total count.
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) ListAccounts(ctx context.Context, f UserFilter, p Page) ([]AccountRow, int, error) {
	var a args
	where := []string{"true"}
	if q := strings.TrimSpace(f.Query); q != "" {
		ph := a.add(escapeLike(q))
		where = append(where, "(u.name ILIKE '%' || "+ph+" || '%' OR u.email ILIKE '%' || "+ph+" || '%')")
	}
	if f.Kind != "" {
		where = append(where, "EXISTS (SELECT 1 FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = u.id AND o.kind = "+a.add(string(f.Kind))+")")
	}
	w := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.Pool.QueryRow(ctx, "SELECT count(*) FROM users u"+w, a...).Scan(&total); err != nil {
		return nil, 0, pgError("store.ListAccounts", err)
	}
	if p.Size <= 0 {
		p.Size = 50
	}
	rows, err := s.Pool.Query(ctx, "SELECT u.id, u.email, u.name, u.password_hash, u.email_mode, u.disabled_at, u.created_at FROM users u"+w+
		" ORDER BY lower(u.name), u.id"+p.limitOffset(), a...)
	if err != nil {
		return nil, 0, pgError("store.ListAccounts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountRow, error) {
		var u AccountRow
		err := r.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.EmailMode, &u.DisabledAt, &u.CreatedAt)
		u.PasswordHash = "" // never leaves the store on a list
		return u, err
	})
	if err != nil {
		return nil, 0, pgError("store.ListAccounts", err)
	}
	if len(out) == 0 {
		return out, total, nil
	}
	ids := make([]int64, len(out))
	idx := map[int64]int{}
	for i, u := range out {
		ids[i], idx[u.ID] = u.ID, i
	}
	mrows, err := s.Pool.Query(ctx, `SELECT m.user_id, m.org_id, o.name, o.kind, m.role FROM memberships m
		JOIN organisations o ON o.id = m.org_id WHERE m.user_id = ANY($1) ORDER BY o.name, o.id`, ids)
	if err != nil {
		return nil, 0, pgError("store.ListAccounts", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var uid int64
		var m Membership
		var kind, role string
		if err := mrows.Scan(&uid, &m.OrgID, &m.OrgName, &kind, &role); err != nil {
			return nil, 0, pgError("store.ListAccounts", err)
		}
		m.Kind, m.Role = domain.OrgKind(kind), domain.Role(role)
		out[idx[uid]].Memberships = append(out[idx[uid]].Memberships, m)
	}
	return out, total, pgError("store.ListAccounts", mrows.Err())
}

// UserCreatedAt says when an account was created.
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) UserCreatedAt(ctx context.Context, id int64) (time.Time, error) {
	var t time.Time
	err := s.Pool.QueryRow(ctx, `SELECT created_at FROM users WHERE id = $1`, id).Scan(&t)
	return t, pgError("store.UserCreatedAt", err)
}

// AdminAuditEntry is a row of admin_audit.
type AdminAuditEntry struct {
	At        time.Time
	ActorName string
	Action    string
	Detail    string
}

// AdminAuditFor lists the last 100 administrative changes about a user, newest
// first.
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) AdminAuditFor(ctx context.Context, userID int64) ([]AdminAuditEntry, error) {
	rows, err := s.Pool.Query(ctx, `SELECT at, actor_name, action, detail FROM admin_audit
		WHERE target_user_id = $1 ORDER BY at DESC, id DESC LIMIT 100`, userID)
	if err != nil {
		return nil, pgError("store.AdminAuditFor", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AdminAuditEntry, error) {
		var e AdminAuditEntry
		return e, r.Scan(&e.At, &e.ActorName, &e.Action, &e.Detail)
	})
	return out, pgError("store.AdminAuditFor", err)
}

// OrgChoice is an organisation offered in the admin forms.
type OrgChoice struct {
	ID       int64
	Kind     domain.OrgKind
	Name     string
	Detail   string // CPAM: départements; ARS/DCGDR: region; structure: type and département
	Accounts int
}

// AdminOrganisations lists the active organisations, by kind then name; with
// structures false, the care structures are left out.
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) AdminOrganisations(ctx context.Context, structures bool) ([]OrgChoice, error) {
	q := `SELECT o.id, o.kind, o.name,
		CASE o.kind
			WHEN 'cpam' THEN coalesce((SELECT string_agg(od.departement, ', ' ORDER BY od.departement) FROM organisation_departements od WHERE od.org_id = o.id), '')
			WHEN 'structure' THEN coalesce(o.structure_type, '') || ' — ' || coalesce(o.departement, '')
			ELSE coalesce(r.nom, '') END,
		(SELECT count(*) FROM memberships m WHERE m.org_id = o.id)
		FROM organisations o LEFT JOIN regions r ON r.code = o.region
		WHERE o.archived_at IS NULL`
	if !structures {
		q += ` AND o.kind <> 'structure'`
	}
	q += ` ORDER BY CASE o.kind WHEN 'national' THEN 0 WHEN 'cpam' THEN 1 WHEN 'ars' THEN 2 WHEN 'dcgdr' THEN 3 ELSE 4 END, lower(o.name), o.id`
	rows, err := s.Pool.Query(ctx, q)
	if err != nil {
		return nil, pgError("store.AdminOrganisations", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OrgChoice, error) {
		var o OrgChoice
		var kind string
		err := r.Scan(&o.ID, &kind, &o.Name, &o.Detail, &o.Accounts)
		o.Kind = domain.OrgKind(kind)
		return o, err
	})
	return out, pgError("store.AdminOrganisations", err)
}

// Regions lists every region (code, name) for the forms' choices.
// No scope: reference data, not tenant data (the same for every user).
func (s *Store) Regions(ctx context.Context) ([][2]string, error) {
	rows, err := s.Pool.Query(ctx, `SELECT code, nom FROM regions ORDER BY nom`)
	if err != nil {
		return nil, pgError("store.Regions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var d [2]string
		return d, r.Scan(&d[0], &d[1])
	})
	return out, pgError("store.Regions", err)
}

// AdminCreateOrganisation creates a CPAM (name + départements), an ARS or a
// DCGDR (name + region) or the national organisation, with its audit row.
// Errors name the form field (kind, name, departements, region).
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) AdminCreateOrganisation(ctx context.Context, a Actor, o NewOrganisation) (int64, error) {
	o.Name = strings.TrimSpace(o.Name)
	switch o.Kind {
	case domain.OrgCPAM, domain.OrgARS, domain.OrgDCGDR, domain.OrgNational:
	default:
		return 0, domain.FieldError("kind", "Choisissez le type d'organisation : CPAM, ARS ou DCGDR.")
	}
	switch {
	case o.Name == "":
		return 0, domain.FieldError("name", "Indiquez le nom de l'organisation.")
	case len([]rune(o.Name)) > 200:
		return 0, domain.FieldError("name", "Le nom ne peut dépasser 200 caractères.")
	case registry.HasForbiddenChars(o.Name):
		return 0, domain.FieldError("name", registry.MsgNameChars)
	}
	o.StructureType, o.Departement = "", ""
	switch o.Kind {
	case domain.OrgCPAM:
		o.Region = ""
		if len(o.Departements) == 0 {
			return 0, domain.FieldError("departements", "Choisissez au moins un département couvert par la CPAM.")
		}
	case domain.OrgARS, domain.OrgDCGDR:
		o.Departements = nil
		if o.Region == "" {
			return 0, domain.FieldError("region", "Choisissez la région couverte.")
		}
	default:
		o.Departements, o.Region = nil, ""
	}
	var id int64
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		return s.once(ctx, tx, a.UserID, "create_organisation", &id, func() (int64, error) {
			var id int64
			err := adminCreateOrganisationTx(ctx, tx, a, o, &id)
			return id, err
		})
	})
	return id, pgError("store.AdminCreateOrganisation", replayed(err))
}

// adminCreateOrganisationTx is the body of AdminCreateOrganisation's
// transaction.
func adminCreateOrganisationTx(ctx context.Context, tx pgx.Tx, a Actor, o NewOrganisation, id *int64) error {
	{
		if o.Region != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM regions WHERE code = $1`, o.Region).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return domain.FieldError("region", "Cette région n'existe pas.")
			}
		}
		if len(o.Departements) > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(DISTINCT code) FROM departements WHERE code = ANY($1)`, o.Departements).Scan(&n); err != nil {
				return err
			}
			if n != len(o.Departements) {
				return domain.FieldError("departements", "Un des départements choisis n'existe pas.")
			}
		}
		var reg *string
		if o.Region != "" {
			reg = &o.Region
		}
		err := tx.QueryRow(ctx, `INSERT INTO organisations (kind, name, region) VALUES ($1, $2, $3)
			ON CONFLICT (kind, lower(name)) DO NOTHING RETURNING id`, string(o.Kind), o.Name, reg).Scan(id)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.FieldError("name", "Une organisation de ce type porte déjà ce nom.")
		}
		if err != nil {
			return err
		}
		for _, d := range o.Departements {
			if _, err := tx.Exec(ctx, `INSERT INTO organisation_departements (org_id, departement) VALUES ($1, $2)`, *id, d); err != nil {
				return err
			}
		}
		detail := o.Kind.Label() + " " + o.Name
		if o.Region != "" {
			detail += " — région " + o.Region
		}
		if len(o.Departements) > 0 {
			detail += " — départements " + strings.Join(o.Departements, ", ")
		}
		return writeAdminAudit(ctx, tx, a, AuditOrgCreate, 0, *id, detail)
	}
}

// EnsureNationalOrg returns the id of the national organisation named name
// (NationalOrgName when empty), creating it when absent.
// System path, no scope: national administration only (the routes are behind
// requireNationalAdmin, server/admin_routes.go; the cmd/aci CLI and the seed).
func (s *Store) EnsureNationalOrg(ctx context.Context, a Actor, name string) (int64, error) {
	if strings.TrimSpace(name) == "" {
		name = NationalOrgName
	}
	id, err := s.OrganisationIDByName(ctx, domain.OrgNational, name)
	if err == nil || !domain.IsNotFound(err) {
		return id, err
	}
	return s.AdminCreateOrganisation(ctx, a, NewOrganisation{Kind: domain.OrgNational, Name: name})
}
