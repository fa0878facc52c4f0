package s3store_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// handMade writes the same small archive into s: holes, overlaps,
// partial-only runs and an hour boundary, over five hours.
func handMade(t *testing.T, s archive.Store) archive.Segment {
	t.Helper()
	var tomb archive.Segment
	specs := []struct {
		at, dur float64
		typ     archive.Type
	}{
		{0, 2, archive.Full}, {2, 2, archive.Partial}, {4, 2, archive.Suspect}, {6, 2, archive.Full},
		{6, 2, archive.Full}, {7, 2, archive.Full}, {12, 2, archive.Full}, {14, 2, archive.Full},
		{3598, 4, archive.Full}, {3602, 2, archive.Full}, {3700, 2, archive.Partial},
		{2 * 3600, 2, archive.Full}, {4*3600 + 10, 2, archive.Full},
	}
	for i, sp := range specs {
		sg := archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(sp.at * float64(time.Second))), Duration: archive.Seconds(sp.dur)}
		w, err := s.Create(t.Context(), sg)
		require.NoError(t, err)
		fmt.Fprintf(w, "segment %d", i)
		got, err := w.Commit(t.Context(), sp.typ)
		require.NoError(t, err)
		if i == 7 {
			tomb = got
		}
	}
	require.NoError(t, s.Tombstone(t.Context(), tomb))
	return tomb
}

// The same archive has the same coverage, map and retention on every
// backend.
func TestCoverageAndPruneOnEveryStore(t *testing.T) {
	now := t0.Add(5*time.Hour + 30*time.Minute)
	srv := server(t)
	bucket := srv.NewBucket(t)
	stores := map[string]func(t *testing.T) archive.Store{
		"mem": func(t *testing.T) archive.Store { return archive.NewMemStore() },
		"dir": func(t *testing.T) archive.Store {
			d, err := archive.NewDirStore(archive.DirConfig{Root: t.TempDir(), NoSync: true})
			require.NoError(t, err)
			return d
		},
		"s3": func(t *testing.T) archive.Store {
			cfg := config(srv, bucket)
			cfg.Prefix = "cov"
			cfg.Clock = airkeep.NewFakeClock(now)
			return newStore(t, cfg)
		},
	}
	type outcome struct {
		report  archive.CoverageReport
		json    string
		png     []byte
		pruned  []archive.PrunedHour
		after   []string
		tombsOK bool
	}
	results := map[string]outcome{}
	for _, name := range []string{"mem", "dir", "s3"} {
		t.Run(name, func(t *testing.T) {
			s := stores[name](t)
			tomb := handMade(t, s)
			var o outcome
			var err error
			o.report, err = archive.NewSelector(s, archive.SelectorConfig{}).Coverage(t.Context(), "s", "v", t0, t0.Add(5*time.Hour))
			require.NoError(t, err)
			h := archive.NewHandler(s, archive.HandlerConfig{})
			for _, p := range []string{"/coverage/s/v.json", "/coverage/s/v.png"} {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				if p == "/coverage/s/v.json" {
					o.json = rec.Body.String()
				} else {
					o.png = rec.Body.Bytes()
				}
			}
			res, err := archive.Prune(t.Context(), s, archive.PruneConfig{Cutoff: t0.Add(2 * time.Hour), Clock: airkeep.NewFakeClock(now)})
			require.NoError(t, err)
			o.pruned = res.Hours
			o.after, err = s.Hours(t.Context(), "s", "v")
			require.NoError(t, err)
			l, err := s.List(t.Context(), "s", "v", tomb.Hour())
			require.NoError(t, err)
			o.tombsOK = len(l.Segments) == 0 && len(l.Tombstones) == 1 && l.Tombstones[0] == tomb
			results[name] = o
		})
	}
	require.Len(t, results, 3)
	mem := results["mem"]
	require.Equal(t, 2, mem.report.Total().Overlaps.Full)
	require.Len(t, mem.pruned, 2)
	require.Equal(t, []string{"2026-11-23T14", "2026-11-23T16", "2026-11-23T18"}, mem.after)
	require.True(t, mem.tombsOK)
	for _, name := range []string{"dir", "s3"} {
		require.Equal(t, mem.report, results[name].report, name)
		require.Equal(t, mem.json, results[name].json, name)
		require.Equal(t, mem.png, results[name].png, name)
		require.Equal(t, mem.pruned, results[name].pruned, name)
		require.Equal(t, mem.after, results[name].after, name)
		require.True(t, results[name].tombsOK, name)
	}
}

// A removal cut short leaves its mark: the hour lists as gone until the
// next removal finishes it.
func TestRemoveHourInterrupted(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	cfg := config(srv, bucket)
	s := newStore(t, cfg)
	a := write(t, s, seg(0), []byte("a"))
	b := write(t, s, seg(2*time.Second), []byte("b"))
	require.NoError(t, s.Tombstone(t.Context(), b))
	client, err := srv.Client()
	require.NoError(t, err)
	// What a crash after the mark and the first deletions leaves.
	ctx := context.Background()
	_, err = client.PutObject(ctx, bucket, "radio/source/"+a.Hour()+"/.airkeep-removing", http.NoBody, 0, minioPut())
	require.NoError(t, err)

	fresh := newStore(t, cfg)
	l, err := fresh.List(t.Context(), "radio", "source", a.Hour())
	require.NoError(t, err)
	require.Empty(t, l.Segments, "a half-removed hour lists as gone")
	require.Equal(t, []archive.Segment{b}, l.Tombstones)

	require.NoError(t, fresh.RemoveHour(t.Context(), "radio", "source", a.Hour()))
	_, err = fresh.Open(t.Context(), a)
	require.ErrorIs(t, err, archive.ErrNotFound)
	keys := 0
	for obj := range client.ListObjectsIter(ctx, bucket, minioList("radio/source/"+a.Hour()+"/")) {
		require.NoError(t, obj.Err)
		require.Equal(t, "radio/source/"+a.Hour()+"/"+b.TombstoneName(), obj.Key, "only the tombstone is left")
		keys++
	}
	require.Equal(t, 1, keys)
}

func minioPut() minio.PutObjectOptions { return minio.PutObjectOptions{} }

func minioList(prefix string) minio.ListObjectsOptions {
	return minio.ListObjectsOptions{Prefix: prefix, Recursive: true}
}
