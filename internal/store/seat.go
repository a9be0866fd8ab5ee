package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/registry"
)

// Seat-change request states (seat_change_requests.state).
const (
	SeatPending  = "pending"
	SeatApproved = "approved"
	SeatRefused  = "refused"
)

// SeatChange is a request of change of a structure's seat (docs/rules.md
// §33), with the seat before and after.
type SeatChange struct {
	ID              int64
	StructureID     int64
	StructureName   string
	State           string
	RequestedName   string
	RequestedAt     time.Time
	Reason          string
	FromDepartement string
	FromCommune     string // code, "" when none
	FromCommuneName string
	ToDepartement   string
	ToCommune       string
	ToCommuneName   string
	ToPostalCode    string
	ToAddress1      string
	DecidedName     string
	DecidedAt       *time.Time
	DecisionReason  string
	// Decidable: pending, and the scope decides it (StructureSeatChanges,
	// PendingSeatChanges).
	Decidable bool
}

// StateLabel is the French label of the request's state.
func (c SeatChange) StateLabel() string {
	switch c.State {
	case SeatPending:
		return "En attente de la CPAM"
	case SeatApproved:
		return "Approuvée"
	case SeatRefused:
		return "Refusée"
	}
	return c.State
}

// SeatChangeInput is the coordinator's request form.
type SeatChangeInput struct {
	Departement string
	CommuneCode string
	PostalCode  string
	Address1    string
	Reason      string
}

// MaxSeatReason bounds a request's reason and a refusal's, in characters.
const MaxSeatReason = 2000

// seatAgency is the predicate "the scope is the agency that decides on the
// seat of the structure aliased alias": the CPAM of its current seat, or a
// national user (the act itself is checked in internal/access).
func (s Scope) seatAgency(alias string, a *args) string {
	if !s.Valid() {
		return "FALSE"
	}
	switch s.Kind {
	case domain.OrgNational:
		return alias + ".kind = 'structure'"
	case domain.OrgCPAM:
		return alias + ".kind = 'structure' AND " + s.seatIn(alias, a)
	}
	return "FALSE"
}

