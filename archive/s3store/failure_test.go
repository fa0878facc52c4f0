package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
)

// Wrong credentials fail New at once, with ErrAccessDenied and the
// server's code, without retries.
func TestWrongCredentials(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	tests := []struct {
		name     string
		edit     func(*s3store.Config)
		wantCode string
	}{
		{"wrong secret", func(c *s3store.Config) { c.SecretKey = "not-the-secret" }, "SignatureDoesNotMatch"},
		// versitygw says 404 XAdminUserNotFound where AWS says 403
		// InvalidAccessKeyId; both are a credentials problem.
		{"unknown access key", func(c *s3store.Config) { c.AccessKey = "nobody" }, "XAdminUserNotFound"},
		{"anonymous", func(c *s3store.Config) { c.AccessKey, c.SecretKey, c.Anonymous = "", "", true }, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			cfg := config(srv, bucket)
			cfg.Transport = rec
			cfg.RetryTimeout = time.Hour // would hang the test if it retried
			tt.edit(&cfg)
			_, err := s3store.New(t.Context(), cfg)
			require.ErrorIs(t, err, s3store.ErrAccessDenied)
			var se *s3store.Error
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.wantCode, se.Code)
			require.Equal(t, 1, se.Attempts)
			require.Equal(t, 1, rec.count(func(request) bool { return true }), "one request, no retries")
			require.Contains(t, err.Error(), "check the access key and secret")
		})
	}
}

// A missing bucket fails New; a bucket removed later fails each operation
// at once.
func TestMissingBucket(t *testing.T) {
	srv := server(t)
	cfg := config(srv, "no-such-bucket-here")
	cfg.RetryTimeout = time.Hour
	_, err := s3store.New(t.Context(), cfg)
	require.ErrorIs(t, err, s3store.ErrNoSuchBucket)
	require.Contains(t, err.Error(), "s3store never creates one")

	bucket := srv.NewBucket(t)
	cfg = config(srv, bucket)
	cfg.RetryTimeout = time.Hour
	s := newStore(t, cfg)
	client, err := srv.Client()
	require.NoError(t, err)
	require.NoError(t, client.RemoveBucket(t.Context(), bucket))

	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Write([]byte("data"))
	require.NoError(t, err)
	_, err = w.Commit(t.Context(), archive.Full)
	require.ErrorIs(t, err, s3store.ErrNoSuchBucket)
	_, err = s.List(t.Context(), "radio", "source", "2026-11-23T14")
	require.ErrorIs(t, err, s3store.ErrNoSuchBucket)
	_, err = s.Streams(t.Context())
	require.ErrorIs(t, err, s3store.ErrNoSuchBucket)
	require.Equal(t, int64(1), s.Stats().Snapshot().WriteErrors)
}

// The server dies while a segment is on its way. The commit fails, nothing
// is visible under the segment's key once the server is back, and writing
// again works.
func TestServerKilledMidWrite(t *testing.T) {
	server(t)
	gw, err := s3test.Start(s3test.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { gw.Close() })
	bucket := gw.NewBucket(t)

	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rec := newRecorder()
	rec.setFault(func(req *http.Request, i int) (*http.Response, error) {
		if req.Method == http.MethodPut {
			once.Do(func() {
				req.Body = &stallingBody{r: req.Body, after: 1 << 20, reached: reached, release: release}
			})
		}
		return nil, nil
	})
	cfg := config(gw, bucket)
	cfg.Transport = rec
	cfg.RetryTimeout = -1 // fail on the first error; recovery is the next test
	s := newStore(t, cfg)

	data := payload(4<<20, 9)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() {
		_, err := w.Commit(context.Background(), archive.Full)
		errc <- err
	}()
	<-reached // a megabyte is on the wire
	require.NoError(t, gw.Kill())
	close(release)
	err = <-errc
	var se *s3store.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, "put", se.Op)
	require.NotErrorIs(t, err, s3store.ErrAccessDenied)

	require.NoError(t, gw.Restart())
	final := committed(seg(0), data)
	_, err = os.Stat(filepath.Join(gw.Dir, bucket, filepath.FromSlash(final.Path())))
	require.ErrorIs(t, err, os.ErrNotExist, "no partial object under the final key")
	l, err := s.List(t.Context(), "radio", "source", "2026-11-23T14")
	require.NoError(t, err)
	require.Empty(t, l.Segments)
	require.Empty(t, l.Bad)

	got := write(t, s, seg(0), data)
	require.Equal(t, final, got)
	require.True(t, bytes.Equal(data, readAll(t, s, got)))
}

