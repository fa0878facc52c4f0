package s3store_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive/s3store"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
)

// One versitygw for the package: it starts in about 100 ms, and each test
// gets its own bucket or prefix.
var shared s3test.Shared

func TestMain(m *testing.M) {
	os.Exit(shared.Main(m, s3test.Config{VirtualDomain: "s3.test"}))
}

// server returns the package's S3 server; see s3test.Shared.Get.
func server(t testing.TB) *s3test.Server {
	t.Helper()
	return shared.Get(t)
}

// runSeq numbers benchmark runs, so that -count writes new keys each time.
var runSeq atomic.Int64

// config returns a Config for bucket on srv with the root credentials.
func config(srv *s3test.Server, bucket string) s3store.Config {
	return s3store.Config{
		Endpoint:  srv.Endpoint,
		Bucket:    bucket,
		Region:    "us-east-1",
		Insecure:  true,
		AccessKey: s3test.AccessKey,
		SecretKey: s3test.SecretKey,
		// Tests that exercise retries set their own.
		RetryTimeout: 5 * time.Second,
	}
}

func newStore(t testing.TB, cfg s3store.Config) *s3store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := s3store.New(ctx, cfg)
	require.NoError(t, err)
	return s
}
