package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/access"
	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/domain/workflow"
	"github.com/portail-aci/aci/internal/filetype"
)

// MaxMessageBody bounds a message, in characters (docs/rules.md §20).
const MaxMessageBody = 10000

// MaxAttachmentSize bounds an attachment (docs/rules.md §24: at most 20 MB).
const MaxAttachmentSize = filetype.MaxSize

// Message is one message of a dossier's thread.
type Message struct {
	ID           int64
	DossierID    int64
	AuthorUserID int64 // 0 when the account was deleted
	AuthorName   string
	OrgName      string
	OrgKind      domain.OrgKind
	Body         string
	Internal     bool
	CreatedAt    time.Time
	Attachments  []AttachmentInfo
}

// AttachmentInfo describes an attachment without its content.
type AttachmentInfo struct {
	ID          int64
	Filename    string
	ContentType string
	Size        int
}

// Attachment is an attachment with its content (download).
type Attachment struct {
	AttachmentInfo
	Data []byte
}

// NewMessage is a message to post.
type NewMessage struct {
	DossierID int64
	Body      string
	Internal  bool // internal note: agents only
	Filename  string
	Data      []byte // attachment content (nil: none)
	At        time.Time
	LinkBase  string // BASE_URL, for the links of the e-mails
}

// seesInternalNotes reports whether the scope may read internal notes: every
// organisation except the structures (docs/rules.md §20).
func (s Scope) seesInternalNotes() bool {
	return access.ForViewer(s.Viewer()).Can(access.ActReadInternalNotes)
}

// canPostMessage reports whether the scope may write in a dossier's thread.
//
// Decision: a structure's coordinators write (its members read, docs/rules.md §12);
// every CPAM, ARS and DCGDR role writes; the national level reads.
// A structure's users only see their own structure's dossiers: the subject
// is a dossier of theirs.
func (s Scope) canPostMessage() bool {
	return access.For(s.Viewer(), dossierSubject(s.OrgID, "")).Can(access.ActPostMessage)
}

// msgDossierInScope returns the id if the dossier is in scope, not found
// otherwise.
func msgDossierInScope(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, sc Scope, id int64) error {
	_, err := scopedDossier(ctx, q, sc, id, "", "store.msgDossierInScope")
	return err
}

// msgVisible is the predicate hiding internal notes from structure
// users: the ONE place that rule is enforced for reads.
func msgVisible(sc Scope, alias string) string {
	if sc.seesInternalNotes() {
		return "TRUE"
	}
	return "NOT " + alias + ".internal"
}

// ListMessages returns the thread of a dossier in scope, oldest first;
// internal notes are left out for structure users. Outside the scope the
// dossier is not found.
func (s *Store) ListMessages(ctx context.Context, sc Scope, dossierID int64) ([]Message, error) {
	if err := msgDossierInScope(ctx, s.db(sc), sc, dossierID); err != nil {
		return nil, err
	}
	rows, err := s.db(sc).Query(ctx, `SELECT m.id, m.dossier_id, coalesce(m.author_user_id, 0), m.author_name, m.org_name, m.org_kind,
			m.body, m.internal, m.created_at
		FROM messages m WHERE m.dossier_id = $1 AND `+msgVisible(sc, "m")+` ORDER BY m.id`, dossierID)
	if err != nil {
		return nil, pgError("store.ListMessages", err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) {
		var m Message
		var kind string
		err := r.Scan(&m.ID, &m.DossierID, &m.AuthorUserID, &m.AuthorName, &m.OrgName, &kind, &m.Body, &m.Internal, &m.CreatedAt)
		m.OrgKind = domain.OrgKind(kind)
		return m, err
	})
	if err != nil || len(msgs) == 0 {
		return msgs, pgError("store.ListMessages", err)
	}
	idx := map[int64]int{}
	for i, m := range msgs {
		idx[m.ID] = i
	}
	rows, err = s.db(sc).Query(ctx, `SELECT a.message_id, a.id, a.filename, a.content_type, a.size
		FROM message_attachments a JOIN messages m ON m.id = a.message_id
		WHERE m.dossier_id = $1 AND `+msgVisible(sc, "m")+` ORDER BY a.id`, dossierID)
	if err != nil {
		return nil, pgError("store.ListMessages", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var a AttachmentInfo
		if err := rows.Scan(&mid, &a.ID, &a.Filename, &a.ContentType, &a.Size); err != nil {
			return nil, pgError("store.ListMessages", err)
		}
		if i, ok := idx[mid]; ok {
			msgs[i].Attachments = append(msgs[i].Attachments, a)
		}
	}
	return msgs, pgError("store.ListMessages", rows.Err())
}

// MessageAttachment returns an attachment of a message of a dossier in
// scope (internal notes' attachments are not found for structure users).
func (s *Store) MessageAttachment(ctx context.Context, sc Scope, dossierID, attachmentID int64) (Attachment, error) {
	var a Attachment
	var ar args
	q := `SELECT a.id, a.filename, a.content_type, a.size, a.data
		FROM message_attachments a JOIN messages m ON m.id = a.message_id JOIN dossiers d ON d.id = m.dossier_id
		JOIN organisations o ON o.id = d.structure_id
		WHERE a.id = ` + ar.add(attachmentID) + ` AND d.id = ` + ar.add(dossierID) + ` AND ` + msgVisible(sc, "m") +
		` AND ` + sc.dossiers("d", &ar)
	err := s.db(sc).QueryRow(ctx, q, ar...).Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &a.Data)
	if err != nil {
		err = pgError("store.MessageAttachment", err)
		if domain.IsNotFound(err) {
			return a, domain.Errorf(domain.ENotFound, "Pièce jointe introuvable.")
		}
	}
	return a, err
}

