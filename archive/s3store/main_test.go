package s3store_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	airkeep "github.com/airkeep/airkeep"
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

// dataNow is when the tests' data is "now": t0's hour (14:00) is open,
// earlier ones are closed. Every store a test builds reads the time from a
// FakeClock set to it, so that which listing TTL applies (open or closed
// hour) is fixed by the test, not by the day the suite runs.
var dataNow = t0.Add(30 * time.Minute)

// config returns a Config for bucket on srv with the root credentials, on
// a FakeClock of its own reading dataNow. A test that builds several
// components (stores, a backfiller, a capture) puts them on one clock.
func config(srv *s3test.Server, bucket string) s3store.Config {
	return s3store.Config{
		Endpoint:  srv.Endpoint,
		Bucket:    bucket,
		Region:    "us-east-1",
		Insecure:  true,
		AccessKey: s3test.AccessKey,
		SecretKey: s3test.SecretKey,
		Clock:     airkeep.NewFakeClock(dataNow),
		// No retries: nobody advances this clock, so a retry would wait
		// forever; a failure shows at once instead. Tests that exercise
		// retries set their own clock and drive it.
		RetryTimeout: -1,
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
