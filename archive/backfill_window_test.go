package archive_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

// Two peers hold the same segments: each is downloaded once.
func TestBackfillOneDownloadPerSegment(t *testing.T) {
	var downloads atomic.Int64
	var urls []string
	for range 2 {
		remote := archive.NewMemStore()
		for i := range 42 {
			archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2}, archive.Full, []byte(fmt.Sprint(i)))
		}
		h := archive.NewHandler(remote, archive.HandlerConfig{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.URL.Path) > 10 && r.URL.Path[:10] == "/segments/" {
				downloads.Add(1)
			}
			h.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	local := archive.NewMemStore()
	ev := &events{}
	b := newBackfiller(t, local, ev, urls...)
	require.NoError(t, b.Pass(t.Context()))
	require.Equal(t, int64(42), downloads.Load(), "one download per missing segment")
	require.Equal(t, int64(42), b.Stats().Fetched)
	l, err := local.List(t.Context(), "s", "v", archive.FormatHour(t0))
	require.NoError(t, err)
	require.Len(t, l.Segments, 42)
	for _, e := range ev.list {
		if e.Kind == archive.BackfillSkipped {
			require.Equal(t, "fetched from another peer", e.Reason)
		}
	}
	require.NoError(t, b.Pass(t.Context()))
	require.Equal(t, int64(42), downloads.Load(), "nothing left to fetch")
}

func TestBackfillStartAndRecentCutoff(t *testing.T) {
	now := t0.Add(5*time.Hour + 30*time.Minute) // 19:30
	remote := archive.NewMemStore()
	for h := range 6 {
		archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(h) * time.Hour), Duration: 2}, archive.Full, []byte(fmt.Sprint(h)))
	}
	// One that started a second ago: the capture may still be at it.
	fresh := archivetest.Write(t, remote, archive.Segment{Stream: "s", Variant: "v", Start: now.Add(-time.Second), Duration: 2}, archive.Full, []byte("fresh"))
	srv := httptest.NewServer(archive.NewHandler(remote, archive.HandlerConfig{}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name   string
		start  time.Time
		window time.Duration
		recent time.Duration
		hours  []string
		fresh  bool
	}{
		{name: "defaults", hours: []string{"2026-11-23T14", "2026-11-23T15", "2026-11-23T16", "2026-11-23T17", "2026-11-23T18", "2026-11-23T19"}},
		{name: "start at a retention cutoff", start: t0.Add(2*time.Hour + 10*time.Minute), hours: []string{"2026-11-23T16", "2026-11-23T17", "2026-11-23T18", "2026-11-23T19"}},
		{name: "start on an hour", start: t0.Add(2 * time.Hour), hours: []string{"2026-11-23T16", "2026-11-23T17", "2026-11-23T18", "2026-11-23T19"}},
		{name: "window", window: 3 * time.Hour, hours: []string{"2026-11-23T16", "2026-11-23T17", "2026-11-23T18", "2026-11-23T19"}},
		{name: "no recent cutoff", recent: archive.NoRecentCutoff, start: t0.Add(5 * time.Hour), hours: []string{"2026-11-23T19"}, fresh: true},
		{name: "a short recent cutoff", recent: time.Millisecond, start: t0.Add(5 * time.Hour), hours: []string{"2026-11-23T19"}, fresh: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local := archive.NewMemStore()
			b, err := archive.NewBackfiller(local, archive.BackfillConfig{
				Peers: []string{srv.URL}, Clock: airkeep.NewFakeClock(now),
				Start: tt.start, Window: tt.window, RecentCutoff: tt.recent,
			})
			require.NoError(t, err)
			require.NoError(t, b.Pass(t.Context()))
			hours, err := local.Hours(t.Context(), "s", "v")
			require.NoError(t, err)
			require.Equal(t, tt.hours, hours)
			l, err := local.List(t.Context(), "s", "v", fresh.Hour())
			require.NoError(t, err)
			names := l.Names(false)
			require.Equal(t, tt.fresh, len(names) == 2 && names[1] == fresh.Name(), "%v", names)
		})
	}
	_, err := archive.NewBackfiller(archive.NewMemStore(), archive.BackfillConfig{Peers: []string{srv.URL}, RecentCutoff: -time.Second})
	var ce *archive.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "RecentCutoff", ce.Field)
}
