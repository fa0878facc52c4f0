package s3store_test

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

func TestHourSummaries(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	clk := airkeep.NewFakeClock(t0.Add(3 * time.Hour)) // hour 14 closed at 15:20
	storeWith := func(rec *recorder) archive.Store {
		cfg := config(srv, bucket)
		cfg.Clock = clk
		if rec != nil {
			cfg.Transport = rec
		}
		return newStore(t, cfg)
	}
	w := storeWith(nil)
	var segs []archive.Segment
	for i := range 5 {
		segs = append(segs, write(t, w, seg(time.Duration(i)*2*time.Second), []byte{byte(i)}))
	}
	require.NoError(t, w.Tombstone(t.Context(), segs[1]))
	hour := segs[0].Hour()

	first := newRecorder()
	s1 := storeWith(first)
	n := first.count(request.isList) // New checks the bucket with one
	want, err := s1.List(t.Context(), "radio", "source", hour)
	require.NoError(t, err)
	require.Len(t, want.Segments, 4)
	require.Equal(t, 2, first.count(request.isList)-n, "listed, then listed again to check the summary written")

	// A new process reads the summary: no listing.
	rec := newRecorder()
	s2 := storeWith(rec)
	n = rec.count(request.isList)
	l, err := s2.List(t.Context(), "radio", "source", hour)
	require.NoError(t, err)
	require.Equal(t, want, l)
	require.Equal(t, n, rec.count(request.isList))
	hours, err := storeWith(nil).Hours(t.Context(), "radio", "source")
	require.NoError(t, err)
	require.Equal(t, []string{hour}, hours, "the summary is no hour")

	// A write through a Store (backfill) drops it.
	late := write(t, w, seg(20*time.Second), []byte("late"))
	l, err = storeWith(nil).List(t.Context(), "radio", "source", hour)
	require.NoError(t, err)
	require.Contains(t, l.Names(false), late.Name())

	// A foreign writer does not know summaries: its segment shows once
	// the summary is older than SummaryTTL.
	storeWith(nil).List(t.Context(), "radio", "source", hour) // rebuilds the summary
	client, err := srv.Client()
	require.NoError(t, err)
	foreign := seg(30 * time.Second)
	foreign.Type, foreign.Hash = archive.Full, sha([]byte("foreign"))
	_, err = client.PutObject(t.Context(), bucket, foreign.Path(), bytes.NewReader([]byte("foreign")), 7, minio.PutObjectOptions{})
	require.NoError(t, err)
	l, err = storeWith(nil).List(t.Context(), "radio", "source", hour)
	require.NoError(t, err)
	require.NotContains(t, l.Names(false), foreign.Name(), "within SummaryTTL")
	clk.Advance(s3storeDefaultSummaryTTL)
	l, err = storeWith(nil).List(t.Context(), "radio", "source", hour)
	require.NoError(t, err)
	require.Contains(t, l.Names(false), foreign.Name(), "after SummaryTTL")

	// Removing the hour drops it too.
	require.NoError(t, w.RemoveHour(t.Context(), "radio", "source", hour))
	l, err = storeWith(nil).List(t.Context(), "radio", "source", hour)
	require.NoError(t, err)
	require.Empty(t, l.Segments)
}

const s3storeDefaultSummaryTTL = 24 * time.Hour

func sha(b []byte) archive.Hash { return sha256.Sum256(b) }