// ErrMessageAlreadyPosted is returned by PostMessage for a double click:
// the same text was just posted by the same author; nothing is added.
var ErrMessageAlreadyPosted = &domain.Error{Code: domain.EConflict, Message: "Message déjà envoyé."}

// PostMessage adds a message (with at most one attachment) to the thread of
// a dossier in scope, and in the same transaction notifies the other side
// and marks the thread read for its author. It returns the message id.
//
// Decision: a structure's message notifies the CPAM, ARS and DCGDR agents
// of its territory; an agent's message notifies the structure's users; an
// internal note notifies the other agents (CPAM, ARS, DCGDR) and never the
// structure.
func (s *Store) PostMessage(ctx context.Context, sc Scope, in NewMessage) (int64, error) {
	if !sc.Valid() {
		return 0, domain.Errorf(domain.ENotFound, "Dossier introuvable.")
	}
	body, err := msgBody(in.Body)
	if err != nil {
		return 0, err
	}
	if in.Internal && !sc.seesInternalNotes() {
		return 0, domain.FieldError("internal", "Seuls les agents de la CPAM, de l'ARS et de la DCGDR peuvent écrire une note interne.")
	}
	att, err := msgAttachmentOf(in.Filename, in.Data)
	if err != nil {
		return 0, err
	}
	at := in.At
	if at.IsZero() {
		at = s.now()
	}
	var id int64
	err = s.tx(ctx, sc, func(tx pgx.Tx) error {
		if err := msgDossierInScope(ctx, tx, sc, in.DossierID); err != nil {
			return err
		}
		if !sc.canPostMessage() {
			return domain.Errorf(domain.EUnauthorized, "Vous pouvez lire ce fil mais pas y écrire : seuls les coordinateurs de la structure et les agents CPAM, ARS et DCGDR écrivent.")
		}
		return s.once(ctx, tx, sc.UserID, "post_message", &id, func() (int64, error) {
			if in.Data == nil {
				dup, err := msgJustPosted(ctx, tx, sc, in, body, at)
				if err != nil {
					return 0, err
				}
				if dup {
					return 0, ErrMessageAlreadyPosted
				}
			}
			id, err := s.msgInsert(ctx, tx, sc, in, body, att, at)
			if err != nil {
				return 0, err
			}
			if err := msgMarkRead(ctx, tx, sc.UserID, in.DossierID, id); err != nil {
				return 0, err
			}
			return id, msgNotify(ctx, tx, sc, in, id, body, at)
		})
	})
	if err := replayed(err); err != nil {
		return 0, pgError("store.PostMessage", err)
	}
	return id, nil
}

// msgBody normalises a message's text (CRLF to LF, trimmed) and checks it is
// present, valid UTF-8 and at most MaxMessageBody characters.
func msgBody(raw string) (string, error) {
	body := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	switch {
	case body == "":
		return "", domain.FieldError("body", "Écrivez votre message.")
	case !utf8.ValidString(body):
		return "", domain.FieldError("body", "Le message contient des caractères invalides.")
	case utf8.RuneCountInString(body) > MaxMessageBody:
		return "", domain.FieldError("body", "Le message dépasse %d caractères (%d) : raccourcissez-le ou joignez un document.",
			MaxMessageBody, utf8.RuneCountInString(body))
	}
	return body, nil
}

// msgAttachment is the checked media type and stored name of an attachment.
type msgAttachment struct {
	mediaType, filename string
}

