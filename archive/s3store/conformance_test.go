package s3store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
	"github.com/airkeep/airkeep/archive/storeurl"
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
	bucket := srv.NewBucket(t)
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
// a bucket of its own, with the listing cache off, every writer spilling
// to a temporary file, and the region asked from the server: the other
// extreme of the configuration.
func TestConformanceBucketRoot(t *testing.T) {
	srv := server(t)
	archivetest.Run(t, archivetest.Harness{
		New: func(t *testing.T) archive.Store {
			cfg := config(srv, srv.NewBucket(t))
			cfg.CacheHours = -1
			cfg.MemoryLimit = -1
			cfg.Region = ""
			cfg.TempDir = t.TempDir()
			return newStore(t, cfg)
		},
		PutRaw: func(t *testing.T, s archive.Store, rel string, data []byte) {
			putRaw(srv, s.(*s3store.Store).Bucket())(t, s, rel, data)
		},
	})
}

// EnvExternal names an s3:// store URL (see archive/storeurl) of another
// S3 server to run the conformance suite against as well: MinIO, Ceph RGW,
// Garage or AWS itself, for a second opinion beside versitygw. Credentials
// come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Each case writes
// under a fresh prefix below the URL's and deletes what it wrote.
const envExternal = "AIRKEEP_S3_TEST_URL"

func TestConformanceExternal(t *testing.T) {
	raw := os.Getenv(envExternal)
	if raw == "" {
		t.Skip(envExternal + " is not set; set it to s3://BUCKET/PREFIX?endpoint=HOST:PORT to run the suite against another server")
	}
	base, err := storeurl.Parse(raw)
	require.NoError(t, err)
	require.Equal(t, storeurl.S3, base.Scheme, envExternal+" must be an s3:// URL")
	run := fmt.Sprintf("airkeep-test-%d", time.Now().UnixNano())
	var n atomic.Int64
	archivetest.Run(t, archivetest.Harness{
		New: func(t *testing.T) archive.Store {
			u := base
			u.Prefix = strings.TrimPrefix(base.Prefix+"/"+run+"/case"+strconv.FormatInt(n.Add(1), 10), "/")
			// The listing cache is off: it is the one part that compares
			// the data's fixed dates with now, and this run is about the
			// server, over a real network where retries need a real clock.
			store, err := u.Open(t.Context(), storeurl.Config{S3: s3store.Config{RetryTimeout: 10 * time.Second, CacheHours: -1}})
			require.NoError(t, err)
			s := store.(*s3store.Store)
			t.Cleanup(func() { removePrefix(t, u, s.Prefix()) })
			return s
		},
		PutRaw: func(t *testing.T, s archive.Store, rel string, data []byte) {
			t.Helper()
			client := externalClient(t, base)
			_, err := client.PutObject(t.Context(), base.Bucket, s.(*s3store.Store).Prefix()+rel, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
			require.NoError(t, err)
		},
	})
}

func externalClient(t *testing.T, u storeurl.URL) *minio.Client {
	t.Helper()
	endpoint := u.Endpoint
	if endpoint == "" {
		endpoint = storeurl.DefaultEndpoint
	}
	lookup := minio.BucketLookupAuto
	switch u.Lookup {
	case s3store.LookupPath:
		lookup = minio.BucketLookupPath
	case s3store.LookupVirtualHost:
		lookup = minio.BucketLookupDNS
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(os.Getenv(s3store.EnvAccessKey), os.Getenv(s3store.EnvSecretKey), os.Getenv(s3store.EnvSessionToken)),
		Secure: !u.Insecure, Region: u.Region, BucketLookup: lookup,
	})
	require.NoError(t, err)
	return client
}

// removePrefix deletes every object under prefix, so a run against a real
// bucket leaves nothing behind.
func removePrefix(t *testing.T, u storeurl.URL, prefix string) {
	client := externalClient(t, u)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objects := client.ListObjectsIter(ctx, u.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true})
	results, err := client.RemoveObjectsWithIter(ctx, u.Bucket, objects, minio.RemoveObjectsOptions{})
	if err != nil {
		t.Errorf("clean up %s: %v", prefix, err)
		return
	}
	for r := range results {
		if r.Err != nil {
			t.Errorf("clean up %s: %v", r.ObjectName, r.Err)
		}
	}
}
