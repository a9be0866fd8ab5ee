package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portail-aci/aci/internal/domain"
)

// OutboxMail is one e-mail of the outbox.
type OutboxMail struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	Digest    bool
	Attempts  int
	LastError string
	SentAt    *time.Time
	LoggedAt  *time.Time
}

// outboxEnqueue adds an e-mail to the outbox inside tx (the transaction that
// creates what it tells about: nothing is announced that did not happen).
func outboxEnqueue(ctx context.Context, tx pgx.Tx, to string, userID int64, subject, body string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO outbox (to_email, user_id, subject, body, created_at, send_after) VALUES ($1, $2, $3, $4, $5, $5)`,
		to, ntfNullID(userID), ntfOneLine(ntfCut(subject, 300)), body, at)
	return err
}

// ntfOneLine removes line breaks (no header injection through a subject).
func ntfOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Delivery says what happened to an e-mail handed to a send function.
type Delivery int

const (
	Sent   Delivery = iota // accepted by the SMTP server
	Logged                 // no SMTP configured: written to the log, kept
)

// MailBackoff is the wait before attempt n+1 after n failed attempts:
// 1 min, 2, 4, 8… capped at 6 hours. An e-mail is never given up: it stays
// in the outbox with its last error until it is sent.
func MailBackoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	d := time.Minute
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// MailQueue is the state of the outbox at now: the e-mails due (not sent,
// not logged, send_after reached) and every e-mail ever queued. `aci bench`
// waits on it for the start-up burst of the jobs to end (docs/rules.md §35).
// System path, no scope: the bench's tool, never a user's page.
func (s *Store) MailQueue(ctx context.Context, now time.Time) (due, total int, err error) {
	err = s.sys().QueryRow(ctx, `SELECT count(*) FILTER (WHERE sent_at IS NULL AND logged_at IS NULL AND send_after <= $1), count(*) FROM outbox`, now).
		Scan(&due, &total)
	return due, total, pgError("store.MailQueue", err)
}

// SendDueMail sends the due e-mails of the outbox with send, at most limit of
// them, and returns how many were delivered (sent or logged).
//
// Each e-mail is ONE transaction: the row is taken FOR UPDATE SKIP LOCKED,
// send is called while the lock is held, and the outcome is written (sent_at
// or logged_at; or attempts + 1, last_error and send_after pushed by
// MailBackoff) before the commit. No other worker can take a row being sent,
// so two instances never send the same e-mail concurrently.
//
// Decision: delivery is at-least-once. If the process dies after the SMTP
// server accepted the e-mail and before the commit, the row is unlocked
// unchanged and sent again later: a rare duplicate is better than a lost
// ntfNotice of a deadline. (At-most-once would mark it "sending" first and
// lose it on a crash.) The window is one SMTP exchange of one e-mail.
// System path, no scope: background job (cmd/aci worker), never called on
// behalf of a user.
func (s *Store) SendDueMail(ctx context.Context, now time.Time, limit int, send func(ctx context.Context, m OutboxMail) (Delivery, error)) (int, error) {
	delivered := 0
	for i := 0; i < limit; i++ {
		got := false
		err := s.sysTx(ctx, func(tx pgx.Tx) error {
			var m OutboxMail
			err := tx.QueryRow(ctx, `SELECT id, to_email, subject, body, digest, attempts FROM outbox
				WHERE sent_at IS NULL AND logged_at IS NULL AND send_after <= $1
				ORDER BY send_after, id LIMIT 1 FOR UPDATE SKIP LOCKED`, now).
				Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.Digest, &m.Attempts)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			got = true
			how, sendErr := send(ctx, m)
			if sendErr != nil {
				n := m.Attempts + 1
				_, err = tx.Exec(ctx, `UPDATE outbox SET attempts = $2, last_error = $3, send_after = $4 WHERE id = $1`,
					m.ID, n, ntfCut(sendErr.Error(), 2000), now.Add(MailBackoff(n)))
				return err
			}
			delivered++
			col := "sent_at"
			if how == Logged {
				col = "logged_at"
			}
			_, err = tx.Exec(ctx, `UPDATE outbox SET `+col+` = $2, attempts = attempts + 1, last_error = '' WHERE id = $1`, m.ID, now)
			return err
		})
		if err != nil {
			return delivered, pgError("store.SendDueMail", err)
		}
		if !got {
			break
		}
	}
	return delivered, nil
}

// DigestHour is the hour (Europe/Paris) from which the daily digest is
// prepared ("one daily digest at ~7:00").
const DigestHour = 7

// PrepareDigests writes, once a day from DigestHour (Europe/Paris), one
// e-mail per user listing the notifications waiting for a digest (users who
// chose the daily digest on /compte), and clears their digest_pending flag,
// in one transaction per user. The unique index on (user_id, digest_day)
// makes the digest of a day unique even with several instances; the
// notifications are locked FOR UPDATE SKIP LOCKED. It returns how many
// digests were written.
// System path, no scope: background job (cmd/aci worker), never called on
// behalf of a user.
func (s *Store) PrepareDigests(ctx context.Context, now time.Time, linkBase string) (int, error) {
	paris := now.In(domain.Paris)
	if paris.Hour() < DigestHour {
		return 0, nil
	}
	day := domain.DateOf(now)
	rows, err := s.sys().Query(ctx, `SELECT DISTINCT n.user_id FROM notifications n
		WHERE n.digest_pending AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.digest AND o.user_id = n.user_id AND o.digest_day = $1)
		ORDER BY 1`, day.String())
	if err != nil {
		return 0, pgError("store.PrepareDigests", err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, pgError("store.PrepareDigests", err)
	}
	written := 0
	for _, uid := range users {
		err := s.sysTx(ctx, func(tx pgx.Tx) error {
			var email, name string
			if err := tx.QueryRow(ctx, `SELECT email, name FROM users WHERE id = $1 AND disabled_at IS NULL`, uid).Scan(&email, &name); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					_, err = tx.Exec(ctx, `UPDATE notifications SET digest_pending = false WHERE user_id = $1 AND digest_pending`, uid)
				}
				return err
			}
			rows, err := tx.Query(ctx, `SELECT id, title, body, link, created_at FROM notifications
				WHERE user_id = $1 AND digest_pending AND created_at <= $2 ORDER BY id FOR UPDATE SKIP LOCKED`, uid, now)
			if err != nil {
				return err
			}
			type item struct {
				id                int64
				title, body, link string
				at                time.Time
			}
			items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
				var it item
				return it, r.Scan(&it.id, &it.title, &it.body, &it.link, &it.at)
			})
			if err != nil || len(items) == 0 {
				return err
			}
			var b strings.Builder
			fmt.Fprintf(&b, "Bonjour %s,\n\nVoici vos %d notification(s) du Portail ACI depuis votre dernier récapitulatif.\n", name, len(items))
			ids := make([]int64, len(items))
			for i, it := range items {
				ids[i] = it.id
				fmt.Fprintf(&b, "\n• %s — %s\n", it.at.In(domain.Paris).Format("02/01/2006 15:04"), it.title)
				if it.body != "" {
					fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(it.body, "\n", "\n  "))
				}
				if it.link != "" {
					fmt.Fprintf(&b, "  %s%s\n", linkBase, it.link)
				}
			}
			fmt.Fprintf(&b, "\n--\nVous recevez un récapitulatif par jour. Recevoir chaque notification aussitôt : %s/compte\n", linkBase)
			tag, err := tx.Exec(ctx, `INSERT INTO outbox (to_email, user_id, subject, body, digest, digest_day, created_at, send_after)
				VALUES ($1, $2, $3, $4, true, $5, $6, $6) ON CONFLICT (user_id, digest_day) WHERE digest DO NOTHING`,
				email, uid, fmt.Sprintf("[Portail ACI] Récapitulatif du %s : %d notification(s)", day.French(), len(items)), b.String(), day.String(), now)
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE notifications SET digest_pending = false WHERE id = ANY($1)`, ids); err != nil {
				return err
			}
			written++
			return nil
		})
		if err != nil {
			return written, pgError("store.PrepareDigests", err)
		}
	}
	return written, nil
}
