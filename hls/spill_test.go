package hls_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// faultStore is a store that fails on command: while err is set, every
// write (or every commit, with atCommit) fails with it, as a full disk
// refuses a write and an S3 server a PUT.
type faultStore struct {
	archive.Store
	mu       sync.Mutex
	err      error
	atCommit bool
	refused  int
}

func (f *faultStore) set(err error, atCommit bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.atCommit = err, atCommit
}

func (f *faultStore) fault(commit bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil || f.atCommit != commit {
		return nil
	}
	f.refused++
	return f.err
}

func (f *faultStore) Create(ctx context.Context, seg archive.Segment) (archive.SegmentWriter, error) {
	w, err := f.Store.Create(ctx, seg)
	if err != nil {
		return nil, err
	}
	return &faultWriter{SegmentWriter: w, f: f, path: seg.Stream + "/" + seg.Variant + "/" + seg.Hour()}, nil
}

type faultWriter struct {
	archive.SegmentWriter
	f    *faultStore
	path string
}

func (w *faultWriter) Write(p []byte) (int, error) {
	if err := w.f.fault(false); err != nil {
		return 0, fmt.Errorf("archive: write %s: %w", w.path, err)
	}
	return w.SegmentWriter.Write(p)
}

func (w *faultWriter) Commit(ctx context.Context, typ archive.Type) (archive.Segment, error) {
	if err := w.f.fault(true); err != nil {
		w.SegmentWriter.Abort()
		return archive.Segment{}, fmt.Errorf("archive: commit %s: %w", w.path, err)
	}
	return w.SegmentWriter.Commit(ctx, typ)
}

func pathErr(errno syscall.Errno) error {
	return &fs.PathError{Op: "write", Path: "/archive/radio/source/2026-11-23T08/x.ts", Err: errno}
}

func s3Err(status int, code string) error {
	return &s3store.Error{Op: "put", Bucket: "segments", Key: "radio/source/x.ts", StatusCode: status, Code: code, Err: errors.New(code)}
}

// newFaultRig is a rig whose Recorder writes through a faultStore over
// the rig's own store, which the final check reads.
func newFaultRig(t *testing.T, rcfg hls.Config) (*rig, *faultStore) {
	t.Helper()
	fst := &faultStore{Store: archive.NewMemStore()}
	rcfg.Store = fst
	r := newRig(t, hlstest.Config{}, rcfg)
	r.store = fst.Store.(*archive.MemStore)
	return r, fst
}

func (r *rig) eventsOf(kind hls.EventKind) []hls.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []hls.Event
	for _, e := range r.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// TestStoreFaultsThatPass: while the store refuses writes for a reason
// that passes, the capture goes on into the spill buffer, says so once,
// and stores every segment under its name when the store comes back.
func TestStoreFaultsThatPass(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		atCommit bool
		kind     string
	}{
		{"disk full", pathErr(syscall.ENOSPC), false, "no space"},
		{"quota", pathErr(syscall.EDQUOT), false, "quota exceeded"},
		{"S3 503", s3Err(503, "ServiceUnavailable"), true, "unavailable"},
		{"S3 unreachable", &s3store.Error{Op: "put", Bucket: "segments", Err: syscall.ECONNREFUSED}, true, "unavailable"},
		{"timeout", fmt.Errorf("put: %w", context.DeadlineExceeded), true, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { storeFaultThatPasses(t, tt.err, tt.atCommit, tt.kind) })
		})
	}
}

