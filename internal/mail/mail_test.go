package mail

import (
	"bufio"
	"context"
	"io"
	"mime/quotedprintable"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is a minimal SMTP server on 127.0.0.1:0: it refuses MAIL FROM
// with 451 for the first failFirst connections, then accepts and records
// the DATA.
type fakeSMTP struct {
	ln        net.Listener
	mu        sync.Mutex
	conns     int
	failFirst int
	got       []string
}

func newFake(t *testing.T, failFirst int) *fakeSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, failFirst: failFirst}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	f.mu.Lock()
	f.conns++
	fail := f.conns <= f.failFirst
	f.mu.Unlock()
	r := bufio.NewReader(c)
	w := func(s string) { io.WriteString(c, s+"\r\n") }
	w("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			w("250-fake\r\n250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			if fail {
				w("451 4.3.0 try again later")
			} else {
				w("250 ok")
			}
		case strings.HasPrefix(cmd, "RCPT TO"):
			w("250 ok")
		case cmd == "DATA":
			w("354 go")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			f.mu.Lock()
			f.got = append(f.got, b.String())
			f.mu.Unlock()
			w("250 queued")
		case cmd == "RSET", cmd == "NOOP":
			w("250 ok")
		case cmd == "QUIT":
			w("221 bye")
			return
		default:
			w("502 unknown")
		}
	}
}

func TestSMTPFailsThenSends(t *testing.T) {
	f := newFake(t, 1)
	s, err := ParseURL("smtp://" + f.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	m := Message{From: "no-reply@portail-aci.fr", To: "ars@demo.portail-aci.fr", Subject: "Dossier « Val de Démo » : déposé", Body: "Bonjour Sophie,\nLigne 2 — é€"}
	if err := s.Send(context.Background(), m); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("first send: err = %v, want the 451", err)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("second send: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) != 1 {
		t.Fatalf("got %d messages, want 1", len(f.got))
	}
	raw := f.got[0]
	for _, want := range []string{"To: <ars@demo.portail-aci.fr>", "Subject: =?utf-8?q?", "charset=utf-8", "Message-ID: <"} {
		if !strings.Contains(raw, want) {
			t.Errorf("message lacks %q:\n%s", want, raw)
		}
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(raw[strings.Index(raw, "\r\n\r\n")+4:])))
	if !strings.Contains(string(body), "Ligne 2 — é€") {
		t.Errorf("body not decoded back: %q", body)
	}
}

func TestFormatRefusesInjection(t *testing.T) {
	for _, m := range []Message{
		{From: "a@b.fr", To: "x@y.fr\r\nBcc: z@z.fr", Subject: "s"},
		{From: "a@b.fr", To: "x@y.fr", Subject: "s\r\nBcc: z@z.fr"},
		{From: "a@b.fr", To: "pas-une-adresse", Subject: "s"},
	} {
		if _, err := Format(m, timeNow()); err == nil {
			t.Errorf("Format(%+v) accepted", m)
		}
	}
}

func TestParseURL(t *testing.T) {
	s, err := ParseURL("smtp://user%40x:p%3Ass@mail.example.fr")
	if err != nil || s.Host != "mail.example.fr:587" || s.User != "user@x" || s.Password != "p:ss" {
		t.Fatalf("ParseURL = %+v, %v", s, err)
	}
	if _, err := ParseURL("http://x"); err == nil {
		t.Error("http URL accepted")
	}
}

func timeNow() time.Time { return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) }
