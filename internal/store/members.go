package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portail-aci/aci/internal/csvfile"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
)

// MemberRow is a stored member with its display data.
type MemberRow struct {
	ID               int64
	StructureID      int64
	Member           registry.Member
	CommuneName      string
	OwnStructureName string
	Version          int
	UpdatedAt        time.Time
	UpdatedByName    string
}

const memberColumns = `m.id, m.structure_id, m.last_name, m.first_name, m.profession, m.specialty, m.mode,
	coalesce(m.rpps, ''), m.commune_code, m.own_structure_id, m.email, m.phone,
	coalesce(c.nom, ''), coalesce(os.name, ''), m.version, m.updated_at, coalesce(ub.name, '')`

const memberFrom = ` FROM members m
	JOIN organisations o ON o.id = m.structure_id
	LEFT JOIN communes c ON c.code = m.commune_code
	LEFT JOIN organisations os ON os.id = m.own_structure_id
	LEFT JOIN users ub ON ub.id = m.updated_by`

func scanMember(r pgx.Row) (MemberRow, error) {
	var m MemberRow
	var prof, mode string
	err := r.Scan(&m.ID, &m.StructureID, &m.Member.LastName, &m.Member.FirstName, &prof, &m.Member.Specialty, &mode,
		&m.Member.RPPS, &m.Member.CommuneCode, &m.Member.OwnStructureID, &m.Member.Email, &m.Member.Phone,
		&m.CommuneName, &m.OwnStructureName, &m.Version, &m.UpdatedAt, &m.UpdatedByName)
	m.Member.Profession, m.Member.Mode = registry.Profession(prof), registry.Mode(mode)
	return m, err
}

// ListMembers returns one page of the members of a structure in scope, by
// name, and the total. Outside the scope the structure is not found.
func (s *Store) ListMembers(ctx context.Context, sc Scope, structureID int64, p Page) ([]MemberRow, int, error) {
	if _, err := s.Structure(ctx, sc, structureID); err != nil {
		return nil, 0, err
	}
	var a args
	w := " WHERE m.structure_id = " + a.add(structureID) + " AND " + sc.structures("o", &a)
	var total int
	if err := s.db(sc).QueryRow(ctx, "SELECT count(*) FROM members m JOIN organisations o ON o.id = m.structure_id"+w, a...).Scan(&total); err != nil {
		return nil, 0, pgError("store.ListMembers", err)
	}
	if p.Size <= 0 {
		p.Size = 50
	}
	q := "SELECT " + memberColumns + memberFrom + w + " ORDER BY lower(m.last_name), lower(m.first_name), m.id LIMIT " +
		a.add(p.Size) + " OFFSET " + a.add(p.Offset())
	rows, err := s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return nil, 0, pgError("store.ListMembers", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MemberRow, error) { return scanMember(r) })
	return out, total, pgError("store.ListMembers", err)
}

