// Package archivetest is the conformance suite for archive.Store
// implementations. Every backend in airkeep runs it, and a third party can
// run it against its own:
//
//	func TestMyStore(t *testing.T) {
//		archivetest.Run(t, archivetest.Harness{
//			New: func(t *testing.T) archive.Store { return newMyStore(t) },
//		})
//	}
package archivetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

// Harness tells the suite how to make and poke a store.
type Harness struct {
	// New returns an empty store. Required. Resources it allocates should
	// be released with t.Cleanup.
	New func(t *testing.T) archive.Store
	// PutRaw plants bytes under a relative path STREAM/VARIANT/HOUR/NAME
	// without going through the store, as a foreign or broken writer would.
	// Optional: cases about foreign files are skipped without it.
	PutRaw func(t *testing.T, s archive.Store, rel string, data []byte)
}

// Run runs the whole suite.
func Run(t *testing.T, h Harness) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"WriteAndRead", testWriteAndRead},
		{"CommitTypes", testCommitTypes},
		{"EmptySegment", testEmptySegment},
		{"LargeSegment", testLargeSegment},
		{"HashOfBytesReceived", testHashOfBytesReceived},
		{"Abort", testAbort},
		{"WriterAfterEnd", testWriterAfterEnd},
		{"CommitBadType", testCommitBadType},
		{"CreateRefusesBadNames", testCreateRefusesBadNames},
		{"ListRefusesBadNames", testListRefusesBadNames},
		{"OpenMissing", testOpenMissing},
		{"ListAbsent", testListAbsent},
		{"ListSorted", testListSorted},
		{"StartNormalised", testStartNormalised},
		{"Duplicates", testDuplicates},
		{"ConcurrentSameSegment", testConcurrentSameSegment},
		{"ConcurrentDifferentSegments", testConcurrentDifferentSegments},
		{"ReadersDuringWrites", testReadersDuringWrites},
		{"Tombstones", testTombstones},
		{"RemoveHour", testRemoveHour},
		{"CanceledContext", testCanceledContext},
		{"ForeignFiles", testForeignFiles},
		{"Seek", testSeek},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, h)
		})
	}
}

var t0 = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

// Seg returns a segment of stream s, variant v, starting at t0+offset, 2 s
// long, for tests.
func seg(offset time.Duration) archive.Segment {
	return archive.Segment{Stream: "chan", Variant: "source", Start: t0.Add(offset), Duration: 2.0}
}

// Write stores data as one segment and returns what the store committed.
func Write(t *testing.T, s archive.Writer, sg archive.Segment, typ archive.Type, data []byte) archive.Segment {
	t.Helper()
	w, err := s.Create(t.Context(), sg)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	got, err := w.Commit(t.Context(), typ)
	require.NoError(t, err)
	return got
}

// ReadAll returns the stored bytes of sg.
func ReadAll(t *testing.T, s archive.Reader, sg archive.Segment) []byte {
	t.Helper()
	r, err := s.Open(t.Context(), sg)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) ^ seed
	}
	return b
}

func testWriteAndRead(t *testing.T, h Harness) {
	s := h.New(t)
	data := payload(188*100, 1)
	got := Write(t, s, seg(0), archive.Full, data)
	require.Equal(t, archive.Full, got.Type)
	require.Equal(t, archive.Hash(sha256.Sum256(data)), got.Hash)
	require.Equal(t, "chan/source/2026-11-23T14/00:00.000000-2.0-full-"+got.Hash.String()+".ts", got.Path())
	require.Equal(t, data, ReadAll(t, s, got))

	streams, err := s.Streams(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"chan"}, streams)
	variants, err := s.Variants(t.Context(), "chan")
	require.NoError(t, err)
	require.Equal(t, []string{"source"}, variants)
	hours, err := s.Hours(t.Context(), "chan", "source")
	require.NoError(t, err)
	require.Equal(t, []string{"2026-11-23T14"}, hours)
	l, err := s.List(t.Context(), "chan", "source", "2026-11-23T14")
	require.NoError(t, err)
	require.Equal(t, []archive.Entry{{Segment: got, Size: int64(len(data))}}, l.Segments)
	require.Empty(t, l.Tombstones)
	require.Empty(t, l.Bad)
}

