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
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// MaxMotivation bounds a motivation (and other free texts of the workflow), in
// characters; the database checks it too.
const MaxMotivation = 5000

// Dossier is a candidature à l'ACI of one structure (docs/rules.md §13).
type Dossier struct {
	ID                       int64
	StructureID              int64
	StructureName            string
	StructureType            domain.StructureType
	Departement              string
	State                    workflow.State
	Version                  int
	CreatedAt                time.Time
	CreatedBy                *int64
	UpdatedAt                time.Time
	UpdatedBy                *int64
	UpdatedByName            string
	StateSince               time.Time // when the state last changed
	LetterFiledOn            domain.Date
	LetterValidatedOn        domain.Date // starts the 6-month clock (docs/rules.md §5)
	HealthProjectFiledOn     domain.Date // last filing (CSP L1434-12 clock for a CPTS)
	HealthProjectValidatedOn domain.Date
	RequestFiledOn           domain.Date
	DecidedOn                domain.Date
	InstructorUserID         *int64
	InstructorName           string
	Opinion                  workflow.Position // "" until given
	OpinionMotivation        string
	PositionARS              *workflow.Position
	PositionARSMotivation    string
	PositionARSAt            *time.Time
	PositionDCGDR            *workflow.Position
	PositionDCGDRMotivation  string
	PositionDCGDRAt          *time.Time
	SignatureAppointmentAt   *time.Time
	SignaturePlace           string
	AuditHead                string
	AuditSeq                 int
	// ContractState is the state of the dossier's contract once accepted
	// ("" without a contract): the dossier stays "acceptee", the contract
	// takes over (docs/rules.md §13).
	ContractState workflow.State
}

const dossierColumns = `d.id, d.structure_id, o.name, d.structure_type, coalesce(d.seat_departement, o.departement, ''), d.state, d.version,
	d.created_at, d.created_by, d.updated_at, d.updated_by, coalesce((SELECT u.name FROM users u WHERE u.id = d.updated_by), ''),
	d.state_since, d.lettre_deposee_on, d.lettre_validated_on, d.projet_sante_filed_on, d.projet_sante_validated_on,
	d.demande_deposee_on, d.decided_on, d.instructeur_user_id, coalesce((SELECT u.name FROM users u WHERE u.id = d.instructeur_user_id), ''),
	coalesce(d.avis, ''), d.avis_motivation, d.position_ars, d.position_ars_motivation, d.position_ars_at,
	d.position_dcgdr, d.position_dcgdr_motivation, d.position_dcgdr_at, d.signature_appointment_at, d.signature_place,
	d.audit_head, d.audit_seq, coalesce((SELECT c.state FROM contracts c WHERE c.dossier_id = d.id), '')`

const dossierFrom = ` FROM dossiers d JOIN organisations o ON o.id = d.structure_id`

// dateOf is the date of a nullable DATE/TIMESTAMPTZ column (zero when NULL).
func dateOf(t *time.Time) domain.Date {
	if t == nil {
		return domain.Date{}
	}
	return domain.DateOf0(*t)
}

