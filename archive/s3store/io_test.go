package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
)

// A response body cut mid-way is resumed with a range request where it
// stopped; the reader never notices.
func TestReadResumesCutBody(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	clk := airkeep.NewFakeClock(t0)
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport, cfg.Clock, cfg.RetryTimeout = rec, clk, time.Minute
	s := newStore(t, cfg)
	data := payload(600<<10, 8)
	got := write(t, s, seg(0), data)

	cuts := 0
	rec.setFault(func(req *http.Request, _ int) (*http.Response, error) {
		if req.Method != http.MethodGet || cuts >= 2 {
			return nil, nil
		}
		cuts++
		resp, err := rec.base.RoundTrip(req)
		if err == nil {
			resp.Body = &cutBody{r: resp.Body, after: 100 << 10}
		}
		return resp, err
	})
	r, err := s.Open(t.Context(), got)
	require.NoError(t, err)
	defer r.Close()
	var read []byte
	done := make(chan struct{})
	go func() {
		defer close(done)
		read, err = io.ReadAll(r)
	}()
	driveClock(t, clk, time.Second, done)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, read))
	var ranges []string
	for _, q := range rec.all() {
		if q.Method == http.MethodGet && q.Range != "" {
			ranges = append(ranges, q.Range)
		}
	}
	require.Equal(t, []string{"bytes=102400-", "bytes=204800-"}, ranges)
}

// cutBody fails with a connection reset after some bytes.
type cutBody struct {
	r     io.ReadCloser
	after int
	n     int
}

func (c *cutBody) Read(p []byte) (int, error) {
	if c.n >= c.after {
		return 0, syscall.ECONNRESET
	}
	if len(p) > c.after-c.n {
		p = p[:c.after-c.n]
	}
	k, err := c.r.Read(p)
	c.n += k
	return k, err
}

func (c *cutBody) Close() error { return c.r.Close() }

// Seek, ReadAt and reads past the end behave as on a file, and Seek makes
// no request of its own.
func TestReaderSeekAndReadAt(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport = rec
	s := newStore(t, cfg)
	data := payload(200000, 6)
	got := write(t, s, seg(0), data)
	r, err := s.Open(t.Context(), got)
	require.NoError(t, err)
	defer r.Close()
	gets := func() int { return rec.count(isMethod(http.MethodGet)) - rec.count(request.isList) }
	n := gets()

	tests := []struct {
		offset int64
		whence int
		want   int64
	}{
		{0, io.SeekEnd, 200000},
		{-100, io.SeekEnd, 199900},
		{10, io.SeekStart, 10},
		{5, io.SeekCurrent, 15},
	}
	for _, tt := range tests {
		pos, err := r.Seek(tt.offset, tt.whence)
		require.NoError(t, err)
		require.Equal(t, tt.want, pos)
	}
	require.Equal(t, n, gets(), "seeking is free")
	buf := make([]byte, 100)
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err)
	require.Equal(t, data[15:115], buf)
	require.Equal(t, n+1, gets(), "one range request at the new position")

	ra := r.(io.ReaderAt)
	var g errgroup.Group
	for _, off := range []int64{0, 1000, 150000, 199950} {
		g.Go(func() error {
			b := make([]byte, 100)
			k, err := ra.ReadAt(b, off)
			want := data[off:min(off+100, int64(len(data)))]
			if !bytes.Equal(want, b[:k]) {
				return errors.New("ReadAt returned other bytes")
			}
			if int64(k) < 100 && err != io.EOF {
				return errors.New("a short ReadAt must say io.EOF")
			}
			if int64(k) == 100 && err != nil {
				return err
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())

	_, err = r.Seek(0, io.SeekEnd)
	require.NoError(t, err)
	k, err := r.Read(buf)
	require.Zero(t, k)
	require.Equal(t, io.EOF, err)
	_, err = r.Seek(-1, io.SeekStart)
	require.Error(t, err)
	require.NoError(t, r.Close())
	_, err = r.Read(buf)
	require.ErrorIs(t, err, fs.ErrClosed)
}

// http.ServeContent serves byte ranges of a segment straight from S3:
// what archive's HTTP handler does.
func TestServeContentRange(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport = rec
	s := newStore(t, cfg)
	data := payload(1<<20, 2)
	got := write(t, s, seg(0), data)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r, err := s.Open(req.Context(), got)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		defer r.Close()
		http.ServeContent(w, req, got.Name(), time.Time{}, r)
	}))
	defer web.Close()
	req, err := http.NewRequest(http.MethodGet, web.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Range", "bytes=500000-500999")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusPartialContent, resp.StatusCode)
	require.Equal(t, "bytes 500000-500999/1048576", resp.Header.Get("Content-Range"))
	require.Equal(t, data[500000:501000], body)
	var ranged bool
	for _, q := range rec.all() {
		ranged = ranged || q.Range == "bytes=500000-"
	}
	require.True(t, ranged, "the store asked S3 for the range, not the whole object")
}

