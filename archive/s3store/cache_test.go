package s3store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
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
	cfg.SummaryTTL = -1 // this counts listings; summaries have their own test
	s := newStore(t, cfg)
	// Another node on the same bucket and prefix.
	foreignCfg := config(srv, bucket)
	foreignCfg.Prefix = "cache"
	foreignCfg.Clock = clk
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

// TestListingCacheBounds pins both regimes of the listing cache on the fake
// clock, with TTLs far enough apart that one regime cannot pass for the
// other: a reader that listed an hour sees a segment another store on the
// same bucket wrote after that listing no sooner than the TTL of the
// hour's regime, and no later. An hour is open until HourSettle after its
// end, and closed after.
func TestListingCacheBounds(t *testing.T) {
	const openTTL, closedTTL, settle = 3 * time.Second, 7 * time.Minute, 20 * time.Minute
	tests := []struct {
		name string
		now  time.Time     // when the reader lists
		at   time.Duration // start of the new segment, from t0
		ttl  time.Duration
	}{
		{"open hour", t0.Add(30 * time.Minute), 10 * time.Minute, openTTL},
		{"open hour within its settle time", t0.Add(time.Hour + settle - time.Second), 10 * time.Minute, openTTL},
		{"hour closed since its settle time", t0.Add(time.Hour + settle), 10 * time.Minute, closedTTL},
		{"closed hour", t0.Add(30 * time.Minute), -2*time.Hour + 10*time.Minute, closedTTL},
	}
	srv := server(t)
	bucket := srv.NewBucket(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := airkeep.NewFakeClock(tt.now)
			rec := newRecorder()
			cfg := func() s3store.Config {
				c := config(srv, bucket)
				c.Prefix = fmt.Sprintf("bounds/%d", i)
				c.Clock = clk
				c.OpenHourTTL, c.ClosedHourTTL, c.HourSettle = openTTL, closedTTL, settle
				c.SummaryTTL = -1 // this counts listings; summaries have their own test
				return c
			}
			rcfg := cfg()
			rcfg.Transport = rec
			reader, writer := newStore(t, rcfg), newStore(t, cfg())
			sg := seg(tt.at)
			hour := sg.Start.UTC().Format("2006-01-02T15")
			count := func() int {
				t.Helper()
				l, err := reader.List(t.Context(), "radio", "source", hour)
				require.NoError(t, err)
				return len(l.Segments)
			}

			write(t, writer, seg(tt.at-2*time.Second), []byte("before"))
			require.Equal(t, 1, count())
			lists := rec.count(request.isList)
			write(t, writer, sg, []byte("new"))
			require.Equal(t, 1, count(), "the listing is reused")
			clk.Advance(tt.ttl - time.Millisecond)
			require.Equal(t, 1, count(), "still reused just before the TTL")
			require.Equal(t, lists, rec.count(request.isList), "without asking the server")
			clk.Advance(time.Millisecond)
			require.Equal(t, 2, count(), "the new segment shows once the TTL has passed")
			require.Equal(t, lists+1, rec.count(request.isList))
		})
	}
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