// dateArg is the query argument of a nullable DATE column (NULL when zero).
func dateArg(d domain.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func scanDossier(row pgx.Row) (Dossier, error) {
	var d Dossier
	var st, state, avis, cstate string
	var lettreDep, lettreVal, psFiled, psVal, demDep, decided *time.Time
	var posARS, posDCGDR *string
	err := row.Scan(&d.ID, &d.StructureID, &d.StructureName, &st, &d.Departement, &state, &d.Version,
		&d.CreatedAt, &d.CreatedBy, &d.UpdatedAt, &d.UpdatedBy, &d.UpdatedByName,
		&d.StateSince, &lettreDep, &lettreVal, &psFiled, &psVal, &demDep, &decided, &d.InstructorUserID, &d.InstructorName,
		&avis, &d.OpinionMotivation, &posARS, &d.PositionARSMotivation, &d.PositionARSAt,
		&posDCGDR, &d.PositionDCGDRMotivation, &d.PositionDCGDRAt, &d.SignatureAppointmentAt, &d.SignaturePlace,
		&d.AuditHead, &d.AuditSeq, &cstate)
	d.StructureType, d.State, d.Opinion = domain.StructureType(st), workflow.State(state), workflow.Position(avis)
	d.ContractState = workflow.State(cstate)
	d.LetterFiledOn, d.LetterValidatedOn = dateOf(lettreDep), dateOf(lettreVal)
	d.HealthProjectFiledOn, d.HealthProjectValidatedOn = dateOf(psFiled), dateOf(psVal)
	d.RequestFiledOn, d.DecidedOn = dateOf(demDep), dateOf(decided)
	if posARS != nil {
		p := workflow.Position(*posARS)
		d.PositionARS = &p
	}
	if posDCGDR != nil {
		p := workflow.Position(*posDCGDR)
		d.PositionDCGDR = &p
	}
	return d, err
}

// Dossier returns one dossier in scope; outside the scope it is not found.
func (s *Store) Dossier(ctx context.Context, sc Scope, id int64) (Dossier, error) {
	return scopedDossier(ctx, s.db(sc), sc, id, "", "store.Dossier")
}

// Row locks for scopedDossier.
const (
	lockDossierUpdate = " FOR UPDATE OF d" // a change of the dossier row itself
	lockDossierShare  = " FOR SHARE OF d"  // a change of its children, kept out of a concurrent transition
)

// scopedDossier is THE read of one dossier in scope (Scope.dossiers,
// docs/rules.md §33), with the row lock lock ("" for none, lockDossierUpdate,
// lockDossierShare). Outside the scope the dossier is not found; origin
// names the caller in wrapped internal errors.
func scopedDossier(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, sc Scope, id int64, lock, origin string) (Dossier, error) {
	var a args
	sql := "SELECT " + dossierColumns + dossierFrom + " WHERE d.id = " + a.add(id) + " AND " + sc.dossiers("d", &a) + lock
	d, err := scanDossier(q.QueryRow(ctx, sql, a...))
	if err != nil {
		return d, dossierNotFound(pgError(origin, err))
	}
	return d, nil
}

func dossierNotFound(err error) error {
	if domain.IsNotFound(err) {
		return domain.Errorf(domain.ENotFound, "Dossier introuvable.")
	}
	return err
}

// DossierFilter narrows a dossiers list.
type DossierFilter struct {
	States      []workflow.State // any of these (none: all)
	Type        domain.StructureType
	StructureID int64
	Query       string // structure name contains (case-insensitive)
}

// ListDossiers returns the dossiers in scope matching f, one page of them
// (most recently changed first) and the total count.
func (s *Store) ListDossiers(ctx context.Context, sc Scope, f DossierFilter, p Page) ([]Dossier, int, error) {
	var out []Dossier
	var total int
	rd := NewReads(sc)
	rd.ListDossiers(f, p, &out, &total)
	if err := s.send(ctx, rd); err != nil {
		return nil, 0, pgError("store.ListDossiers", err)
	}
	return out, total, nil
}

// ListDossiers queues the reads of Store.ListDossiers (the count and the
// page) into *out and *total.
func (rd *Reads) ListDossiers(f DossierFilter, p Page, out *[]Dossier, total *int) {
	var a args
	var where []string
	if len(f.States) > 0 {
		st := make([]string, len(f.States))
		for i, x := range f.States {
			st[i] = string(x)
		}
		where = append(where, rd.sc.dossiersInStates("d", st, &a))
	} else {
		where = append(where, rd.sc.dossiers("d", &a))
	}
	if f.Type != "" {
		where = append(where, "d.structure_type = "+a.add(string(f.Type)))
	}
	if f.StructureID != 0 {
		where = append(where, "d.structure_id = "+a.add(f.StructureID))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, "o.name ILIKE '%' || "+a.add(escapeLike(q))+" || '%'")
	}
	w := " WHERE " + strings.Join(where, " AND ")
	countArgs := append([]any(nil), a...)
	if p.Size <= 0 || p.Size > 200 {
		p.Size = 50
	}
	q := "SELECT " + dossierColumns + dossierFrom + w + " ORDER BY d.state_since DESC, d.id DESC" + p.limitOffset()
	rd.b.Queue("SELECT count(*)"+dossierFrom+w, countArgs...).QueryRow(func(r pgx.Row) error { return r.Scan(total) })
	rd.b.Queue(q, a...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Dossier, error) { return scanDossier(r) })
		return err
	})
}