// A segment removed after Open reads as not found; one removed before
// fails Open.
func TestOpenRemoved(t *testing.T) {
	srv := server(t)
	s := newStore(t, config(srv, srv.NewBucket(t)))
	got := write(t, s, seg(0), payload(100000, 1))
	r, err := s.Open(t.Context(), got)
	require.NoError(t, err)
	defer r.Close()
	require.NoError(t, s.RemoveHour(t.Context(), "radio", "source", got.Hour()))
	_, err = r.Seek(50000, io.SeekStart)
	require.NoError(t, err)
	_, err = r.Read(make([]byte, 10))
	require.ErrorIs(t, err, archive.ErrNotFound)
	_, err = s.Open(t.Context(), got)
	require.ErrorIs(t, err, archive.ErrNotFound)
}

// Writers hold segments in memory up to the store-wide limit, then spill
// to a temporary file, which nobody sees and nothing leaves behind.
func TestWriterSpills(t *testing.T) {
	srv := server(t)
	logs := &logRecorder{}
	tmp := t.TempDir()
	cfg := config(srv, srv.NewBucket(t))
	cfg.MemoryLimit = 256 << 10 // four chunks
	cfg.TempDir = tmp
	cfg.Logger = slog.New(logs)
	s := newStore(t, cfg)

	small := payload(100<<10, 1) // two chunks
	big := payload(1<<20, 2)     // would need sixteen
	ws, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = ws.Write(small)
	require.NoError(t, err)
	require.Equal(t, int64(128<<10), s3store.MemUsed(s))
	wb, err := s.Create(t.Context(), seg(2*time.Second))
	require.NoError(t, err)
	for off := 0; off < len(big); off += 10000 {
		_, err := wb.Write(big[off:min(off+10000, len(big))])
		require.NoError(t, err)
		require.LessOrEqual(t, s3store.MemUsed(s), cfg.MemoryLimit, "never past the limit")
	}
	require.Equal(t, 1, logs.count("segment spilled to a temporary file"))
	require.Equal(t, int64(128<<10), s3store.MemUsed(s), "the spilled writer gave its chunks back")
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, entries, "the spill file is unlinked at once")

	gotBig, err := wb.Commit(t.Context(), archive.Full)
	require.NoError(t, err)
	gotSmall, err := ws.Commit(t.Context(), archive.Full)
	require.NoError(t, err)
	require.Zero(t, s3store.MemUsed(s))
	require.True(t, bytes.Equal(big, readAll(t, s, gotBig)))
	require.True(t, bytes.Equal(small, readAll(t, s, gotSmall)))

	// Many writers at once stay within the bound, whatever spills.
	var g errgroup.Group
	var mu sync.Mutex
	peak := int64(0)
	for i := range 12 {
		g.Go(func() error {
			data := payload(90<<10+i, byte(i))
			w, err := s.Create(context.Background(), seg(time.Duration(10+i)*2*time.Second))
			if err != nil {
				return err
			}
			for off := 0; off < len(data); off += 7000 {
				if _, err := w.Write(data[off:min(off+7000, len(data))]); err != nil {
					return err
				}
				mu.Lock()
				peak = max(peak, s3store.MemUsed(s))
				mu.Unlock()
			}
			if i%3 == 0 {
				return w.Abort()
			}
			_, err = w.Commit(context.Background(), archive.Full)
			return err
		})
	}
	require.NoError(t, g.Wait())
	require.LessOrEqual(t, peak, cfg.MemoryLimit)
	require.Zero(t, s3store.MemUsed(s), "every writer released its memory")
	l, err := s.List(t.Context(), "radio", "source", "2026-11-23T14")
	require.NoError(t, err)
	require.Len(t, l.Segments, 2+8)
	entries, err = os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, entries)
}

// An aborted writer sends nothing.
func TestAbortSendsNothing(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport = rec
	s := newStore(t, cfg)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Write(payload(300<<10, 1))
	require.NoError(t, err)
	require.NoError(t, w.Abort())
	require.Zero(t, rec.count(isMethod(http.MethodPut)))
	require.Zero(t, s3store.MemUsed(s))
	require.Equal(t, int64(1), s.Stats().Snapshot().Aborted)
}

// Tombstones are zero-byte NAME.tombstone objects beside the segment, and
// the keys are exactly the archive's relative paths under the prefix.
func TestLayout(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	cfg := config(srv, bucket)
	cfg.Prefix = "/stations/radio-one/"
	s := newStore(t, cfg)
	require.Equal(t, "stations/radio-one/", s.Prefix())
	got := write(t, s, seg(3*time.Second+608*time.Millisecond), []byte("segment"))
	require.NoError(t, s.Tombstone(t.Context(), got))
	client, err := srv.Client()
	require.NoError(t, err)
	var keys []string
	sizes := map[string]int64{}
	for obj := range client.ListObjectsIter(t.Context(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		require.NoError(t, obj.Err)
		keys = append(keys, obj.Key)
		sizes[obj.Key] = obj.Size
	}
	stem := "stations/radio-one/radio/source/2026-11-23T14/00:03.608000-2.0-full-" + got.Hash.String()
	require.ElementsMatch(t, []string{stem + ".ts", stem + ".tombstone"}, keys)
	require.Equal(t, int64(0), sizes[stem+".tombstone"])
	require.Equal(t, int64(7), sizes[stem+".ts"])
	info, err := client.StatObject(t.Context(), bucket, stem+".ts", minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "video/mp2t", info.ContentType)
}
