// Package memnet is an in-memory network for HTTP tests run inside a
// testing/synctest bubble. A goroutine waiting on a loopback socket is not
// "durably blocked" for synctest, so a bubble whose server stalls a
// response on a fake clock would never go idle; over memnet a connection is
// a net.Pipe, whose reads and writes wait on channels, and the bubble goes
// idle exactly when every request waits on time.
//
//	n := memnet.New()
//	srv := n.NewServer(handler)
//	defer srv.Close()
//	client := n.Client() // dials srv.URL in memory
//	defer client.CloseIdleConnections()
package memnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
)

// ErrRefused is returned by Dial for an address nobody listens on.
var ErrRefused = errors.New("memnet: connection refused")

// Network is a set of in-memory listeners, each under its own host name.
type Network struct {
	mu   sync.Mutex
	ls   map[string]*listener
	next int
}

// New returns an empty network.
func New() *Network { return &Network{ls: make(map[string]*listener)} }

// Listen returns a listener on a fresh address, "memN.test:80".
func (n *Network) Listen() net.Listener {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.next++
	l := &listener{n: n, addr: addr("mem" + strconv.Itoa(n.next) + ".test:80"), conns: make(chan net.Conn), done: make(chan struct{})}
	n.ls[string(l.addr)] = l
	return l
}

// Dial connects to the listener at addr, as net.Dialer.DialContext does.
func (n *Network) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	n.mu.Lock()
	l := n.ls[address]
	n.mu.Unlock()
	if l == nil {
		return nil, fmt.Errorf("dial %s %s: %w", network, address, ErrRefused)
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	}
	client.Close()
	server.Close()
	return nil, fmt.Errorf("dial %s %s: %w", network, address, ErrRefused)
}

// Transport returns an HTTP transport that dials on the network, with an
// idle pool large enough for parallel requests to one host. Close its idle
// connections when done, or their goroutines outlive the bubble.
func (n *Network) Transport() *http.Transport {
	return &http.Transport{DialContext: n.Dial, MaxIdleConns: 256, MaxIdleConnsPerHost: 64}
}

// Client returns a client over Transport.
func (n *Network) Client() *http.Client { return &http.Client{Transport: n.Transport()} }

// Server is an HTTP server on the network, as httptest.Server is on
// loopback.
type Server struct {
	// URL is http://host of the server, with no trailing slash.
	URL string
	srv *http.Server
	wg  sync.WaitGroup
}

// NewServer starts serving h on a fresh address.
func (n *Network) NewServer(h http.Handler) *Server {
	ln := n.Listen()
	s := &Server{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln)
	}()
	return s
}

// Close stops the server and closes every connection; it returns once the
// accepting goroutine has.
func (s *Server) Close() {
	_ = s.srv.Close()
	s.wg.Wait()
}

type addr string

func (a addr) Network() string { return "memnet" }
func (a addr) String() string  { return string(a) }

type listener struct {
	n     *Network
	addr  addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.n.mu.Lock()
		delete(l.n.ls, string(l.addr))
		l.n.mu.Unlock()
	})
	return nil
}

func (l *listener) Addr() net.Addr { return l.addr }
