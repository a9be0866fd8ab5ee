package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// ComplementTarget is what a complement request is attached to: a field of
// the dossier or a document ("doc:<workflow.Document>").
type ComplementTarget struct {
	Code  string
	Label string
}

// ComplementTargets lists the fields and documents a complement request may
// be attached to, in display order.
func ComplementTargets() []ComplementTarget {
	return []ComplementTarget{
		{"lettre_intention", "Lettre d'intention"},
		{"projet_sante", "Projet de santé (contenu)"},
		{"missions", "Missions et indicateurs"},
		{"territoire", "Territoire"},
		{"membres", "Membres"},
		{"financement", "Estimation du financement"},
		{"doc:" + string(workflow.DocProjetSante), "Pièce : projet de santé"},
		{"doc:" + string(workflow.DocStatuts), "Pièce : statuts"},
		{"doc:" + string(workflow.DocContoursTerritoire), "Pièce : contours du territoire"},
		{"doc:" + string(workflow.DocListeMembres), "Pièce : liste des membres"},
		{"autre", "Autre"},
	}
}

// ComplementTargetLabel returns the French label of a target code.
func ComplementTargetLabel(code string) string {
	for _, t := range ComplementTargets() {
		if t.Code == code {
			return t.Label
		}
	}
	return code
}

func validTarget(code string) bool {
	for _, t := range ComplementTargets() {
		if t.Code == code {
			return true
		}
	}
	return false
}

// Complement is one complement request and its answer.
type Complement struct {
	ID          int64
	DossierID   int64
	Target      string
	Request     string
	RequestedAt time.Time
	RequestedBy string
	Answer      string
	AnsweredAt  *time.Time
	AnsweredBy  string
}

// Open reports whether the request still waits for an answer.
func (c Complement) Open() bool { return c.AnsweredAt == nil }

// Extra keys of a demander_complements TransitionRequest: the request filed
// together with the transition.
const (
	ExtraComplementTarget = "complement_target"
	ExtraComplementText   = "complement_text"
)

// complementsRequirement fills a.OpenComplementRequests (repondre_complements
// and avis_favorable need every request answered).
func complementsRequirement(ctx context.Context, tx pgx.Tx, d *Dossier, a *workflow.Attempt) error {
	if a.Transition != workflow.RepondreComplements && a.Transition != workflow.DonnerAvisFavorable {
		return nil
	}
	return tx.QueryRow(ctx, `SELECT count(*) FROM dossier_complements WHERE dossier_id = $1 AND answered_at IS NULL`, d.ID).
		Scan(&a.OpenComplementRequests)
}

// complementsAfter records the complement request given with
// demander_complements. Decision: asking for complements needs at least one
// open request, attached to a field or a document (given with the
// transition, or added beforehand during the instruction): the structure must
// know what to complete, not only the motivation.
func complementsAfter(ctx context.Context, tx pgx.Tx, d *Dossier, out workflow.Outcome, in TransitionRequest) error {
	if out.Record.Transition != workflow.DemanderComplements {
		return nil
	}
	target, text := strings.TrimSpace(in.Extra[ExtraComplementTarget]), strings.TrimSpace(in.Extra[ExtraComplementText])
	if text != "" || target != "" {
		if err := insertComplement(ctx, tx, d.ID, target, text, in.At, d.UpdatedBy); err != nil {
			return err
		}
	}
	var open int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM dossier_complements WHERE dossier_id = $1 AND answered_at IS NULL`, d.ID).Scan(&open); err != nil {
		return err
	}
	if open == 0 {
		return domain.FieldError(ExtraComplementText, "Indiquez au moins une demande de complément (sur quoi elle porte et ce qui est attendu).")
	}
	return nil
}

// validateComplement checks a complement request's target and text.
func validateComplement(target, text string) error {
	if !validTarget(target) {
		return domain.FieldError(ExtraComplementTarget, "Choisissez sur quoi porte la demande de complément.")
	}
	if text == "" {
		return domain.FieldError(ExtraComplementText, "Décrivez le complément attendu.")
	}
	if utf8.RuneCountInString(text) > MaxMotivation {
		return domain.FieldError(ExtraComplementText, "La demande ne doit pas dépasser %d caractères.", MaxMotivation)
	}
	return nil
}

func insertComplement(ctx context.Context, tx pgx.Tx, dossierID int64, target, text string, at time.Time, by *int64) error {
	if err := validateComplement(target, text); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO dossier_complements (dossier_id, target, request, requested_at, requested_by)
		VALUES ($1, $2, $3, $4, $5)`, dossierID, target, text, at, by)
	return err
}

