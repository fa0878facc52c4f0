// Package icecasttest starts the real Icecast 2.4 (Debian's icecast2) for
// a test: a generated configuration, a free port on the loopback, logs to
// the test's output, stopped at cleanup.
package icecasttest

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/internal/syncbuf"
	"github.com/airkeep/airkeep/internal/testtool"
)

// Server is a running Icecast.
type Server struct {
	URL            string // "http://127.0.0.1:PORT"
	Host           string // "127.0.0.1"
	Port           int
	SourcePassword string
	Logs           *syncbuf.Buffer
}

// SourceURL is where a source client (ffmpeg's icecast protocol,
// Liquidsoap's output.icecast) sends mount.
func (s *Server) SourceURL(mount string) string {
	return fmt.Sprintf("icecast://source:%s@%s:%d%s", s.SourcePassword, s.Host, s.Port, mount)
}

// Start starts Icecast and waits until it answers its status. Icecast
// refuses to run as root without changeowner; as root it is told to run
// as nobody, and logs to stdout so that it writes no file.
func Start(t *testing.T) *Server {
	t.Helper()
	bin := testtool.Require(t, "icecast2")
	web := "/usr/share/icecast2"
	if _, err := os.Stat(filepath.Join(web, "web", "status-json.xsl")); err != nil {
		testtool.Missing(t, "icecast2's web files are not in "+web+": "+err.Error())
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	s := &Server{Host: "127.0.0.1", Port: freePort(t), SourcePassword: "source-pw", Logs: &syncbuf.Buffer{}}
	s.URL = fmt.Sprintf("http://%s:%d", s.Host, s.Port)
	owner := ""
	if os.Geteuid() == 0 {
		owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
	}
	conf := fmt.Sprintf(`<icecast>
  <location>test</location><admin>test@localhost</admin>
  <limits><clients>32</clients><sources>8</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout><burst-size>65535</burst-size></limits>
  <authentication><source-password>%s</source-password>
    <admin-user>admin</admin-user><admin-password>admin-pw</admin-password></authentication>
  <hostname>%s</hostname>
  <listen-socket><port>%d</port><bind-address>%s</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths><basedir>%s</basedir><logdir>%s</logdir><webroot>%s/web</webroot><adminroot>%s/admin</adminroot></paths>
  <logging><accesslog>-</accesslog><errorlog>-</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>%s</security>
</icecast>
`, html.EscapeString(s.SourcePassword), s.Host, s.Port, s.Host, web, dir, web, web, owner)
	path := filepath.Join(dir, "icecast.xml")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-c", path)
	cmd.Stdout, cmd.Stderr = s.Logs, s.Logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("icecast2 logs:\n%s", s.Logs)
		}
	})
	require.Eventually(t, func() bool {
		select {
		case err := <-exited:
			exited <- err
			return true
		default:
		}
		resp, err := http.Get(s.URL + "/status-json.xsl")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "icecast2 did not answer")
	select {
	case err := <-exited:
		exited <- err // for the cleanup, which waits for the exit
		t.Fatalf("icecast2 exited: %v\n%s", err, s.Logs)
	default:
	}
	return s
}

// freePort returns a port free on the loopback a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return n
}
