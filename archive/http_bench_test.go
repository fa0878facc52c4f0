package archive_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// BenchmarkServeSegment serves one 2 MiB segment to 16 concurrent clients
// through the archive handler, against a baseline of Go's http.FileServer on
// the same folder, in the same run.
func BenchmarkServeSegment(b *testing.B) {
	dir := b.TempDir()
	store, err := archive.NewDirStore(archive.DirConfig{Root: dir, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 2<<20)
	rand.Read(data)
	w, _ := store.Create(context.Background(), archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2})
	w.Write(data)
	seg, err := w.Commit(context.Background(), archive.Full)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler
		path    string
	}{
		{"baseline-fileserver", http.StripPrefix("/segments/", http.FileServer(http.Dir(dir))), "/segments/" + archive.SegmentURI(seg, "")},
		{"archive-handler", archive.NewHandler(store, archive.HandlerConfig{}), "/segments/" + archive.SegmentURI(seg, "")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			url := srv.URL + tc.path
			b.SetBytes(int64(len(data)))
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(8) // 16 clients on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t := time.Now()
					resp, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if n != int64(len(data)) || resp.StatusCode != 200 {
						b.Errorf("got %d bytes, status %d", n, resp.StatusCode)
						return
					}
					mine = append(mine, time.Since(t))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			}
		})
	}
}

// BenchmarkPlaylist12h generates a 12-hour media playlist (21,600
// segments) from a DirStore: the first request of a fresh handler, and
// repeated requests (hour listings and selections cached), each against a
// baseline in the same loop: readHours over the same 13 folders (the hour
// before the range is looked at too) and a playlist line per file written
// with fmt.Fprintf.
//
//	go test -run '^$' -bench Playlist12h -benchtime 20x ./archive/
func BenchmarkPlaylist12h(b *testing.B) {
	dir := b.TempDir()
	store, err := archive.NewDirStore(archive.DirConfig{Root: dir, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := range 21600 {
		w, err := store.Create(ctx, archive.Segment{Stream: "s", Variant: "source", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2})
		if err != nil {
			b.Fatal(err)
		}
		w.Write([]byte{byte(i), byte(i >> 8)})
		if _, err := w.Commit(ctx, archive.Full); err != nil {
			b.Fatal(err)
		}
	}
	path := "/playlist/s/source.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-24T02:00:00Z"
	fetch := func(b *testing.B, h http.Handler) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 200 || rec.Body.Len() < 21600*100 {
			b.Fatalf("status %d, %d bytes", rec.Code, rec.Body.Len())
		}
	}
	baseline := func(int) {
		var buf bytes.Buffer
		first := t0.Add(-time.Hour)
		for h := range 13 {
			hour := archive.FormatHour(first.Add(time.Duration(h) * time.Hour))
			entries, err := os.ReadDir(filepath.Join(dir, "s", "source", hour))
			if err != nil && !os.IsNotExist(err) {
				b.Fatal(err)
			}
			for _, e := range entries {
				if _, err := e.Info(); err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(&buf, "#EXTINF:%.3f,\n../../segments/s/source/%s/%s\n", 2.0, hour, url.PathEscape(e.Name()))
			}
		}
		if buf.Len() < 21600*100 {
			b.Fatalf("%d bytes", buf.Len())
		}
	}
	b.Run("cold", func(b *testing.B) {
		vsBaseline(b, 1, baseline, func(int) {
			fresh, _ := archive.NewDirStore(archive.DirConfig{Root: dir})
			fetch(b, archive.NewHandler(fresh, archive.HandlerConfig{}))
		})
	})
	b.Run("repeated", func(b *testing.B) {
		h := archive.NewHandler(store, archive.HandlerConfig{})
		fetch(b, h)
		b.ReportAllocs()
		vsBaseline(b, 1, baseline, func(int) { fetch(b, h) })
	})
}

// BenchmarkBackfill10k backfills 10,000 missing segments between two local
// nodes over HTTP, against a baseline that copies the same files between two
// folders in the same run.
func BenchmarkBackfill10k(b *testing.B) {
	const n = 10000
	src := b.TempDir()
	remote, err := archive.NewDirStore(archive.DirConfig{Root: src, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	data := make([]byte, 64<<10)
	for i := range n {
		data[0], data[1] = byte(i), byte(i>>8)
		w, _ := remote.Create(ctx, archive.Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2})
		w.Write(data)
		if _, err := w.Commit(ctx, archive.Full); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(archive.NewHandler(remote, archive.HandlerConfig{}))
	defer srv.Close()
	b.Run("baseline-copy", func(b *testing.B) {
		for b.Loop() {
			dst := b.TempDir()
			filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(src, p)
				out := filepath.Join(dst, rel)
				os.MkdirAll(filepath.Dir(out), 0o755)
				in, _ := os.ReadFile(p)
				return os.WriteFile(out, in, 0o644)
			})
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "segments/s")
	})
	b.Run("backfill", func(b *testing.B) {
		for b.Loop() {
			local, _ := archive.NewDirStore(archive.DirConfig{Root: b.TempDir(), NoSync: true})
			bf, err := archive.NewBackfiller(local, archive.BackfillConfig{Peers: []string{srv.URL}, Clock: airkeep.NewFakeClock(t0.Add(24 * time.Hour))})
			if err != nil {
				b.Fatal(err)
			}
			if err := bf.Pass(ctx); err != nil {
				b.Fatal(err)
			}
			if got := bf.Stats().Fetched; got != n {
				b.Fatalf("fetched %d", got)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "segments/s")
	})
}