// seatLocked reports whether structure id has a filed dossier: its seat is
// then read-only for its users, a change is a request (docs/rules.md §33).
func seatLocked(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, id int64) (bool, error) {
	var locked bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dossiers WHERE structure_id = $1 AND (bound_at IS NOT NULL OR state <> 'brouillon'))`, id).Scan(&locked)
	return locked, err
}

// seatSummary is the audit line of a seat: département, commune.
func seatSummary(dep, commune, communeName string) string {
	s := "département " + dep
	if commune != "" {
		s += ", commune " + strings.TrimSpace(communeName+" ("+commune+")")
	}
	return s
}

// RequestSeatChange records the coordinator's request to move the seat of
// structure id (docs/rules.md §33): the new département (and commune, in
// it), a reason; at most one pending request. The CPAM of the current seat
// (or a national admin) decides. Invalid input returns registry.FieldErrors.
func (s *Store) RequestSeatChange(ctx context.Context, sc Scope, id int64, in SeatChangeInput) (int64, error) {
	fe := registry.FieldErrors{}
	dep := strings.ToUpper(strings.TrimSpace(in.Departement))
	reason := strings.TrimSpace(in.Reason)
	addr := strings.TrimSpace(in.Address1)
	postal := registry.Normalize(in.PostalCode)
	var commune *string
	if dep == "" {
		fe.Add("to_departement", "Choisissez le département du nouveau siège.")
	} else {
		var ok bool
		if err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM departements WHERE code = $1)`, dep).Scan(&ok); err != nil {
			return 0, pgError("store.RequestSeatChange", err)
		}
		if !ok {
			fe.Add("to_departement", "Département inconnu.")
		}
	}
	if c := registry.Normalize(in.CommuneCode); c != "" {
		code, err := registry.ParseCommuneCode(c)
		if err != nil {
			fe.Add("to_commune", domain.ErrorMessage(err))
		} else {
			var cdep string
			err := s.Pool.QueryRow(ctx, `SELECT departement FROM communes WHERE code = $1`, code).Scan(&cdep)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				fe.Add("to_commune", fmt.Sprintf("Le code commune %s n'existe pas.", code))
			case err != nil:
				return 0, pgError("store.RequestSeatChange", err)
			case dep != "" && cdep != dep:
				fe.Add("to_commune", fmt.Sprintf("La commune %s n'est pas dans le département choisi (%s).", code, dep))
			}
			commune = &code
		}
	}
	if postal != "" && (len(postal) != 5 || strings.Trim(postal, "0123456789") != "") {
		fe.Add("to_postal_code", "Le code postal doit comporter 5 chiffres.")
	}
	if utf8.RuneCountInString(addr) > 200 {
		fe.Add("to_address1", "L'adresse est trop longue (200 caractères au plus).")
	}
	switch {
	case reason == "":
		fe.Add("reason", "Expliquez le changement de siège (déménagement, fusion…).")
	case utf8.RuneCountInString(reason) > MaxSeatReason:
		fe.Add("reason", fmt.Sprintf("Le motif ne doit pas dépasser %d caractères.", MaxSeatReason))
	}
	var rid int64
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		var a args
		var name, curDep, curCommune, curPostal, curAddr string
		var archived bool
		q := `SELECT o.name, o.departement, coalesce(o.commune_code, ''), o.postal_code, o.address_line1, o.archived_at IS NOT NULL
			FROM organisations o WHERE o.id = ` + a.add(id) + ` AND ` + sc.structures("o", &a) + ` FOR UPDATE OF o`
		if err := tx.QueryRow(ctx, q, a...).Scan(&name, &curDep, &curCommune, &curPostal, &curAddr, &archived); err != nil {
			return err
		}
		if !access.For(sc.Viewer(), access.Structure(id, "", archived)).Can(access.ActRequestSeatChange) {
			return domain.Errorf(domain.ENotFound, "Structure introuvable.")
		}
		return s.once(ctx, tx, sc.UserID, "seat_change_request", &rid, func() (int64, error) {
			if dep != "" && dep == curDep && (commune == nil || *commune == curCommune) {
				fe.Add("to_departement", "C'est déjà le siège de la structure : indiquez le nouveau siège.")
			}
			if err := fe.Err(); err != nil {
				return 0, err
			}
			var pending bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM seat_change_requests WHERE structure_id = $1 AND state = 'pending')`, id).Scan(&pending); err != nil {
				return 0, err
			}
			if pending {
				return 0, domain.Errorf(domain.EConflict, "Une demande de changement de siège est déjà en attente de la CPAM pour cette structure.")
			}
			at := s.now()
			var n int64
			err := tx.QueryRow(ctx, `INSERT INTO seat_change_requests (structure_id, requested_by, requested_name, requested_at, reason,
				from_departement, from_commune, from_postal_code, from_address1, to_departement, to_commune, to_postal_code, to_address1)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
				id, sc.UserID, sc.UserName, at, reason, curDep, optString(curCommune), curPostal, curAddr, dep, commune, postal, addr).Scan(&n)
			if err != nil {
				return 0, err
			}
			to := dep
			if commune != nil {
				to += ", commune " + *commune
			}
			return n, logChange(ctx, tx, id, sc.UserID, "seat_request",
				"Demande de changement de siège : "+seatSummary(curDep, curCommune, "")+" → département "+to+". Motif : "+reason)
		})
	})
	if err := replayed(err); err != nil {
		return 0, pgError("store.RequestSeatChange", err)
	}
	return rid, nil
}