func testCommitTypes(t *testing.T, h Harness) {
	s := h.New(t)
	for i, typ := range []archive.Type{archive.Full, archive.Suspect, archive.Partial} {
		got := Write(t, s, seg(time.Duration(i)*2*time.Second), typ, payload(1000, byte(i)))
		require.Equal(t, typ, got.Type)
		back, err := archive.ParsePath(got.Path())
		require.NoError(t, err)
		require.Equal(t, got, back)
	}
	l, err := s.List(t.Context(), "chan", "source", "2026-11-23T14")
	require.NoError(t, err)
	require.Len(t, l.Segments, 3)
	require.Equal(t, []archive.Type{archive.Full, archive.Suspect, archive.Partial},
		[]archive.Type{l.Segments[0].Type, l.Segments[1].Type, l.Segments[2].Type})
}

func testEmptySegment(t *testing.T, h Harness) {
	s := h.New(t)
	got := Write(t, s, seg(0), archive.Suspect, nil)
	require.Equal(t, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", got.Hash.String())
	require.Empty(t, ReadAll(t, s, got))
	l, err := s.List(t.Context(), "chan", "source", got.Hour())
	require.NoError(t, err)
	require.Equal(t, []archive.Entry{{Segment: got, Size: 0}}, l.Segments)
}

func testLargeSegment(t *testing.T, h Harness) {
	s := h.New(t)
	data := payload(9<<20+17, 7) // above any small in-memory buffer
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	for off := 0; off < len(data); off += 32 << 10 {
		end := min(off+32<<10, len(data))
		_, err := w.Write(data[off:end])
		require.NoError(t, err)
	}
	got, err := w.Commit(t.Context(), archive.Full)
	require.NoError(t, err)
	require.Equal(t, archive.Hash(sha256.Sum256(data)), got.Hash)
	require.True(t, bytes.Equal(data, ReadAll(t, s, got)))
}

// A partial segment is stored under the hash of what arrived, not of what
// the origin meant to send.
func testHashOfBytesReceived(t *testing.T, h Harness) {
	s := h.New(t)
	full := payload(50000, 3)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	require.Equal(t, archive.Hash(sha256.Sum256(nil)), w.Hash())
	_, err = w.Write(full[:10000])
	require.NoError(t, err)
	require.Equal(t, archive.Hash(sha256.Sum256(full[:10000])), w.Hash(), "Hash reports the bytes so far")
	_, err = w.Write(full[10000:12345])
	require.NoError(t, err)
	require.Equal(t, archive.Hash(sha256.Sum256(full[:12345])), w.Hash())
	got, err := w.Commit(t.Context(), archive.Partial)
	require.NoError(t, err)
	require.Equal(t, archive.Hash(sha256.Sum256(full[:12345])), got.Hash)
	require.Equal(t, full[:12345], ReadAll(t, s, got))
}

func testAbort(t *testing.T, h Harness) {
	s := h.New(t)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Write(payload(5000, 1))
	require.NoError(t, err)
	require.NoError(t, w.Abort())
	require.NoError(t, w.Abort(), "a second Abort is harmless")
	l, err := s.List(t.Context(), "chan", "source", "2026-11-23T14")
	require.NoError(t, err)
	require.Empty(t, l.Segments)
	require.Empty(t, l.Bad)
	_, err = s.Open(t.Context(), archive.Segment{Stream: "chan", Variant: "source", Start: t0, Duration: 2, Type: archive.Full, Hash: sha256.Sum256(payload(5000, 1))})
	require.ErrorIs(t, err, archive.ErrNotFound)
}

func testWriterAfterEnd(t *testing.T, h Harness) {
	s := h.New(t)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Commit(t.Context(), archive.Full)
	require.NoError(t, err)
	_, err = w.Write([]byte("late"))
	require.ErrorIs(t, err, archive.ErrClosed)
	_, err = w.Commit(t.Context(), archive.Full)
	require.ErrorIs(t, err, archive.ErrClosed)
	require.NoError(t, w.Abort(), "Abort after Commit changes nothing")
	l, err := s.List(t.Context(), "chan", "source", "2026-11-23T14")
	require.NoError(t, err)
	require.Len(t, l.Segments, 1)
}

func testCommitBadType(t *testing.T, h Harness) {
	s := h.New(t)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	for _, typ := range []archive.Type{0, archive.Temp, 42} {
		_, err = w.Commit(t.Context(), typ)
		var ne *archive.NameError
		require.ErrorAs(t, err, &ne)
		require.Equal(t, "type", ne.Field)
	}
	_, err = w.Commit(t.Context(), archive.Full)
	require.NoError(t, err, "a refused type leaves the writer usable")
}

func testCreateRefusesBadNames(t *testing.T, h Harness) {
	s := h.New(t)
	tests := []struct {
		name  string
		seg   archive.Segment
		field string
	}{
		{"dot-dot stream", archive.Segment{Stream: "..", Variant: "v", Start: t0, Duration: 2}, "stream"},
		{"slash in variant", archive.Segment{Stream: "s", Variant: "a/b", Start: t0, Duration: 2}, "variant"},
		{"newline in stream", archive.Segment{Stream: "s\n", Variant: "v", Start: t0, Duration: 2}, "stream"},
		{"hidden variant", archive.Segment{Stream: "s", Variant: ".v", Start: t0, Duration: 2}, "variant"},
		{"negative duration", archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: -2}, "duration"},
		{"zero time", archive.Segment{Stream: "s", Variant: "v", Duration: 2}, "time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(t.Context(), tt.seg)
			var ne *archive.NameError
			require.ErrorAs(t, err, &ne)
			require.Equal(t, tt.field, ne.Field)
			require.ErrorAs(t, s.Tombstone(t.Context(), withType(tt.seg)), &ne)
			_, err = s.Open(t.Context(), withType(tt.seg))
			require.ErrorAs(t, err, &ne)
		})
	}
	streams, err := s.Streams(t.Context())
	require.NoError(t, err)
	require.Empty(t, streams, "nothing was written anywhere")
}