// StructureMembers returns every member of a structure in scope, as the
// registry's composition rules need them (registry.Composition).
func (s *Store) StructureMembers(ctx context.Context, sc Scope, structureID int64) ([]registry.Member, error) {
	var a args
	q := `SELECT m.profession, m.mode FROM members m JOIN organisations o ON o.id = m.structure_id
		WHERE m.structure_id = ` + a.add(structureID) + ` AND ` + sc.structures("o", &a)
	rows, err := s.db(sc).Query(ctx, q, a...)
	if err != nil {
		return nil, pgError("store.StructureMembers", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (registry.Member, error) {
		var m registry.Member
		var p, md string
		err := r.Scan(&p, &md)
		m.Profession, m.Mode = registry.Profession(p), registry.Mode(md)
		return m, err
	})
	return out, pgError("store.StructureMembers", err)
}

// ProfessionCount is the number of members of one profession.
type ProfessionCount struct {
	Profession registry.Profession
	Count      int
}

// MemberCounts counts the members of a structure in scope by profession, in
// the registry's display order.
func (s *Store) MemberCounts(ctx context.Context, sc Scope, structureID int64) ([]ProfessionCount, error) {
	ms, err := s.StructureMembers(ctx, sc, structureID)
	if err != nil {
		return nil, err
	}
	n := map[registry.Profession]int{}
	for _, m := range ms {
		n[m.Profession]++
	}
	var out []ProfessionCount
	for _, p := range registry.Professions() {
		if n[p] > 0 {
			out = append(out, ProfessionCount{p, n[p]})
		}
	}
	return out, nil
}

// Member returns one member of a structure in scope.
func (s *Store) Member(ctx context.Context, sc Scope, structureID, memberID int64) (MemberRow, error) {
	var a args
	q := "SELECT " + memberColumns + memberFrom + " WHERE m.id = " + a.add(memberID) + " AND m.structure_id = " +
		a.add(structureID) + " AND " + sc.structures("o", &a)
	m, err := scanMember(s.db(sc).QueryRow(ctx, q, a...))
	return m, pgError("store.Member", err)
}

// OwnStructureChoice is a structure a CPTS member may practise in.
type OwnStructureChoice struct {
	ID   int64
	Name string
	Type domain.StructureType
}

// ownStructureOf is the one rule for a CPTS member's own structure, as a
// predicate on organisations o for the CPTS whose id is the parameter
// $cpts: an active MSP or ESP of the CPTS's territory — seated in its
// département or in one of the communes of its territory (a territory may
// cross a département line). Any other structure is neither offered nor
// accepted, so that a member cannot be tied to (and show the name of) a
// structure of elsewhere in France.
const ownStructureOf = `o.kind = 'structure' AND o.structure_type IN ('MSP', 'ESP') AND o.archived_at IS NULL AND o.id <> $cpts
	AND (o.departement = (SELECT c.departement FROM organisations c WHERE c.id = $cpts)
	     OR o.commune_code IN (SELECT tc.commune_code FROM territory_communes tc WHERE tc.structure_id = $cpts))`

// ownStructureSQL returns ownStructureOf with the CPTS id as parameter n.
func ownStructureSQL(n int) string {
	return strings.ReplaceAll(ownStructureOf, "$cpts", fmt.Sprintf("$%d", n))
}

// OwnStructureChoices lists the MSP and ESP a member of the CPTS may
// practise in (ownStructureOf: the member's "own structure").
//
// Deliberately NOT restricted by sc.structures: a CPTS's users see only their
// CPTS, yet its members practise in MSP/ESP of their territory that are other
// tenants. Only names and types are read (public, like the holder's name in
// SearchCommunes), and cpts must come from StructureDetail(sc, …), so the
// CPTS itself was read in scope.
func (s *Store) OwnStructureChoices(ctx context.Context, sc Scope, cpts StructureDetail) ([]OwnStructureChoice, error) {
	if cpts.StructureType != domain.CPTS {
		return nil, nil
	}
	rows, err := s.db(sc).Query(ctx, `SELECT o.id, o.name, o.structure_type FROM organisations o
		WHERE `+ownStructureSQL(1)+`
		ORDER BY o.name LIMIT 500`, cpts.ID)
	if err != nil {
		return nil, pgError("store.OwnStructureChoices", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OwnStructureChoice, error) {
		var c OwnStructureChoice
		var t string
		err := r.Scan(&c.ID, &c.Name, &t)
		c.Type = domain.StructureType(t)
		return c, err
	})
	return out, pgError("store.OwnStructureChoices", err)
}

// validateMember normalises and validates m (registry.Member.Validate) and
// checks against the database what the registry cannot: the commune exists;
// the own structure is an MSP/ESP of the CPTS's territory (ownStructureOf),
// and only for a CPTS.
func (s *Store) validateMember(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, structureID int64, st domain.StructureType, m registry.Member) (registry.Member, registry.FieldErrors, error) {
	m = m.Normalized()
	fe := registry.FieldErrors{}
	if err := m.Validate(); err != nil {
		var v registry.FieldErrors
		if errors.As(err, &v) {
			fe = v
		} else {
			return m, nil, err
		}
	}
	if _, bad := fe["commune_code"]; !bad {
		var ok bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM communes WHERE code = $1)`, m.CommuneCode).Scan(&ok); err != nil {
			return m, nil, err
		}
		if !ok {
			fe.Add("commune_code", fmt.Sprintf("Le code commune %s n'existe pas.", m.CommuneCode))
		}
	}
	if m.OwnStructureID != nil {
		if st != domain.CPTS {
			m.OwnStructureID = nil
		} else {
			var ok bool
			if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations o WHERE o.id = $1 AND `+ownStructureSQL(2)+`)`,
				*m.OwnStructureID, structureID).Scan(&ok); err != nil {
				return m, nil, err
			}
			if !ok {
				fe.Add("own_structure_id", "Structure d'exercice inconnue : choisissez une MSP ou une ESP du territoire dans la liste.")
			}
		}
	}
	return m, fe, nil
}