func storeFaultThatPasses(t *testing.T, ferr error, atCommit bool, kind string) {
	r, fst := newFaultRig(t, hls.Config{})
	r.start()
	r.drive(10*time.Second, 500*time.Millisecond)
	before := r.rec.Status().Total().Segments()
	require.Positive(t, before)

	fst.set(ferr, atCommit)
	r.drive(60*time.Second, 500*time.Millisecond)
	st := r.rec.Status()
	require.True(t, st.Store.Failing, "status says the store fails")
	require.ErrorIs(t, st.Store.Err, ferr)
	require.Equal(t, kind, st.Store.Kind)
	require.Positive(t, st.Store.Buffered, "segments held while the store fails")
	require.Equal(t, st.Store.Buffered, st.Total().Buffered)
	failing := r.eventsOf(hls.EventStoreFailing)
	require.Len(t, failing, 1, "said once")
	require.Equal(t, kind, failing[0].Reason)
	require.Less(t, before, st.Total().Segments()+st.Store.Buffered, "capture went on")

	fst.set(nil, false)
	res := r.finish()
	require.True(t, res.OK(), "missing %v corrupt %v", res.Missing, res.Corrupt)
	st = r.rec.Status()
	require.False(t, st.Store.Failing)
	require.Zero(t, st.Store.Buffered)
	require.Zero(t, st.Store.Lost)
	require.Zero(t, st.Total().StoreLost)
	require.Positive(t, st.Store.StoredLate)
	require.Equal(t, st.Store.StoredLate, st.Total().StoredLate)
	require.Len(t, r.eventsOf(hls.EventStoreRecovered), 1)
	require.Empty(t, r.eventsOf(hls.EventLost))
}

// TestSpillBufferDropsOldestFirst: beyond its bound, the buffer drops the
// oldest segments and names each one lost; the newer ones are stored.
func TestSpillBufferDropsOldestFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Source segments are 20 kB, 480p ones 10 kB: room for about six.
		r, fst := newFaultRig(t, hls.Config{Spill: hls.Spill{Bytes: 100_000}})
		r.start()
		r.drive(6*time.Second, 500*time.Millisecond)
		fst.set(pathErr(syscall.ENOSPC), false)
		r.drive(60*time.Second, 500*time.Millisecond)
		st := r.rec.Status()
		require.LessOrEqual(t, st.Store.BufferedBytes, int64(100_000))
		require.Positive(t, st.Store.Lost)
		fst.set(nil, false)
		r.origin.Finish()
		r.drive(20*time.Second, 500*time.Millisecond)
		r.stop()
		lost := r.eventsOf(hls.EventLost)
		require.NotEmpty(t, lost)
		require.EqualValues(t, len(lost), r.rec.Status().Store.Lost)
		for _, e := range lost {
			require.NoError(t, e.Segment.Validate(), "lost segments are named")
			require.Equal(t, "spill buffer full", e.Reason)
		}
		// The oldest were dropped: per variant, the lost segments come before
		// every segment stored after the first of them. The one exception is
		// the segment probing the failing store when the buffer overflowed:
		// a segment being written is not dropped, and while the store fails
		// only one is written at a time, so at most one, in all, is stored
		// among the lost.
		probes := 0
		for _, variant := range []string{"source", "480p"} {
			var first, last time.Time
			for _, e := range lost {
				if e.Segment.Variant != variant {
					continue
				}
				if first.IsZero() || e.Segment.Start.Before(first) {
					first = e.Segment.Start
				}
				if e.Segment.Start.After(last) {
					last = e.Segment.Start
				}
				_, err := r.store.Open(context.Background(), e.Segment)
				require.ErrorIs(t, err, archive.ErrNotFound, "a lost segment is not stored")
			}
			if first.IsZero() {
				continue
			}
			hours, err := r.store.Hours(context.Background(), "radio", variant)
			require.NoError(t, err)
			after := 0
			for _, h := range hours {
				l, err := r.store.List(context.Background(), "radio", variant, h)
				require.NoError(t, err)
				for _, e := range l.Segments {
					if !e.Start.Before(first) {
						if !e.Start.After(last) {
							probes++
							require.LessOrEqual(t, probes, 1, "%s stored between lost segments %s and %s, besides the probe", e.Name(), first, last)
							continue
						}
						after++
					}
				}
			}
			require.Positive(t, after, "newer segments of %s were stored late", variant)
		}
		require.EqualValues(t, len(lost), r.rec.Status().Total().StoreLost)
	})
}