func withType(s archive.Segment) archive.Segment { s.Type = archive.Full; return s }

func testListRefusesBadNames(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := t.Context()
	var ne *archive.NameError
	_, err := s.Variants(ctx, "../etc")
	require.ErrorAs(t, err, &ne)
	_, err = s.Hours(ctx, "s", "/abs")
	require.ErrorAs(t, err, &ne)
	_, err = s.List(ctx, "s", "v", "../../x")
	require.ErrorAs(t, err, &ne)
	_, err = s.List(ctx, "s", "v", "2026-11-23T14/..")
	require.ErrorAs(t, err, &ne)
	require.ErrorAs(t, s.RemoveHour(ctx, "s", "..", "2026-11-23T14"), &ne)
}

func testOpenMissing(t *testing.T, h Harness) {
	s := h.New(t)
	missing := withType(seg(0))
	_, err := s.Open(t.Context(), missing)
	require.ErrorIs(t, err, archive.ErrNotFound)
	Write(t, s, seg(0), archive.Full, []byte("x"))
	_, err = s.Open(t.Context(), missing)
	require.ErrorIs(t, err, archive.ErrNotFound, "a segment with another hash is a different segment")
}

func testListAbsent(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := t.Context()
	streams, err := s.Streams(ctx)
	require.NoError(t, err)
	require.Empty(t, streams)
	variants, err := s.Variants(ctx, "nope")
	require.NoError(t, err)
	require.Empty(t, variants)
	hours, err := s.Hours(ctx, "nope", "source")
	require.NoError(t, err)
	require.Empty(t, hours)
	l, err := s.List(ctx, "nope", "source", "2026-11-23T14")
	require.NoError(t, err)
	require.Empty(t, l.Segments)
	require.NoError(t, s.RemoveHour(ctx, "nope", "source", "2026-11-23T14"))
}