func memberUnique(err error, rpps string) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "members_structure_rpps_idx" {
		return registry.FieldErrors{"rpps": fmt.Sprintf("Un membre de cette structure a déjà le numéro RPPS %s.", rpps)}
	}
	return err
}

// memberAlreadyPresent refuses a member without RPPS whose name (any case),
// profession and commune are those of a member of the structure already: a
// double submit of the form would add the same person twice, and the RPPS
// unique index cannot tell. The caller holds the structure row FOR UPDATE
// (editableStructureType), so concurrent additions see each other.
func memberAlreadyPresent(ctx context.Context, tx pgx.Tx, structureID int64, m registry.Member) error {
	if m.RPPS != "" {
		return nil
	}
	var found bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM members WHERE structure_id = $1
		AND lower(last_name) = lower($2) AND lower(first_name) = lower($3) AND profession = $4 AND commune_code = $5)`,
		structureID, m.LastName, m.FirstName, string(m.Profession), m.CommuneCode).Scan(&found); err != nil {
		return err
	}
	if found {
		return registry.FieldErrors{"last_name": fmt.Sprintf("%s (%s, même commune) est déjà membre de la structure.", memberName(m), m.Profession.Label())}
	}
	return nil
}

func memberName(m registry.Member) string {
	return strings.TrimSpace(m.FirstName + " " + m.LastName)
}

// editableStructureType locks the structure for a write on its members and
// returns its type.
func editableStructureType(ctx context.Context, tx pgx.Tx, sc Scope, id int64) (domain.StructureType, error) {
	if _, _, err := editableStructure(ctx, tx, sc, id); err != nil {
		return "", err
	}
	var t string
	err := tx.QueryRow(ctx, `SELECT structure_type FROM organisations WHERE id = $1`, id).Scan(&t)
	return domain.StructureType(t), err
}

// AddMember adds a member to a structure the scope may edit. Invalid input
// returns registry.FieldErrors and saves nothing.
func (s *Store) AddMember(ctx context.Context, sc Scope, structureID int64, m registry.Member) (int64, error) {
	var id int64
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		st, err := editableStructureType(ctx, tx, sc, structureID)
		if err != nil {
			return err
		}
		return s.once(ctx, tx, sc.UserID, "add_member", &id, func() (int64, error) {
			var id int64
			m, fe, err := s.validateMember(ctx, tx, structureID, st, m)
			if err != nil {
				return 0, err
			}
			if err := fe.Err(); err != nil {
				return 0, err
			}
			if err := memberAlreadyPresent(ctx, tx, structureID, m); err != nil {
				return 0, err
			}
			err = tx.QueryRow(ctx, `INSERT INTO members (structure_id, last_name, first_name, profession, specialty, mode, rpps,
				commune_code, own_structure_id, email, phone, created_by, updated_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
				structureID, m.LastName, m.FirstName, string(m.Profession), m.Specialty, string(m.Mode), optString(m.RPPS),
				m.CommuneCode, m.OwnStructureID, m.Email, m.Phone, sc.UserID).Scan(&id)
			if err != nil {
				return 0, memberUnique(err, m.RPPS)
			}
			return id, logChange(ctx, tx, structureID, sc.UserID, "member_add", "Ajout de "+memberName(m)+" ("+m.Profession.Label()+")")
		})
	})
	return id, pgError("store.AddMember", replayed(err))
}

