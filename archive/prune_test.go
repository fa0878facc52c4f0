package archive_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

func TestPrune(t *testing.T) {
	now := t0.Add(6*time.Hour + 30*time.Minute) // hours t0..t0+6h held; 20:30
	stores := map[string]func(t *testing.T) archive.Store{
		"mem": func(t *testing.T) archive.Store { return archive.NewMemStore() },
		"dir": func(t *testing.T) archive.Store {
			d, err := archive.NewDirStore(archive.DirConfig{Root: t.TempDir(), NoSync: true})
			require.NoError(t, err)
			return d
		},
	}
	tests := []struct {
		name    string
		cutoff  time.Time
		dryRun  bool
		err     string
		removed []string
	}{
		{name: "in the future", cutoff: now.Add(time.Minute), err: "in the future"},
		{name: "within two hours", cutoff: now.Add(-119 * time.Minute), err: "within the last 2h0m0s"},
		{name: "no cutoff", err: "required"},
		{name: "whole hours before the cutoff", cutoff: t0.Add(3*time.Hour + 30*time.Minute), removed: []string{"2026-11-23T14", "2026-11-23T15", "2026-11-23T16"}},
		{name: "a dry run removes nothing", cutoff: t0.Add(2 * time.Hour), dryRun: true, removed: []string{"2026-11-23T14", "2026-11-23T15"}},
		{name: "never the previous hour", cutoff: now.Add(-2 * time.Hour), removed: []string{"2026-11-23T14", "2026-11-23T15", "2026-11-23T16", "2026-11-23T17"}},
	}
	for name, newStore := range stores {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				s := newStore(t)
				var tomb archive.Segment
				for h := range 7 {
					for i := range 3 {
						seg := cov{float64(h*3600 + 2*i), 2, archive.Full, 0}.put(t, s, byte(h*3+i))
						if h == 0 && i == 1 {
							tomb = seg
						}
					}
				}
				require.NoError(t, s.Tombstone(t.Context(), tomb))
				var seen []string
				res, err := archive.Prune(t.Context(), s, archive.PruneConfig{
					Cutoff: tt.cutoff, DryRun: tt.dryRun, Clock: airkeep.NewFakeClock(now),
					Observer: func(p archive.PrunedHour) { seen = append(seen, p.Hour) },
				})
				if tt.err != "" {
					require.ErrorIs(t, err, archive.ErrCutoff)
					var ce *archive.CutoffError
					require.ErrorAs(t, err, &ce)
					require.Contains(t, err.Error(), tt.err)
					return
				}
				require.NoError(t, err)
				require.Equal(t, tt.removed, seen)
				var got []string
				for _, h := range res.Hours {
					got = append(got, h.Hour)
					want := 3
					if h.Hour == "2026-11-23T14" {
						want = 2 // one is tombstoned
					}
					require.Equal(t, want, h.Segments, h.Hour)
				}
				require.Equal(t, tt.removed, got)
				hours, err := s.Hours(t.Context(), "s", "v")
				require.NoError(t, err)
				for _, h := range tt.removed {
					l, err := s.List(t.Context(), "s", "v", h)
					require.NoError(t, err)
					if tt.dryRun {
						require.NotEmpty(t, l.Segments, h)
						continue
					}
					require.Empty(t, l.Segments, h)
					if h == "2026-11-23T14" {
						require.Equal(t, []archive.Segment{tomb}, l.Tombstones, "tombstones stay")
					} else {
						require.NotContains(t, hours, h)
					}
				}
				require.Contains(t, hours, "2026-11-23T20", "the current hour stays")
				require.Contains(t, hours, "2026-11-23T19", "the previous hour stays")

				// Again: only tombstones are left, nothing to do.
				if !tt.dryRun {
					res, err = archive.Prune(t.Context(), s, archive.PruneConfig{Cutoff: tt.cutoff, Clock: airkeep.NewFakeClock(now)})
					require.NoError(t, err)
					require.Empty(t, res.Hours)
				}
			})
		}
	}
}

// A crash after the hour was renamed aside leaves it gone from every
// listing; the next RemoveHour or CleanTemp finishes the job and puts the
// tombstones back.
func TestRemoveHourCrash(t *testing.T) {
	root := t.TempDir()
	d, err := archive.NewDirStore(archive.DirConfig{Root: root, NoSync: true})
	require.NoError(t, err)
	a := cov{0, 2, archive.Full, 0}.put(t, d, 1)
	b := cov{2, 2, archive.Full, 0}.put(t, d, 2)
	require.NoError(t, d.Tombstone(t.Context(), b))
	hour := a.Hour()
	// The state a crash right after the rename leaves.
	require.NoError(t, os.Rename(filepath.Join(root, "s", "v", hour), filepath.Join(root, "s", "v", ".removing-"+hour+".tmp")))

	fresh, err := archive.NewDirStore(archive.DirConfig{Root: root, NoSync: true})
	require.NoError(t, err)
	hours, err := fresh.Hours(t.Context(), "s", "v")
	require.NoError(t, err)
	require.Empty(t, hours, "the hour is gone, not half there")
	l, err := fresh.List(t.Context(), "s", "v", hour)
	require.NoError(t, err)
	require.Empty(t, l.Segments)

	n, err := fresh.CleanTemp(t.Context(), time.Hour, time.Now())
	require.NoError(t, err)
	require.Zero(t, n)
	l, err = fresh.List(t.Context(), "s", "v", hour)
	require.NoError(t, err)
	require.Empty(t, l.Segments)
	require.Equal(t, []archive.Segment{b}, l.Tombstones, "the tombstone is back")
	entries, err := os.ReadDir(filepath.Join(root, "s", "v"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "the renamed folder is gone")
}

// Captures write into the current hour while a prune removes old ones:
// every segment they commit stays.
func TestPruneDuringCapture(t *testing.T) {
	d, err := archive.NewDirStore(archive.DirConfig{Root: t.TempDir(), NoSync: true})
	require.NoError(t, err)
	for h := range 5 {
		for i := range 50 {
			cov{float64(h*3600 + 2*i), 2, archive.Full, 0}.put(t, d, byte(i))
		}
	}
	now := t0.Add(5*time.Hour + 10*time.Minute)
	var wg sync.WaitGroup
	var written []archive.Segment
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 200 {
			w, err := d.Create(t.Context(), archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(5*time.Hour + time.Duration(i)*2*time.Second), Duration: 2})
			if err != nil {
				t.Error(err)
				return
			}
			w.Write([]byte{byte(i), 7})
			seg, err := w.Commit(t.Context(), archive.Full)
			if err != nil {
				t.Error(err)
				return
			}
			written = append(written, seg)
		}
	}()
	res, err := archive.Prune(t.Context(), d, archive.PruneConfig{Cutoff: now.Add(-2 * time.Hour), Clock: airkeep.NewFakeClock(now)})
	require.NoError(t, err)
	wg.Wait()
	require.Len(t, res.Hours, 3)
	l, err := d.List(t.Context(), "s", "v", archive.FormatHour(t0.Add(5*time.Hour)))
	require.NoError(t, err)
	require.Len(t, l.Segments, len(written))
}
