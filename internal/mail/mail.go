// Package mail sends Portail ACI's e-mails through SMTP (net/smtp with
// STARTTLS and AUTH PLAIN), configured by SMTP_URL
// (smtp://user:pass@host:port). The outbox worker (internal/server) calls a
// Sender; tests use a fake SMTP server or a recording Sender.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Message is a plain-text e-mail.
type Message struct {
	From    string
	To      string
	Subject string
	Body    string
}

// Sender sends one e-mail; an error means it was not accepted and will be
// retried.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends through one SMTP server.
type SMTP struct {
	Host     string // host:port
	User     string
	Password string
	// Timeout bounds one whole exchange (default 30 s).
	Timeout time.Duration
	// TLSConfig for STARTTLS (tests set RootCAs); nil: the system's, with
	// ServerName = host.
	TLSConfig *tls.Config
}

// ParseURL reads smtp://user:pass@host:port (port 587 when missing).
func ParseURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP_URL: %w", err)
	}
	if u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("mail: SMTP_URL must look like smtp://user:pass@host:port")
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "587")
	}
	s := &SMTP{Host: host, Timeout: 30 * time.Second}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// validAddress refuses header injection and obviously broken addresses.
func validAddress(a string) error {
	if a == "" || strings.ContainsAny(a, "\r\n<>,; ") || !strings.Contains(a, "@") {
		return fmt.Errorf("mail: invalid address %q", a)
	}
	return nil
}

// Format builds the RFC 5322 message: UTF-8 quoted-printable text, encoded
// subject, Date and Message-ID.
func Format(m Message, now time.Time) ([]byte, error) {
	if err := validAddress(m.From); err != nil {
		return nil, err
	}
	if err := validAddress(m.To); err != nil {
		return nil, err
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("mail: line break in subject")
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	domain := m.From[strings.LastIndex(m.From, "@")+1:]
	var b strings.Builder
	fmt.Fprintf(&b, "From: Portail ACI <%s>\r\n", m.From)
	fmt.Fprintf(&b, "To: <%s>\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id[:]), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n")
	b.WriteString("Auto-Submitted: auto-generated\r\n\r\n")
	w := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := w.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// Send delivers m: STARTTLS when the server offers it (required before AUTH
// unless the server is on localhost, as net/smtp enforces), AUTH PLAIN when
// a user is set.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := Format(m, time.Now())
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Host)
	if err != nil {
		return fmt.Errorf("mail: connexion à %s : %w", s.Host, err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(s.Host)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: %w", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("mail: EHLO: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("mail: STARTTLS: %w", err)
		}
	}
	if s.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, host)); err != nil {
			return fmt.Errorf("mail: AUTH: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("mail: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	return c.Quit()
}
