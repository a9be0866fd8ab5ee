package server

import (
	"context"
	"time"

	"github.com/portail-aci/aci/internal/domain"
	"github.com/portail-aci/aci/internal/mail"
	"github.com/portail-aci/aci/internal/store"
)

// The notification area's workers (issue 5, items 8 and 9). Each takes its
// work with FOR UPDATE SKIP LOCKED or an idempotency key (see the store), so
// every instance may run them.
func init() {
	backgroundJobs = append(backgroundJobs,
		func(ctx context.Context, s *Server) { s.every(ctx, 5*time.Second, "notifier", s.runNotifier) },
		func(ctx context.Context, s *Server) { s.every(ctx, 15*time.Second, "outbox", s.runOutbox) },
		func(ctx context.Context, s *Server) { s.every(ctx, 10*time.Minute, "reminders+digests", s.runDaily) },
	)
}

// every runs fn now and then every d until ctx is done; errors are logged.
func (s *Server) every(ctx context.Context, d time.Duration, name string, fn func(context.Context) error) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("background job", "job", name, "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

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