// msgAttachmentOf checks an attachment's content against the accepted file
// types (a refusal is a field error on "attachment"); no data, no attachment.
func msgAttachmentOf(name string, data []byte) (msgAttachment, error) {
	if data == nil {
		return msgAttachment{}, nil
	}
	mt, err := filetype.Check(name, data)
	if err != nil {
		var fe *filetype.Error
		if errors.As(err, &fe) {
			return msgAttachment{}, domain.FieldError("attachment", "%s", fe.Reason)
		}
		return msgAttachment{}, err
	}
	return msgAttachment{mediaType: mt, filename: filetype.Name(name, mt)}, nil
}

// msgJustPosted reports whether the author's last message of the thread has
// the same text, no attachment, and was posted less than 30 s before at. A
// double click on « Envoyer » posts the same text twice: the check runs under
// a lock on the thread so that the second post sees the first.
func msgJustPosted(ctx context.Context, tx pgx.Tx, sc Scope, in NewMessage, body string, at time.Time) (bool, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('aci.messages'), $1::int)`, in.DossierID); err != nil {
		return false, err
	}
	var dup bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages m
		WHERE m.id = (SELECT max(id) FROM messages WHERE dossier_id = $1)
		  AND m.author_user_id = $2 AND m.body = $3 AND m.internal = $4 AND m.created_at > $5::timestamptz - interval '30 seconds'
		  AND NOT EXISTS (SELECT 1 FROM message_attachments a WHERE a.message_id = m.id))`,
		in.DossierID, sc.UserID, body, in.Internal, at).Scan(&dup)
	return dup, err
}

// msgInsert writes the message, signed with the scope's user and
// organisation, and its attachment if any, within the storage quota of the
// dossier's structure; it returns the message's id.
func (s *Store) msgInsert(ctx context.Context, tx pgx.Tx, sc Scope, in NewMessage, body string, att msgAttachment, at time.Time) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO messages (dossier_id, author_user_id, author_name, org_id, org_name, org_kind, body, internal, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		in.DossierID, sc.UserID, sc.UserName, sc.OrgID, sc.OrgName, string(sc.Kind), body, in.Internal, at).Scan(&id); err != nil {
		return 0, err
	}
	if in.Data != nil {
		var structureID int64
		if err := tx.QueryRow(ctx, `SELECT structure_id FROM dossiers WHERE id = $1`, in.DossierID).Scan(&structureID); err != nil {
			return 0, err
		}
		if err := checkStorageQuota(ctx, tx, s.quota(), structureID, int64(len(in.Data)), "attachment"); err != nil {
			return 0, err
		}
		sum := sha256.Sum256(in.Data)
		if _, err := tx.Exec(ctx, `INSERT INTO message_attachments (message_id, filename, content_type, size, sha256, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, att.filename, att.mediaType, len(in.Data), hex.EncodeToString(sum[:]), in.Data, at); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// msgNotify notifies the other side of the thread of message id: a message
// from the structure goes to its agents (CPAM, ARS, DCGDR), an internal note
// to the agents, any other message to the structure.
func msgNotify(ctx context.Context, tx pgx.Tx, sc Scope, in NewMessage, id int64, body string, at time.Time) error {
	var aud []workflow.Audience
	switch {
	case access.ForViewer(sc.Viewer()).Can(access.ActWorkAsStructure): // from the structure: to its agents
		aud = []workflow.Audience{workflow.ToCPAM, workflow.ToARS, workflow.ToDCGDR}
	case in.Internal:
		aud = []workflow.Audience{workflow.ToCPAM, workflow.ToARS, workflow.ToDCGDR}
	default:
		aud = []workflow.Audience{workflow.ToStructure}
	}
	p, err := ntfLoadPlace(ctx, tx, in.DossierID)
	if err != nil {
		return err
	}
	rs, err := ntfRecipients(ctx, tx, p, aud, sc.UserID)
	if err != nil {
		return err
	}
	title := workflow.MessageNoticeTitle(p.StructureName, sc.UserName, sc.OrgName, in.Internal)
	n := ntfNotice{DossierID: in.DossierID, Kind: NotifMessage, Title: title, Body: ntfCut(body, 300),
		Link:   "/dossiers/" + strconv.FormatInt(in.DossierID, 10) + "/messages",
		Source: "message:" + strconv.FormatInt(id, 10)}
	_, err = ntfNotify(ctx, tx, rs, n, in.LinkBase, at)
	return err
}

func msgMarkRead(ctx context.Context, tx pgx.Tx, userID, dossierID, upTo int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO message_reads (user_id, dossier_id, last_read_message_id) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, dossier_id) DO UPDATE SET last_read_message_id = greatest(message_reads.last_read_message_id, excluded.last_read_message_id)`,
		userID, dossierID, upTo)
	return err
}