// lockDossier locks a dossier in scope and returns it (not found outside).
func lockDossier(ctx context.Context, tx pgx.Tx, sc Scope, id int64) (Dossier, error) {
	return scopedDossier(ctx, tx, sc, id, lockDossierUpdate, "store.lockDossier")
}

// ErrComplementAlreadyOpen is returned by AddComplementRequest when the
// same request (same target, same text) is already open: nothing is added.
var ErrComplementAlreadyOpen = &domain.Error{Code: domain.EConflict, Message: "Cette demande de complément est déjà enregistrée."}

// AddComplementRequest is the one way the CPAM referent (or manager) asks
// for a complement, attached to a field or a document, always answerable by
// the structure: on a dossier en_instruction it applies demander_complements
// with this request (the dossier goes to complements_demandes, its
// motivation is the request); in complements_demandes it adds one more
// request, with an audit row. The structure is notified from the audit row.
// It returns the dossier's state after the request.
func (s *Store) AddComplementRequest(ctx context.Context, sc Scope, dossierID int64, target, text string, at time.Time) (workflow.State, error) {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	var state workflow.State
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		d, err := lockDossier(ctx, tx, sc, dossierID)
		if err != nil {
			return err
		}
		if !d.Permission(sc).Can(access.ActRequestComplements) {
			if !roleAllows(sc, dossierSubject(d.StructureID, d.StructureType), access.ActRequestComplements) {
				return domain.Errorf(domain.ENotFound, "Dossier introuvable.")
			}
			return domain.Errorf(domain.EConflict, "Ce dossier n'est plus en instruction (il est « %s ») : rechargez la page.", d.State.Label())
		}
		state = d.State // a replay answers the dossier's state now
		var rid int64
		return s.once(ctx, tx, sc.UserID, "complement_request", &rid, func() (int64, error) {
			return d.ID, s.addComplementTx(ctx, tx, sc, d, target, text, at, &state)
		})
	})
	return state, pgError("store.AddComplementRequest", replayed(err))
}

