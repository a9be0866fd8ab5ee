package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
)

// StructureDetail is a structure's registry identity (organisations row of
// kind 'structure', migration 00020).
type StructureDetail struct {
	Organisation
	LegalForm         registry.LegalForm // "" when not given
	SIRET             string
	FINESS            string
	Address1          string
	Address2          string
	PostalCode        string
	CommuneCode       string
	CommuneName       string
	CreatedOn         domain.Date // zero: unknown
	CoordinatorUserID int64
	CoordinatorName   string
	CoordinatorEmail  string
	UpdatedAt         time.Time
	UpdatedByName     string
	// CanEdit: the scope may edit this structure and its members (see
	// Scope.canEditStructure).
	CanEdit bool
	// SeatLocked: a dossier of the structure is filed; its seat changes
	// through a request the CPAM approves (docs/rules.md §33).
	SeatLocked bool
}

// canEditStructure reports whether the scope may change structure id and its
// members (docs/rules.md §21): a national admin
// edits every structure; a structure's coordinator edits their own; every
// other role of the scope (structure member, CPAM, ARS, DCGDR) only reads.
// Visibility is still checked by the query (sc.structures).
func (sc Scope) canEditStructure(id int64) bool {
	return access.For(sc.Viewer(), access.Structure(id, "", false)).Can(access.ActEditStructure)
}

// canCreateStructure reports who may register a new structure.
//
// Decision ("admin, or a coordinator who registers a new
// structure and becomes its coordinator"): a national admin, for any
// département; any user acting for a structure (coordinator or member of
// another one — a professional setting up a new MSP often already belongs to
// a CPTS), who becomes the coordinator of the new structure. CPAM, ARS and
// DCGDR users do not register structures: they instruct them.
func (sc Scope) canCreateStructure() bool {
	return access.ForViewer(sc.Viewer()).Can(access.ActCreateStructure)
}

// canExportStructures reports who may download the structures list as CSV
// ("CSV export of the list for CPAM/ARS users"): CPAM, ARS,
// DCGDR and national users, each on their scope; structure users do not.
func (sc Scope) canExportStructures() bool {
	return access.ForViewer(sc.Viewer()).Can(access.ActExportStructures)
}

// StructureInput is the identity of the register and edit forms: the
// identifiers as typed (validateStructure normalises them with the
// registry's validators), the dates parsed by the server.
type StructureInput struct {
	Type             domain.StructureType
	Name             string
	LegalForm        string
	SIRET            string
	FINESS           string
	Address1         string
	Address2         string
	PostalCode       string
	CommuneCode      string
	Departement      string
	CreatedOn        domain.Date // zero: unknown
	CoordinatorEmail string      // admin only: an existing account made coordinator
	// Invalid holds the form fields the server could not parse (a date):
	// the save is refused with them and the store's own findings, all at
	// once.
	Invalid registry.FieldErrors
}

// structureValues is a validated StructureInput.
type structureValues struct {
	typ                               domain.StructureType
	name                              string
	legalForm, siret, finess, commune *string
	address1, address2, postal, dep   string
	createdOn                         *time.Time
	coordinatorEmail                  string
}

// DateError is the message of a structure date that is not a date in range.
const DateError = "Date invalide : utilisez le format jj/mm/aaaa."

// optDate is the column value of date d (nil when zero), refused with a
// field error outside 1900..2100.
func optDate(fe registry.FieldErrors, field string, d domain.Date) *time.Time {
	if d.IsZero() {
		return nil
	}
	if d.Y < 1900 || d.Y > 2100 {
		fe.Add(field, DateError)
		return nil
	}
	t := d.Time()
	return &t
}

