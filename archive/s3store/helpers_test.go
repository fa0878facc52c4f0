package s3store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

var t0 = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

func seg(offset time.Duration) archive.Segment {
	return archive.Segment{Stream: "radio", Variant: "source", Start: t0.Add(offset), Duration: 2}
}

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

// request is what the recorder saw of one request.
type request struct {
	Method, Host, Path, Query string
	Range, IfNoneMatch        string
}

// isList reports a ListObjectsV2 request.
func (r request) isList() bool {
	return r.Method == http.MethodGet && strings.Contains(r.Query, "list-type=2")
}

// recorder is an http.RoundTripper in front of the real server that
// records requests and can inject faults: fault sees each request with its
// index and may answer it instead of the server.
type recorder struct {
	base http.RoundTripper

	mu       sync.Mutex
	requests []request
	fault    func(req *http.Request, i int) (*http.Response, error)
}

func newRecorder() *recorder {
	t := http.DefaultTransport.(*http.Transport).Clone()
	return &recorder{base: t}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	i := len(r.requests)
	r.requests = append(r.requests, request{
		Method: req.Method, Host: req.URL.Host, Path: req.URL.Path, Query: req.URL.RawQuery,
		Range: req.Header.Get("Range"), IfNoneMatch: req.Header.Get("If-None-Match"),
	})
	fault := r.fault
	r.mu.Unlock()
	if fault != nil {
		if resp, err := fault(req, i); resp != nil || err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return resp, err
		}
	}
	return r.base.RoundTrip(req)
}

func (r *recorder) setFault(f func(req *http.Request, i int) (*http.Response, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fault = f
}

// count returns how many recorded requests pass keep.
func (r *recorder) count(keep func(request) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.requests {
		if keep(q) {
			n++
		}
	}
	return n
}

func (r *recorder) all() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.requests...)
}

func isMethod(m string) func(request) bool { return func(r request) bool { return r.Method == m } }

// s3Error is the response an S3 server sends with an error code.
func s3Error(req *http.Request, status int, code string) *http.Response {
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by the test</Message><RequestId>test</RequestId></Error>`, code)
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/xml"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// driveClock advances clk by step whenever the code under test waits on
// it, until done is closed: it plays out retry backoff without sleeping.
func driveClock(t *testing.T, clk *airkeep.FakeClock, step time.Duration, done <-chan struct{}) {
	t.Helper()
	// The wait for a pending timer ends when done closes; the whole drive
	// is bounded so that a stuck store fails the test instead of hanging.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-done:
			return
		default:
		}
		if err := clk.BlockUntilContext(ctx, 1); err != nil {
			select {
			case <-done:
				return
			default:
				t.Fatal("the code under test never finished")
			}
		}
		clk.Advance(step)
	}
}

// commitOnClock writes data as seg(0) and commits it, advancing clk by
// step whenever the store waits on it.
func commitOnClock(t *testing.T, s archive.Store, clk *airkeep.FakeClock, step time.Duration, data []byte) (archive.Segment, error) {
	t.Helper()
	w, err := s.Create(t.Context(), seg(0))
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	done := make(chan struct{})
	var got archive.Segment
	go func() {
		defer close(done)
		got, err = w.Commit(context.Background(), archive.Full)
	}()
	driveClock(t, clk, step, done)
	<-done
	return got, err
}

// dialTo returns a transport that connects every request to addr, whatever
// its host name: virtual-host buckets without DNS.
func dialTo(addr string) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	var d net.Dialer
	t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	return t
}

// logRecorder is a slog handler that keeps messages.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func (l *logRecorder) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

// write stores data as seg through s.
func write(t testing.TB, s archive.Store, sg archive.Segment, data []byte) archive.Segment {
	t.Helper()
	w, err := s.Create(context.Background(), sg)
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	got, err := w.Commit(context.Background(), archive.Full)
	require.NoError(t, err)
	return got
}

func readAll(t testing.TB, s archive.Store, sg archive.Segment) []byte {
	t.Helper()
	r, err := s.Open(context.Background(), sg)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}
