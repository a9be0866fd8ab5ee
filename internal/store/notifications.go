package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/portail-aci/aci/internal/access"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
)

// Notification kinds.
const (
	NotifTransition = "transition"
	NotifMessage    = "message"
	NotifReminder   = "reminder"
)

// Notification is one line of a user's notification list.
type Notification struct {
	ID        int64
	DossierID int64 // 0: none
	Kind      string
	Title     string
	Body      string
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// ntfRecipient is a user to notify.
type ntfRecipient struct {
	ID        int64
	Email     string
	Name      string
	EmailMode string
	// Own: the user is a member of the dossier's structure (the notice is
	// worded for them: "Votre…").
	Own bool
	// Offices are the user's memberships among the audiences, as kind and
	// role (for workflow.MustAct).
	Offices [][2]string
	// DigestOnly: no instant e-mail, the daily digest instead (a manager
	// told of a step that is not theirs to take).
	DigestOnly bool
}

// ntfPlace is what the recipients' query needs to know of a dossier.
type ntfPlace struct {
	ID            int64
	StructureID   int64
	StructureName string
	StructureType domain.StructureType
	State         workflow.State // the dossier's state now
	Departement   string
	Region        string
	// Bound: the dossier was filed and is bound to these agencies
	// (docs/rules.md §33); the agencies told are the bound ones.
	Bound                  bool
	CPAMID, ARSID, DCGDRID *int64
}

func ntfLoadPlace(ctx context.Context, q pgx.Tx, dossierID int64) (ntfPlace, error) {
	var p ntfPlace
	var st, state string
	err := q.QueryRow(ctx, `SELECT d.id, o.id, o.name, coalesce(o.structure_type, ''), d.state, coalesce(o.departement, ''), coalesce(dep.region, ''),
		d.bound_at IS NOT NULL, d.cpam_id, d.ars_id, d.dcgdr_id
		FROM dossiers d JOIN organisations o ON o.id = d.structure_id
		LEFT JOIN departements dep ON dep.code = o.departement WHERE d.id = $1`, dossierID).
		Scan(&p.ID, &p.StructureID, &p.StructureName, &st, &state, &p.Departement, &p.Region, &p.Bound, &p.CPAMID, &p.ARSID, &p.DCGDRID)
	p.StructureType, p.State = domain.StructureType(st), workflow.State(state)
	return p, err
}

// recipients lists the active users of the audiences of a dossier, except
// the actor (docs/rules.md §20):
//   - structure: every member (coordinators and members) of its structure;
//   - cpam: users of the CPAMs whose départements include the structure's;
//   - ars / dcgdr: users of the ARS / DCGDR of the structure's region;
//   - once the dossier is filed, the agencies it is bound to instead of the
//     seat's (docs/rules.md §33).
//
// These are the same territories as Scope.dossiers: whoever is notified
// can open the dossier.
func ntfRecipients(ctx context.Context, tx pgx.Tx, p ntfPlace, aud []workflow.Audience, exceptUser int64) ([]ntfRecipient, error) {
	has := func(a workflow.Audience) bool {
		for _, x := range aud {
			if x == a {
				return true
			}
		}
		return false
	}
	rows, err := tx.Query(ctx, `SELECT u.id, u.email, u.name, u.email_mode, o.kind, m.role
		FROM users u JOIN memberships m ON m.user_id = u.id JOIN organisations o ON o.id = m.org_id
		WHERE u.disabled_at IS NULL AND o.archived_at IS NULL AND u.id <> $1 AND (
			($2 AND o.kind = 'structure' AND o.id = $3)
			OR ($4 AND o.kind = 'cpam' AND CASE WHEN $9 THEN o.id = $10
				ELSE EXISTS (SELECT 1 FROM organisation_departements od WHERE od.org_id = o.id AND od.departement = $5) END)
			OR ($6 AND o.kind = 'ars' AND CASE WHEN $9 THEN o.id = $11 ELSE o.region = $7 END)
			OR ($8 AND o.kind = 'dcgdr' AND CASE WHEN $9 THEN o.id = $12 ELSE o.region = $7 END))
		ORDER BY u.id, o.kind, m.role`,
		exceptUser, has(workflow.ToStructure), p.StructureID, has(workflow.ToCPAM), p.Departement,
		has(workflow.ToARS), p.Region, has(workflow.ToDCGDR), p.Bound, p.CPAMID, p.ARSID, p.DCGDRID)
	if err != nil {
		return nil, err
	}
	var out []ntfRecipient
	for rows.Next() {
		var x ntfRecipient
		var kind, role string
		if err := rows.Scan(&x.ID, &x.Email, &x.Name, &x.EmailMode, &kind, &role); err != nil {
			rows.Close()
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].ID == x.ID {
			x = out[n-1]
			out = out[:n-1]
		}
		x.Own = x.Own || domain.OrgKind(kind) == domain.OrgStructure
		x.Offices = append(x.Offices, [2]string{kind, role})
		out = append(out, x)
	}
	return out, rows.Err()
}

// ntfDigestManagers marks DigestOnly the recipients whose every office is
// a CPAM manager's with no step of theirs to take in the dossier's state now
// (workflow.MustAct): the referents instruct, the manager signs; an ARS
// director, often the only ARS account of a region, stays told at once.
func ntfDigestManagers(rs []ntfRecipient, p ntfPlace) {
	for i := range rs {
		quiet := len(rs[i].Offices) > 0
		for _, o := range rs[i].Offices {
			kind, role := domain.OrgKind(o[0]), domain.Role(o[1])
			if !access.DigestOnlyOffice(kind, role) || workflow.MustAct(p.StructureType, p.State, kind, role) {
				quiet = false
			}
		}
		rs[i].DigestOnly = quiet
	}
}

// ntfEventTitle is the title of an audit row's notification, from the
// reader's side (own: the structure's users).
func ntfEventTitle(t workflow.Transition, own bool, structure string) string {
	if title, ok := workflow.EventTitle(t, own, structure); ok {
		return title
	}
	var w [2]string
	switch t {
	case TransitionDemandeComplement:
		w = [2]string{"La CPAM vous a demandé un complément", "complément demandé par la CPAM"}
	case TransitionReponseComplement:
		w = [2]string{"Votre réponse à une demande de complément a été transmise à la CPAM", "réponse reçue à une demande de complément"}
	case TransitionRendezVousSignature:
		w = [2]string{"Le rendez-vous de signature de votre contrat a été fixé", "rendez-vous de signature fixé"}
	case TransitionVersement:
		w = [2]string{"Un versement de votre contrat a été enregistré", "versement enregistré"}
	case TransitionDemarrageMission:
		w = [2]string{"Le démarrage d'une mission de votre contrat est enregistré", "démarrage d'une mission déclaré"}
	case TransitionDeploiementMission:
		w = [2]string{"Le déploiement d'une mission de votre contrat est enregistré", "déploiement d'une mission déclaré"}
	case TransitionSeanceAccelerateur:
		w = [2]string{"Une séance accélérateur a été programmée pour votre projet", "séance accélérateur programmée"}
	case TransitionCompteRenduAccelerateur:
		w = [2]string{"Le compte rendu de votre séance accélérateur vous a été envoyé", "compte rendu de séance accélérateur enregistré"}
	default:
		w = [2]string{ActionLabel(t), ActionLabel(t)}
	}
	if own {
		return w[0]
	}
	return structure + " : " + w[1]
}

// ntfNotice is a notification to create for several users.
type ntfNotice struct {
	DossierID int64
	Kind      string
	Title     string
	Body      string
	Link      string // path of this site
	Source    string // unique per user: "audit:12", "message:7"...
	// InAppOnly: listed in-app (dated At) but never e-mailed nor put in a
	// digest — for past events, see ntfMailMaxAge.
	InAppOnly bool
	At        time.Time
}

// ntfMailMaxAge: an audit row older than this when the notifier first sees
// it is a past event (the demo's backdated history, rows written by a CLI
// or restored while no server ran): it is listed in-app, dated when it
// happened, but not e-mailed — e-mailing a months-old step would be noise.
// Live transitions are seen within seconds (the notifier runs every 5 s).
//
// Decision (docs/rules.md §20): so the demo's first start lists each
// account's history in-app and sends no e-mail about it.
const ntfMailMaxAge = 48 * time.Hour

// notify inserts n for each ntfRecipient, inside tx: users in instant mode also
// get an e-mail in the outbox; users in digest mode get it flagged for the
// daily digest. A (user, source) already notified is skipped, so a retried
// job never notifies twice. It returns how many notifications were created.
func ntfNotify(ctx context.Context, tx pgx.Tx, rs []ntfRecipient, n ntfNotice, linkBase string, at time.Time) (int, error) {
	created := 0
	if n.InAppOnly && !n.At.IsZero() {
		at = n.At
	}
	for _, r := range rs {
		digest := (r.EmailMode == "digest" || r.DigestOnly) && !n.InAppOnly
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO notifications (user_id, dossier_id, kind, title, body, link, source, created_at, digest_pending)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id, source) DO NOTHING RETURNING id`,
			r.ID, ntfNullID(n.DossierID), n.Kind, ntfCut(n.Title, 300), ntfCut(n.Body, 2000), n.Link, n.Source, at, digest).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return created, err
		}
		created++
		if digest || n.InAppOnly {
			continue
		}
		body := ntfInstantBody(r.Name, n, linkBase)
		if err := outboxEnqueue(ctx, tx, r.Email, r.ID, "[Portail ACI] "+n.Title, body, at); err != nil {
			return created, err
		}
	}
	return created, nil
}

func ntfInstantBody(name string, n ntfNotice, linkBase string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Bonjour %s,\n\n%s\n", name, n.Title)
	if n.Body != "" {
		fmt.Fprintf(&b, "\n%s\n", n.Body)
	}
	if n.Link != "" {
		fmt.Fprintf(&b, "\nVoir sur le Portail ACI : %s%s\n", linkBase, n.Link)
	}
	fmt.Fprintf(&b, "\n--\nVous recevez ce message parce que vous suivez ce dossier sur le Portail ACI.\n"+
		"Recevoir un seul récapitulatif par jour : %s/compte\n", linkBase)
	return b.String()
}

func ntfNullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// cut bounds s to max runes.
func ntfCut(s string, max int) string {
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// auditAudience is who is told of an audit row: the workflow's Notify list
// for a transition (workflow.RuleFor), and for the audit-only actions of
// dossiers.go:
//
// Decision: a complement request (and a signature appointment) is told to
// the structure, a complement's answer to the CPAM; a dossier's creation to
// nobody (nothing to do for anyone yet).
func auditAudience(t workflow.Transition) []workflow.Audience {
	if r, ok := workflow.RuleFor(t); ok {
		return r.Notify
	}
	switch t {
	case TransitionDemandeComplement:
		return []workflow.Audience{workflow.ToStructure}
	case TransitionReponseComplement:
		return []workflow.Audience{workflow.ToCPAM}
	case TransitionRendezVousSignature:
		return []workflow.Audience{workflow.ToStructure, workflow.ToARS}
	case TransitionSeanceAccelerateur, TransitionCompteRenduAccelerateur:
		// The report is sent to the project leader (docs/rules.md §10).
		return []workflow.Audience{workflow.ToStructure}
	case TransitionDemarrageMission, TransitionDeploiementMission:
		// Decision (docs/rules.md §28): the CPAM, which pays the advance.
		return []workflow.Audience{workflow.ToCPAM}
	}
	return nil
}

// ProcessAuditNotifications turns dossier_audit rows not yet notified into
// notifications (and outbox e-mails) for the people concerned, except the
// actor. Each row is ONE transaction: it is taken with FOR UPDATE SKIP
// LOCKED, its notifications inserted, its notified_at set; so with any
// number of workers each row is processed exactly once (a worker that dies
// mid-way rolls back and the row is taken again). It handles at most limit
// rows and returns how many it processed.
// System path, no scope: background job (cmd/aci worker), never called on
// behalf of a user.
func (s *Store) ProcessAuditNotifications(ctx context.Context, linkBase string, limit int, now time.Time) (int, error) {
	done := 0
	for done < limit {
		got := false
		err := s.sysTx(ctx, func(tx pgx.Tx) error {
			var id, dossierID int64
			var actorID *int64
			var actorName, tr, to, motivation string
			var happened time.Time
			err := tx.QueryRow(ctx, `SELECT id, dossier_id, actor_user_id, actor_name, transition, to_state, motivation, at
				FROM dossier_audit WHERE notified_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`).
				Scan(&id, &dossierID, &actorID, &actorName, &tr, &to, &motivation, &happened)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			got = true
			if aud := auditAudience(workflow.Transition(tr)); len(aud) > 0 {
				p, err := ntfLoadPlace(ctx, tx, dossierID)
				if err != nil {
					return err
				}
				var except int64
				if actorID != nil {
					except = *actorID
				}
				rs, err := ntfRecipients(ctx, tx, p, aud, except)
				if err != nil {
					return err
				}
				body := "Par " + actorName + ". État du dossier : " + workflow.State(to).Label() + "."
				if motivation != "" {
					body += "\n" + ntfDetailLabel(workflow.Transition(tr)) + " : " + motivation
				}
				ntfDigestManagers(rs, p)
				var own, others []ntfRecipient
				for _, r := range rs {
					if r.Own {
						own = append(own, r)
					} else {
						others = append(others, r)
					}
				}
				for _, g := range []struct {
					rs  []ntfRecipient
					own bool
				}{{own, true}, {others, false}} {
					n := ntfNotice{DossierID: dossierID, Kind: NotifTransition,
						Title:  ntfEventTitle(workflow.Transition(tr), g.own, p.StructureName),
						Body:   body,
						Link:   "/dossiers/" + strconv.FormatInt(dossierID, 10),
						Source: "audit:" + strconv.FormatInt(id, 10)}
					if now.Sub(happened) > ntfMailMaxAge {
						n.InAppOnly, n.At = true, happened
					}
					if _, err := ntfNotify(ctx, tx, g.rs, n, linkBase, now); err != nil {
						return err
					}
				}
			}
			_, err = tx.Exec(ctx, `UPDATE dossier_audit SET notified_at = $2 WHERE id = $1`, id, now)
			return err
		})
		if err != nil {
			return done, pgError("store.ProcessAuditNotifications", err)
		}
		if !got {
			break
		}
		done++
	}
	return done, nil
}

// ListNotifications returns one page of the user's notifications, newest
// first, with the total count.
// No scope: a user's own rows (WHERE user_id), not a structure's data; the
// handlers pass sc.UserID.
func (s *Store) ListNotifications(ctx context.Context, userID int64, p Page) ([]Notification, int, error) {
	var out []Notification
	var total int
	rd := sysReads()
	rd.ListNotifications(userID, p, &out, &total)
	if err := s.send(ctx, rd); err != nil {
		return nil, 0, pgError("store.ListNotifications", err)
	}
	return out, total, nil
}

// ListNotifications queues the reads of Store.ListNotifications (the count
// and the page) into *out and *total. The user's own rows, whatever the
// scope of the batch (notifications have no row-level policy: no scope).
func (rd *Reads) ListNotifications(userID int64, p Page, out *[]Notification, total *int) {
	rd.b.Queue(`SELECT count(*) FROM notifications WHERE user_id = $1`, userID).QueryRow(func(r pgx.Row) error { return r.Scan(total) })
	rd.b.Queue(`SELECT id, coalesce(dossier_id, 0), kind, title, body, link, created_at, read_at
		FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`, userID, p.Size, p.Offset()).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Notification, error) {
			var n Notification
			return n, r.Scan(&n.ID, &n.DossierID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.CreatedAt, &n.ReadAt)
		})
		return err
	})
}

// UnreadNotifications counts the user's unread notifications.
// No scope: a user's own rows (WHERE user_id), not a structure's data; the
// handlers pass sc.UserID.
func (s *Store) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	rd := sysReads()
	rd.UnreadNotifications(userID, &n)
	return n, pgError("store.UnreadNotifications", s.send(ctx, rd))
}

// UnreadNotifications queues the read of Store.UnreadNotifications into *n
// (the user's own rows, as ListNotifications).
func (rd *Reads) UnreadNotifications(userID int64, n *int) {
	rd.b.Queue(`SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).QueryRow(func(r pgx.Row) error { return r.Scan(n) })
}