// optString is nil for "" (SQL NULL), else a pointer to s.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// validate checks the form's fields (registry validators for SIRET, FINESS;
// reference data for département and commune) and returns every problem.
func (s *Store) validateStructure(ctx context.Context, in StructureInput, isAdmin bool) (structureValues, registry.FieldErrors, error) {
	fe := registry.FieldErrors{}
	for f, msg := range in.Invalid {
		fe.Add(f, msg)
	}
	var v structureValues
	if !in.Type.Valid() {
		fe.Add("type", "Choisissez le type de structure (CPTS, MSP, ESP ou ESS).")
	}
	v.typ = in.Type
	v.name = strings.Join(strings.Fields(in.Name), " ")
	switch {
	case v.name == "":
		fe.Add("name", "Le nom de la structure est obligatoire.")
	case utf8.RuneCountInString(v.name) > 200:
		fe.Add("name", "Le nom est trop long (200 caractères au plus).")
	}
	if registry.HasForbiddenChars(v.name) {
		fe.Add("name", registry.MsgNameChars)
	}
	if in.LegalForm != "" {
		if lf := registry.LegalForm(in.LegalForm); lf.Valid() {
			v.legalForm = optString(string(lf))
		} else {
			fe.Add("legal_form", "Forme juridique inconnue.")
		}
	}
	if registry.Normalize(in.SIRET) != "" {
		siret, err := registry.ParseSIRET(in.SIRET)
		if err != nil {
			fe.Add("siret", domain.ErrorMessage(err))
		}
		v.siret = optString(siret)
	}
	if registry.Normalize(in.FINESS) != "" {
		finess, err := registry.ParseFINESS(in.FINESS)
		if err != nil {
			fe.Add("finess", domain.ErrorMessage(err))
		}
		v.finess = optString(finess)
	}
	v.address1 = strings.TrimSpace(in.Address1)
	v.address2 = strings.TrimSpace(in.Address2)
	if utf8.RuneCountInString(v.address1) > 200 {
		fe.Add("address1", "L'adresse est trop longue (200 caractères au plus).")
	}
	if utf8.RuneCountInString(v.address2) > 200 {
		fe.Add("address2", "Le complément d'adresse est trop long (200 caractères au plus).")
	}
	v.postal = registry.Normalize(in.PostalCode)
	if v.postal != "" && (len(v.postal) != 5 || strings.Trim(v.postal, "0123456789") != "") {
		fe.Add("postal_code", "Le code postal doit comporter 5 chiffres.")
	}
	v.dep = strings.ToUpper(strings.TrimSpace(in.Departement))
	if v.dep == "" {
		fe.Add("departement", "Choisissez le département du siège.")
	} else {
		var ok bool
		if err := s.sys().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM departements WHERE code = $1)`, v.dep).Scan(&ok); err != nil {
			return v, nil, err
		}
		if !ok {
			fe.Add("departement", "Département inconnu.")
		}
	}
	if c := registry.Normalize(in.CommuneCode); c != "" {
		code, err := registry.ParseCommuneCode(c)
		if err != nil {
			fe.Add("commune_code", domain.ErrorMessage(err))
		} else {
			var dep string
			err := s.sys().QueryRow(ctx, `SELECT departement FROM communes WHERE code = $1`, code).Scan(&dep)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				fe.Add("commune_code", fmt.Sprintf("Le code commune %s n'existe pas.", code))
			case err != nil:
				return v, nil, err
			case v.dep != "" && dep != v.dep:
				fe.Add("commune_code", fmt.Sprintf("La commune %s n'est pas dans le département du siège (%s).", code, v.dep))
			}
			v.commune = &code
		}
	}
	v.createdOn = optDate(fe, "created_on", in.CreatedOn)
	if isAdmin && strings.TrimSpace(in.CoordinatorEmail) != "" {
		v.coordinatorEmail = NormalizeEmail(in.CoordinatorEmail)
		var ok bool
		if err := s.sys().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email = $1 AND disabled_at IS NULL)`, v.coordinatorEmail).Scan(&ok); err != nil {
			return v, nil, err
		}
		if !ok {
			fe.Add("coordinator_email", "Aucun compte actif n'a cette adresse e-mail : le coordinateur doit d'abord avoir un compte.")
		}
	}
	return v, fe, nil
}

