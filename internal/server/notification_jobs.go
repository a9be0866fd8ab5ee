package server

import (
	"context"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/mail"
	"github.com/portail-aci/aci/internal/store"
)

// The notification area's workers (docs/rules.md §19, §20), listed in
// jobs.go.

func (s *Server) runNotifier(ctx context.Context) error {
	for {
		n, err := s.store.ProcessAuditNotifications(ctx, s.cfg.BaseURL, 100, s.now())
		if err != nil || n < 100 {
			return err
		}
	}
}

// mailSender returns the SMTP sender of SMTP_URL, or nil when unset (e-mails
// are then logged and kept in the outbox, marked logged_at).
func (s *Server) mailSender() (mail.Sender, error) {
	if s.cfg.SMTPURL == "" {
		return nil, nil
	}
	return mail.ParseURL(s.cfg.SMTPURL)
}

func (s *Server) runOutbox(ctx context.Context) error {
	sender, err := s.mailSender()
	if err != nil {
		return err
	}
	_, err = s.store.SendDueMail(ctx, s.now(), 50, func(ctx context.Context, m store.OutboxMail) (store.Delivery, error) {
		if sender == nil {
			// No SMTP: log without the body (it may quote a motivation).
			s.log.Info("e-mail (SMTP_URL non configuré : journalisé et conservé)", "outbox_id", m.ID, "to", m.To, "subject", m.Subject, "digest", m.Digest)
			return store.Logged, nil
		}
		return store.Sent, sender.Send(ctx, mail.Message{From: s.cfg.MailFrom, To: m.To, Subject: m.Subject, Body: m.Body})
	})
	return err
}

// runDaily sends today's reminders (idempotent per dossier, kind and day)
// and, from 7:00 Europe/Paris, the daily digests (one per user per day).
func (s *Server) runDaily(ctx context.Context) error {
	now := s.now()
	if _, err := s.store.SendReminders(ctx, domain.DateOf(now), s.cfg.BaseURL, now); err != nil {
		return err
	}
	_, err := s.store.PrepareDigests(ctx, now, s.cfg.BaseURL)
	return err
}

// runYearReminders tells the parties of the yearly evaluation's windows,
// submissions and years ready to close (docs/rules.md §29); idempotent.
func (s *Server) runYearReminders(ctx context.Context) error {
	now := s.now()
	_, err := s.store.SendYearReminders(ctx, domain.DateOf(now), s.cfg.BaseURL, now)
	return err
}