// addComplementTx is the body of AddComplementRequest once the dossier is
// locked and the request allowed.
func (s *Store) addComplementTx(ctx context.Context, tx pgx.Tx, sc Scope, d Dossier, target, text string, at time.Time, state *workflow.State) error {
	{
		target, text = strings.TrimSpace(target), strings.TrimSpace(text)
		// A double click (or a resubmission after going back) sends the same
		// request again: under the dossier lock, an identical request still
		// open is not filed twice.
		var dup bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dossier_complements
			WHERE dossier_id = $1 AND target = $2 AND request = $3 AND answered_at IS NULL)`, d.ID, target, text).Scan(&dup); err != nil {
			return err
		}
		if dup {
			return ErrComplementAlreadyOpen
		}
		if err := validateComplement(target, text); err != nil {
			return err
		}
		uid := sc.UserID
		*state = d.State
		if d.State == workflow.EnInstruction {
			in := TransitionRequest{DossierID: d.ID, Transition: workflow.DemanderComplements, Seen: d.State,
				Motivation: cutRunes(ComplementTargetLabel(target)+" : "+text, MaxMotivation), At: at, Today: domain.DateOf(at),
				Extra: map[string]string{ExtraComplementTarget: target, ExtraComplementText: text}}
			out, err := s.applyTx(ctx, tx, sc, workflow.Actor{OrgKind: sc.Kind, Role: sc.Role, InScope: true}, &uid, sc.UserName, in, false)
			*state = out.To
			return err
		}
		if err := insertComplement(ctx, tx, d.ID, target, text, at, &uid); err != nil {
			return err
		}
		return appendAudit(ctx, tx, d.ID, &uid, sc.UserName, at, TransitionDemandeComplement, d.State, d.State,
			ComplementTargetLabel(target)+" : "+text)
	}
}

// cutRunes bounds s to max runes.
func cutRunes(s string, max int) string {
	if r := []rune(s); len(r) > max {
		return string(r[:max])
	}
	return s
}

// AnswerComplementRequest records the coordinator's answer to one open
// complement request of their own structure's dossier, with an audit row. An
// open request is always answerable while the dossier is in instruction
// (complements_demandes, or en_instruction for a request filed there by an
// earlier version of the portal).
func (s *Store) AnswerComplementRequest(ctx context.Context, sc Scope, dossierID, requestID int64, answer string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	at = at.Truncate(time.Microsecond)
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return domain.FieldError("answer", "Saisissez votre réponse.")
	}
	if utf8.RuneCountInString(answer) > MaxMotivation {
		return domain.FieldError("answer", "La réponse ne doit pas dépasser %d caractères.", MaxMotivation)
	}
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		d, err := lockDossier(ctx, tx, sc, dossierID)
		if err != nil {
			return err
		}
		if !d.Permission(sc).Can(access.ActAnswerComplements) {
			if !roleAllows(sc, dossierSubject(d.StructureID, d.StructureType), access.ActAnswerComplements) {
				return domain.Errorf(domain.ENotFound, "Dossier introuvable.")
			}
			return domain.Errorf(domain.EConflict, "Aucun complément n'est demandé sur ce dossier (il est « %s ») : rechargez la page.", d.State.Label())
		}
		var target string
		var answered *time.Time
		if err := tx.QueryRow(ctx, `SELECT target, answered_at FROM dossier_complements WHERE id = $1 AND dossier_id = $2 FOR UPDATE`,
			requestID, d.ID).Scan(&target, &answered); err != nil {
			if domain.IsNotFound(pgError("", err)) {
				return domain.Errorf(domain.ENotFound, "Demande de complément introuvable.")
			}
			return err
		}
		if answered != nil {
			return domain.Errorf(domain.EConflict, "Cette demande a déjà une réponse : rechargez la page.")
		}
		uid := sc.UserID
		if _, err := tx.Exec(ctx, `UPDATE dossier_complements SET answer = $2, answered_at = $3, answered_by = $4 WHERE id = $1`,
			requestID, answer, at, uid); err != nil {
			return err
		}
		return appendAudit(ctx, tx, d.ID, &uid, sc.UserName, at, TransitionReponseComplement, d.State, d.State,
			ComplementTargetLabel(target)+" : "+answer)
	})
	return pgError("store.AnswerComplementRequest", err)
}

// ListComplementRequests returns a dossier's complement requests (in scope),
// oldest first.
func (s *Store) ListComplementRequests(ctx context.Context, sc Scope, dossierID int64) ([]Complement, error) {
	var b pgx.Batch
	var out []Complement
	queueComplementRequests(&b, sc, dossierID, &out)
	if err := s.db(sc).SendBatch(ctx, &b).Close(); err != nil {
		return nil, pgError("store.ListComplementRequests", err)
	}
	return out, nil
}

// queueComplementRequests queues on b the read of ListComplementRequests
// into *out.
func queueComplementRequests(b *pgx.Batch, sc Scope, dossierID int64, out *[]Complement) {
	var a args
	q := `SELECT c.id, c.dossier_id, c.target, c.request, c.requested_at, coalesce(ru.name, ''), c.answer, c.answered_at, coalesce(au.name, '')
		FROM dossier_complements c JOIN dossiers d ON d.id = c.dossier_id JOIN organisations o ON o.id = d.structure_id
		LEFT JOIN users ru ON ru.id = c.requested_by LEFT JOIN users au ON au.id = c.answered_by
		WHERE c.dossier_id = ` + a.add(dossierID) + ` AND ` + sc.dossiers("d", &a) + ` ORDER BY c.id`
	b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Complement, error) {
			var c Complement
			err := r.Scan(&c.ID, &c.DossierID, &c.Target, &c.Request, &c.RequestedAt, &c.RequestedBy, &c.Answer, &c.AnsweredAt, &c.AnsweredBy)
			return c, err
		})
		return err
	})
}