// CreateDossier opens a dossier in brouillon for the caller's own structure
// (a coordinator of it), after workflow.Eligible (an ESS is refused with the
// reason). A structure has at most one open dossier (unique index): a second
// one is a conflict. The creation is the first row of the audit trail.
func (s *Store) CreateDossier(ctx context.Context, sc Scope, structureID int64, at time.Time) (int64, error) {
	if !access.For(sc.Viewer(), access.Structure(structureID, "", false)).Can(access.ActCreateDossier) {
		return 0, domain.Errorf(domain.ENotFound, "Structure introuvable.")
	}
	if at.IsZero() {
		at = s.now()
	}
	var id int64
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		return s.once(ctx, tx, sc.UserID, "create_dossier", &id, func() (int64, error) {
			var id int64
			err := createDossierTx(ctx, tx, sc, structureID, at, &id)
			return id, err
		})
	})
	if err := replayed(err); err != nil {
		return 0, pgError("store.CreateDossier", err)
	}
	return id, nil
}

// createDossierTx is the body of CreateDossier's transaction.
func createDossierTx(ctx context.Context, tx pgx.Tx, sc Scope, structureID int64, at time.Time, id *int64) error {
	{
		var a args
		var st string
		q := "SELECT o.structure_type FROM organisations o WHERE o.id = " + a.add(structureID) + " AND o.archived_at IS NULL AND " + sc.structures("o", &a) + " FOR UPDATE"
		if err := tx.QueryRow(ctx, q, a...).Scan(&st); err != nil {
			return err
		}
		if err := workflow.Eligible(domain.StructureType(st)); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM dossiers WHERE structure_id = $1 AND state <> 'refusee'`, structureID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return domain.Errorf(domain.EConflict, "Votre structure a déjà un dossier en cours : ouvrez-le depuis la liste des dossiers.")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO dossiers (structure_id, structure_type, created_at, created_by, updated_at, updated_by, state_since)
			VALUES ($1, $2, $3, $4, $3, $4, $3) RETURNING id`, structureID, st, at, sc.UserID).Scan(id); err != nil {
			return err
		}
		uid := sc.UserID
		return appendAudit(ctx, tx, *id, &uid, sc.UserName, at, TransitionCreer, "", workflow.Brouillon, "")
	}
}

// Audit-only actions: rows of the audit trail that are not workflow
// transitions (the state does not change).
const (
	TransitionCreer               workflow.Transition = "creer_dossier"
	TransitionRendezVousSignature workflow.Transition = "rendez_vous_signature"
	TransitionDemandeComplement   workflow.Transition = "demande_complement"
	TransitionReponseComplement   workflow.Transition = "reponse_complement"
)

// ActionLabel is the French label of an audit row's action: the workflow's
// transition label, or one of the audit-only actions above.
func ActionLabel(t workflow.Transition) string {
	switch t {
	case TransitionCreer:
		return "Création du dossier"
	case TransitionRendezVousSignature:
		return "Rendez-vous de signature fixé"
	case TransitionDemandeComplement:
		return "Demande de complément"
	case TransitionReponseComplement:
		return "Réponse à une demande de complément"
	case workflow.ReputerValideProjetSante:
		return "Validation implicite (silence de l'ARS, CSP L1434-12)"
	case TransitionVersement:
		return "Versement enregistré"
	case TransitionOrdonnancement:
		return "Paiement ordonnancé"
	case TransitionAnnulation:
		return "Paiement annulé"
	case TransitionRecouvrement:
		return "Recouvrement enregistré"
	case TransitionReceptionResiliation:
		return "Réception du courrier de résiliation"
	case TransitionRecours:
		return "Recours devant la commission paritaire"
	case TransitionDecisionRecours:
		return "Décision de la commission paritaire"
	case TransitionSeanceAccelerateur:
		return "Séance accélérateur programmée"
	case TransitionCompteRenduAccelerateur:
		return "Compte rendu de séance accélérateur"
	case TransitionDemarrageMission:
		return "Démarrage d'une mission déclaré"
	case TransitionDeploiementMission:
		return "Déploiement d'une mission déclaré"
	case TransitionAvancesAnniv:
		return "Avances de l'anniversaire du contrat"
	}
	if l, ok := lifeActionLabel(t); ok {
		return l
	}
	return t.Label()
}

