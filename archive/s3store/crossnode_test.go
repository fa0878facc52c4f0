package s3store_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
	"github.com/airkeep/airkeep/archive/s3store"
)

// A node on local disk and a node on S3 backfill each other over HTTP until
// both hold the same archive, and a second S3 node sharing the bucket sees
// it all at once.
func TestBackfillBetweenDirStoreAndS3(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	disk, err := archive.NewDirStore(archive.DirConfig{Root: t.TempDir()})
	require.NoError(t, err)
	// The backfiller skips recent hours and the S3 stores cache listings
	// by whether their hour is open: both read one clock, a day after
	// the data, so every hour is closed.
	clock := airkeep.NewFakeClock(t0.Add(24 * time.Hour))
	onClock := func(cfg s3store.Config) s3store.Config { cfg.Clock = clock; return cfg }
	cloud := newStore(t, onClock(config(srv, bucket)))
	write := func(s archive.Store, i int, typ archive.Type) archive.Segment {
		return archivetest.Write(t, s, seg(time.Duration(i)*2*time.Second), typ, payload(30000+i, byte(i)))
	}
	for i := range 12 {
		write(disk, i, archive.Full)
	}
	for i := 8; i < 16; i++ {
		write(cloud, i, archive.Full)
	}
	write(cloud, 20, archive.Partial)
	gone := write(disk, 3, archive.Full)
	require.NoError(t, disk.Tombstone(t.Context(), gone))

	diskNode := httptest.NewServer(archive.NewHandler(disk, archive.HandlerConfig{}))
	defer diskNode.Close()
	cloudNode := httptest.NewServer(archive.NewHandler(cloud, archive.HandlerConfig{}))
	defer cloudNode.Close()
	pass := func(local archive.Store, peer string) archive.BackfillStats {
		b, err := archive.NewBackfiller(local, archive.BackfillConfig{Peers: []string{peer}, Clock: clock})
		require.NoError(t, err)
		require.NoError(t, b.Pass(t.Context()))
		return b.Stats()
	}
	first := pass(cloud, diskNode.URL)
	require.EqualValues(t, 12-4-1, first.Fetched, "0-7 but the tombstoned one, from disk to S3")
	require.EqualValues(t, 1, first.Tombstones)
	require.Zero(t, pass(cloud, diskNode.URL).Fetched, "a second pass finds nothing new")
	require.EqualValues(t, 4+1, pass(disk, cloudNode.URL).Fetched, "12-15 and the partial, from S3 to disk")

	listing := func(s archive.Store) []string {
		l, err := s.List(t.Context(), "radio", "source", "2026-11-23T14")
		require.NoError(t, err)
		return l.Names(true)
	}
	other := newStore(t, onClock(config(srv, bucket))) // another node on the same bucket
	require.Equal(t, listing(disk), listing(cloud))
	require.Equal(t, listing(disk), listing(other))
	for i := range 16 {
		if i == 3 {
			continue
		}
		l, err := other.List(t.Context(), "radio", "source", "2026-11-23T14")
		require.NoError(t, err)
		for _, e := range l.Segments {
			if e.Start.Equal(t0.Add(time.Duration(i) * 2 * time.Second)) {
				require.Equal(t, payload(30000+i, byte(i)), archivetest.ReadAll(t, other, e.Segment))
			}
		}
	}
}

// archived over an S3 store serves segments with ranges, and playlists.
func TestServeFromS3(t *testing.T) {
	srv := server(t)
	cloud := newStore(t, config(srv, srv.NewBucket(t)))
	var segs []archive.Segment
	for i := range 3 {
		segs = append(segs, archivetest.Write(t, cloud, seg(time.Duration(i)*2*time.Second), archive.Full, payload(100000, byte(i))))
	}
	node := httptest.NewServer(archive.NewHandler(cloud, archive.HandlerConfig{}))
	defer node.Close()
	req, err := http.NewRequest(http.MethodGet, node.URL+"/segments/"+segs[1].Path(), nil)
	require.NoError(t, err)
	req.Header.Set("Range", "bytes=1000-1999")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusPartialContent, resp.StatusCode)
	require.Equal(t, payload(100000, 1)[1000:2000], body)

	resp, err = http.Get(node.URL + "/playlist/radio/source.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:06Z")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(body), "#EXT-X-ENDLIST")
}

// BenchmarkServeFromS3 serves a 2 MiB segment held in S3 through the
// archive's HTTP handler, against fetching the same object from the S3
// server directly, in the same run.
func BenchmarkServeFromS3(b *testing.B) {
	srv := server(b)
	bucket := srv.NewBucket(b)
	cloud := newStore(b, config(srv, bucket))
	data := payload(2<<20, 9)
	w, err := cloud.Create(context.Background(), seg(0))
	require.NoError(b, err)
	w.Write(data)
	sg, err := w.Commit(context.Background(), archive.Full)
	require.NoError(b, err)
	client, err := srv.Client()
	require.NoError(b, err)
	node := httptest.NewServer(archive.NewHandler(cloud, archive.HandlerConfig{}))
	defer node.Close()
	b.Run("baseline-direct-GetObject", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			obj, err := client.GetObject(context.Background(), bucket, sg.Path(), minio.GetObjectOptions{})
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, obj)
			obj.Close()
			if err != nil || n != int64(len(data)) {
				b.Fatalf("%d bytes, %v", n, err)
			}
		}
	})
	b.Run("archived-handler", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		url := node.URL + "/segments/" + sg.Path()
		for b.Loop() {
			resp, err := http.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || n != int64(len(data)) {
				b.Fatalf("%d bytes, %v", n, err)
			}
		}
	})
}
