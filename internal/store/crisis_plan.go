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
	"github.com/portail-aci/aci/internal/domain/contractlife"
)

// PlanVersion is one version of a contract's crisis plan (migration 00086).
type PlanVersion struct {
	ID           int64
	N            int
	File         StoredFile
	UploadedAt   time.Time
	UploadedBy   string
	State        string // en_attente, accepte, refuse
	DecidedOn    domain.Date
	DecidedBy    string
	Reason       string
	PaymentID    int64
	Amount       domain.Cents
	ContractYear int
}

// StateLabel is the French state of the version.
func (v PlanVersion) StateLabel() string {
	switch v.State {
	case "accepte":
		return "accepté par la CPAM"
	case "refuse":
		return "refusé par la CPAM"
	}
	return "en attente de la décision de la CPAM"
}

// lockContract reads contract id in scope and locks it (FOR UPDATE);
// not found outside the scope.
func lockContract(ctx context.Context, tx pgx.Tx, sc Scope, id int64) (Contract, error) {
	var a args
	q := "SELECT " + contractColumns + contractFrom + " WHERE c.id = " + a.add(id) + " AND " + sc.contracts("c", &a) + " FOR UPDATE OF c"
	c, err := scanContract(tx.QueryRow(ctx, q, a...))
	if err != nil {
		return c, contractNotFound(err)
	}
	if err := loadSignatures(ctx, tx, &c); err != nil {
		return c, err
	}
	return c, nil
}

// UploadCrisisPlan adds a version of the crisis plan of contract id (its
// first writing, then the yearly updates, docs/rules.md §31): the
// coordinator of the CPTS, contract in force; the file is checked by content
// (internal/filetype, rules §24) and sized as every upload; one version at a
// time waits for the CPAM's decision.
func (s *Store) UploadCrisisPlan(ctx context.Context, sc Scope, contractID int64, filename string, data []byte, at time.Time) (int, error) {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	var n int
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, err := lockContract(ctx, tx, sc, contractID)
		if err != nil {
			return err
		}
		if !c.Permission(sc).Can(access.ActUploadCrisisPlan) {
			return domain.Errorf(domain.ENotFound, "introuvable")
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM crisis_plan_versions WHERE contract_id = $1 AND state = 'en_attente'`, c.ID).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return domain.FieldError("file", "Une version du plan de crise attend déjà la décision de la CPAM : attendez-la avant d'en déposer une autre.")
		}
		if len(data) == 0 {
			return domain.FieldError("file", "Choisissez un fichier à envoyer.")
		}
		uid := sc.UserID
		f, err := saveFile(ctx, tx, "file", &uid, at, filename, data)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO crisis_plan_versions (contract_id, n, file_id, uploaded_at, uploaded_by, uploaded_name)
			VALUES ($1, (SELECT coalesce(max(n), 0) + 1 FROM crisis_plan_versions WHERE contract_id = $1), $2, $3, $4, $5) RETURNING n`,
			c.ID, f.ID, at, uid, actorName(sc)).Scan(&n); err != nil {
			return err
		}
		return appendAudit(ctx, tx, c.DossierID, &uid, actorName(sc), at, TransitionPlanCriseDepose, c.State, c.State,
			fmt.Sprintf("Plan de crise, version %d déposée (%s, %s).", n, f.Filename, f.SHA256))
	})
	return n, pgError("store.UploadCrisisPlan", err)
}

// PlanDecision is the CPAM's decision on a version of the crisis plan.
type PlanDecision struct {
	ContractID int64
	N          int // the version decided
	Accept     bool
	Reason     string // refusal: required
	At         time.Time
}

