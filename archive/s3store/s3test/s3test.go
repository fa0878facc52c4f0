package s3test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Root credentials of every server this package starts.
const (
	AccessKey = "airkeep"
	SecretKey = "airkeep-secret-123"
)

// EnvBinary names the environment variable that points at the versitygw
// binary.
const EnvBinary = "AIRKEEP_VERSITYGW"

// ErrNoBinary reports that no versitygw binary was found.
var ErrNoBinary = errors.New("s3test: versitygw not found: run ./test.sh or .ci/install (it builds .tools/bin/versitygw), or set " + EnvBinary)

// Config configures Start. The zero value starts a fresh server on a free
// port over a new temporary folder.
type Config struct {
	// Binary is the versitygw executable. Empty means Find().
	Binary string
	// Dir is the data folder. Empty means a new temporary folder, removed
	// by Close. Give another server's Dir to run a second gateway over the
	// same data, as two nodes sharing storage do.
	Dir string
	// VirtualDomain enables virtual-host bucket addressing under this
	// domain (BUCKET.DOMAIN); path-style requests keep working.
	VirtualDomain string
	// CertFile and KeyFile, both set, make the server speak HTTPS only.
	CertFile, KeyFile string
}

// Server is a running versitygw process. Its methods are safe for
// concurrent use.
type Server struct {
	// Endpoint is HOST:PORT on 127.0.0.1.
	Endpoint string
	// Dir is the data folder: Dir/BUCKET/KEY.
	Dir string

	bin      string
	domain   string
	certFile string
	keyFile  string
	ownsDir  bool

	mu   sync.Mutex
	proc *process
}

// process is one run of the binary; done closes when it has exited.
type process struct {
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{}
	err  error // from Wait, once done is closed
}

// Find locates the versitygw binary: $AIRKEEP_VERSITYGW, then versitygw on
// PATH, then .tools/bin/versitygw in the enclosing module root.
func Find() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("s3test: %s=%s: not an executable: %w", EnvBinary, p, ErrNoBinary)
		}
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", ErrNoBinary
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, ".tools", "bin", "versitygw")
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			return "", ErrNoBinary
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoBinary
		}
		dir = parent
	}
}

// Start starts a server and waits until it answers its health check.
func Start(cfg Config) (*Server, error) {
	bin := cfg.Binary
	if bin == "" {
		var err error
		if bin, err = Find(); err != nil {
			return nil, err
		}
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("s3test: set both CertFile and KeyFile, or neither")
	}
	s := &Server{bin: bin, domain: cfg.VirtualDomain, certFile: cfg.CertFile, keyFile: cfg.KeyFile, Dir: cfg.Dir}
	if s.Dir == "" {
		// On disk, not tmpfs: versitygw needs user extended attributes.
		dir, err := os.MkdirTemp("", "airkeep-versitygw-*")
		if err != nil {
			return nil, fmt.Errorf("s3test: %w", err)
		}
		s.Dir, s.ownsDir = dir, true
	}
	var err error
	// A free port can be taken between our probe and the server's bind:
	// try a few.
	for range 3 {
		s.Endpoint, err = freePort()
		if err != nil {
			break
		}
		if err = s.start(); err == nil {
			return s, nil
		}
	}
	if s.ownsDir {
		os.RemoveAll(s.Dir)
	}
	return nil, err
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("s3test: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs the binary on s.Endpoint and s.Dir. s.mu must not be held by
// another start.
func (s *Server) start() error {
	args := []string{"--port", s.Endpoint, "--health", "/health", "--quiet", "--keep-alive"}
	if s.domain != "" {
		args = append(args, "--virtual-domain", s.domain)
	}
	if s.certFile != "" {
		args = append(args, "--cert", s.certFile, "--key", s.keyFile)
	}
	args = append(args, "posix", s.Dir)
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+AccessKey, "ROOT_SECRET_KEY="+SecretKey)
	out := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("s3test: start %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		// Owned by the process: Stop and Kill wait for done.
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := waitHealthy(s.healthURL(), p, 15*time.Second); err != nil {
		cmd.Process.Kill()
		<-p.done
		return err
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

func (s *Server) healthURL() string {
	if s.certFile != "" {
		return "https://" + s.Endpoint + "/health"
	}
	return "http://" + s.Endpoint + "/health"
}

// waitHealthy polls the health URL until it answers 200, the process exits,
// or the deadline passes. versitygw is usually ready in under 100 ms. It
// runs on the real clock, not an airkeep.Clock: it waits for another
// process, which only tells it is ready by answering.
func waitHealthy(healthURL string, p *process, timeout time.Duration) error {
	client := &http.Client{
		Timeout: time.Second,
		// Only the server's readiness is asked here; its certificate is
		// the test's business.
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(healthURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("s3test: versitygw exited before it was ready (%v): %s", p.err, p.out.String())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("s3test: versitygw at %s not ready after %v: %s", healthURL, timeout, p.out.String())
		}
	}
}

// Stop ends the server with SIGTERM and waits for it to exit, killing it if
// it is still draining idle keep-alive connections after a second. The data
// folder is kept; Restart serves it again.
func (s *Server) Stop() error { return s.signal(syscall.SIGTERM) }

// Kill ends the server with SIGKILL, as a crash or power cut would, and
// waits for it to exit.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL) }

func (s *Server) signal(sig os.Signal) error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("s3test: signal versitygw: %w", err)
	}
	select {
	case <-p.done:
	case <-time.After(time.Second): // real time: the grace of a real process
		p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// Restart starts the server again on the same endpoint and data folder,
// after Stop or Kill.
func (s *Server) Restart() error {
	s.mu.Lock()
	running := s.proc != nil
	s.mu.Unlock()
	if running {
		return errors.New("s3test: restart of a running server")
	}
	var err error
	// The port was just released; a few attempts cover a slow release.
	for range 5 {
		if err = s.start(); err == nil {
			return nil
		}
	}
	return err
}

// Close stops the server and removes the data folder if Start created it.
// It is safe on a nil Server, so TestMain can call it whether or not Start
// succeeded.
func (s *Server) Close() error {
	if s == nil {
		return nil
	}
	// Killed, not stopped: the data is about to go, and a graceful
	// shutdown waits for the test's idle connections.
	err := s.Kill()
	if s.ownsDir {
		if rerr := os.RemoveAll(s.Dir); err == nil {
			err = rerr
		}
	}
	return err
}

// Client returns a minio-go client of the server with the root
// credentials, path-style, retries off; over HTTPS trusting CertFile when
// the server has one.
func (s *Server) Client() (*minio.Client, error) {
	opts := &minio.Options{
		Creds:        credentials.NewStaticV4(AccessKey, SecretKey, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	}
	if s.certFile != "" {
		pem, err := os.ReadFile(s.certFile)
		if err != nil {
			return nil, fmt.Errorf("s3test: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("s3test: no certificate in %s", s.certFile)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		opts.Secure, opts.Transport = true, tr
	}
	return minio.New(s.Endpoint, opts)
}

// MakeBucket creates a bucket.
func (s *Server) MakeBucket(ctx context.Context, name string) error {
	c, err := s.Client()
	if err != nil {
		return err
	}
	return c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: "us-east-1"})
}

// Output returns the last lines the server printed, for failure messages.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return ""
	}
	return s.proc.out.String()
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}