// stallingBody passes after bytes through, then signals reached and waits
// for release before going on.
type stallingBody struct {
	r        io.ReadCloser
	after    int
	n        int
	reached  chan struct{}
	release  chan struct{}
	signaled bool
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if b.n >= b.after && !b.signaled {
		b.signaled = true
		close(b.reached)
		<-b.release
	}
	if b.n < b.after && len(p) > b.after-b.n {
		p = p[:b.after-b.n]
	}
	k, err := b.r.Read(p)
	b.n += k
	return k, err
}

func (b *stallingBody) Close() error { return b.r.Close() }

// A commit that finds the server down keeps retrying with backoff, and
// succeeds once the server is back.
func TestRetryUntilServerReturns(t *testing.T) {
	server(t)
	gw, err := s3test.Start(s3test.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { gw.Close() })
	bucket := gw.NewBucket(t)
	clk := airkeep.NewFakeClock(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC))
	logs := &logRecorder{}
	cfg := config(gw, bucket)
	cfg.Clock = clk
	cfg.RetryTimeout = time.Hour
	cfg.Logger = slog.New(logs)
	s := newStore(t, cfg)

	data := payload(300<<10, 4)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, gw.Kill())

	done := make(chan struct{})
	var got archive.Segment
	go func() {
		defer close(done)
		got, err = w.Commit(context.Background(), archive.Full)
	}()
	// The first attempt failed (connection refused) and the commit waits.
	require.NoError(t, clk.BlockUntilContext(ctxTimeout(t, 10*time.Second), 1))
	clk.Advance(time.Second) // another failure, another wait
	require.NoError(t, clk.BlockUntilContext(ctxTimeout(t, 10*time.Second), 1))
	require.NoError(t, gw.Restart())
	driveClock(t, clk, 10*time.Second, done)
	require.NoError(t, err)
	require.Equal(t, committed(seg(0), data), got)
	require.True(t, bytes.Equal(data, readAll(t, s, got)))
	require.GreaterOrEqual(t, logs.count("s3 request failed, retrying"), 2)
	require.Equal(t, int64(1), s.Stats().Snapshot().Full)
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// Injected failures in front of the real server: transient ones are
// retried (on the fake clock) until the request gets through, permanent
// ones fail at once.
func TestTransientAndPermanentErrors(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	connReset := func(*http.Request) (*http.Response, error) { return nil, syscall.ECONNRESET }
	status := func(code int, s3code string) func(*http.Request) (*http.Response, error) {
		return func(req *http.Request) (*http.Response, error) { return s3Error(req, code, s3code), nil }
	}
	tests := []struct {
		name     string
		inject   func(*http.Request) (*http.Response, error)
		times    int // how many PUTs fail
		wantErr  error
		wantPuts int
	}{
		{"503 slow down", status(503, "SlowDown"), 2, nil, 3},
		{"500 internal error", status(500, "InternalError"), 1, nil, 2},
		{"429 too many requests", status(429, "TooManyRequests"), 1, nil, 2},
		{"409 conditional request conflict", status(409, "ConditionalRequestConflict"), 1, nil, 2},
		{"connection reset", connReset, 3, nil, 4},
		{"403 access denied", status(403, "AccessDenied"), 1, s3store.ErrAccessDenied, 1},
		{"400 invalid argument", status(400, "InvalidArgument"), 1, errPermanent, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			clk := airkeep.NewFakeClock(t0.Add(48 * time.Hour))
			cfg := config(srv, bucket)
			cfg.Prefix = "errors/" + t.Name()
			cfg.Transport = rec
			cfg.Clock = clk
			cfg.RetryTimeout = time.Hour
			s := newStore(t, cfg)
			puts := 0
			rec.setFault(func(req *http.Request, _ int) (*http.Response, error) {
				if req.Method != http.MethodPut {
					return nil, nil
				}
				puts++
				if puts <= tt.times {
					return tt.inject(req)
				}
				return nil, nil
			})
			data := payload(70<<10, 1)
			got, err := commitOnClock(t, s, clk, 10*time.Second, data)
			require.Equal(t, tt.wantPuts, rec.count(isMethod(http.MethodPut)))
			if tt.wantErr == nil {
				require.NoError(t, err)
				require.True(t, bytes.Equal(data, readAll(t, s, got)))
				return
			}
			var se *s3store.Error
			require.ErrorAs(t, err, &se)
			require.Equal(t, 1, se.Attempts)
			if tt.wantErr != errPermanent {
				require.ErrorIs(t, err, tt.wantErr)
			}
			l, err := s.List(t.Context(), "radio", "source", "2026-11-23T14")
			require.NoError(t, err)
			require.Empty(t, l.Segments)
		})
	}
}

