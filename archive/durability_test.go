package archive_test

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

// tempPaths are the two ways a DirStore holds a segment before its commit:
// an unnamed O_TMPFILE file linked at commit (Linux), or a hidden named
// temporary file linked at commit (other systems and file systems).
var tempPaths = []struct {
	name  string
	named bool
}{
	{"unnamed", false},
	{"named", true},
}

// newDirStoreOn returns a DirStore in root that writes through the named
// temporary path if named, or else the unnamed one, which it checks is
// really taken.
func newDirStoreOn(t *testing.T, root string, named bool) *archive.DirStore {
	t.Helper()
	s, err := archive.NewDirStore(archive.DirConfig{Root: root})
	require.NoError(t, err)
	if named {
		archive.UseNamedTemp(s)
	} else if runtime.GOOS != "linux" {
		t.Skip("unnamed temporary files are Linux's O_TMPFILE")
	} else {
		require.True(t, archive.UsesUnnamedTemp(s), "this file system has O_TMPFILE")
	}
	return s
}

// The conformance suite on both temporary-file paths.
func TestDirStoreConformance(t *testing.T) {
	for _, p := range tempPaths {
		t.Run(p.name, func(t *testing.T) {
			archivetest.Run(t, archivetest.Harness{
				New: func(t *testing.T) archive.Store { return newDirStoreOn(t, t.TempDir(), p.named) },
				PutRaw: func(t *testing.T, s archive.Store, rel string, data []byte) {
					p := filepath.Join(s.(*archive.DirStore).Root(), filepath.FromSlash(rel))
					require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
					require.NoError(t, os.WriteFile(p, data, 0o644))
				},
			})
		})
	}
}

// syncLog records, for each fsync a DirStore makes, what was synced and
// whether the segment's final name existed at that moment.
type syncLog struct {
	mu    sync.Mutex
	final string
	root  string
	ops   []string
}

func (l *syncLog) fsync(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	what := "file"
	if info.IsDir() {
		rel, _ := filepath.Rel(l.root, f.Name())
		what = "dir " + filepath.ToSlash(rel)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.final != "" {
		if _, err := os.Lstat(l.final); err == nil {
			what += " (named)"
		}
	}
	l.ops = append(l.ops, what)
	return f.Sync()
}

func (l *syncLog) setFinal(p string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.final = p
}

func (l *syncLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops := l.ops
	l.ops = nil
	return ops
}

// Every commit syncs the segment's bytes before it gets its name, then
// the hour folder after; a new hour syncs the folders above it; a
// tombstone syncs its folder. Taking any of these syncs out fails here.
func TestDirStoreSyncOrder(t *testing.T) {
	for _, p := range tempPaths {
		t.Run(p.name, func(t *testing.T) {
			s := newDirStoreOn(t, t.TempDir(), p.named)
			log := &syncLog{root: s.Root()}
			archive.SetFsync(s, log.fsync)
			data := []byte("segment bytes")
			sg := archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}
			want := sg
			want.Type, want.Hash = archive.Full, sha256.Sum256(data)
			log.setFinal(filepath.Join(s.Root(), filepath.FromSlash(want.Path())))

			w, err := s.Create(t.Context(), sg)
			require.NoError(t, err)
			require.Equal(t, []string{"dir s/v", "dir s", "dir ."}, log.take(), "a new hour's folder is made durable")
			_, err = w.Write(data)
			require.NoError(t, err)
			_, err = w.Commit(t.Context(), archive.Full)
			require.NoError(t, err)
			require.Equal(t, []string{"file", "dir s/v/2026-11-23T14 (named)"}, log.take(),
				"bytes synced before the name exists, the folder after")

			// The next segment of the same hour makes no folder.
			next := sg
			next.Start = t0.Add(2 * time.Second)
			named := next
			named.Type, named.Hash = archive.Full, sha256.Sum256(data)
			log.setFinal(filepath.Join(s.Root(), filepath.FromSlash(named.Path())))
			archivetest.Write(t, s, next, archive.Full, data)
			require.Equal(t, []string{"file", "dir s/v/2026-11-23T14 (named)"}, log.take())

			// A duplicate adds no name, so nothing to sync but its bytes.
			archivetest.Write(t, s, next, archive.Full, data)
			require.Equal(t, []string{"file (named)"}, log.take())

			log.setFinal(filepath.Join(s.Root(), "s", "v", "2026-11-23T14", want.TombstoneName()))
			require.NoError(t, s.Tombstone(t.Context(), want))
			require.Equal(t, []string{"dir s/v/2026-11-23T14 (named)"}, log.take())
		})
	}
}

// With NoSync, nothing is synced.
func TestDirStoreNoSync(t *testing.T) {
	s, err := archive.NewDirStore(archive.DirConfig{Root: t.TempDir(), NoSync: true})
	require.NoError(t, err)
	log := &syncLog{root: s.Root()}
	archive.SetFsync(s, log.fsync)
	sg := archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("x"))
	require.NoError(t, s.Tombstone(t.Context(), sg))
	require.Empty(t, log.take())
}

