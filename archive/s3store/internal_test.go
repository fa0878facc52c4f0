package s3store

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

func TestFresh(t *testing.T) {
	hour := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	closes := hour.Add(time.Hour + 20*time.Minute)
	s := &Store{openTTL: 2 * time.Second, closedTTL: 10 * time.Minute, settle: 20 * time.Minute}
	forever := &Store{openTTL: 2 * time.Second, closedTTL: -1, settle: 20 * time.Minute}
	noOpen := &Store{openTTL: -1, closedTTL: 10 * time.Minute, settle: 20 * time.Minute}
	tests := []struct {
		name         string
		s            *Store
		fetched, now time.Time
		want         bool
	}{
		{"open, young", s, hour.Add(30 * time.Minute), hour.Add(30*time.Minute + time.Second), true},
		{"open, at TTL", s, hour.Add(30 * time.Minute), hour.Add(30*time.Minute + 2*time.Second), false},
		{"settling after the hour's end is still open", s, hour.Add(time.Hour + 5*time.Minute), hour.Add(time.Hour + 5*time.Minute + 3*time.Second), false},
		{"fetched open, now closed", s, closes.Add(-time.Second), closes.Add(500 * time.Millisecond), true},
		{"fetched open, now closed, open TTL passed", s, closes.Add(-time.Second), closes.Add(time.Second), false},
		{"fetched open stays open TTL even when closed TTL is forever", forever, closes.Add(-time.Second), closes.Add(time.Hour), false},
		{"closed, young", s, closes, closes.Add(9 * time.Minute), true},
		{"closed, old", s, closes, closes.Add(10 * time.Minute), false},
		{"closed, forever", forever, closes, closes.Add(1000 * time.Hour), true},
		{"future hour is open", s, hour.Add(-time.Hour), hour.Add(-time.Hour + 3*time.Second), false},
		{"open hours not cached", noOpen, hour.Add(time.Minute), hour.Add(time.Minute), false},
		{"clock went back", s, closes.Add(time.Hour), closes, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.s.fresh(hour, tt.fetched, tt.now))
		})
	}
}

func TestHourCache(t *testing.T) {
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	always := func(time.Time) bool { return true }
	k1, k2, k3 := hourKey{"s", "v", "1"}, hourKey{"s", "v", "2"}, hourKey{"s", "v", "3"}
	l1 := archive.Listing{Bad: []string{"one"}}
	l2 := archive.Listing{Bad: []string{"two"}}

	t.Run("put and get", func(t *testing.T) {
		c := newHourCache(10)
		c.put(k1, l1, now, c.begin())
		got, ok := c.get(k1, always)
		require.True(t, ok)
		require.Equal(t, l1, got)
		_, ok = c.get(k1, func(fetched time.Time) bool { return !fetched.Equal(now) })
		require.False(t, ok, "fresh decides")
	})
	t.Run("a fetch overtaken by a write is not cached", func(t *testing.T) {
		c := newHourCache(10)
		start := c.begin()
		c.invalidate(k1) // a commit lands while the listing is in flight
		c.put(k1, l1, now, start)
		_, ok := c.get(k1, always)
		require.False(t, ok)
		c.put(k1, l2, now, c.begin()) // a fetch after the write
		got, ok := c.get(k1, always)
		require.True(t, ok)
		require.Equal(t, l2, got)
	})
	t.Run("a write elsewhere does not block other keys with entries", func(t *testing.T) {
		c := newHourCache(10)
		c.put(k1, l1, now, c.begin())
		start := c.begin()
		c.invalidate(k2)
		c.put(k1, l2, now.Add(time.Second), start)
		got, ok := c.get(k1, always)
		require.True(t, ok)
		require.Equal(t, l2, got)
	})
	t.Run("an older fetch does not replace a newer one", func(t *testing.T) {
		c := newHourCache(10)
		c.put(k1, l2, now.Add(time.Second), c.begin())
		c.put(k1, l1, now, c.begin())
		got, _ := c.get(k1, always)
		require.Equal(t, l2, got)
	})
	t.Run("bounded, least recently used out", func(t *testing.T) {
		c := newHourCache(2)
		c.put(k1, l1, now, c.begin())
		c.put(k2, l2, now, c.begin())
		_, _ = c.get(k1, always) // k1 is now the most recent
		c.put(k3, l1, now, c.begin())
		require.Equal(t, 2, c.len())
		_, ok := c.get(k2, always)
		require.False(t, ok, "k2 was evicted")
		_, ok = c.get(k1, always)
		require.True(t, ok)
	})
	t.Run("an evicted invalidation still blocks a stale fetch", func(t *testing.T) {
		c := newHourCache(1)
		start := c.begin()
		c.invalidate(k1)
		c.invalidate(k2) // evicts k1's mark
		c.put(k1, l1, now, start)
		_, ok := c.get(k1, always)
		require.False(t, ok)
	})
}

