package archive_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airkeep/airkeep/archive"
)

// closedArchive writes hours of 2-second segments, perHour of them from
// each hour's start, for each variant straight to disk (as a capture long
// ago would have), and ages the folders an hour, as closed hours are.
func closedArchive(b *testing.B, variants []string, hours, perHour int) string {
	b.Helper()
	root := b.TempDir()
	data := make([]byte, 188)
	for _, v := range variants {
		for h := range hours {
			start := t0.Add(time.Duration(h) * time.Hour)
			dir := filepath.Join(root, "s", v, archive.FormatHour(start))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			for i := range perHour {
				data[0], data[1], data[2] = byte(i), byte(i>>8), byte(h)
				seg := archive.Segment{Stream: "s", Variant: v, Start: start.Add(time.Duration(i) * 2 * time.Second), Duration: 2, Type: archive.Full, Hash: sha256.Sum256(data)}
				if err := os.WriteFile(filepath.Join(dir, seg.Name()), data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(dir, old, old); err != nil {
				b.Fatal(err)
			}
		}
	}
	return root
}

// BenchmarkPlaylist12hCold is the first request of a new process for a
// 12-hour media playlist (21,600 segments, 13 hour folders) from a DirStore
// of closed hours: the baseline lists every folder (NoSummaries, the code
// before hour summaries), the other reads the hour summaries. Each
// iteration does one of each, alternating which goes first, on this
// shared machine; ratio is baseline time over summaries time.
//
//	go test -run '^$' -bench BenchmarkPlaylist12hCold -benchtime 20x ./archive/
func BenchmarkPlaylist12hCold(b *testing.B) {
	root := closedArchive(b, []string{"source"}, 13, 1800)
	path := "/playlist/s/source.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-24T02:00:00Z"
	fetch := func(noSummaries bool) time.Duration {
		t := time.Now()
		store, err := archive.NewDirStore(archive.DirConfig{Root: root, NoSummaries: noSummaries})
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		archive.NewHandler(store, archive.HandlerConfig{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 200 || rec.Body.Len() < 21600*100 {
			b.Fatalf("status %d, %d bytes", rec.Code, rec.Body.Len())
		}
		return time.Since(t)
	}
	fetch(false) // writes the summaries
	var base, sum time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			base += fetch(true)
			sum += fetch(false)
		} else {
			sum += fetch(false)
			base += fetch(true)
		}
		i++
	}
	b.ReportMetric(float64(base.Nanoseconds())/float64(i)/1e6, "baseline-ms")
	b.ReportMetric(float64(sum.Nanoseconds())/float64(i)/1e6, "summaries-ms")
	b.ReportMetric(float64(base)/float64(sum), "ratio")
}

// listingOnly hides DirStore.HourStamp: coverage then lists every hour, as
// it would without stamps.
type listingOnly struct{ archive.Reader }

// BenchmarkCoverage30Days computes the coverage of 30 days of two variants
// (1,440 hours) warm: with a Selector that has computed it once already.
// The baseline gets no hour stamps and so lists every hour again (from
// the DirStore's cache, or its summaries for hours the cache dropped). Each
// hour holds its first 2 minutes of 2-second segments (60), to keep the
// archive small; the warm path never reads segments.
//
//	go test -run '^$' -bench BenchmarkCoverage30Days -benchtime 10x ./archive/
func BenchmarkCoverage30Days(b *testing.B) {
	variants := []string{"source", "audio"}
	root := closedArchive(b, variants, 720, 60)
	store, err := archive.NewDirStore(archive.DirConfig{Root: root})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	from, to := t0, t0.Add(720*time.Hour)
	stamped := archive.NewSelector(store, archive.SelectorConfig{})
	listed := archive.NewSelector(listingOnly{store}, archive.SelectorConfig{})
	run := func(sel *archive.Selector) time.Duration {
		t := time.Now()
		for _, v := range variants {
			rep, err := sel.Coverage(ctx, "s", v, from, to)
			if err != nil {
				b.Fatal(err)
			}
			if len(rep.Hours) != 720 || rep.Total().Segments.Full != 720*60 {
				b.Fatalf("%d hours, %d segments", len(rep.Hours), rep.Total().Segments.Full)
			}
		}
		return time.Since(t)
	}
	cold := run(stamped)
	run(listed)
	var base, warm time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			base += run(listed)
			warm += run(stamped)
		} else {
			warm += run(stamped)
			base += run(listed)
		}
		i++
	}
	b.ReportMetric(float64(cold.Nanoseconds())/1e6, "first-ms")
	b.ReportMetric(float64(base.Nanoseconds())/float64(i)/1e6, "listing-ms")
	b.ReportMetric(float64(warm.Nanoseconds())/float64(i)/1e6, "warm-ms")
	b.ReportMetric(float64(base)/float64(warm), "ratio")
}