// uniqueViolation turns the registry's unique indexes into field errors.
func uniqueViolation(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		switch pe.ConstraintName {
		case "organisations_kind_name_idx":
			return registry.FieldErrors{"name": "Une structure porte déjà ce nom : choisissez un nom distinct."}
		case "organisations_siret_idx":
			return registry.FieldErrors{"siret": "Ce numéro SIRET est déjà celui d'une autre structure enregistrée."}
		case "organisations_finess_idx":
			return registry.FieldErrors{"finess": "Ce numéro FINESS est déjà celui d'une autre structure enregistrée."}
		}
	}
	return err
}

func logChange(ctx context.Context, tx pgx.Tx, structureID, userID int64, action, summary string) error {
	if utf8.RuneCountInString(summary) > 2000 {
		summary = string([]rune(summary)[:1999]) + "…"
	}
	_, err := tx.Exec(ctx, `INSERT INTO structure_changes (structure_id, user_id, action, summary) VALUES ($1, $2, $3, $4)`,
		structureID, userID, action, summary)
	return err
}

// CreateStructure registers a structure (see Scope.canCreateStructure). A
// structure user becomes its coordinator (membership + coordinator_user_id);
// an admin may name an existing account as coordinator. Invalid input
// returns registry.FieldErrors and saves nothing.
func (s *Store) CreateStructure(ctx context.Context, sc Scope, in StructureInput) (int64, error) {
	if !sc.canCreateStructure() {
		return 0, domain.Errorf(domain.ENotFound, "introuvable")
	}
	isAdmin := access.ForViewer(sc.Viewer()).Can(access.ActAdminister)
	v, fe, err := s.validateStructure(ctx, in, isAdmin)
	if err != nil {
		return 0, pgError("store.CreateStructure", err)
	}
	if err := fe.Err(); err != nil {
		return 0, err
	}
	var id int64
	err = s.tx(ctx, sc, func(tx pgx.Tx) error {
		return s.once(ctx, tx, sc.UserID, "create_structure", &id, func() (int64, error) { return createStructureTx(ctx, tx, sc, v, isAdmin) })
	})
	if err := replayed(err); err != nil {
		return 0, pgError("store.CreateStructure", err)
	}
	return id, nil
}

// createStructureTx is the body of CreateStructure's transaction.
func createStructureTx(ctx context.Context, tx pgx.Tx, sc Scope, v structureValues, isAdmin bool) (int64, error) {
	var id int64
	err := func() error {
		var coord *int64
		if !isAdmin {
			coord = &sc.UserID
		} else if v.coordinatorEmail != "" {
			var uid int64
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, v.coordinatorEmail).Scan(&uid); err != nil {
				return err
			}
			coord = &uid
		}
		err := tx.QueryRow(ctx, `INSERT INTO organisations (kind, name, structure_type, departement, legal_form, siret, finess,
			address_line1, address_line2, postal_code, commune_code, created_on,
			coordinator_user_id, updated_by)
			VALUES ('structure', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			v.name, string(v.typ), v.dep, v.legalForm, v.siret, v.finess, v.address1, v.address2, v.postal, v.commune,
			v.createdOn, coord, sc.UserID).Scan(&id)
		if err != nil {
			return uniqueViolation(err)
		}
		if coord != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'coordinator')
				ON CONFLICT (user_id, org_id) DO UPDATE SET role = 'coordinator'`, *coord, id); err != nil {
				return err
			}
		}
		return logChange(ctx, tx, id, sc.UserID, "create", fmt.Sprintf("Enregistrement de %s (%s)", v.name, v.typ))
	}()
	return id, err
}

const structureDetailColumns = orgColumns + `, coalesce(o.legal_form, ''), coalesce(o.siret, ''), coalesce(o.finess, ''),
	o.address_line1, o.address_line2, o.postal_code, coalesce(o.commune_code, ''), coalesce(c.nom, ''),
	o.created_on,
	coalesce(o.coordinator_user_id, 0), coalesce(cu.name, ''), coalesce(cu.email, ''),
	o.updated_at, coalesce(ub.name, '')`