const seatChangeColumns = `r.id, r.structure_id, o.name, r.state, r.requested_name, r.requested_at, r.reason,
	r.from_departement, coalesce(r.from_commune, ''), coalesce((SELECT c.nom FROM communes c WHERE c.code = r.from_commune), ''),
	r.to_departement, coalesce(r.to_commune, ''), coalesce((SELECT c.nom FROM communes c WHERE c.code = r.to_commune), ''),
	r.to_postal_code, r.to_address1, r.decided_name, r.decided_at, r.decision_reason`

// scanSeatChange scans seatChangeColumns; with decides non-nil, one more
// boolean column (the scope is the seat's agency) and'ed with *decides
// gives Decidable.
func scanSeatChange(row pgx.Row, decides *bool) (SeatChange, error) {
	var c SeatChange
	dest := []any{&c.ID, &c.StructureID, &c.StructureName, &c.State, &c.RequestedName, &c.RequestedAt, &c.Reason,
		&c.FromDepartement, &c.FromCommune, &c.FromCommuneName, &c.ToDepartement, &c.ToCommune, &c.ToCommuneName,
		&c.ToPostalCode, &c.ToAddress1, &c.DecidedName, &c.DecidedAt, &c.DecisionReason}
	if decides != nil {
		dest = append(dest, &c.Decidable)
	}
	err := row.Scan(dest...)
	c.Decidable = c.Decidable && decides != nil && *decides
	return c, err
}

// StructureSeatChanges returns the seat-change requests of structure id in
// scope, newest first (at most 20).
func (s *Store) StructureSeatChanges(ctx context.Context, sc Scope, id int64) ([]SeatChange, error) {
	var a args
	decides := access.For(sc.Viewer(), access.Structure(id, "", false)).Can(access.ActDecideSeatChange)
	q := `SELECT ` + seatChangeColumns + `, r.state = 'pending' AND o.archived_at IS NULL AND ` + sc.seatAgency("o", &a) +
		` FROM seat_change_requests r JOIN organisations o ON o.id = r.structure_id
		WHERE r.structure_id = ` + a.add(id) + ` AND ` + sc.structures("o", &a) + ` ORDER BY r.requested_at DESC, r.id DESC LIMIT 20`
	rows, err := s.Pool.Query(ctx, q, a...)
	if err != nil {
		return nil, pgError("store.StructureSeatChanges", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SeatChange, error) {
		c, err := scanSeatChange(r, &decides)
		return c, err
	})
	return out, pgError("store.StructureSeatChanges", err)
}

