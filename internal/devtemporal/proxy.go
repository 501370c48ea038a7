package devtemporal

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// frontendProxy serves the frontend's public address (Config.IP:FrontendPort) from a
// listener Start binds before anything else, and forwards every connection to the
// frontend's internal address. The port a user configures is thus held from the first
// moment, and every port the server binds itself is an internal one that Start may choose
// again when another process takes it first (see buildServer): the server binds its
// listeners while it is built and offers no way to close them when building fails, so an
// abandoned attempt keeps its ports until the process ends.
type frontendProxy struct {
	ln     net.Listener
	target string // the frontend's internal address
	log    zerolog.Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// dialTimeout bounds the connection to the internal frontend, which is local.
const dialTimeout = 5 * time.Second

func newFrontendProxy(ln net.Listener, log zerolog.Logger) *frontendProxy {
	return &frontendProxy{ln: ln, log: log, conns: map[net.Conn]struct{}{}}
}

// serve forwards connections to target until close.
func (p *frontendProxy) serve(target string) {
	p.target = target
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := p.ln.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					p.log.Warn().Err(err).Msg("Temporal frontend proxy stopped accepting")
				}
				return
			}
			if !p.track(c) {
				c.Close()
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer p.untrack(c)
				p.forward(c)
			}()
		}
	}()
}

// forward copies both ways between the client's connection and a new one to the
// frontend until either side is done.
func (p *frontendProxy) forward(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.target, dialTimeout)
	if err != nil {
		p.log.Debug().Err(err).Str("frontend", p.target).Msg("Temporal frontend proxy could not reach the frontend")
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite() // pass the end on; the other direction may still run
		}
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	<-done
}

func (p *frontendProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *frontendProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// close stops accepting, ends every forwarded connection and waits for the copies.
func (p *frontendProxy) close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	p.wg.Wait()
	return err
}