// DecideCrisisPlan records the CPAM's decision on version in.N of the
// crisis plan of a contract (docs/rules.md §4, §31): an acceptance creates
// the plan payment of the contract year of that day (contractlife.
// PlanPayment: the first-writing amount for the first accepted version, the
// update amount after; once per contract year — a second acceptance in the
// same year is refused); a refusal needs its reason. Payment, decision and
// audit row in one transaction.
func (s *Store) DecideCrisisPlan(ctx context.Context, sc Scope, in PlanDecision) (domain.Cents, error) {
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.At = in.At.Truncate(time.Microsecond)
	in.Reason = strings.TrimSpace(in.Reason)
	if !in.Accept && in.Reason == "" {
		return 0, domain.FieldError("reason", "Indiquez le motif du refus.")
	}
	if utf8.RuneCountInString(in.Reason) > 2000 {
		return 0, domain.FieldError("reason", "Le motif ne doit pas dépasser 2 000 caractères.")
	}
	var amount domain.Cents
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		c, err := lockContract(ctx, tx, sc, in.ContractID)
		if err != nil {
			return err
		}
		if !c.Permission(sc).Can(access.ActDecideCrisisPlan) {
			return domain.Errorf(domain.ENotFound, "introuvable")
		}
		var id int64
		var state string
		err = tx.QueryRow(ctx, `SELECT id, state FROM crisis_plan_versions WHERE contract_id = $1 AND n = $2 FOR UPDATE`, c.ID, in.N).Scan(&id, &state)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.ENotFound, "Version du plan de crise introuvable.")
		}
		if err != nil {
			return err
		}
		if state != "en_attente" {
			return domain.Errorf(domain.EConflict, "Cette version du plan de crise est déjà décidée : rechargez la page.")
		}
		today := domain.DateOf(in.At)
		uid := sc.UserID
		if !in.Accept {
			if _, err := tx.Exec(ctx, `UPDATE crisis_plan_versions SET state = 'refuse', decided_on = $2, decided_at = $3, decided_by = $4, decided_name = $5, reason = $6 WHERE id = $1`,
				id, today.String(), in.At, uid, actorName(sc), in.Reason); err != nil {
				return err
			}
			return appendAudit(ctx, tx, c.DossierID, &uid, actorName(sc), in.At, TransitionPlanCriseRefuse, c.State, c.State,
				fmt.Sprintf("Plan de crise, version %d refusée : %s", in.N, in.Reason))
		}
		var accepted int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM crisis_plan_versions WHERE contract_id = $1 AND state = 'accepte'`, c.ID).Scan(&accepted); err != nil {
			return err
		}
		lc, err := lifeTerms(ctx, tx, c)
		if err != nil {
			return err
		}
		years, err := paidYears(ctx, tx, c.ID, string(contractlife.KindPlanCrise))
		if err != nil {
			return err
		}
		p, err := contractlife.PlanPayment(lc, today, accepted == 0, years)
		if err != nil {
			return err
		}
		ids, err := addPayments(ctx, tx, ContractOwner(c), []NewPayment{{Payment: p}}, in.At)
		if err != nil {
			return err
		}
		amount = p.Amount
		if _, err := tx.Exec(ctx, `UPDATE crisis_plan_versions SET state = 'accepte', decided_on = $2, decided_at = $3, decided_by = $4, decided_name = $5, payment_id = $6 WHERE id = $1`,
			id, today.String(), in.At, uid, actorName(sc), ids[0]); err != nil {
			return err
		}
		return appendAudit(ctx, tx, c.DossierID, &uid, actorName(sc), in.At, TransitionPlanCriseAccepte, c.State, c.State,
			fmt.Sprintf("Plan de crise, version %d acceptée : part fixe de l'année %d du contrat, %s.", in.N, p.ContractYear, domain.FormatEUR(p.Amount)))
	})
	return amount, pgError("store.DecideCrisisPlan", err)
}

// CrisisPlan lists the versions of the crisis plan of contract id in scope,
// latest first.
func (s *Store) CrisisPlan(ctx context.Context, sc Scope, contractID int64) ([]PlanVersion, error) {
	var a args
	rows, err := s.db(sc).Query(ctx, `SELECT v.id, v.n, f.id, f.filename, f.media_type, f.size, f.sha256, v.uploaded_at, v.uploaded_name, v.state,
		v.decided_on, v.decided_name, v.reason, coalesce(v.payment_id, 0), coalesce(p.amount_cents, 0), coalesce(p.contract_year, 0)
		FROM crisis_plan_versions v JOIN stored_files f ON f.id = v.file_id JOIN contracts c ON c.id = v.contract_id
		JOIN organisations o ON o.id = c.structure_id LEFT JOIN payments p ON p.id = v.payment_id
		WHERE c.id = `+a.add(contractID)+" AND "+sc.contracts("c", &a)+" ORDER BY v.n DESC", a...)
	if err != nil {
		return nil, pgError("store.CrisisPlan", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlanVersion, error) {
		var v PlanVersion
		var dec *time.Time
		var amount int64
		err := r.Scan(&v.ID, &v.N, &v.File.ID, &v.File.Filename, &v.File.MediaType, &v.File.Size, &v.File.SHA256, &v.UploadedAt, &v.UploadedBy,
			&v.State, &dec, &v.DecidedBy, &v.Reason, &v.PaymentID, &amount, &v.ContractYear)
		v.DecidedOn, v.Amount = dateOf(dec), domain.Cents(amount)
		return v, err
	})
	return out, pgError("store.CrisisPlan", err)
}

// CrisisPlanFile returns version n of the crisis plan of contract id in
// scope, with its bytes.
func (s *Store) CrisisPlanFile(ctx context.Context, sc Scope, contractID int64, n int) (StoredFile, []byte, error) {
	var a args
	var f StoredFile
	var data []byte
	err := s.db(sc).QueryRow(ctx, `SELECT f.id, f.filename, f.media_type, f.size, f.sha256, f.content
		FROM crisis_plan_versions v JOIN stored_files f ON f.id = v.file_id JOIN contracts c ON c.id = v.contract_id
		JOIN organisations o ON o.id = c.structure_id WHERE c.id = `+a.add(contractID)+" AND v.n = "+a.add(n)+" AND "+sc.contracts("c", &a), a...).
		Scan(&f.ID, &f.Filename, &f.MediaType, &f.Size, &f.SHA256, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, nil, domain.Errorf(domain.ENotFound, "Fichier introuvable.")
	}
	return f, data, pgError("store.CrisisPlanFile", err)
}