// PendingSeatChanges returns the pending requests the scope decides on (the
// CPAM of the structures' current seat, a national admin), oldest first, one
// page of them and their total.
func (s *Store) PendingSeatChanges(ctx context.Context, sc Scope, p Page) ([]SeatChange, int, error) {
	if !access.For(sc.Viewer(), access.Structure(1, "", false)).Can(access.ActDecideSeatChange) {
		return nil, 0, nil
	}
	var a args
	from := ` FROM seat_change_requests r JOIN organisations o ON o.id = r.structure_id
		WHERE r.state = 'pending' AND o.archived_at IS NULL AND ` + sc.seatAgency("o", &a)
	var total int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*)`+from, a...).Scan(&total); err != nil {
		return nil, 0, pgError("store.PendingSeatChanges", err)
	}
	if p.Size <= 0 || p.Size > 200 {
		p.Size = 50
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+seatChangeColumns+`, TRUE`+from+` ORDER BY r.requested_at, r.id`+p.limitOffset(), a...)
	if err != nil {
		return nil, 0, pgError("store.PendingSeatChanges", err)
	}
	yes := true
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SeatChange, error) { return scanSeatChange(r, &yes) })
	return out, total, pgError("store.PendingSeatChanges", err)
}

// DecideSeatChange approves or refuses a pending request (docs/rules.md
// §33): the CPAM of the structure's current seat (referent, manager) or a
// national admin; a refusal needs a reason. On approval the structure's seat
// becomes the requested one (département, commune, and the postal code and
// address when given); its filed dossiers stay bound to the agencies they
// were filed with. Both the request row and the structure's history keep
// the seat before and after. Outside the scope the request is not found.
func (s *Store) DecideSeatChange(ctx context.Context, sc Scope, requestID int64, approve bool, reason string) error {
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return domain.FieldError("decision_reason", "Indiquez le motif du refus : il est communiqué à la structure.")
	}
	if utf8.RuneCountInString(reason) > MaxSeatReason {
		return domain.FieldError("decision_reason", "Le motif ne doit pas dépasser %d caractères.", MaxSeatReason)
	}
	err := s.Tx(ctx, func(tx pgx.Tx) error {
		var a args
		q := `SELECT ` + seatChangeColumns + ` FROM seat_change_requests r JOIN organisations o ON o.id = r.structure_id
			WHERE r.id = ` + a.add(requestID) + ` AND o.archived_at IS NULL AND ` + sc.seatAgency("o", &a) + ` FOR UPDATE OF r, o`
		c, err := scanSeatChange(tx.QueryRow(ctx, q, a...), nil)
		if err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return domain.Errorf(domain.ENotFound, "Demande introuvable.")
			}
			return err
		}
		if !access.For(sc.Viewer(), access.Structure(c.StructureID, "", false)).Can(access.ActDecideSeatChange) {
			return domain.Errorf(domain.ENotFound, "Demande introuvable.")
		}
		if c.State != SeatPending {
			return domain.Errorf(domain.EConflict, "Cette demande a déjà été traitée (%s) : rechargez la page.", strings.ToLower(c.StateLabel()))
		}
		var curDep, curCommune, curCommuneName string
		if err := tx.QueryRow(ctx, `SELECT o.departement, coalesce(o.commune_code, ''), coalesce(c.nom, '')
			FROM organisations o LEFT JOIN communes c ON c.code = o.commune_code WHERE o.id = $1`, c.StructureID).
			Scan(&curDep, &curCommune, &curCommuneName); err != nil {
			return err
		}
		at := s.now()
		state := SeatRefused
		if approve {
			state = SeatApproved
		}
		if _, err := tx.Exec(ctx, `UPDATE seat_change_requests SET state = $2, decided_by = $3, decided_name = $4, decided_org = $5,
			decided_at = $6, decision_reason = $7 WHERE id = $1`, c.ID, state, sc.UserID, sc.UserName, sc.OrgID, at, reason); err != nil {
			return err
		}
		before := seatSummary(curDep, curCommune, curCommuneName)
		if !approve {
			return logChange(ctx, tx, c.StructureID, sc.UserID, "seat_refuse",
				"Changement de siège refusé par "+sc.UserName+" ("+sc.OrgName+") : le siège reste "+before+". Motif : "+reason)
		}
		set := `departement = $2, commune_code = $3, updated_by = $4, updated_at = $5, version = version + 1`
		params := []any{c.StructureID, c.ToDepartement, optString(c.ToCommune), sc.UserID, at}
		if c.ToPostalCode != "" {
			params = append(params, c.ToPostalCode)
			set += fmt.Sprintf(", postal_code = $%d", len(params))
		}
		if c.ToAddress1 != "" {
			params = append(params, c.ToAddress1)
			set += fmt.Sprintf(", address_line1 = $%d", len(params))
		}
		if _, err := tx.Exec(ctx, `UPDATE organisations SET `+set+` WHERE id = $1`, params...); err != nil {
			return err
		}
		after := seatSummary(c.ToDepartement, c.ToCommune, c.ToCommuneName)
		summary := "Changement de siège approuvé par " + sc.UserName + " (" + sc.OrgName + ") : " + before + " → " + after +
			". Les dossiers déposés restent instruits par leurs organismes d'origine."
		if reason != "" {
			summary += " Commentaire : " + reason
		}
		return logChange(ctx, tx, c.StructureID, sc.UserID, "seat_approve", summary)
	})
	return pgError("store.DecideSeatChange", err)
}