func testListSorted(t *testing.T, h Harness) {
	s := h.New(t)
	// Written out of order, across streams, variants and hours.
	for _, st := range []string{"zeta", "alpha", "mid"} {
		for _, v := range []string{"720p", "480p", "source"} {
			for _, off := range []time.Duration{3 * time.Hour, 0, time.Hour + 30*time.Minute, 10 * time.Second, 2 * time.Second} {
				sg := archive.Segment{Stream: st, Variant: v, Start: t0.Add(off), Duration: 2}
				Write(t, s, sg, archive.Full, []byte(st+v+off.String()))
			}
		}
	}
	ctx := t.Context()
	streams, err := s.Streams(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"alpha", "mid", "zeta"}, streams)
	variants, err := s.Variants(ctx, "mid")
	require.NoError(t, err)
	require.Equal(t, []string{"480p", "720p", "source"}, variants)
	hours, err := s.Hours(ctx, "mid", "480p")
	require.NoError(t, err)
	require.Equal(t, []string{"2026-11-23T14", "2026-11-23T15", "2026-11-23T17"}, hours)
	l, err := s.List(ctx, "mid", "480p", "2026-11-23T14")
	require.NoError(t, err)
	require.Len(t, l.Segments, 3)
	for i := 1; i < len(l.Segments); i++ {
		require.Less(t, l.Segments[i-1].Name(), l.Segments[i].Name())
		require.True(t, l.Segments[i-1].Start.Before(l.Segments[i].Start))
	}
}

// Start times are stored in UTC with microsecond precision, whatever the
// caller passed.
func testStartNormalised(t *testing.T, h Harness) {
	s := h.New(t)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	sg := archive.Segment{Stream: "chan", Variant: "source", Start: t0.In(ny).Add(1234567 * time.Nanosecond), Duration: 2}
	got := Write(t, s, sg, archive.Full, []byte("x"))
	require.Equal(t, time.UTC, got.Start.Location())
	require.Equal(t, t0.Add(1235*time.Microsecond), got.Start)
	require.Equal(t, "00:00.001235", got.Name()[:12])
}

func testDuplicates(t *testing.T, h Harness) {
	s := h.New(t)
	data := payload(4000, 9)
	a := Write(t, s, seg(0), archive.Full, data)
	b := Write(t, s, seg(0), archive.Full, data)
	require.Equal(t, a, b)
	// Same bytes with another type or duration is another segment.
	c := Write(t, s, seg(0), archive.Suspect, data)
	require.NotEqual(t, a.Path(), c.Path())
	l, err := s.List(t.Context(), "chan", "source", a.Hour())
	require.NoError(t, err)
	require.Len(t, l.Segments, 2)
}

// Many writers of the same segment at once (hand-over overlap, several
// getters, several nodes on one bucket) leave exactly one copy, intact.
func testConcurrentSameSegment(t *testing.T, h Harness) {
	s := h.New(t)
	data := payload(256<<10, 5)
	const writers = 16
	var wg sync.WaitGroup
	results := make([]archive.Segment, writers)
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := s.Create(context.Background(), seg(0))
			if err != nil {
				errs[i] = err
				return
			}
			for off := 0; off < len(data); off += 8192 {
				if _, err := w.Write(data[off : off+8192]); err != nil {
					errs[i] = err
					return
				}
			}
			results[i], errs[i] = w.Commit(context.Background(), archive.Full)
		}()
	}
	wg.Wait()
	for i := range writers {
		require.NoError(t, errs[i])
		require.Equal(t, results[0], results[i])
	}
	l, err := s.List(t.Context(), "chan", "source", results[0].Hour())
	require.NoError(t, err)
	require.Equal(t, []archive.Entry{{Segment: results[0], Size: int64(len(data))}}, l.Segments)
	require.Empty(t, l.Bad)
	require.True(t, bytes.Equal(data, ReadAll(t, s, results[0])))
}

func testConcurrentDifferentSegments(t *testing.T, h Harness) {
	s := h.New(t)
	const writers = 24
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sg := seg(time.Duration(i) * 2 * time.Second)
			sg.Variant = []string{"source", "480p"}[i%2]
			w, err := s.Create(context.Background(), sg)
			if err != nil {
				errs[i] = err
				return
			}
			if _, err := w.Write(payload(10000, byte(i))); err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = w.Commit(context.Background(), archive.Full)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	for _, v := range []string{"source", "480p"} {
		l, err := s.List(t.Context(), "chan", v, "2026-11-23T14")
		require.NoError(t, err)
		require.Len(t, l.Segments, writers/2)
	}
}