// TestPermanentStoreErrorsStop: a refusal that cannot pass ends Run with a
// *StoreError naming the store and the cause, without filling memory.
func TestPermanentStoreErrorsStop(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		atCommit bool
		kind     string
		is       error
	}{
		{"read-only file system", pathErr(syscall.EROFS), false, "read-only file system", syscall.EROFS},
		{"permission denied", pathErr(syscall.EACCES), true, "permission denied", fs.ErrPermission},
		{"S3 bad credentials", s3Err(403, "InvalidAccessKeyId"), true, "refused", s3store.ErrAccessDenied},
		{"S3 missing bucket", s3Err(404, "NoSuchBucket"), true, "refused", s3store.ErrNoSuchBucket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { permanentStoreError(t, tt.err, tt.atCommit, tt.kind, tt.is) })
		})
	}
}

func permanentStoreError(t *testing.T, ferr error, atCommit bool, kind string, is error) {
	r, fst := newFaultRig(t, hls.Config{})
	fst.set(ferr, atCommit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { _ = r.origin.Run(ctx) }()
	go func() { done <- r.rec.Run(ctx) }()
	var err error
	for finished := false; !finished; {
		select {
		case err = <-done:
			finished = true
		default:
			synctest.Wait()
			r.clock.Advance(500 * time.Millisecond)
		}
	}
	cancel()
	var serr *hls.StoreError
	require.ErrorAs(t, err, &serr)
	require.Equal(t, kind, serr.Kind)
	require.Equal(t, "*hls_test.faultStore", serr.Store)
	require.ErrorIs(t, err, is)
	require.Equal(t, hls.Stopped, r.rec.State())
	require.Zero(t, r.rec.Status().Store.Buffered)
	synctest.Wait()
}

// TestStopWithinGraceWhileStoreFails: a stop while the store still fails
// returns within Timeouts.Shutdown and names every buffered segment lost.
func TestStopWithinGraceWhileStoreFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fst := newFaultRig(t, hls.Config{Timeouts: hls.Timeouts{Shutdown: 4 * time.Second}})
		r.start()
		r.drive(6*time.Second, 500*time.Millisecond)
		fst.set(pathErr(syscall.ENOSPC), false)
		r.drive(20*time.Second, 500*time.Millisecond)
		buffered := r.rec.Status().Store.Buffered
		require.Positive(t, buffered)
		stopAt := r.clock.Now()
		r.stop()
		// r.stop advances the clock a second at a time.
		require.LessOrEqual(t, r.clock.Now().Sub(stopAt), 5*time.Second, "stopped within the grace")
		st := r.rec.Status()
		require.Zero(t, st.Store.Buffered)
		require.GreaterOrEqual(t, st.Store.Lost, buffered)
		lost := r.eventsOf(hls.EventLost)
		require.EqualValues(t, st.Store.Lost, len(lost))
		for _, e := range lost {
			require.NoError(t, e.Segment.Validate())
		}
	})
}

// TestSpillDir: with a spill folder, buffered segments wait in files
// there, and none is left once they are stored.
func TestSpillDir(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		r, fst := newFaultRig(t, hls.Config{Spill: hls.Spill{Dir: dir}})
		r.start()
		r.drive(6*time.Second, 500*time.Millisecond)
		fst.set(pathErr(syscall.ENOSPC), false)
		r.drive(20*time.Second, 500*time.Millisecond)
		files, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.EqualValues(t, r.rec.Status().Store.Buffered, len(files))
		require.NotEmpty(t, files)
		require.True(t, strings.HasPrefix(files[0].Name(), ".airkeep-spill-"))
		fst.set(nil, false)
		res := r.finish()
		require.True(t, res.OK(), "missing %v corrupt %v", res.Missing, res.Corrupt)
		files, err = os.ReadDir(dir)
		require.NoError(t, err)
		require.Empty(t, files)
	})
}
