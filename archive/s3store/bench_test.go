package s3store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/airkeep/airkeep/archive"
)

// BenchmarkWrite writes segments through the store and, as baselines, the
// same bytes with minio-go's PutObject to the same server: plain, as
// anyone would call it, and conditional (If-None-Match: *, which the store
// needs). Each iteration writes one segment each way, in rotating order,
// so that all three meet the same load on this shared machine; the
// metrics are the mean time per segment of each, and ratio, the store's
// throughput over the plain baseline's (target at least 0.9).
//
//	go test -run '^$' -bench BenchmarkWrite -benchtime 300x ./archive/s3store/
func BenchmarkWrite(b *testing.B) {
	srv := server(b)
	bucket := srv.NewBucket(b)
	client, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{64 << 10, 1 << 20, 4 << 20} {
		data := payload(size, 5)
		name := fmt.Sprintf("%dKiB", size>>10)
		b.Run(name, func(b *testing.B) {
			run := runSeq.Add(1) // -count runs again: new keys each time
			cfg := config(srv, bucket)
			cfg.Prefix = fmt.Sprintf("s3store/%s/%d", name, run)
			s := newStore(b, cfg)
			cond := minio.PutObjectOptions{ContentType: "video/mp2t"}
			cond.SetMatchETagExcept("*")
			ctx := context.Background()
			var spent [3]time.Duration
			ways := [3]func(i int){
				func(i int) { // baseline: plain PutObject
					// PutObject hashes for its signature; a key from the
					// hash, as the store names it, keeps the work alike.
					sum := sha256.Sum256(data)
					key := fmt.Sprintf("plain/%s/%d/%d-%x.ts", name, run, i, sum[:8])
					if _, err := client.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(size), minio.PutObjectOptions{ContentType: "video/mp2t"}); err != nil {
						b.Fatal(err)
					}
				},
				func(i int) { // baseline: conditional PutObject
					sum := sha256.Sum256(data)
					key := fmt.Sprintf("conditional/%s/%d/%d-%x.ts", name, run, i, sum[:8])
					if _, err := client.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(size), cond); err != nil {
						b.Fatal(err)
					}
				},
				func(i int) { // the store, written as a capture writes: in pieces
					w, err := s.Create(ctx, seg(time.Duration(i)*2*time.Second))
					if err != nil {
						b.Fatal(err)
					}
					for off := 0; off < size; off += 32 << 10 {
						w.Write(data[off:min(off+32<<10, size)])
					}
					if _, err := w.Commit(ctx, archive.Full); err != nil {
						b.Fatal(err)
					}
				},
			}
			b.SetBytes(3 * int64(size))
			i := 0
			for b.Loop() {
				for k := range 3 {
					way := (i + k) % 3
					t := time.Now()
					ways[way](i)
					spent[way] += time.Since(t)
				}
				i++
			}
			if st := s.Stats().Snapshot(); st.Duplicates != 0 {
				b.Fatalf("%d duplicates: keys were reused", st.Duplicates)
			}
			n := float64(i)
			b.ReportMetric(float64(spent[0].Nanoseconds())/n, "plain-ns/seg")
			b.ReportMetric(float64(spent[1].Nanoseconds())/n, "conditional-ns/seg")
			b.ReportMetric(float64(spent[2].Nanoseconds())/n, "s3store-ns/seg")
			b.ReportMetric(float64(spent[0])/float64(spent[2]), "ratio")
		})
	}
}

// BenchmarkRead opens and reads a 1 MiB segment through the store, and as
// the baseline with minio-go's GetObject, interleaved; ratio is the
// store's throughput over the baseline's.
//
//	go test -run '^$' -bench BenchmarkRead -benchtime 500x ./archive/s3store/
func BenchmarkRead(b *testing.B) {
	srv := server(b)
	bucket := srv.NewBucket(b)
	s := newStore(b, config(srv, bucket))
	data := payload(1<<20, 3)
	sg := write(b, s, seg(0), data)
	client, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ways := [2]func(){
		func() {
			obj, err := client.GetObject(ctx, bucket, sg.Path(), minio.GetObjectOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, obj); err != nil || n != int64(len(data)) {
				b.Fatal(n, err)
			}
			obj.Close()
		},
		func() {
			r, err := s.Open(ctx, sg)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(data)) {
				b.Fatal(n, err)
			}
			r.Close()
		},
	}
	var spent [2]time.Duration
	b.SetBytes(2 * int64(len(data)))
	i := 0
	for b.Loop() {
		for k := range 2 {
			way := (i + k) % 2
			t := time.Now()
			ways[way]()
			spent[way] += time.Since(t)
		}
		i++
	}
	b.ReportMetric(float64(spent[0].Nanoseconds())/float64(i), "baseline-ns/seg")
	b.ReportMetric(float64(spent[1].Nanoseconds())/float64(i), "s3store-ns/seg")
	b.ReportMetric(float64(spent[0])/float64(spent[1]), "ratio")
}