const structureDetailFrom = orgFrom + `
	LEFT JOIN communes c ON c.code = o.commune_code
	LEFT JOIN users cu ON cu.id = o.coordinator_user_id
	LEFT JOIN users ub ON ub.id = o.updated_by`

// StructureDetail returns one structure of the scope with its registry
// identity; outside the scope it is not found.
func (s *Store) StructureDetail(ctx context.Context, sc Scope, id int64) (StructureDetail, error) {
	var a args
	q := "SELECT " + structureDetailColumns + structureDetailFrom + " WHERE o.id = " + a.add(id) + " AND " + sc.structures("o", &a)
	var d StructureDetail
	var kind, st, lf string
	var created *time.Time
	o := &d.Organisation
	err := s.db(sc).QueryRow(ctx, q, a...).Scan(&o.ID, &kind, &o.Name, &st, &o.Departement, &o.DepartementName, &o.Region, &o.RegionName,
		&o.Departements, &o.Version, &o.CreatedAt, &o.ArchivedAt,
		&lf, &d.SIRET, &d.FINESS, &d.Address1, &d.Address2, &d.PostalCode, &d.CommuneCode, &d.CommuneName,
		&created, &d.CoordinatorUserID, &d.CoordinatorName, &d.CoordinatorEmail, &d.UpdatedAt, &d.UpdatedByName)
	if err != nil {
		return d, pgError("store.StructureDetail", err)
	}
	o.Kind, o.StructureType, d.LegalForm = domain.OrgKind(kind), domain.StructureType(st), registry.LegalForm(lf)
	d.CreatedOn = dateOf(created)
	d.CanEdit = sc.canEditStructure(id) && o.ArchivedAt == nil
	if d.SeatLocked, err = seatLocked(ctx, s.db(sc), id); err != nil {
		return d, pgError("store.StructureDetail", err)
	}
	return d, nil
}

// editableStructure locks the structure row for a write by sc: outside the
// scope, archived, or read-only for sc, it is not found (404: ids leak
// nothing, docs/rules.md §12).
func editableStructure(ctx context.Context, tx pgx.Tx, sc Scope, id int64) (version int, updatedBy string, err error) {
	if !sc.canEditStructure(id) {
		return 0, "", domain.Errorf(domain.ENotFound, "introuvable")
	}
	var a args
	q := `SELECT o.version, coalesce(ub.name, '') FROM organisations o LEFT JOIN users ub ON ub.id = o.updated_by
		WHERE o.id = ` + a.add(id) + ` AND o.archived_at IS NULL AND ` + sc.structures("o", &a) + ` FOR UPDATE OF o`
	err = tx.QueryRow(ctx, q, a...).Scan(&version, &updatedBy)
	return version, updatedBy, err
}

func structureConflict(who string) error {
	if who == "" {
		who = "un autre utilisateur"
	}
	return domain.Errorf(domain.EConflict, "Cette structure a été modifiée entre-temps par %s : rechargez la page, vos modifications n'ont pas été enregistrées.", who)
}

