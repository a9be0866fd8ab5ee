// Package mailtest is a minimal SMTP server on 127.0.0.1 for tests: it
// answers 451 to MAIL FROM on its first failFirst connections (to test
// retries), then accepts and records every message with its recipients.
package mailtest

import (
	"bufio"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Message is one accepted message.
type Message struct {
	Rcpt []string
	Data string // the DATA section, dot-terminator excluded
}

// Server is the fake SMTP server.
type Server struct {
	ln        net.Listener
	mu        sync.Mutex
	conns     int
	failFirst int
	msgs      []Message
}

// New starts a server closed at the end of t.
func New(t testing.TB, failFirst int) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, failFirst: failFirst}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// URL is the SMTP_URL of the server.
func (s *Server) URL() string { return "smtp://" + s.ln.Addr().String() }

// Messages returns the accepted messages so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

var rcptRe = regexp.MustCompile(`(?i)^RCPT TO:\s*<([^>]+)>`)

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	s.mu.Lock()
	s.conns++
	fail := s.conns <= s.failFirst
	s.mu.Unlock()
	r := bufio.NewReader(c)
	w := func(line string) { _, _ = io.WriteString(c, line+"\r\n") }
	var rcpt []string
	w("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimSpace(line)
		up := strings.ToUpper(cmd)
		switch {
		case strings.HasPrefix(up, "EHLO"), strings.HasPrefix(up, "HELO"):
			w("250-fake\r\n250 8BITMIME")
		case strings.HasPrefix(up, "MAIL FROM"):
			rcpt = nil
			if fail {
				w("451 4.3.0 try again later")
			} else {
				w("250 ok")
			}
		case strings.HasPrefix(up, "RCPT TO"):
			if m := rcptRe.FindStringSubmatch(cmd); m != nil {
				rcpt = append(rcpt, m[1])
			}
			w("250 ok")
		case up == "DATA":
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
			s.mu.Lock()
			s.msgs = append(s.msgs, Message{Rcpt: rcpt, Data: b.String()})
			s.mu.Unlock()
			w("250 queued")
		case up == "RSET", up == "NOOP":
			w("250 ok")
		case up == "QUIT":
			w("221 bye")
			return
		default:
			w("502 unknown")
		}
	}
}