// Readers listing and reading while writers commit never see a partial
// file under a final name. The writer waits, now and then, until the
// reader has read a listing holding everything committed so far, so that
// reads provably happen between commits even on a store fast enough to
// finish the writes before the reader starts.
func testReadersDuringWrites(t *testing.T, h Harness) {
	s := h.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	const segments, every = 40, 8
	want := make(map[archive.Hash][]byte)
	datas := make([][]byte, segments)
	for i := range datas {
		datas[i] = payload(64<<10+i, byte(i))
		want[sha256.Sum256(datas[i])] = datas[i]
	}
	var (
		committed atomic.Int64 // segments the writer has committed
		reads     atomic.Int64 // segments read whole, in all
		during    atomic.Int64 // of which read before the last commit
		seen      = make(chan int, 1)
	)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }() // also when the test fails early
	readerErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			l, err := s.List(ctx, "chan", "source", "2026-11-23T14")
			if err != nil {
				if ctx.Err() == nil {
					readerErr <- err
				}
				return
			}
			for _, e := range l.Segments {
				r, err := s.Open(ctx, e.Segment)
				if err != nil {
					if ctx.Err() == nil {
						readerErr <- fmt.Errorf("open listed %s: %w", e.Path(), err)
					}
					return
				}
				b, err := io.ReadAll(r)
				r.Close()
				if err != nil && ctx.Err() != nil {
					// Canceled mid-read. A store that streams from the
					// network (s3store) reads under Open's context.
					return
				}
				if err != nil || !bytes.Equal(b, want[e.Hash]) || int64(len(b)) != e.Size {
					readerErr <- fmt.Errorf("read %s: %d bytes, err %v, size %d", e.Path(), len(b), err, e.Size)
					return
				}
				reads.Add(1)
				if committed.Load() < segments {
					during.Add(1)
				}
			}
			// Tell the writer how far this pass got; a stale value in the
			// buffer is replaced by the next pass's.
			select {
			case seen <- len(l.Segments):
			default:
			}
		}
	}()
	for i, data := range datas {
		Write(t, s, seg(time.Duration(i)*2*time.Second), archive.Full, data)
		committed.Add(1)
		if (i+1)%every == 0 && i+1 < segments {
			waitSeen(t, seen, readerErr, i+1)
		}
	}
	cancel()
	wg.Wait()
	select {
	case err := <-readerErr:
		t.Fatal(err)
	default:
	}
	require.GreaterOrEqual(t, during.Load(), int64(every), "reads happened between commits")
	require.GreaterOrEqual(t, reads.Load(), during.Load())
}

// waitSeen waits until the reader has read a listing of at least n
// segments.
func waitSeen(t *testing.T, seen <-chan int, readerErr chan error, n int) {
	t.Helper()
	for {
		select {
		case got := <-seen:
			if got >= n {
				return
			}
		case err := <-readerErr:
			t.Fatal(err)
		case <-t.Context().Done():
			t.Fatal("the reader never saw the segments committed")
		}
	}
}

func testTombstones(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := t.Context()
	a := Write(t, s, seg(0), archive.Full, []byte("a"))
	b := Write(t, s, seg(2*time.Second), archive.Full, []byte("b"))
	require.NoError(t, s.Tombstone(ctx, a))
	require.NoError(t, s.Tombstone(ctx, a), "tombstoning twice is harmless")
	l, err := s.List(ctx, "chan", "source", a.Hour())
	require.NoError(t, err)
	require.Equal(t, []archive.Entry{{Segment: b, Size: 1}}, l.Segments)
	require.Equal(t, []archive.Segment{a}, l.Tombstones)
	require.Equal(t, []string{b.Name()}, l.Names(false))
	require.ElementsMatch(t, []string{a.TombstoneName(), b.Name()}, l.Names(true))

	// A tombstone may arrive (by backfill) before its segment, and hides
	// the segment when it comes.
	c := seg(4 * time.Second)
	c.Type, c.Hash = archive.Full, sha256.Sum256([]byte("c"))
	require.NoError(t, s.Tombstone(ctx, c))
	Write(t, s, seg(4*time.Second), archive.Full, []byte("c"))
	l, err = s.List(ctx, "chan", "source", a.Hour())
	require.NoError(t, err)
	require.Equal(t, []archive.Entry{{Segment: b, Size: 1}}, l.Segments)
	require.Len(t, l.Tombstones, 2)
	// The bytes are kept: deleting is the operator's call.
	require.Equal(t, []byte("a"), ReadAll(t, s, a))
}