// MarkNotificationRead marks one of the user's notifications read and
// returns its link; another user's notification is not found.
// No scope: a user's own rows (WHERE user_id), not a structure's data; the
// handlers pass sc.UserID.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id int64, at time.Time) (string, error) {
	var link string
	err := s.sys().QueryRow(ctx, `UPDATE notifications SET read_at = coalesce(read_at, $3)
		WHERE id = $1 AND user_id = $2 RETURNING link`, id, userID, at).Scan(&link)
	if err != nil {
		err = pgError("store.MarkNotificationRead", err)
		if domain.IsNotFound(err) {
			return "", domain.Errorf(domain.ENotFound, "Notification introuvable.")
		}
	}
	return link, err
}

// MarkAllNotificationsRead marks every notification of the user read.
// No scope: a user's own rows (WHERE user_id), not a structure's data; the
// handlers pass sc.UserID.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, userID int64, at time.Time) (int, error) {
	tag, err := s.sys().Exec(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, at)
	return int(tag.RowsAffected()), pgError("store.MarkAllNotificationsRead", err)
}

// SetEmailMode sets the user's e-mail preference: "instant" (one e-mail per
// notification) or "digest" (one e-mail a day listing them).
// No scope: a user's own rows (WHERE user_id), not a structure's data; the
// handlers pass sc.UserID.
func (s *Store) SetEmailMode(ctx context.Context, userID int64, mode string) error {
	if mode != "instant" && mode != "digest" {
		return domain.FieldError("email_mode", "Choisissez « à chaque notification » ou « un récapitulatif par jour ».")
	}
	_, err := s.sys().Exec(ctx, `UPDATE users SET email_mode = $2 WHERE id = $1`, userID, mode)
	return pgError("store.SetEmailMode", err)
}