// TransitionRequest is a user's attempt to apply a workflow transition.
type TransitionRequest struct {
	DossierID  int64
	Transition workflow.Transition
	// Seen is the state shown on the page when the user pressed the button:
	// a stale page is refused (double submission, two tabs).
	Seen       workflow.State
	Motivation string
	Position   workflow.Position // position_ars / position_dcgdr
	Today      domain.Date       // Europe/Paris date of At (computed when zero)
	At         time.Time         // when (now when zero)
	// Extra carries transition-specific fields (a complement request's
	// "complement_target" and "complement_text" with demander_complements).
	Extra map[string]string
}

// ApplyTransition applies one workflow transition to a dossier in scope, in
// ONE transaction: lock the dossier row (not found outside the scope), build
// the workflow.Attempt (actor from sc), fill it from the other areas'
// tables (requirements), workflow.Check, update the row (state, version,
// dates, positions), append the audit row to the hash chain, apply the side
// effects (complement request, contract). applyTx lists them in order. Two
// concurrent submissions serialize on the row lock; the second sees the new
// state, differs from Seen and is refused with a conflict.
func (s *Store) ApplyTransition(ctx context.Context, sc Scope, in TransitionRequest) (workflow.Outcome, error) {
	if !sc.Valid() {
		return workflow.Outcome{}, domain.Errorf(domain.ENotFound, "Dossier introuvable.")
	}
	uid := sc.UserID
	return s.apply(ctx, sc, workflow.Actor{}, &uid, sc.UserName, in)
}

func (s *Store) apply(ctx context.Context, sc Scope, actor workflow.Actor, actorID *int64, actorName string, in TransitionRequest) (workflow.Outcome, error) {
	if utf8.RuneCountInString(in.Motivation) > MaxMotivation {
		return workflow.Outcome{}, domain.FieldError("motivation", "La motivation ne doit pas dépasser %d caractères.", MaxMotivation)
	}
	if in.At.IsZero() {
		in.At = s.now()
	}
	in.At = in.At.Truncate(time.Microsecond)
	if in.Today.IsZero() {
		in.Today = domain.DateOf(in.At)
	}
	in.Motivation = strings.TrimSpace(in.Motivation)
	var out workflow.Outcome
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		var err error
		out, err = s.applyTx(ctx, tx, sc, actor, actorID, actorName, in, false)
		return err
	})
	if err != nil {
		return workflow.Outcome{}, pgError("store.ApplyTransition", err)
	}
	return out, nil
}

// applyTx is the body of a transition inside tx. With skipLocked (the
// scheduler), a dossier locked by another transaction is skipped: it returns
// errSkipped.
func (s *Store) applyTx(ctx context.Context, tx pgx.Tx, sc Scope, actor workflow.Actor, actorID *int64, actorName string, in TransitionRequest, skipLocked bool) (workflow.Outcome, error) {
	var out workflow.Outcome
	err := func() error {
		var a args
		where := "d.id = " + a.add(in.DossierID)
		if !actor.System {
			where += " AND " + sc.dossiers("d", &a)
		}
		lock := " FOR UPDATE OF d"
		if skipLocked {
			lock += " SKIP LOCKED"
		}
		d, err := scanDossier(tx.QueryRow(ctx, "SELECT "+dossierColumns+dossierFrom+" WHERE "+where+lock, a...))
		if err != nil {
			if skipLocked && errors.Is(err, pgx.ErrNoRows) {
				return errSkipped
			}
			return dossierNotFound(pgError("store.ApplyTransition", err))
		}
		if !actor.System {
			actor = access.Actor(sc.Viewer(), d.StructureID)
		}
		att := workflow.Attempt{
			Transition: in.Transition, StructureType: d.StructureType, From: d.State, Seen: in.Seen,
			Actor: actor, Today: in.Today, Motivation: in.Motivation,
			PositionARS: d.PositionARS, PositionDCGDR: d.PositionDCGDR, Position: in.Position,
			Avis: d.Opinion, ProjetSanteFiled: d.HealthProjectFiledOn,
		}
		// Requirements, from the other areas' tables (each one is a no-op
		// for the transitions it does not concern).
		if err := complementsRequirement(ctx, tx, &d, &att); err != nil { // repondre_complements
			return err
		}
		if err := contractSignatures(ctx, tx, &d, &att); err != nil { // signer
			return err
		}
		if err := documentsRequirement(ctx, tx, &d, &att); err != nil { // deposer_projet_sante, deposer_demande
			return err
		}
		if err := contentRequirement(ctx, tx, &d, &att); err != nil { // deposer_lettre_intention, deposer_demande
			return err
		}
		if err := compositionRequirement(ctx, tx, &d, &att); err != nil { // deposer_demande
			return err
		}
		out, err = workflow.Check(att)
		if err != nil {
			return err
		}
		filed := workflow.Files(d.State, out.To)
		if err := updateDossierFor(ctx, tx, &d, in, out, actorID); err != nil {
			return err
		}
		if filed {
			if err := bindDossier(ctx, tx, d.ID, in.At); err != nil {
				return err
			}
		}
		if err := appendAudit(ctx, tx, d.ID, actorID, actorName, in.At, out.Record.Transition, out.Record.From, out.Record.To, out.Record.Motivation); err != nil {
			return err
		}
		// Side effects, in the same transaction (an error rolls back the
		// whole transition).
		if err := complementsAfter(ctx, tx, &d, out, in); err != nil { // demander_complements
			return err
		}
		if err := amorcageOnLetter(ctx, tx, &d, in); err != nil { // valider_lettre_intention
			return err
		}
		return s.createContractOnAccept(ctx, tx, &d, out) // accepter
	}()
	return out, err
}