func testRemoveHour(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := t.Context()
	a := Write(t, s, seg(0), archive.Full, []byte("a"))
	b := Write(t, s, seg(2*time.Second), archive.Partial, []byte("b"))
	next := Write(t, s, seg(time.Hour), archive.Full, []byte("next"))
	require.NoError(t, s.Tombstone(ctx, b))
	require.NoError(t, s.RemoveHour(ctx, "chan", "source", a.Hour()))
	_, err := s.Open(ctx, a)
	require.ErrorIs(t, err, archive.ErrNotFound)
	l, err := s.List(ctx, "chan", "source", a.Hour())
	require.NoError(t, err)
	require.Empty(t, l.Segments)
	require.Equal(t, []archive.Segment{b}, l.Tombstones, "tombstones survive retention")
	require.Equal(t, []byte("next"), ReadAll(t, s, next), "other hours are untouched")

	require.NoError(t, s.RemoveHour(ctx, "chan", "source", next.Hour()))
	hours, err := s.Hours(ctx, "chan", "source")
	require.NoError(t, err)
	require.NotContains(t, hours, next.Hour(), "an emptied hour disappears")
}

func testCanceledContext(t *testing.T, h Harness) {
	s := h.New(t)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Write([]byte("data"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = w.Commit(ctx, archive.Full)
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Create(ctx, seg(0))
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.List(ctx, "chan", "source", "2026-11-23T14")
	require.ErrorIs(t, err, context.Canceled)
	l, err := s.List(t.Context(), "chan", "source", "2026-11-23T14")
	require.NoError(t, err)
	require.Empty(t, l.Segments, "a commit refused by its context leaves nothing")
}

// Foreign and corrupt files are skipped and reported, never fatal, and the
// rest of the hour is still served.
func testForeignFiles(t *testing.T, h Harness) {
	if h.PutRaw == nil {
		t.Skip("harness cannot plant raw files")
	}
	s := h.New(t)
	good := Write(t, s, seg(0), archive.Full, []byte("good"))
	hour := "chan/source/" + good.Hour() + "/"
	h.PutRaw(t, s, hour+"45:51.608000-inf-full-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU.ts", []byte("x"))
	h.PutRaw(t, s, hour+"notes.txt", []byte("operator notes"))
	h.PutRaw(t, s, hour+"45:51.608000-2.0-full-!!!!AAAA.ts", []byte("x"))
	h.PutRaw(t, s, hour+".hidden-file", []byte("ignored entirely"))
	h.PutRaw(t, s, hour+"00:02.000000-2.0-temp-1b4e28ba-2fa1-11d2-883f-0016d3cca427.ts", []byte("in progress"))
	l, err := s.List(t.Context(), "chan", "source", good.Hour())
	require.NoError(t, err)
	require.Len(t, l.Segments, 2)
	require.Equal(t, good, l.Segments[0].Segment)
	require.Equal(t, archive.Temp, l.Segments[1].Type, "wubloader temp files are listed, as wubloader lists them")
	require.ElementsMatch(t, []string{
		"45:51.608000-inf-full-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU.ts",
		"notes.txt",
		"45:51.608000-2.0-full-!!!!AAAA.ts",
	}, l.Bad)
	tl, err := archive.Best(t.Context(), s, archive.Query{Stream: "chan", Variant: "source", Start: t0, End: t0.Add(2 * time.Second)})
	require.NoError(t, err)
	require.Equal(t, []archive.Entry{{Segment: good, Size: 4}}, tl.Segments(), "temp and foreign files are never selected")
}

func testSeek(t *testing.T, h Harness) {
	s := h.New(t)
	data := payload(100000, 2)
	got := Write(t, s, seg(0), archive.Full, data)
	r, err := s.Open(t.Context(), got)
	require.NoError(t, err)
	defer r.Close()
	end, err := r.Seek(0, io.SeekEnd)
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), end)
	_, err = r.Seek(40000, io.SeekStart)
	require.NoError(t, err)
	buf := make([]byte, 100)
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err)
	require.Equal(t, data[40000:40100], buf)
	if !errors.Is(err, nil) {
		t.Fatal(err)
	}
}