// BenchmarkBestDay selects the best timeline over 24 hours of 2-second
// segments (43,200 objects) from S3, cold (a new store and selector:
// nothing cached, 24+ listings of two pages each) and warm (the same
// selector again: every hour from the listing cache), and, as the
// baseline, from a DirStore over the very same files. It also lists the
// day's hours without selecting.
//
// The objects are written straight into versitygw's data folder as plain
// files, which is what its POSIX backend stores (writing 43,200 through
// PUT would take most of a minute); versitygw lists them like objects it
// wrote, minus the ETag it keeps in an extended attribute, which a listing
// does not need.
//
//	go test -run '^$' -bench BenchmarkBestDay -benchtime 5x ./archive/s3store/
func BenchmarkBestDay(b *testing.B) {
	srv := server(b)
	bucket := srv.NewBucket(b)
	root := filepath.Join(srv.Dir, bucket, "day")
	writeDayOfSegments(b, root)
	cfg := config(srv, bucket)
	cfg.Prefix = "day"
	q := archive.Query{Stream: "s", Variant: "source", Start: t0, End: t0.Add(24 * time.Hour)}
	check := func(b *testing.B, tl archive.Timeline) {
		if len(tl.Items) != 43200 || tl.HasHoles() {
			b.Fatalf("timeline has %d items, holes %v", len(tl.Items), tl.HasHoles())
		}
	}
	stores := []struct {
		name string
		open func(b *testing.B) archive.Store
	}{
		{"dirstore", func(b *testing.B) archive.Store {
			d, err := archive.NewDirStore(archive.DirConfig{Root: root})
			if err != nil {
				b.Fatal(err)
			}
			return d
		}},
		{"s3store", func(b *testing.B) archive.Store { return newStore(b, cfg) }},
	}
	for _, st := range stores {
		b.Run("list/cold/"+st.name, func(b *testing.B) {
			for b.Loop() {
				s := st.open(b)
				n := 0
				for h := range 24 {
					l, err := s.List(context.Background(), "s", "source", archive.FormatHour(t0.Add(time.Duration(h)*time.Hour)))
					if err != nil {
						b.Fatal(err)
					}
					n += len(l.Segments)
				}
				if n != 43200 {
					b.Fatalf("listed %d", n)
				}
			}
			b.ReportMetric(43200*float64(b.N)/b.Elapsed().Seconds(), "segments/s")
		})
		b.Run("best/cold/"+st.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tl, err := archive.NewSelector(st.open(b), archive.SelectorConfig{}).Best(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				check(b, tl)
			}
			b.ReportMetric(43200*float64(b.N)/b.Elapsed().Seconds(), "segments/s")
		})
		b.Run("best/warm/"+st.name, func(b *testing.B) {
			sel := archive.NewSelector(st.open(b), archive.SelectorConfig{})
			if _, err := sel.Best(context.Background(), q); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				tl, err := sel.Best(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				check(b, tl)
			}
			b.ReportMetric(43200*float64(b.N)/b.Elapsed().Seconds(), "segments/s")
		})
	}
}

// writeDayOfSegments writes 24 hours of 2-s segments of stream "s",
// variant "source" from t0 straight into the gateway's folder root, as
// versitygw's POSIX backend keeps objects, which is much faster than
// PutObject for setting up a benchmark.
func writeDayOfSegments(b *testing.B, root string) {
	b.Helper()
	data := make([]byte, 188)
	for i := range 24 * 1800 {
		data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
		sg := archive.Segment{Stream: "s", Variant: "source", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2, Type: archive.Full, Hash: sha256.Sum256(data)}
		p := filepath.Join(root, filepath.FromSlash(sg.Path()))
		if i%1800 == 0 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
