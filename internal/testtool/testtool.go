// Package testtool finds the external programs that integration tests run
// (liquidsoap, ffmpeg, ffprobe, chromium, icecast2, versitygw). Outside CI a
// missing program skips the test with the command that installs it; with
// the CI environment variable set (test.sh and .ci/run set it) it fails the
// test, so a missing install step never turns into a silent pass.
package testtool

import (
	"os"
	"os/exec"
)

// TB is the part of testing.TB that Require uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// installHints says how to get each program that tests use.
var installHints = map[string]string{
	"liquidsoap": "apt-get install liquidsoap",
	"ffmpeg":     "apt-get install ffmpeg",
	"ffprobe":    "apt-get install ffmpeg",
	"chromium":   "apt-get install chromium",
	"icecast2":   "apt-get install icecast2",
	"versitygw":  "bash .ci/install (builds it into .tools/bin)",
}

// InCI reports whether the tests run in CI, where every tool must be present.
func InCI() bool { return os.Getenv("CI") != "" }

// Require returns the path of the named program, looked up on PATH. When it
// is missing the test is skipped, or failed in CI.
func Require(t TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	Missing(t, name+" is not installed ("+hint(name)+"): "+err.Error())
	return ""
}

// Missing skips the test with reason, or fails it in CI.
func Missing(t TB, reason string) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI is set and %s", reason)
		return
	}
	t.Skipf("%s", reason)
}

func hint(name string) string {
	if h, ok := installHints[name]; ok {
		return h
	}
	return "install it"
}
