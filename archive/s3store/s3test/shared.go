package s3test

import (
	"flag"
	"testing"
)

// Shared is the one server of a test package, started by its TestMain:
//
//	var s3 s3test.Shared
//
//	func TestMain(m *testing.M) { os.Exit(s3.Main(m, s3test.Config{})) }
//
//	func TestSomething(t *testing.T) {
//		srv := s3.Get(t)
//		...
//	}
type Shared struct {
	srv *Server
	err error
}

// Main starts the server (not under -short), runs the tests, stops the
// server, and returns the exit code for os.Exit.
func (sh *Shared) Main(m *testing.M, cfg Config) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if !testing.Short() {
		sh.srv, sh.err = Start(cfg)
	}
	code := m.Run()
	sh.srv.Close()
	return code
}

// Get returns the server. Under -short it skips t; without a server it
// fails t with the way to get one: integration tests never pass silently
// for want of a server.
func (sh *Shared) Get(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a real S3 server (versitygw); skipped with -short")
	}
	if sh.err != nil {
		t.Fatalf("no S3 server for the integration tests: %v\nRun ./test.sh, or .ci/install and set %s=$PWD/.tools/bin/versitygw", sh.err, EnvBinary)
	}
	if sh.srv == nil {
		t.Fatal("s3test: Shared.Get without Shared.Main in TestMain")
	}
	return sh.srv
}