func TestTransient(t *testing.T) {
	resp := func(status int, code string) error {
		return fmt.Errorf("put: %w", minio.ErrorResponse{StatusCode: status, Code: code})
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"503", resp(503, "ServiceUnavailable"), true},
		{"500", resp(500, "InternalError"), true},
		{"502 without code", resp(502, ""), true},
		{"504", resp(504, ""), true},
		{"429", resp(429, "TooManyRequests"), true},
		{"slow down", resp(503, "SlowDown"), true},
		{"request timeout", resp(400, "RequestTimeout"), true},
		{"conditional conflict", resp(409, "ConditionalRequestConflict"), true},
		{"sha256 mismatch", resp(400, "XAmzContentSHA256Mismatch"), true},
		{"403", resp(403, "AccessDenied"), false},
		{"signature", resp(403, "SignatureDoesNotMatch"), false},
		{"no such bucket", resp(404, "NoSuchBucket"), false},
		{"no such key", resp(404, "NoSuchKey"), false},
		{"412", resp(412, "PreconditionFailed"), false},
		{"clock skew", resp(403, "RequestTimeTooSkewed"), false},
		{"invalid argument", resp(400, "InvalidArgument"), false},
		{"connection refused", &url.Error{Op: "Put", URL: "http://x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, true},
		{"connection reset", syscall.ECONNRESET, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"unknown CA", &url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}, false},
		{"http to https", &url.Error{Op: "Get", URL: "https://x", Err: errors.New("http: server gave HTTP response to HTTPS client")}, false},
		{"plain error", errors.New("something"), false},
		{"canceled", context.Canceled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, transient(tt.err))
		})
	}
}

func TestErrorKind(t *testing.T) {
	tests := []struct {
		op, code string
		status   int
		want     error
	}{
		{"put", "AccessDenied", 403, ErrAccessDenied},
		{"list", "InvalidAccessKeyId", 403, ErrAccessDenied},
		{"list", "XAdminUserNotFound", 404, ErrAccessDenied},
		{"list", "", 401, ErrAccessDenied},
		{"list", "NoSuchBucket", 404, ErrNoSuchBucket},
		{"get", "NoSuchKey", 404, archive.ErrNotFound},
		{"get", "", 404, archive.ErrNotFound},
		{"list", "", 404, nil},
		{"put", "SlowDown", 503, nil},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.code, func(t *testing.T) {
			cause := minio.ErrorResponse{StatusCode: tt.status, Code: tt.code}
			s := &Store{bucket: "b"}
			err := s.newError(tt.op, "k", 1, cause)
			for _, sentinel := range []error{ErrAccessDenied, ErrNoSuchBucket, archive.ErrNotFound} {
				require.Equal(t, sentinel == tt.want, errors.Is(err, sentinel), "%v", sentinel)
			}
			var got minio.ErrorResponse
			require.ErrorAs(t, err, &got, "the cause stays reachable")
		})
	}
}