// MarkMessagesRead records that the user has read the thread of a dossier
// in scope up to its last visible message, and marks the user's message
// notifications of that dossier read.
func (s *Store) MarkMessagesRead(ctx context.Context, sc Scope, dossierID int64, at time.Time) error {
	return pgError("store.MarkMessagesRead", s.tx(ctx, sc, func(tx pgx.Tx) error {
		if err := msgDossierInScope(ctx, tx, sc, dossierID); err != nil {
			return err
		}
		var last int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(m.id), 0) FROM messages m WHERE m.dossier_id = $1 AND `+msgVisible(sc, "m"),
			dossierID).Scan(&last); err != nil {
			return err
		}
		if last == 0 {
			return nil
		}
		if err := msgMarkRead(ctx, tx, sc.UserID, dossierID, last); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND dossier_id = $2 AND kind = 'message' AND read_at IS NULL`,
			sc.UserID, dossierID, at)
		return err
	}))
}

// unreadMessagesSQL counts the messages of UnreadMessages (sc valid).
func unreadMessagesSQL(sc Scope, dossierID int64, a *args) string {
	return "SELECT count(*)" + unreadMessagesFrom(sc, dossierID, a)
}

// unreadMessagesFrom is the FROM and WHERE clauses of the messages of
// UnreadMessages (sc valid).
//
// The messages' dossiers are checked with Scope.ofDossier on m.dossier_id,
// not by joining dossiers and organisations for Scope.dossiers: the same
// messages (every message has its dossier, every dossier its structure),
// without two joins whose row-level security policies ran for every message
// counted — on every page, since the frame's badge counts them
// (docs/rules.md §35.1; TestUnreadWithoutJoinsSameCount compares both).
func unreadMessagesFrom(sc Scope, dossierID int64, a *args) string {
	q := ` FROM messages m
		LEFT JOIN message_reads r ON r.dossier_id = m.dossier_id AND r.user_id = ` + a.add(sc.UserID) + `
		WHERE m.id > coalesce(r.last_read_message_id, 0) AND m.author_user_id IS DISTINCT FROM ` + a.add(sc.UserID) +
		` AND ` + msgVisible(sc, "m") + ` AND ` + sc.ofDossier("m.dossier_id", a)
	if dossierID > 0 {
		q += " AND m.dossier_id = " + a.add(dossierID)
	}
	return q
}

// UnreadTotal is the badge of the frame: the user's unread notifications
// plus the unread messages of UnreadMessages, in one query, counted up to
// max (each count stops at max rows: the badge does not read every unread
// message of France to say « 99+ », docs/rules.md §35).
func (s *Store) UnreadTotal(ctx context.Context, sc Scope, max int) (int, error) {
	var n int
	rd := NewReads(sc)
	rd.UnreadTotal(max, &n)
	err := s.send(ctx, rd)
	return n, pgError("store.UnreadTotal", err)
}

// UnreadTotal queues the read of Store.UnreadTotal into *n (0, and nothing
// queued, for an invalid scope).
func (rd *Reads) UnreadTotal(max int, n *int) {
	*n = 0
	sc := rd.sc
	if !sc.Valid() || max <= 0 {
		return
	}
	var a args
	lim := a.add(max)
	q := `SELECT least((SELECT count(*) FROM (SELECT 1 FROM notifications WHERE user_id = ` + a.add(sc.UserID) + ` AND read_at IS NULL LIMIT ` + lim + `) n) + (` +
		`SELECT count(*) FROM (SELECT 1` + unreadMessagesFrom(sc, 0, &a) + ` LIMIT ` + lim + `) m), ` + lim + `)`
	rd.b.Queue(q, a...).QueryRow(func(r pgx.Row) error { return r.Scan(n) })
}

// UnreadMessages counts the messages the user has not read in the threads
// of the dossiers in scope (others' messages only; internal notes only for
// agents). With dossierID > 0 it counts that dossier's thread only.
func (s *Store) UnreadMessages(ctx context.Context, sc Scope, dossierID int64) (int, error) {
	if !sc.Valid() {
		return 0, nil
	}
	var a args
	var n int
	err := s.db(sc).QueryRow(ctx, unreadMessagesSQL(sc, dossierID, &a), a...).Scan(&n)
	return n, pgError("store.UnreadMessages", err)
}