// UpdateMember changes a member with optimistic locking on its version.
func (s *Store) UpdateMember(ctx context.Context, sc Scope, structureID, memberID int64, version int, m registry.Member) error {
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		st, err := editableStructureType(ctx, tx, sc, structureID)
		if err != nil {
			return err
		}
		var cur int
		var who string
		err = tx.QueryRow(ctx, `SELECT m.version, coalesce(u.name, '') FROM members m LEFT JOIN users u ON u.id = m.updated_by
			WHERE m.id = $1 AND m.structure_id = $2 FOR UPDATE OF m`, memberID, structureID).Scan(&cur, &who)
		if err != nil {
			return err
		}
		if cur != version {
			if who == "" {
				who = "un autre utilisateur"
			}
			return domain.Errorf(domain.EConflict, "Ce membre a été modifié entre-temps par %s : rechargez la page, vos modifications n'ont pas été enregistrées.", who)
		}
		m, fe, err := s.validateMember(ctx, tx, structureID, st, m)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE members SET last_name = $3, first_name = $4, profession = $5, specialty = $6, mode = $7,
			rpps = $8, commune_code = $9, own_structure_id = $10, email = $11, phone = $12, updated_by = $13,
			updated_at = now(), version = version + 1 WHERE id = $1 AND structure_id = $2`,
			memberID, structureID, m.LastName, m.FirstName, string(m.Profession), m.Specialty, string(m.Mode), optString(m.RPPS),
			m.CommuneCode, m.OwnStructureID, m.Email, m.Phone, sc.UserID)
		if err != nil {
			return memberUnique(err, m.RPPS)
		}
		return logChange(ctx, tx, structureID, sc.UserID, "member_update", "Modification de "+memberName(m))
	})
	return pgError("store.UpdateMember", err)
}

// RemoveMember deletes a member of a structure the scope may edit.
func (s *Store) RemoveMember(ctx context.Context, sc Scope, structureID, memberID int64) error {
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		if _, err := editableStructureType(ctx, tx, sc, structureID); err != nil {
			return err
		}
		var first, last, prof string
		err := tx.QueryRow(ctx, `DELETE FROM members WHERE id = $1 AND structure_id = $2 RETURNING first_name, last_name, profession`,
			memberID, structureID).Scan(&first, &last, &prof)
		if err != nil {
			return err
		}
		return logChange(ctx, tx, structureID, sc.UserID, "member_remove",
			"Retrait de "+strings.TrimSpace(first+" "+last)+" ("+registry.Profession(prof).Label()+")")
	})
	return pgError("store.RemoveMember", err)
}

// ImportMembers stores the accepted lines of a parsed member file
// (registry.ParseMembersCSV) in ONE transaction, and returns the final
// report.
//
// Line by line, as the registry decided (registry.ImportReport): a file
// refused whole (FileError) stores nothing; otherwise the lines whose commune
// code does not exist in the reference data, and the lines whose RPPS is
// already a member of the structure, are moved to Refused; the remaining
// accepted lines are inserted together — all of them or, on any database
// error, none. Lines naming a member the structure already has (same RPPS,
// or same name, profession and commune: registry.ImportReport.SkipPresent)
// are reported as already present, so importing a file twice adds nobody.
// The structure row is locked first, so two imports run one after the other.
func (s *Store) ImportMembers(ctx context.Context, sc Scope, structureID int64, rep registry.ImportReport) (registry.ImportReport, error) {
	if rep.FileError != "" {
		// Still check the write right: a refused file tells nothing about a
		// structure the caller may not edit.
		err := s.tx(ctx, sc, func(tx pgx.Tx) error { _, err := editableStructureType(ctx, tx, sc, structureID); return err })
		return rep, pgError("store.ImportMembers", err)
	}
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		if _, err := editableStructureType(ctx, tx, sc, structureID); err != nil {
			return err
		}
		if len(rep.CommuneCodes) > 0 {
			rows, err := tx.Query(ctx, `SELECT code FROM unnest($1::text[]) AS x(code) WHERE NOT EXISTS (SELECT 1 FROM communes c WHERE c.code = x.code)`, rep.CommuneCodes)
			if err != nil {
				return err
			}
			unknown, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			for _, c := range unknown {
				rep.RejectCommune(c)
			}
		}
		rows, err := tx.Query(ctx, `SELECT last_name, first_name, profession, coalesce(rpps, ''), commune_code
			FROM members WHERE structure_id = $1`, structureID)
		if err != nil {
			return err
		}
		existing, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (registry.Member, error) {
			var m registry.Member
			var prof string
			err := r.Scan(&m.LastName, &m.FirstName, &prof, &m.RPPS, &m.CommuneCode)
			m.Profession = registry.Profession(prof)
			return m, err
		})
		if err != nil {
			return err
		}
		rep.SkipPresent(existing)
		if len(rep.Accepted) == 0 {
			return nil
		}
		// One INSERT of column arrays (COPY is refused on a table under
		// row-level security: docs/rules.md §36).
		n := len(rep.Accepted)
		last, first, prof, spec, mode := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		rpps, commune, email, phone := make([]*string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		for _, a := range rep.Accepted {
			m := a.Member
			last, first, prof, spec = append(last, m.LastName), append(first, m.FirstName), append(prof, string(m.Profession)), append(spec, m.Specialty)
			mode, rpps, commune = append(mode, string(m.Mode)), append(rpps, optString(m.RPPS)), append(commune, m.CommuneCode)
			email, phone = append(email, m.Email), append(phone, m.Phone)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO members (structure_id, last_name, first_name, profession, specialty, mode, rpps,
				commune_code, email, phone, created_by, updated_by)
			SELECT $1, l, f, p, s, m, r, c, e, ph, $11, $11
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
				WITH ORDINALITY AS x(l, f, p, s, m, r, c, e, ph, n) ORDER BY n`,
			structureID, last, first, prof, spec, mode, rpps, commune, email, phone, sc.UserID); err != nil {
			return err
		}
		return logChange(ctx, tx, structureID, sc.UserID, "member_import",
			fmt.Sprintf("Import CSV : %d membre(s) ajouté(s), %d déjà présent(s), %d ligne(s) refusée(s)",
				len(rep.Accepted), len(rep.Present), len(rep.Refused)))
	})
	if err != nil {
		return rep, pgError("store.ImportMembers", err)
	}
	return rep, nil
}

// MemberFile is the member list of a structure in scope as a CSV file
// (registry.MemberFileHeader: importable again), and the number of members.
func (s *Store) MemberFile(ctx context.Context, sc Scope, structureID int64) ([]byte, int, error) {
	recs := [][]string{registry.MemberFileHeader()}
	for page := 1; ; page++ {
		ms, total, err := s.ListMembers(ctx, sc, structureID, Page{Number: page, Size: 200})
		if err != nil {
			return nil, 0, err
		}
		for _, m := range ms {
			recs = append(recs, registry.MemberFileRecord(m.Member, m.CommuneName, m.OwnStructureName))
		}
		if page*200 >= total || len(ms) == 0 {
			break
		}
	}
	b, err := csvfile.Bytes(recs)
	return b, len(recs) - 1, err
}