// UpdateStructure changes a structure's identity with optimistic locking:
// version is the one the form was loaded with; a stale version is refused
// with a conflict naming who changed it. The type is not changed here
// (docs/rules.md §2: the type decides the contract; a CPTS does not become an MSP).
func (s *Store) UpdateStructure(ctx context.Context, sc Scope, id int64, version int, in StructureInput) error {
	v, fe, err := s.validateStructure(ctx, in, access.ForViewer(sc.Viewer()).Can(access.ActAdminister))
	if err != nil {
		return pgError("store.UpdateStructure", err)
	}
	delete(fe, "type")
	err = s.tx(ctx, sc, func(tx pgx.Tx) error {
		cur, who, err := editableStructure(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if cur != version {
			return structureConflict(who)
		}
		seatNote, err := seatEdit(ctx, tx, sc, id, v, fe)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		var coordSQL string
		params := []any{id, v.name, v.dep, v.legalForm, v.siret, v.finess, v.address1, v.address2, v.postal, v.commune,
			v.createdOn, sc.UserID}
		if v.coordinatorEmail != "" {
			var uid int64
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, v.coordinatorEmail).Scan(&uid); err != nil {
				return err
			}
			params = append(params, uid)
			coordSQL = ", coordinator_user_id = $13"
			if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'coordinator')
				ON CONFLICT (user_id, org_id) DO UPDATE SET role = 'coordinator'`, uid, id); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE organisations SET name = $2, departement = $3, legal_form = $4, siret = $5, finess = $6,
			address_line1 = $7, address_line2 = $8, postal_code = $9, commune_code = $10, created_on = $11,
			updated_by = $12, updated_at = now(), version = version + 1`+coordSQL+`
			WHERE id = $1`, params...)
		if err != nil {
			return uniqueViolation(err)
		}
		return logChange(ctx, tx, id, sc.UserID, "update", "Modification de l'identité de "+v.name+seatNote)
	})
	return pgError("store.UpdateStructure", err)
}

// seatEdit checks a change of the seat (département, commune) in an edit of
// structure id (docs/rules.md §33): once a dossier of the structure is
// filed, only ActMoveSeat (a national admin) changes it here, the
// structure's users ask for it (RequestSeatChange); the refusal is a field
// error in fe. It returns the history's note of the change, before → after
// ("" when the seat does not change).
func seatEdit(ctx context.Context, tx pgx.Tx, sc Scope, id int64, v structureValues, fe registry.FieldErrors) (string, error) {
	var curDep, curCommune string
	if err := tx.QueryRow(ctx, `SELECT coalesce(departement, ''), coalesce(commune_code, '') FROM organisations WHERE id = $1`, id).
		Scan(&curDep, &curCommune); err != nil {
		return "", err
	}
	newCommune := ""
	if v.commune != nil {
		newCommune = *v.commune
	}
	if v.dep == curDep && newCommune == curCommune {
		return "", nil
	}
	locked, err := seatLocked(ctx, tx, id)
	if err != nil {
		return "", err
	}
	if locked && !access.For(sc.Viewer(), access.Structure(id, "", false)).Can(access.ActMoveSeat) {
		fe.Add("departement", MsgSeatLocked)
		return "", nil
	}
	return " ; siège : " + seatSummary(curDep, curCommune, "") + " → " + seatSummary(v.dep, newCommune, ""), nil
}

// MsgSeatLocked is the refusal of a direct change of the seat once a
// dossier is filed.
const MsgSeatLocked = "Le siège ne se modifie plus ici depuis le dépôt d'un dossier : demandez un changement de siège depuis la page de la structure (la CPAM le valide)."

