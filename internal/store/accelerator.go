package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Audit-only actions of the accelerator sessions (docs/rules.md §10).
const (
	TransitionSeanceAccelerateur      workflow.Transition = "seance_accelerateur"
	TransitionCompteRenduAccelerateur workflow.Transition = "compte_rendu_accelerateur"
)

// AcceleratorSession is a stored session with its report.
type AcceleratorSession struct {
	ID             int64
	DossierID      int64
	OrganiserOrgID int64
	OrganiserName  string
	workflow.AcceleratorSession
	FacilitatorUserID int64 // 0: not a user of the portal
	Report            string
	ReportAt          *time.Time
	ReportByName      string
	CreatedAt         time.Time
	CreatedByName     string
}

// AcceleratorInput is a session to schedule; FacilitatorUserID (a user of
// the organiser's organisation) or else FacilitatorName (someone outside the
// portal).
type AcceleratorInput struct {
	workflow.AcceleratorSession
	FacilitatorUserID int64
	At                time.Time
}

// OrganisesAccelerator: the session was organised by the scope's
// organisation (its facilitator, when a user of the portal, is one of its
// users): who may write its report, with access.ActOrganiseAccelerator.
func OrganisesAccelerator(sc Scope, a AcceleratorSession) bool {
	return sc.Valid() && sc.OrgID == a.OrganiserOrgID
}

const acceleratorColumns = `a.id, a.dossier_id, a.organiser_org_id, og.name, a.held_on, a.duration, coalesce(a.facilitator_user_id, 0),
	a.facilitator_name, a.participants, coalesce(a.report, ''), a.report_at, coalesce(a.report_by_name, ''), a.created_at, coalesce(cu.name, '')`

const acceleratorFrom = ` FROM accelerator_sessions a JOIN organisations og ON og.id = a.organiser_org_id
	LEFT JOIN users cu ON cu.id = a.created_by`

func scanAccelerator(r pgx.Row) (AcceleratorSession, error) {
	var a AcceleratorSession
	var on time.Time
	var length string
	err := r.Scan(&a.ID, &a.DossierID, &a.OrganiserOrgID, &a.OrganiserName, &on, &length, &a.FacilitatorUserID,
		&a.Facilitator, &a.Participants, &a.Report, &a.ReportAt, &a.ReportByName, &a.CreatedAt, &a.CreatedByName)
	a.On, a.Length = domain.DateOf0(on), workflow.SessionLength(length)
	return a, err
}

// AcceleratorSessions lists the sessions of a dossier in scope, by date.
func (s *Store) AcceleratorSessions(ctx context.Context, sc Scope, dossierID int64) ([]AcceleratorSession, error) {
	var out []AcceleratorSession
	rd := NewReads(sc)
	rd.AcceleratorSessions(dossierID, &out)
	if err := s.send(ctx, rd); err != nil {
		return nil, dossierNotFound(pgError("store.AcceleratorSessions", err))
	}
	return out, nil
}

// AcceleratorSessions queues the reads of Store.AcceleratorSessions (the
// dossier's scope check, then its sessions) into *out; the batch fails
// (not found) outside the scope.
func (rd *Reads) AcceleratorSessions(dossierID int64, out *[]AcceleratorSession) {
	// The dossier's scope check and its sessions (themselves restricted to
	// the scope): not found outside the scope, an empty list for a dossier
	// without sessions.
	var a args
	check := "SELECT 1 FROM dossiers d JOIN organisations o ON o.id = d.structure_id WHERE d.id = " + a.add(dossierID) + " AND " + rd.sc.dossiers("d", &a)
	checkArgs := append([]any(nil), a...)
	rd.b.Queue(check, checkArgs...).QueryRow(func(r pgx.Row) error {
		var one int
		return r.Scan(&one)
	})
	rd.b.Queue("SELECT "+acceleratorColumns+acceleratorFrom+" WHERE a.dossier_id = $1 AND EXISTS ("+
		strings.Replace(check, "d.id = $1", "d.id = a.dossier_id", 1)+") ORDER BY a.held_on, a.id", a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AcceleratorSession, error) { return scanAccelerator(r) })
		return err
	})
}

// FacilitatorChoice is a user of the organiser's organisation.
type FacilitatorChoice struct {
	ID   int64
	Name string
}

// FacilitatorChoices lists the active users of the scope's organisation,
// who may lead its sessions.
// No scope predicate: the users of the viewer's own organisation.
func (s *Store) FacilitatorChoices(ctx context.Context, sc Scope) ([]FacilitatorChoice, error) {
	var out []FacilitatorChoice
	rd := NewReads(sc)
	rd.FacilitatorChoices(&out)
	return out, pgError("store.FacilitatorChoices", s.send(ctx, rd))
}

