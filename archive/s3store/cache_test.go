package s3store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// The listing cache against the real server on a fake clock: the open
// hour is listed again after OpenHourTTL, a closed one after
// ClosedHourTTL, a listing taken while an hour was open is not trusted once
// it closed, and writes through the store show at once.
func TestListingCache(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	rec := newRecorder()
	// 14:30: hour 14 is open, hour 12 closed (it closed at 13:20).
	clk := airkeep.NewFakeClock(t0.Add(30 * time.Minute))
	cfg := config(srv, bucket)
	cfg.Prefix = "cache"
	cfg.Transport = rec
	cfg.Clock = clk
	cfg.OpenHourTTL = 2 * time.Second
	cfg.ClosedHourTTL = 10 * time.Minute
	cfg.HourSettle = 20 * time.Minute
	s := newStore(t, cfg)
	// Another node on the same bucket and prefix.
	foreignCfg := config(srv, bucket)
	foreignCfg.Prefix = "cache"
	foreign := newStore(t, foreignCfg)

	lists := func() int { return rec.count(request.isList) }
	list := func(hour string) archive.Listing {
		t.Helper()
		l, err := s.List(t.Context(), "radio", "source", hour)
		require.NoError(t, err)
		return l
	}
	const open, closed = "2026-11-23T14", "2026-11-23T12"

	// Open hour: cached for OpenHourTTL.
	mine := write(t, s, seg(0), []byte("mine"))
	n := lists()
	require.Len(t, list(open).Segments, 1)
	require.Equal(t, n+1, lists())
	require.Len(t, list(open).Segments, 1)
	require.Equal(t, n+1, lists(), "served from the cache")
	write(t, foreign, seg(2*time.Second), []byte("theirs"))
	require.Len(t, list(open).Segments, 1, "another node's segment is not seen within the TTL")
	clk.Advance(2 * time.Second)
	require.Len(t, list(open).Segments, 2, "and is seen after it")
	require.Equal(t, n+2, lists())

	// A write through the store refreshes its hour at once.
	write(t, s, seg(4*time.Second), []byte("mine too"))
	require.Len(t, list(open).Segments, 3)
	require.NoError(t, s.Tombstone(t.Context(), mine))
	require.Len(t, list(open).Segments, 2)
	require.Len(t, list(open).Tombstones, 1)

	// Closed hour: cached for ClosedHourTTL.
	old := write(t, foreign, seg(-2*time.Hour), []byte("old"))
	n = lists()
	require.Len(t, list(closed).Segments, 1)
	clk.Advance(5 * time.Minute)
	require.Len(t, list(closed).Segments, 1)
	require.Equal(t, n+1, lists(), "a closed hour is served from the cache")
	require.NoError(t, foreign.Tombstone(t.Context(), old)) // another node hides it
	require.Len(t, list(closed).Segments, 1, "not seen within ClosedHourTTL")
	clk.Advance(5 * time.Minute)
	require.Empty(t, list(closed).Segments, "seen after it")
	require.Equal(t, n+2, lists())

	// The open hour closes: its last listing was taken while open, so it
	// is listed again once, then kept for ClosedHourTTL.
	clk.Set(t0.Add(time.Hour + 21*time.Minute))
	n = lists()
	list(open)
	require.Equal(t, n+1, lists())
	clk.Advance(9 * time.Minute)
	list(open)
	require.Equal(t, n+1, lists())
}

// Concurrent listings of one hour share one request.
func TestListingShared(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport = rec
	s := newStore(t, cfg)
	write(t, s, seg(0), []byte("x"))
	n := rec.count(request.isList)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := s.List(t.Context(), "radio", "source", "2026-11-23T14")
			if err == nil && len(l.Segments) != 1 {
				t.Errorf("listed %d segments", len(l.Segments))
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, n+1, rec.count(request.isList))
}

// With the cache off, every List asks the server.
func TestListingCacheOff(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport = rec
	cfg.CacheHours = -1
	s := newStore(t, cfg)
	n := rec.count(request.isList)
	for range 3 {
		_, err := s.List(t.Context(), "radio", "source", "2026-11-23T14")
		require.NoError(t, err)
	}
	require.Equal(t, n+3, rec.count(request.isList))
}
