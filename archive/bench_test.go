package archive_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airkeep/airkeep/archive"
)

// BenchmarkParsePath measures name parsing; the target is over a million
// names per second on one core.
func BenchmarkParsePath(b *testing.B) {
	names := make([]string, 1024)
	for i := range names {
		seg := archive.Segment{Stream: "desertbus", Variant: "source", Start: t0.Add(time.Duration(i) * 2002 * time.Millisecond), Duration: 2.002, Type: archive.Full, Hash: sha256.Sum256([]byte{byte(i)})}
		names[i] = seg.Path()
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := archive.ParsePath(names[n%len(names)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "names/s")
}

// BenchmarkFormatPath is the inverse, for reference.
func BenchmarkFormatPath(b *testing.B) {
	seg := archive.Segment{Stream: "desertbus", Variant: "source", Start: t0, Duration: 2.002, Type: archive.Full}
	b.ReportAllocs()
	for b.Loop() {
		_ = seg.Path()
	}
}

// day writes 24 hours of 2-second segments (43,200 files) into a DirStore.
func day(b *testing.B) *archive.DirStore {
	b.Helper()
	s, err := archive.NewDirStore(archive.DirConfig{Root: b.TempDir(), NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	data := make([]byte, 188)
	for i := range 24 * 1800 {
		data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
		w, err := s.Create(ctx, archive.Segment{Stream: "s", Variant: "source", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2.0})
		if err != nil {
			b.Fatal(err)
		}
		w.Write(data)
		if _, err := w.Commit(ctx, archive.Full); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkBestDay selects the best timeline over 24 hours of 2-second
// segments on a DirStore: cold (a new Selector, nothing cached) and warm
// (the same Selector again).
func BenchmarkBestDay(b *testing.B) {
	s := day(b)
	q := archive.Query{Stream: "s", Variant: "source", Start: t0, End: t0.Add(24 * time.Hour)}
	check := func(tl archive.Timeline) {
		if len(tl.Items) != 43200 || tl.HasHoles() {
			b.Fatalf("timeline has %d items, holes %v", len(tl.Items), tl.HasHoles())
		}
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			// A new store and selector: nothing cached but the kernel's.
			fresh, err := archive.NewDirStore(archive.DirConfig{Root: s.Root()})
			if err != nil {
				b.Fatal(err)
			}
			tl, err := archive.NewSelector(fresh, archive.SelectorConfig{}).Best(context.Background(), q)
			if err != nil {
				b.Fatal(err)
			}
			check(tl)
		}
		b.ReportMetric(43200*float64(b.N)/b.Elapsed().Seconds(), "segments/s")
	})
	b.Run("warm", func(b *testing.B) {
		sel := archive.NewSelector(s, archive.SelectorConfig{})
		if _, err := sel.Best(context.Background(), q); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			tl, err := sel.Best(context.Background(), q)
			if err != nil {
				b.Fatal(err)
			}
			check(tl)
		}
		b.ReportMetric(43200*float64(b.N)/b.Elapsed().Seconds(), "segments/s")
	})
}

// BenchmarkWrite compares writing segments through the DirStore with a
// baseline of creating a file, writing it and SHA-256 of the same bytes, for
// small (16 KiB, an audio segment) and large (1 MiB) segments, with and
// without fsync. This disk's speed drifts by several times within a minute,
// so each iteration does one of each, alternating which goes first, and the
// ratio of their total times is reported ("x-baseline"; target < 1.5).
func BenchmarkWrite(b *testing.B) {
	for _, size := range []int{16 << 10, 1 << 20} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		for _, sync := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dKiB/sync=%v", size>>10, sync), func(b *testing.B) {
				s, err := archive.NewDirStore(archive.DirConfig{Root: b.TempDir(), NoSync: !sync})
				if err != nil {
					b.Fatal(err)
				}
				baseDir := b.TempDir()
				ctx := context.Background()
				baseline := func(i int) {
					sum := sha256.Sum256(data)
					f, err := os.Create(filepath.Join(baseDir, fmt.Sprintf("%d-%x.ts", i, sum[:4])))
					if err != nil {
						b.Fatal(err)
					}
					if _, err := f.Write(data); err != nil {
						b.Fatal(err)
					}
					if sync {
						if err := f.Sync(); err != nil {
							b.Fatal(err)
						}
					}
					f.Close()
				}
				store := func(i int) {
					w, err := s.Create(ctx, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2})
					if err != nil {
						b.Fatal(err)
					}
					for off := 0; off < len(data); off += 32 << 10 {
						w.Write(data[off:min(off+32<<10, len(data))])
					}
					if _, err := w.Commit(ctx, archive.Full); err != nil {
						b.Fatal(err)
					}
				}
				var tBase, tStore time.Duration
				b.SetBytes(int64(2 * len(data)))
				i := 0
				for b.Loop() {
					first, second := baseline, store
					tFirst, tSecond := &tBase, &tStore
					if i%2 == 1 {
						first, second, tFirst, tSecond = store, baseline, &tStore, &tBase
					}
					t := time.Now()
					first(i)
					*tFirst += time.Since(t)
					t = time.Now()
					second(i)
					*tSecond += time.Since(t)
					i++
				}
				b.ReportMetric(float64(tBase.Nanoseconds())/float64(i), "baseline-ns/op")
				b.ReportMetric(float64(tStore.Nanoseconds())/float64(i), "dirstore-ns/op")
				b.ReportMetric(float64(tStore)/float64(tBase), "x-baseline")
			})
		}
	}
}
