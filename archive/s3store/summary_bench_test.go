package s3store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// BenchmarkBestDayCold selects the best timeline over a closed day of
// 2-second segments (43,200 objects) with a new store and selector each
// time: the baseline lists the 24 hours and the hour before (summaries
// off, the code before them), the other reads their summaries. Each
// iteration does one of each, alternating which goes first; ratio is
// baseline time over summaries time.
//
//	go test -run '^$' -bench BenchmarkBestDayCold -benchtime 5x ./archive/s3store/
func BenchmarkBestDayCold(b *testing.B) {
	srv := server(b)
	bucket := srv.NewBucket(b)
	root := filepath.Join(srv.Dir, bucket, "day")
	writeDayOfSegments(b, root)
	q := archive.Query{Stream: "s", Variant: "source", Start: t0, End: t0.Add(24 * time.Hour)}
	clk := airkeep.NewFakeClock(t0.Add(48 * time.Hour))
	best := func(summaries bool) time.Duration {
		cfg := config(srv, bucket)
		cfg.Prefix, cfg.Clock = "day", clk
		if !summaries {
			cfg.SummaryTTL = -1
		}
		t := time.Now()
		tl, err := archive.NewSelector(newStore(b, cfg), archive.SelectorConfig{}).Best(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		if len(tl.Items) != 43200 || tl.HasHoles() {
			b.Fatalf("timeline has %d items, holes %v", len(tl.Items), tl.HasHoles())
		}
		return time.Since(t)
	}
	best(true) // writes the summaries
	var base, sum time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			base += best(false)
			sum += best(true)
		} else {
			sum += best(true)
			base += best(false)
		}
		i++
	}
	b.ReportMetric(float64(base.Nanoseconds())/float64(i)/1e6, "baseline-ms")
	b.ReportMetric(float64(sum.Nanoseconds())/float64(i)/1e6, "summaries-ms")
	b.ReportMetric(float64(base)/float64(sum), "ratio")
}