// errPermanent marks table rows that expect a permanent error with no
// sentinel.
var errPermanent = errors.New("permanent")

// A transient failure that never clears gives up after RetryTimeout,
// reporting the last response and the number of attempts.
func TestRetryTimeout(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	clk := airkeep.NewFakeClock(t0)
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport, cfg.Clock, cfg.RetryTimeout = rec, clk, 30*time.Second
	s := newStore(t, cfg)
	before := rec.count(request.isList) // New's check
	rec.setFault(func(req *http.Request, _ int) (*http.Response, error) {
		return s3Error(req, http.StatusServiceUnavailable, "ServiceUnavailable"), nil
	})
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		_, err = s.List(context.Background(), "radio", "source", "2026-11-23T14")
	}()
	driveClock(t, clk, time.Second, done)
	var se *s3store.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, "list", se.Op)
	require.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
	require.Equal(t, "ServiceUnavailable", se.Code)
	require.Greater(t, se.Attempts, 3)
	require.Equal(t, se.Attempts, rec.count(request.isList)-before, "one listing request per attempt")
}

// Canceling the context ends a retry wait at once.
func TestCancelDuringBackoff(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	clk := airkeep.NewFakeClock(t0)
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport, cfg.Clock, cfg.RetryTimeout = rec, clk, time.Hour
	s := newStore(t, cfg)
	rec.setFault(func(req *http.Request, _ int) (*http.Response, error) {
		return s3Error(req, http.StatusInternalServerError, "InternalError"), nil
	})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := s.Hours(ctx, "radio", "source")
		errc <- err
	}()
	require.NoError(t, clk.BlockUntilContext(ctxTimeout(t, 10*time.Second), 1))
	cancel()
	err := <-errc
	require.ErrorIs(t, err, context.Canceled)
}

// Bytes corrupted on the way are refused by the server, which checks the
// signed SHA-256; the commit sends them again and the stored object is
// intact.
func TestCorruptedUploadRejected(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	clk := airkeep.NewFakeClock(t0)
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport, cfg.Clock, cfg.RetryTimeout = rec, clk, time.Hour
	s := newStore(t, cfg)
	var once sync.Once
	rec.setFault(func(req *http.Request, _ int) (*http.Response, error) {
		if req.Method == http.MethodPut {
			once.Do(func() { req.Body = &flipByte{r: req.Body, at: 5000} })
		}
		return nil, nil
	})
	data := payload(20000, 3)
	got, err := commitOnClock(t, s, clk, time.Second, data)
	require.NoError(t, err)
	require.Equal(t, 2, rec.count(isMethod(http.MethodPut)), "the corrupted PUT was refused and sent again")
	require.True(t, bytes.Equal(data, readAll(t, s, got)))
}

// flipByte corrupts one byte of a request body.
type flipByte struct {
	r  io.ReadCloser
	at int
	n  int
}

func (f *flipByte) Read(p []byte) (int, error) {
	k, err := f.r.Read(p)
	if f.at >= f.n && f.at < f.n+k {
		p[f.at-f.n] ^= 0xff
	}
	f.n += k
	return k, err
}

func (f *flipByte) Close() error { return f.r.Close() }

// A segment above MaxSegmentSize fails at the write that crosses it, and
// nothing is sent.
func TestTooLarge(t *testing.T) {
	srv := server(t)
	rec := newRecorder()
	cfg := config(srv, srv.NewBucket(t))
	cfg.Transport = rec
	cfg.MaxSegmentSize = 1000
	s := newStore(t, cfg)
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Write(make([]byte, 600))
	require.NoError(t, err)
	_, err = w.Write(make([]byte, 401))
	require.ErrorIs(t, err, s3store.ErrTooLarge)
	_, err = w.Commit(t.Context(), archive.Full)
	require.ErrorIs(t, err, s3store.ErrTooLarge)
	require.Zero(t, rec.count(isMethod(http.MethodPut)))
	require.Equal(t, int64(1), s.Stats().Snapshot().WriteErrors)
}
