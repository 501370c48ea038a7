// Package smtptest runs a real SMTP server in-process for tests: it speaks the protocol over
// TCP on loopback (go-smtp), keeps every accepted message, and can be told to refuse the
// next N messages, or every session for a while, so tests can force a notification activity
// to retry.
package smtptest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	smtp "github.com/emersion/go-smtp"
)

// Message is one accepted email.
type Message struct {
	From     string
	To       []string
	Header   mail.Header
	Raw      []byte
	Received time.Time // when the server accepted it
}

// Server is a running SMTP server.
type Server struct {
	srv  *smtp.Server
	addr *net.TCPAddr

	mu       sync.Mutex
	messages []Message
	failNext int
	refusing bool
	refused  int
}

// Start listens on a free loopback port; the server stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{addr: ln.Addr().(*net.TCPAddr)}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(ctx)
	})
	return s
}

// Host and Port say where the server listens.
func (s *Server) Host() string { return s.addr.IP.String() }

// Port returns the TCP port.
func (s *Server) Port() int { return s.addr.Port }

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())) }

// FailNext makes the server refuse the next n messages at DATA with a temporary error.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Refuse makes the server turn every session away with a temporary error (421 to the
// client's greeting: a relay down for maintenance, as a client sees it) until it is called
// with false; messages of a session already past the greeting are refused at DATA.
func (s *Server) Refuse(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusing = on
}

// Refused counts the sessions and messages turned away so far (Refuse and FailNext).
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Messages returns a copy of every accepted message, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// CountTo counts accepted messages addressed to addr (case-insensitive).
func (s *Server) CountTo(addr string) int {
	n := 0
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				n++
			}
		}
	}
	return n
}

// WaitFor waits until at least n messages were accepted or the timeout passes, and returns
// what was accepted.
func (s *Server) WaitFor(n int, timeout time.Duration) []Message {
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.s.refusing {
		b.s.refused++
		return nil, errUnavailable
	}
	return &session{s: b.s}, nil
}

var errUnavailable = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "smtptest: service not available"}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refusing {
		x.s.refused++
		return errUnavailable
	}
	if x.s.failNext > 0 {
		x.s.failNext--
		x.s.refused++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "smtptest: refused on request"}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return errors.Join(errors.New("smtptest: unparsable message"), err)
	}
	x.s.messages = append(x.s.messages, Message{From: x.from, To: append([]string(nil), x.to...), Header: msg.Header, Raw: raw, Received: time.Now()})
	return nil
}