var errSkipped = errors.New("store: dossier locked by another transaction")

// bindDossier binds a dossier being filed to the instructing organisations
// of its structure's seat now (docs/rules.md §33): the CPAM covering the
// seat's département, the ARS and the DCGDR of its region (the active one of
// lowest id when several). A dossier already bound keeps its binding (a
// dossier sent back to brouillon and filed again). The agencies' scope on the
// dossier follows the binding (Scope.dossiers).
func bindDossier(ctx context.Context, tx pgx.Tx, dossierID int64, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE dossiers d SET bound_at = $2, seat_departement = o.departement,
		cpam_id = (SELECT c.id FROM organisations c JOIN organisation_departements od ON od.org_id = c.id
		           WHERE c.kind = 'cpam' AND c.archived_at IS NULL AND od.departement = o.departement ORDER BY c.id LIMIT 1),
		ars_id = (SELECT x.id FROM organisations x JOIN departements dp ON dp.region = x.region
		          WHERE x.kind = 'ars' AND x.archived_at IS NULL AND dp.code = o.departement ORDER BY x.id LIMIT 1),
		dcgdr_id = (SELECT x.id FROM organisations x JOIN departements dp ON dp.region = x.region
		            WHERE x.kind = 'dcgdr' AND x.archived_at IS NULL AND dp.code = o.departement ORDER BY x.id LIMIT 1)
		FROM organisations o WHERE o.id = d.structure_id AND d.id = $1 AND d.bound_at IS NULL`, dossierID, at)
	return err
}

// updateDossierFor writes the effects of an allowed transition on the
// dossier row and mirrors them in d.
func updateDossierFor(ctx context.Context, tx pgx.Tx, d *Dossier, in TransitionRequest, out workflow.Outcome, actorID *int64) error {
	set := []string{}
	var a args
	a.add(d.ID)
	setv := func(col string, v any) { set = append(set, col+" = "+a.add(v)) }
	today := in.Today
	switch in.Transition {
	case workflow.DeposerLettreIntention:
		setv("lettre_deposee_on", dateArg(today))
		d.LetterFiledOn = today
	case workflow.ValiderLettreIntention:
		setv("lettre_validated_on", dateArg(today))
		d.LetterValidatedOn = today
	case workflow.DeposerProjetSante:
		setv("projet_sante_filed_on", dateArg(today))
		d.HealthProjectFiledOn = today
	case workflow.ValiderProjetSante, workflow.ReputerValideProjetSante:
		setv("projet_sante_validated_on", dateArg(today))
		d.HealthProjectValidatedOn = today
	case workflow.DeposerDemande:
		setv("demande_deposee_on", dateArg(today))
		d.RequestFiledOn = today
	case workflow.PrendreEnInstruction:
		setv("instructeur_user_id", actorID)
		d.InstructorUserID = actorID
	case workflow.DonnerAvisFavorable, workflow.DonnerAvisDefavorable:
		p := workflow.Favorable
		if in.Transition == workflow.DonnerAvisDefavorable {
			p = workflow.Defavorable
		}
		setv("avis", string(p))
		setv("avis_motivation", in.Motivation)
		d.Opinion, d.OpinionMotivation = p, in.Motivation
	case workflow.PositionARS:
		p := out.Position
		setv("position_ars", string(p))
		setv("position_ars_motivation", in.Motivation)
		setv("position_ars_at", in.At)
		setv("position_ars_by", actorID)
		d.PositionARS, d.PositionARSMotivation, d.PositionARSAt = &p, in.Motivation, &in.At
	case workflow.PositionDCGDR:
		p := out.Position
		setv("position_dcgdr", string(p))
		setv("position_dcgdr_motivation", in.Motivation)
		setv("position_dcgdr_at", in.At)
		setv("position_dcgdr_by", actorID)
		d.PositionDCGDR, d.PositionDCGDRMotivation, d.PositionDCGDRAt = &p, in.Motivation, &in.At
	case workflow.Accepter, workflow.Refuser:
		setv("decided_on", dateArg(today))
		d.DecidedOn = today
	}
	if out.To != d.State {
		setv("state", string(out.To))
		setv("state_since", in.At)
		d.State, d.StateSince = out.To, in.At
	}
	setv("updated_at", in.At)
	setv("updated_by", actorID)
	set = append(set, "version = version + 1")
	tag, err := tx.Exec(ctx, "UPDATE dossiers SET "+strings.Join(set, ", ")+" WHERE id = $1", a...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("updateDossierFor: dossier %d not updated", d.ID)
	}
	d.Version++
	d.UpdatedAt, d.UpdatedBy = in.At, actorID
	return nil
}

// compositionRequirement fills a.CompositionOK / CompositionFailures from the
// structure registry (legal form, FINESS, members: migration 00020) with
// registry.Composition and registry.CanFile, for deposer_demande only (the
// workflow checks composition there: workflow.rules' doc comment).
func compositionRequirement(ctx context.Context, tx pgx.Tx, d *Dossier, a *workflow.Attempt) error {
	if a.Transition != workflow.DeposerDemande {
		return nil
	}
	checks, err := structureComposition(ctx, tx, d.StructureID, d.StructureType)
	if err != nil {
		return fmt.Errorf("compositionRequirement: %w", err)
	}
	a.CompositionOK, a.CompositionFailures = registry.CanFile(checks)
	return nil
}

// ReputeValideMotivation is the motivation recorded with the system's
// reputer_valide_projet_sante transition.
const ReputeValideMotivation = "Validation implicite (silence de l'ARS, CSP L1434-12)"

// ApplySystemTransitions applies the scheduler's transitions due on today:
// reputer_valide_projet_sante to every CPTS dossier whose projet de santé was
// filed at least two months ago (workflow.ProjetSanteReputeValide) without
// the ARS having acted (the dossier is still projet_sante_depose), recorded
// as the system. Each dossier is one transaction that takes its row FOR
// UPDATE SKIP LOCKED, so several instances can run it at once without doing
// anything twice. It returns how many dossiers changed.
// System path, no scope: background job (cmd/aci worker), never called on
// behalf of a user.
func (s *Store) ApplySystemTransitions(ctx context.Context, today domain.Date, at time.Time) (int, error) {
	if at.IsZero() {
		at = s.now()
	}
	// Candidates: filed at least one month ago (a superset); the workflow
	// decides on the exact two-month date.
	rows, err := s.sys().Query(ctx, `SELECT id, projet_sante_filed_on FROM dossiers
		WHERE state = 'projet_sante_depose' AND structure_type = 'CPTS' AND projet_sante_filed_on <= $1::date - 28
		ORDER BY projet_sante_filed_on, id`, today.String())
	if err != nil {
		return 0, pgError("store.ApplySystemTransitions", err)
	}
	type cand struct {
		id    int64
		filed time.Time
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cand, error) {
		var c cand
		return c, r.Scan(&c.id, &c.filed)
	})
	if err != nil {
		return 0, pgError("store.ApplySystemTransitions", err)
	}
	n := 0
	for _, c := range cands {
		if today.Before(workflow.ProjetSanteReputeValide(domain.DateOf0(c.filed))) {
			continue
		}
		in := TransitionRequest{DossierID: c.id, Transition: workflow.ReputerValideProjetSante,
			Seen: workflow.ProjetSanteDepose, Motivation: ReputeValideMotivation, Today: today, At: at.Truncate(time.Microsecond)}
		err := s.sysTx(ctx, func(tx pgx.Tx) error {
			_, err := s.applyTx(ctx, tx, Scope{}, workflow.Actor{System: true}, nil, SystemActorName, in, true)
			return err
		})
		switch {
		case err == nil:
			n++
		case errors.Is(err, errSkipped), domain.ErrorCode(err) == domain.EConflict:
			// another instance has it, or the ARS acted meanwhile
		default:
			return n, pgError("store.ApplySystemTransitions", err)
		}
	}
	return n, nil
}

// SignatureAppointment is the CPAM's appointment for the contract signature.
type SignatureAppointment struct {
	At    time.Time
	Place string // address or video-conference link
}

// SetSignatureAppointment records (or moves) the signature appointment the
// CPAM organises once the avis is favorable (docs/rules.md §10: "si favorable,
// organise la signature"): a CPAM referent or manager, dossier in
// avis_favorable, examen_conjoint or acceptee, optimistic lock on version.
// It appends an audit row (the structure is notified from it).
func (s *Store) SetSignatureAppointment(ctx context.Context, sc Scope, dossierID int64, version int, ap SignatureAppointment, now time.Time) error {
	place := strings.TrimSpace(ap.Place)
	switch {
	case ap.At.IsZero():
		return domain.FieldError("signature_at", "Indiquez la date et l'heure du rendez-vous.")
	case place == "":
		return domain.FieldError("signature_place", "Indiquez le lieu ou le lien de visioconférence.")
	case utf8.RuneCountInString(place) > 500:
		return domain.FieldError("signature_place", "Le lieu ne doit pas dépasser 500 caractères.")
	}
	if now.IsZero() {
		// The appointment must be in the future: the store decides by time,
		// so the caller's clock is required (never a fallback).
		return errors.New("store.SetSignatureAppointment: now is required")
	}
	now = now.Truncate(time.Microsecond)
	err := s.tx(ctx, sc, func(tx pgx.Tx) error {
		d, err := lockDossier(ctx, tx, sc, dossierID)
		if err != nil {
			return err
		}
		if !roleAllows(sc, dossierSubject(d.StructureID, d.StructureType), access.ActSetAppointment) {
			return domain.Errorf(domain.ENotFound, "Dossier introuvable.")
		}
		if d.Version != version {
			who := d.UpdatedByName
			if who == "" {
				who = "un autre utilisateur"
			}
			return domain.Errorf(domain.EConflict, "Ce dossier a été modifié entre-temps par %s : rechargez la page.", who)
		}
		switch d.State {
		case workflow.AvisFavorable, workflow.ExamenConjoint, workflow.Acceptee:
		default:
			return domain.Errorf(domain.EConflict, "Le rendez-vous de signature se fixe après un avis favorable (le dossier est « %s »).", d.State.Label())
		}
		if d.Opinion != workflow.Favorable {
			return domain.Errorf(domain.EConflict, "Le rendez-vous de signature se fixe après un avis favorable de la CPAM.")
		}
		if !ap.At.After(now) {
			return domain.FieldError("signature_at", "Le rendez-vous doit être dans le futur.")
		}
		uid := sc.UserID
		if _, err := tx.Exec(ctx, `UPDATE dossiers SET signature_appointment_at = $2, signature_place = $3, version = version + 1,
			updated_at = $4, updated_by = $5 WHERE id = $1`, d.ID, ap.At, place, now, uid); err != nil {
			return err
		}
		return appendAudit(ctx, tx, d.ID, &uid, sc.UserName, now, TransitionRendezVousSignature, d.State, d.State,
			workflow.AppointmentRecord(ap.At, place))
	})
	return pgError("store.SetSignatureAppointment", err)
}
