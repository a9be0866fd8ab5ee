package mail

import (
	"context"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/portail-aci/aci/internal/mail/mailtest"
)

func TestSMTPFailsThenSends(t *testing.T) {
	f := mailtest.New(t, 1)
	s, err := ParseURL(f.URL())
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
	got := f.Messages()
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1", len(got))
	}
	raw := got[0].Data
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