// Reminders (docs/rules.md §5, CSP L1434-12).

// reminderKinds of reminders_sent.kind (a workflow.DeadlineKind, or this).
const ntfReminderComplement = "complement"

// SendReminders creates today's reminder notifications (and e-mails):
//   - lettre d'intention: 30 and 7 days before validated + 6 months
//     (workflow.LettreIntentionDeadline), while the CPTS has not reached the
//     contract (states lettre_intention_validee … examen_conjoint);
//   - projet de santé of a CPTS filed and not decided: 30 and 7 days before
//     it is réputé validé (workflow.ProjetSanteReputeValide), to the ARS;
//   - pending complement requests: every 7 days after the request
//     (workflow.ComplementReminderDue), to the structure.
//
// Each reminder first inserts its key (dossier, kind, day) in
// reminders_sent, in the transaction that notifies: a restart, a second run
// the same day or a second instance never sends it twice. It returns how
// many reminders were sent.
// System path, no scope: background job (cmd/aci worker), never called on
// behalf of a user.
func (s *Store) SendReminders(ctx context.Context, today domain.Date, linkBase string, now time.Time) (int, error) {
	type cand struct {
		id                 int64
		state              string
		lettreVal, psFiled *time.Time
		oldestOpen         *time.Time
	}
	rows, err := s.sys().Query(ctx, `SELECT d.id, d.state, d.lettre_validated_on, d.projet_sante_filed_on,
			(SELECT min(c.requested_at) FROM dossier_complements c WHERE c.dossier_id = d.id AND c.answered_at IS NULL)
		FROM dossiers d
		WHERE (d.structure_type = 'CPTS' AND d.lettre_validated_on IS NOT NULL
		         AND d.state IN ('lettre_intention_validee', 'projet_sante_depose', 'projet_sante_a_completer', 'projet_sante_valide',
		                         'demande_deposee', 'en_instruction', 'complements_demandes', 'avis_favorable', 'avis_defavorable', 'examen_conjoint'))
		   OR (d.structure_type = 'CPTS' AND d.state = 'projet_sante_depose')
		   OR d.state = 'complements_demandes'
		ORDER BY d.id`)
	if err != nil {
		return 0, pgError("store.SendReminders", err)
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cand, error) {
		var c cand
		return c, r.Scan(&c.id, &c.state, &c.lettreVal, &c.psFiled, &c.oldestOpen)
	})
	if err != nil {
		return 0, pgError("store.SendReminders", err)
	}
	type due struct {
		kind     string
		title    string
		body     string
		audience []workflow.Audience
	}
	sent := 0
	for _, c := range cands {
		var dues []due
		if c.lettreVal != nil && c.state != string(workflow.LettreIntentionDeposee) {
			dl := workflow.LettreIntentionDeadline(domain.DateOf0(*c.lettreVal))
			for _, r := range workflow.RemindersOn(today, workflow.Reminders(workflow.DeadlineLettreIntention, domain.DateOf0(*c.lettreVal), dl)) {
				title, body := workflow.ReminderText(r)
				dues = append(dues, due{string(r.Kind), title, body, r.To})
			}
		}
		if c.psFiled != nil && c.state == string(workflow.ProjetSanteDepose) {
			rv := workflow.ProjetSanteReputeValide(domain.DateOf0(*c.psFiled))
			for _, r := range workflow.RemindersOn(today, workflow.Reminders(workflow.DeadlineProjetSante, domain.DateOf0(*c.psFiled), rv)) {
				title, body := workflow.ReminderText(r)
				dues = append(dues, due{string(r.Kind), title, body, r.To})
			}
		}
		if c.oldestOpen != nil && c.state == string(workflow.ComplementsDemandes) &&
			workflow.ComplementReminderDue(domain.DateOf(*c.oldestOpen), today) {
			title, body := workflow.ComplementReminderText(domain.DateOf(*c.oldestOpen))
			dues = append(dues, due{ntfReminderComplement, title, body, []workflow.Audience{workflow.ToStructure}})
		}
		for _, d := range dues {
			err := s.sysTx(ctx, func(tx pgx.Tx) error {
				tag, err := tx.Exec(ctx, `INSERT INTO reminders_sent (dossier_id, kind, on_date, sent_at) VALUES ($1, $2, $3, $4)
					ON CONFLICT DO NOTHING`, c.id, d.kind, today.String(), now)
				if err != nil || tag.RowsAffected() == 0 {
					return err
				}
				p, err := ntfLoadPlace(ctx, tx, c.id)
				if err != nil {
					return err
				}
				rs, err := ntfRecipients(ctx, tx, p, d.audience, 0)
				if err != nil {
					return err
				}
				n := ntfNotice{DossierID: c.id, Kind: NotifReminder, Title: p.StructureName + " : " + d.title, Body: d.body,
					Link:   "/dossiers/" + strconv.FormatInt(c.id, 10),
					Source: "reminder:" + strconv.FormatInt(c.id, 10) + ":" + d.kind + ":" + today.String()}
				if _, err := ntfNotify(ctx, tx, rs, n, linkBase, now); err != nil {
					return err
				}
				sent++
				return nil
			})
			if err != nil {
				return sent, pgError("store.SendReminders", err)
			}
		}
	}
	return sent, nil
}

// ntfDetailLabel introduces an audit row's text in its notification.
func ntfDetailLabel(t workflow.Transition) string {
	switch t {
	case TransitionSeanceAccelerateur:
		return "Séance"
	case TransitionCompteRenduAccelerateur:
		return "Compte rendu"
	}
	return "Motif"
}
