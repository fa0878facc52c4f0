package archive_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airkeep/airkeep/archive"
)

// vsBaseline runs baseline and subject alternately, batch calls of each
// per iteration (which goes first alternates too), timing each batch, and
// reports both per call and their ratio, x-baseline. This machine's speed
// drifts by several times within a minute, so only a ratio taken in the
// same loop compares; batching keeps the clock reads out of the figures.
func vsBaseline(b *testing.B, batch int, baseline, subject func(i int)) {
	b.Helper()
	var tBase, tSub time.Duration
	n := 0
	for b.Loop() {
		first, second, tFirst, tSecond := baseline, subject, &tBase, &tSub
		if n%2 == 1 {
			first, second, tFirst, tSecond = subject, baseline, &tSub, &tBase
		}
		start := time.Now()
		for j := range batch {
			first(n*batch + j)
		}
		mid := time.Now()
		for j := range batch {
			second(n*batch + j)
		}
		*tFirst += mid.Sub(start)
		*tSecond += time.Since(mid)
		n++
	}
	calls := float64(n * batch)
	b.ReportMetric(float64(tBase.Nanoseconds())/calls, "baseline-ns/call")
	b.ReportMetric(float64(tSub.Nanoseconds())/calls, "ns/call")
	b.ReportMetric(float64(tSub)/float64(tBase), "x-baseline")
}

// benchNames are 1024 segment paths, 2.002 s apart.
func benchNames() ([]archive.Segment, []string) {
	segs := make([]archive.Segment, 1024)
	names := make([]string, len(segs))
	for i := range segs {
		segs[i] = archive.Segment{Stream: "desertbus", Variant: "source", Start: t0.Add(time.Duration(i) * 2002 * time.Millisecond), Duration: 2.002, Type: archive.Full, Hash: sha256.Sum256([]byte{byte(i)})}
		names[i] = segs[i].Path()
	}
	return segs, names
}

// looseParse decodes a segment path as wubloader does, without any of
// ParsePath's validation: split the components, parse the time, the
// duration and the type, decode the hash. It is ParsePath's baseline.
func looseParse(rel string) (archive.Segment, error) {
	parts := strings.Split(rel, "/")
	if len(parts) != 4 {
		return archive.Segment{}, errors.New("want 4 components")
	}
	fields := strings.SplitN(strings.TrimSuffix(parts[3], ".ts"), "-", 4)
	if len(fields) != 4 {
		return archive.Segment{}, errors.New("want 4 fields")
	}
	start, err := time.Parse("2006-01-02T15:04:05.000000", parts[2]+":"+fields[0])
	if err != nil {
		return archive.Segment{}, err
	}
	dur, err := strconv.ParseFloat(fields[1], 64)
	if err != nil {
		return archive.Segment{}, err
	}
	var h archive.Hash
	if _, err := base64.RawURLEncoding.Decode(h[:], []byte(fields[3])); err != nil {
		return archive.Segment{}, err
	}
	typ := map[string]archive.Type{"full": archive.Full, "suspect": archive.Suspect, "partial": archive.Partial, "temp": archive.Temp}[fields[2]]
	return archive.Segment{Stream: parts[0], Variant: parts[1], Start: start, Duration: archive.Seconds(dur), Type: typ, Hash: h}, nil
}

// BenchmarkParsePath measures name parsing against looseParse, the same
// decoding without validation, in the same loop; the target is over a
// million names per second on one core.
//
//	go test -run '^$' -bench 'ParsePath|FormatPath' ./archive/
func BenchmarkParsePath(b *testing.B) {
	_, names := benchNames()
	b.ReportAllocs()
	vsBaseline(b, len(names),
		func(i int) {
			if _, err := looseParse(names[i%len(names)]); err != nil {
				b.Fatal(err)
			}
		},
		func(i int) {
			if _, err := archive.ParsePath(names[i%len(names)]); err != nil {
				b.Fatal(err)
			}
		})
}

// BenchmarkFormatPath is the inverse, against the same path built with
// fmt.Sprintf and time.Format, in the same loop.
func BenchmarkFormatPath(b *testing.B) {
	segs, _ := benchNames()
	typ := map[archive.Type]string{archive.Full: "full"}
	b.ReportAllocs()
	vsBaseline(b, len(segs),
		func(i int) {
			s := segs[i%len(segs)]
			_ = fmt.Sprintf("%s/%s/%s/%s-%s-%s-%s.ts", s.Stream, s.Variant, s.Start.Format("2006-01-02T15"), s.Start.Format("04:05.000000"),
				strconv.FormatFloat(float64(s.Duration), 'f', -1, 64), typ[s.Type], base64.RawURLEncoding.EncodeToString(s.Hash[:]))
		},
		func(i int) { _ = segs[i%len(segs)].Path() })
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

// readHours is the I/O floor of listing hours from a DirStore: read each
// hour folder of s/VARIANT from first for n hours, and stat every entry for
// its size. It is the baseline of the selection and playlist benchmarks.
func readHours(b *testing.B, root, variant string, first time.Time, n int) int {
	files := 0
	for h := range n {
		entries, err := os.ReadDir(filepath.Join(root, "s", variant, archive.FormatHour(first.Add(time.Duration(h)*time.Hour))))
		if err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
		for _, e := range entries {
			if _, err := e.Info(); err != nil {
				b.Fatal(err)
			}
			files++
		}
	}
	return files
}

// BenchmarkBestDay selects the best timeline over 24 hours of 2-second
// segments on a DirStore: cold (a new Selector, nothing cached) and warm
// (the same Selector again), each against readHours over the same 24
// folders in the same loop.
//
//	go test -run '^$' -bench BestDay -benchtime 20x ./archive/
func BenchmarkBestDay(b *testing.B) {
	s := day(b)
	q := archive.Query{Stream: "s", Variant: "source", Start: t0, End: t0.Add(24 * time.Hour)}
	check := func(tl archive.Timeline) {
		if len(tl.Items) != 43200 || tl.HasHoles() {
			b.Fatalf("timeline has %d items, holes %v", len(tl.Items), tl.HasHoles())
		}
	}
	baseline := func(int) {
		if n := readHours(b, s.Root(), "source", t0, 24); n != 43200 {
			b.Fatalf("read %d files", n)
		}
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		vsBaseline(b, 1, baseline, func(int) {
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
		})
	})
	b.Run("warm", func(b *testing.B) {
		sel := archive.NewSelector(s, archive.SelectorConfig{})
		if _, err := sel.Best(context.Background(), q); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		vsBaseline(b, 1, baseline, func(int) {
			tl, err := sel.Best(context.Background(), q)
			if err != nil {
				b.Fatal(err)
			}
			check(tl)
		})
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
