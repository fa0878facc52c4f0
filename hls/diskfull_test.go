package hls_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// mountTmpfs mounts a tmpfs of size bytes on a new folder, or skips the
// test: only root may mount one.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root; the full-disk case is covered by TestStoreFaultsThatPass")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a file into dir until the file system is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, ".filler")
	f, err := os.Create(name)
	require.NoError(t, err)
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			require.True(t, errors.Is(err, syscall.ENOSPC), "filling: %v", err)
			break
		}
	}
	return name
}

// TestDiskFullThenFreed: a capture into a DirStore on a real file system
// that fills up for a minute and is then freed stores every published
// segment byte-exact, the ones of the full minute late, under their names.
func TestDiskFullThenFreed(t *testing.T) {
	dir := mountTmpfs(t, "4m")
	synctest.Test(t, func(t *testing.T) {
		store, err := archive.NewDirStore(archive.DirConfig{Root: filepath.Join(dir, "archive")})
		require.NoError(t, err)
		r := newRig(t, hlstest.Config{}, hls.Config{Store: store})
		r.start()
		r.drive(10*time.Second, 500*time.Millisecond)
		require.Positive(t, r.rec.Status().Total().Segments())

		filler := fill(t, dir)
		r.drive(60*time.Second, 500*time.Millisecond)
		st := r.rec.Status()
		require.True(t, st.Store.Failing)
		require.ErrorIs(t, st.Store.Err, syscall.ENOSPC)
		require.Positive(t, st.Store.Buffered)
		require.Len(t, r.eventsOf(hls.EventStoreFailing), 1)

		require.NoError(t, os.Remove(filler))
		r.origin.Finish()
		for i := 0; i < 600 && !r.rec.Status().Drained(); i++ {
			r.drive(500*time.Millisecond, 100*time.Millisecond)
		}
		require.True(t, r.rec.Status().Drained(), "capture did not drain: %+v", r.rec.Status())
		r.stop()
		st = r.rec.Status()
		require.Zero(t, st.Store.Lost)
		require.Positive(t, st.Store.StoredLate)
		require.Len(t, r.eventsOf(hls.EventStoreRecovered), 1)

		r.mu.Lock()
		pubs := append([]hlstest.Published(nil), r.pubs...)
		r.mu.Unlock()
		res, err := hlstest.Check(context.Background(), store, "radio", "demo", pubs)
		require.NoError(t, err)
		require.True(t, res.OK(), "missing %v corrupt %v", res.Missing, res.Corrupt)
		require.Positive(t, res.Published)
		// No file under a final name has bytes that disagree with it.
		var problems []archive.Problem
		vr, err := archive.Verify(context.Background(), store, archive.VerifyConfig{}, func(p archive.Problem) { problems = append(problems, p) })
		require.NoError(t, err)
		require.Empty(t, problems)
		require.Zero(t, vr.Problems)
		require.Positive(t, vr.Segments)
	})
}