// FacilitatorChoices queues the read of Store.FacilitatorChoices into *out.
func (rd *Reads) FacilitatorChoices(out *[]FacilitatorChoice) {
	rd.b.Queue(`SELECT u.id, u.name FROM users u JOIN memberships m ON m.user_id = u.id
		WHERE m.org_id = $1 AND u.disabled_at IS NULL ORDER BY u.name, u.id LIMIT 500`, rd.sc.OrgID).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (FacilitatorChoice, error) {
			var c FacilitatorChoice
			return c, r.Scan(&c.ID, &c.Name)
		})
		return err
	})
}

// ScheduleAccelerator records a session for a dossier in scope, organised by
// the scope's organisation, in one transaction with its audit row (the
// structure is notified from it).
func (s *Store) ScheduleAccelerator(ctx context.Context, sc Scope, dossierID int64, in AcceleratorInput) (int64, error) {
	at := in.At
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	var id int64
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		d, err := lockDossier(ctx, tx, sc, dossierID)
		if err != nil {
			return err
		}
		if !d.Permission(sc).Can(access.ActOrganiseAccelerator) {
			return domain.Errorf(domain.ENotFound, "Dossier introuvable.")
		}
		return s.once(ctx, tx, sc.UserID, "schedule_accelerator", &id, func() (int64, error) {
			var id int64
			err := scheduleAcceleratorTx(ctx, tx, sc, d, in, at, &id)
			return id, err
		})
	})
	return id, pgError("store.ScheduleAccelerator", replayed(err))
}

// scheduleAcceleratorTx is the body of ScheduleAccelerator once the dossier
// is locked and the act allowed.
func scheduleAcceleratorTx(ctx context.Context, tx pgx.Tx, sc Scope, d Dossier, in AcceleratorInput, at time.Time, id *int64) error {
	{
		var facilitator *int64
		if in.FacilitatorUserID != 0 {
			var name string
			err := tx.QueryRow(ctx, `SELECT u.name FROM users u JOIN memberships m ON m.user_id = u.id
				WHERE u.id = $1 AND m.org_id = $2 AND u.disabled_at IS NULL`, in.FacilitatorUserID, sc.OrgID).Scan(&name)
			if errors.Is(err, pgx.ErrNoRows) {
				return domain.FieldError("facilitator", "Choisissez l'animateur parmi les personnes de %s, ou indiquez le nom d'un intervenant extérieur.", sc.OrgName)
			}
			if err != nil {
				return err
			}
			in.Facilitator, facilitator = name, &in.FacilitatorUserID
		}
		in.Facilitator, in.Participants = strings.TrimSpace(in.Facilitator), strings.TrimSpace(in.Participants)
		if err := in.Check(domain.DateOf(at)); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO accelerator_sessions (dossier_id, organiser_org_id, held_on, duration,
			facilitator_user_id, facilitator_name, participants, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, d.ID, sc.OrgID, in.On.Time(), string(in.Length),
			facilitator, in.Facilitator, in.Participants, at, sc.UserID).Scan(id); err != nil {
			return err
		}
		uid := sc.UserID
		return appendAudit(ctx, tx, d.ID, &uid, sc.UserName, at, TransitionSeanceAccelerateur, d.State, d.State,
			ntfCut("Séance du "+in.On.French()+" ("+in.Length.Label()+"), organisée par "+sc.OrgName+", animée par "+in.Facilitator+
				". Participants : "+in.Participants, MaxMotivation))
	}
}

// RecordAcceleratorReport records the written report of a session of a
// dossier in scope, once, by its facilitator or its organiser, on or after
// the session's day, in one transaction with its audit row: the report
// reaches the structure (the project leader) through the notification and
// its e-mail, and stays in the dossier.
func (s *Store) RecordAcceleratorReport(ctx context.Context, sc Scope, dossierID, sessionID int64, report string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	report = strings.TrimSpace(report)
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		d, err := lockDossier(ctx, tx, sc, dossierID)
		if err != nil {
			return err
		}
		a, err := scanAccelerator(tx.QueryRow(ctx, "SELECT "+acceleratorColumns+acceleratorFrom+
			" WHERE a.id = $1 AND a.dossier_id = $2 FOR UPDATE OF a", sessionID, d.ID))
		if err != nil {
			return err
		}
		if !d.Permission(sc).Can(access.ActOrganiseAccelerator) || !OrganisesAccelerator(sc, a) {
			return domain.Errorf(domain.ENotFound, "Séance introuvable.")
		}
		if a.ReportAt != nil {
			return domain.Errorf(domain.EConflict, "Le compte rendu de cette séance a déjà été enregistré par %s : rechargez la page.", a.ReportByName)
		}
		if err := workflow.CheckReport(a.On, domain.DateOf(at), report); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accelerator_sessions SET report = $2, report_at = $3, report_by = $4, report_by_name = $5
			WHERE id = $1`, a.ID, report, at, sc.UserID, sc.UserName); err != nil {
			return err
		}
		uid := sc.UserID
		return appendAudit(ctx, tx, d.ID, &uid, sc.UserName, at, TransitionCompteRenduAccelerateur, d.State, d.State,
			ntfCut("Séance du "+a.On.French()+" : "+report, MaxMotivation))
	})
	return pgError("store.RecordAcceleratorReport", err)
}