// ArchiveStructure archives a structure (hidden from lists by default; its
// users lose access to it as an active organisation). Same permission and
// version check as UpdateStructure.
func (s *Store) ArchiveStructure(ctx context.Context, sc Scope, id int64, version int) error {
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		cur, who, err := editableStructure(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if cur != version {
			return structureConflict(who)
		}
		if err := checkArchivable(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE organisations SET archived_at = now(), updated_by = $2, updated_at = now(),
			version = version + 1 WHERE id = $1`, id, sc.UserID); err != nil {
			return err
		}
		return logChange(ctx, tx, id, sc.UserID, "archive", "Archivage de la structure")
	})
	return pgError("store.ArchiveStructure", err)
}

// StructureChange is one line of a structure's history.
type StructureChange struct {
	At       time.Time
	UserName string
	Action   string
	Summary  string
}

// StructureChanges returns the last n changes of a structure in scope.
func (s *Store) StructureChanges(ctx context.Context, sc Scope, id int64, n int) ([]StructureChange, error) {
	var a args
	q := `SELECT h.at, coalesce(u.name, ''), h.action, h.summary FROM structure_changes h
		JOIN organisations o ON o.id = h.structure_id LEFT JOIN users u ON u.id = h.user_id
		WHERE h.structure_id = ` + a.add(id) + ` AND ` + sc.structures("o", &a) + ` ORDER BY h.at DESC, h.id DESC LIMIT ` + a.add(n)
	rows, err := s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return nil, pgError("store.StructureChanges", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StructureChange, error) {
		var c StructureChange
		return c, r.Scan(&c.At, &c.UserName, &c.Action, &c.Summary)
	})
	return out, pgError("store.StructureChanges", err)
}

// ExportRow is one line of the structures CSV export.
type ExportRow struct {
	StructureDetail
	Members int
}

// ExportStructures returns every structure of the scope matching f (no
// paging; bounded by maxRows), with its member count, for the CSV export.
func (s *Store) ExportStructures(ctx context.Context, sc Scope, f StructureFilter, maxRows int) ([]ExportRow, error) {
	if !sc.canExportStructures() {
		return nil, domain.Errorf(domain.ENotFound, "introuvable")
	}
	var a args
	where := structureFilterSQL(f, []string{sc.structures("o", &a)}, &a)
	// Every structure of the scope at once: its départements and its member
	// count grouped once and joined, not two look-ups per row (at national
	// volume 6 700 of each, docs/rules.md §35). The bound is written as a
	// constant (an int of the caller): as a parameter, the generic plan took
	// a tenth of the structures for its estimate and joined the member counts
	// by a nested loop over all of them (22 million comparisons, §35.2).
	cols := strings.Replace(structureDetailColumns, orgDepartementsColumn, "coalesce(odg.deps, '{}')", 1)
	q := "SELECT " + cols + `, coalesce(mc.n, 0)` + structureDetailFrom + orgDepartementsJoin + `
		LEFT JOIN (SELECT m.structure_id, count(*) AS n FROM members m GROUP BY m.structure_id) mc ON mc.structure_id = o.id` +
		" WHERE " + strings.Join(where, " AND ") + " ORDER BY o.name, o.id LIMIT " + strconv.Itoa(max(maxRows, 0))
	rows, err := s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return nil, pgError("store.ExportStructures", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ExportRow, error) {
		var e ExportRow
		var kind, st, lf string
		var created *time.Time
		o := &e.Organisation
		err := r.Scan(&o.ID, &kind, &o.Name, &st, &o.Departement, &o.DepartementName, &o.Region, &o.RegionName,
			&o.Departements, &o.Version, &o.CreatedAt, &o.ArchivedAt,
			&lf, &e.SIRET, &e.FINESS, &e.Address1, &e.Address2, &e.PostalCode, &e.CommuneCode, &e.CommuneName,
			&created, &e.CoordinatorUserID, &e.CoordinatorName, &e.CoordinatorEmail, &e.UpdatedAt, &e.UpdatedByName,
			&e.Members)
		o.Kind, o.StructureType, e.LegalForm = domain.OrgKind(kind), domain.StructureType(st), registry.LegalForm(lf)
		e.CreatedOn = dateOf(created)
		return e, err
	})
	return out, pgError("store.ExportStructures", err)
}

// Departements lists every département (code, name, region) for the forms'
// choices.
// No scope: reference data, not tenant data (the same for every user).
func (s *Store) Departements(ctx context.Context) ([][3]string, error) {
	var out [][3]string
	rd := sysReads()
	rd.Departements(&out)
	return out, pgError("store.Departements", s.send(ctx, rd))
}

// Departements queues the read of Store.Departements (reference data, the
// same for every scope) into *out.
func (rd *Reads) Departements(out *[][3]string) {
	rd.b.Queue(`SELECT code, nom, region FROM departements ORDER BY code`).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
			var d [3]string
			return d, r.Scan(&d[0], &d[1], &d[2])
		})
		return err
	})
}
