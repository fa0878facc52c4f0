package s3store_test

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
)

// putRaw plants an object through a plain S3 client, as a foreign writer
// (another tool, a wubloader archive synced up) would.
func putRaw(srv *s3test.Server, bucket string) func(t *testing.T, s archive.Store, rel string, data []byte) {
	return func(t *testing.T, s archive.Store, rel string, data []byte) {
		t.Helper()
		client, err := srv.Client()
		require.NoError(t, err)
		_, err = client.PutObject(t.Context(), bucket, s.(*s3store.Store).Prefix()+rel, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
		require.NoError(t, err)
	}
}

// TestConformance runs the archive suite with each case under its own
// prefix of one bucket, the way several archives share a bucket.
func TestConformance(t *testing.T) {
	srv := server(t)
	bucket := newBucket(t, srv)
	var n atomic.Int64
	archivetest.Run(t, archivetest.Harness{
		New: func(t *testing.T) archive.Store {
			cfg := config(srv, bucket)
			cfg.Prefix = fmt.Sprintf("archives/case%d/", n.Add(1))
			return newStore(t, cfg)
		},
		PutRaw: putRaw(srv, bucket),
	})
}

// TestConformanceBucketRoot runs it again with the archive at the root of
// a bucket of its own, with the listing cache off and every writer
// spilling to a temporary file: the other extreme of the configuration.
func TestConformanceBucketRoot(t *testing.T) {
	srv := server(t)
	archivetest.Run(t, archivetest.Harness{
		New: func(t *testing.T) archive.Store {
			cfg := config(srv, newBucket(t, srv))
			cfg.CacheHours = -1
			cfg.MemoryLimit = -1
			cfg.TempDir = t.TempDir()
			return newStore(t, cfg)
		},
		PutRaw: func(t *testing.T, s archive.Store, rel string, data []byte) {
			putRaw(srv, s.(*s3store.Store).Bucket())(t, s, rel, data)
		},
	})
}
