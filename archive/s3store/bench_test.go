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

// BenchmarkWrite writes segments through the store and, as the baseline,
// the same bytes with minio-go's PutObject to the same server, one after
// the other in one run: baseline/plain is PutObject as anyone would call
// it; baseline/conditional adds If-None-Match: *, which s3store needs.
// The store's figure over the plain baseline's is the ratio to report
// (target at least 0.9).
//
//	go test -run '^$' -bench BenchmarkWrite -benchtime 200x ./archive/s3store/
func BenchmarkWrite(b *testing.B) {
	srv := server(b)
	bucket := newBucket(b, srv)
	client, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{64 << 10, 1 << 20, 4 << 20} {
		data := payload(size, 5)
		name := fmt.Sprintf("%dKiB", size>>10)
		b.Run("baseline/plain/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				// PutObject hashes for its signature; a key from the hash
				// as the store names it keeps the work alike.
				sum := sha256.Sum256(data)
				key := fmt.Sprintf("baseline/plain/%s/%d-%x.ts", name, i, sum[:8])
				if _, err := client.PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(size), minio.PutObjectOptions{ContentType: "video/mp2t"}); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "segments/s")
		})
		b.Run("baseline/conditional/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			opts := minio.PutObjectOptions{ContentType: "video/mp2t"}
			opts.SetMatchETagExcept("*")
			i := 0
			for b.Loop() {
				sum := sha256.Sum256(data)
				key := fmt.Sprintf("baseline/conditional/%s/%d-%x.ts", name, i, sum[:8])
				if _, err := client.PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(size), opts); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "segments/s")
		})
		b.Run("s3store/"+name, func(b *testing.B) {
			cfg := config(srv, bucket)
			cfg.Prefix = "s3store/" + name
			s := newStore(b, cfg)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w, err := s.Create(context.Background(), seg(time.Duration(i)*2*time.Second))
				if err != nil {
					b.Fatal(err)
				}
				// As a capture writes: in pieces, as they arrive.
				for off := 0; off < size; off += 32 << 10 {
					w.Write(data[off:min(off+32<<10, size)])
				}
				if _, err := w.Commit(context.Background(), archive.Full); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "segments/s")
		})
	}
}

// BenchmarkRead opens and reads a 1 MiB segment through the store, against
// minio-go's GetObject of the same object as the baseline.
//
//	go test -run '^$' -bench BenchmarkRead ./archive/s3store/
func BenchmarkRead(b *testing.B) {
	srv := server(b)
	bucket := newBucket(b, srv)
	s := newStore(b, config(srv, bucket))
	data := payload(1<<20, 3)
	sg := write(b, s, seg(0), data)
	client, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	key := sg.Path()
	b.Run("baseline", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			obj, err := client.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, obj); err != nil || n != int64(len(data)) {
				b.Fatal(n, err)
			}
			obj.Close()
		}
	})
	b.Run("s3store", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			r, err := s.Open(context.Background(), sg)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(data)) {
				b.Fatal(n, err)
			}
			r.Close()
		}
	})
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
	bucket := newBucket(b, srv)
	root := filepath.Join(srv.Dir, bucket, "day")
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
