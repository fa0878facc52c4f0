package s3store_test

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive/s3store"
)

// The same bucket through virtual-host requests (BUCKET.s3.test:PORT) and
// path-style ones (s3.test:PORT/BUCKET), against a server configured with
// a virtual domain; the endpoint's name resolves to it through the
// transport, as DNS would. Both sign with SigV4 over their own Host.
func TestBucketLookup(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	_, port, err := net.SplitHostPort(srv.Endpoint)
	require.NoError(t, err)
	endpoint := "s3.test:" + port

	tests := []struct {
		name       string
		variant    string
		lookup     s3store.BucketLookup
		wantHost   string
		wantPrefix string // of every request path
	}{
		{"virtual host", "virtual", s3store.LookupVirtualHost, bucket + "." + endpoint, "/"},
		{"path", "path", s3store.LookupPath, endpoint, "/" + bucket + "/"},
		{"auto is path for a server that is not a big cloud", "auto", s3store.LookupAuto, endpoint, "/" + bucket + "/"},
	}
	stores := make([]*s3store.Store, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			rec.base = dialTo(srv.Endpoint)
			cfg := config(srv, bucket)
			cfg.Endpoint = endpoint
			cfg.BucketLookup = tt.lookup
			cfg.Transport = rec
			s := newStore(t, cfg)
			stores[i] = s
			data := []byte("written " + tt.variant)
			sg := seg(0)
			sg.Variant = tt.variant
			got := write(t, s, sg, data)
			require.Equal(t, data, readAll(t, s, got))
			l, err := s.List(t.Context(), got.Stream, got.Variant, got.Hour())
			require.NoError(t, err)
			require.Len(t, l.Segments, 1)
			for _, r := range rec.all() {
				require.Equal(t, tt.wantHost, r.Host)
				require.True(t, strings.HasPrefix(r.Path, tt.wantPrefix) || r.Path == strings.TrimSuffix(tt.wantPrefix, "/"), r.Path)
			}
		})
	}
	// Each store sees what the others wrote.
	for _, s := range stores {
		variants, err := s.Variants(t.Context(), "radio")
		require.NoError(t, err)
		require.Len(t, variants, len(tests))
		for _, v := range variants {
			l, err := s.List(t.Context(), "radio", v, "2026-11-23T14")
			require.NoError(t, err)
			require.Len(t, l.Segments, 1)
			require.True(t, bytes.Equal([]byte("written "+v), readAll(t, s, l.Segments[0].Segment)))
		}
	}
}