// Environment of the crash test's child process.
const (
	envCrashDir  = "AIRKEEP_TEST_CRASH_DIR"
	envCrashAt   = "AIRKEEP_TEST_CRASH_AT"
	envCrashPath = "AIRKEEP_TEST_CRASH_PATH"
	crashReady   = "ready to be killed"
	crashBefore  = 5 // segments the child commits before the one it is killed in
)

// crashData is the payload of the child's i-th segment: large enough to
// take several writes.
func crashData(i int) []byte {
	b := make([]byte, 256<<10+i)
	for j := range b {
		b[j] = byte(j*13) ^ byte(i)
	}
	return b
}

func crashSeg(i int) archive.Segment {
	return archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2}
}

// A process killed in the middle of a commit, at each step of it, leaves
// every name either absent or whole with the hash its name says. The
// child is this test binary run again; it commits a few segments, then
// stops at the step under test and tells the parent, which kills it with
// SIGKILL. The store then opened on the same folder lists only whole
// segments, and CleanTemp clears what the dead writer left.
func TestDirStoreCrashMidCommit(t *testing.T) {
	if dir := os.Getenv(envCrashDir); dir != "" {
		crashChild(t, dir, os.Getenv(envCrashAt), os.Getenv(envCrashPath) == "named")
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	tests := []struct {
		at      string
		visible int // segments listed after the crash
	}{
		{"write", crashBefore},     // half the bytes written
		{"file-sync", crashBefore}, // bytes written, being synced, no name yet
		{"dir-sync", crashBefore + 1},
	}
	for _, p := range tempPaths {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.at, func(t *testing.T) {
				t.Parallel()
				if !p.named && runtime.GOOS != "linux" {
					t.Skip("unnamed temporary files are Linux's O_TMPFILE")
				}
				root := t.TempDir()
				cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestDirStoreCrashMidCommit$", "-test.count=1")
				cmd.Env = append(os.Environ(), envCrashDir+"="+root, envCrashAt+"="+tt.at, envCrashPath+"="+p.name)
				// The child blocks reading stdin until it is killed; if
				// this test dies first, the pipe closes and so does it.
				stdin, err := cmd.StdinPipe()
				require.NoError(t, err)
				defer stdin.Close()
				stdout, err := cmd.StdoutPipe()
				require.NoError(t, err)
				var stderr strings.Builder
				cmd.Stderr = &stderr
				require.NoError(t, cmd.Start())
				ready := false
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					if sc.Text() == crashReady {
						ready = true
						break
					}
				}
				require.True(t, ready, "the child stopped before its crash point: %s", stderr.String())
				require.NoError(t, cmd.Process.Kill())
				require.Error(t, cmd.Wait(), "killed")

				s, err := archive.NewDirStore(archive.DirConfig{Root: root})
				require.NoError(t, err)
				l, err := s.List(t.Context(), "s", "v", "2026-11-23T14")
				require.NoError(t, err)
				require.Empty(t, l.Bad)
				require.Len(t, l.Segments, tt.visible)
				for i, e := range l.Segments {
					b := archivetest.ReadAll(t, s, e.Segment)
					require.Equal(t, e.Hash, archive.Hash(sha256.Sum256(b)), "%s is whole", e.Name())
					require.Equal(t, crashData(i), b)
					require.Equal(t, int64(len(b)), e.Size)
				}
				// Whatever the dead writer left is hidden, and CleanTemp
				// clears it. The real clock: it compares with mtimes.
				_, err = s.CleanTemp(t.Context(), 0, time.Now().Add(time.Minute))
				require.NoError(t, err)
				entries, err := os.ReadDir(filepath.Join(root, "s", "v", "2026-11-23T14"))
				require.NoError(t, err)
				require.Len(t, entries, tt.visible, "only the segments remain")
				// And the interrupted segment can be written again.
				got := archivetest.Write(t, s, crashSeg(crashBefore), archive.Full, crashData(crashBefore))
				require.Equal(t, crashData(crashBefore), archivetest.ReadAll(t, s, got))
			})
		}
	}
}

// crashChild is the process that TestDirStoreCrashMidCommit kills.
func crashChild(t *testing.T, root, at string, named bool) {
	s := newDirStoreOn(t, root, named)
	for i := range crashBefore {
		archivetest.Write(t, s, crashSeg(i), archive.Full, crashData(i))
	}
	stop := func() {
		fmt.Println(crashReady)
		// Wait to be killed: stdin is a pipe the parent never writes to.
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3) // the parent went away without killing us
	}
	archive.SetFsync(s, func(f *os.File) error {
		info, err := f.Stat()
		if err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		if (at == "file-sync" && !info.IsDir()) || (at == "dir-sync" && info.IsDir()) {
			stop()
		}
		return nil
	})
	data := crashData(crashBefore)
	w, err := s.Create(t.Context(), crashSeg(crashBefore))
	require.NoError(t, err)
	_, err = w.Write(data[:len(data)/2])
	require.NoError(t, err)
	if at == "write" {
		stop()
	}
	_, err = w.Write(data[len(data)/2:])
	require.NoError(t, err)
	_, err = w.Commit(t.Context(), archive.Full)
	require.NoError(t, err)
	t.Fatalf("no crash point %q", at)
}
