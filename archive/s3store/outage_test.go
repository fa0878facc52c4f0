package s3store_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive/s3store/s3test"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// A capture into S3 whose server goes down for a while keeps the segments
// it downloads meanwhile in its spill buffer and stores every one of them
// once the server is back: every published segment ends up in the bucket
// byte-exact. The server is a real versitygw, stopped and restarted; the
// stream runs 10× faster than real time so that the outage lasts 30 s of
// stream in 3 s.
func TestCaptureThroughS3Outage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own versitygw")
	}
	srv, err := s3test.Start(s3test.Config{})
	require.NoError(t, err)
	defer srv.Close()
	const bucket = "outage"
	require.NoError(t, srv.MakeBucket(t.Context(), bucket))
	clock := hlstest.NewScaledClock(time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC), 10)
	cfg := config(srv, bucket)
	cfg.Clock = clock
	cfg.RetryTimeout = time.Second // of stream time: the outage shows at once
	store := newStore(t, cfg)

	var mu sync.Mutex
	var published []hlstest.Published
	origin, err := hlstest.New(hlstest.Config{Clock: clock, OnPublish: func(p hlstest.Published) {
		mu.Lock()
		defer mu.Unlock()
		published = append(published, p)
	}})
	require.NoError(t, err)
	originSrv := httptest.NewServer(origin.Handler())
	defer originSrv.Close()
	var evMu sync.Mutex
	kinds := map[hls.EventKind]int{}
	rec, err := hls.New(hls.Config{
		Stream: "live", URL: originSrv.URL + hlstest.MasterPath(origin.Channels()[0]),
		Variants: []string{"source", "480p"}, Store: store, Clock: clock,
		OnEvent: func(e hls.Event) {
			evMu.Lock()
			defer evMu.Unlock()
			kinds[e.Kind]++
		},
	})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = origin.Run(ctx) }()
	runErr := make(chan error, 1)
	go func() { defer wg.Done(); runErr <- rec.Run(ctx) }()

	require.Eventually(t, func() bool { return rec.Status().Total().Segments() >= 6 }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, srv.Stop())
	require.Eventually(t, func() bool { return rec.Status().Store.Failing }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, airkeep.Sleep(ctx, clock, 30*time.Second))
	require.Positive(t, rec.Status().Store.Buffered)
	require.NoError(t, srv.Restart())

	origin.Finish()
	require.Eventually(t, func() bool { return rec.Status().Drained() }, 60*time.Second, 50*time.Millisecond)
	cancel()
	wg.Wait()
	require.NoError(t, <-runErr)
	st := rec.Status()
	require.False(t, st.Store.Failing)
	require.Zero(t, st.Store.Lost)
	require.Positive(t, st.Store.StoredLate)
	evMu.Lock()
	require.Positive(t, kinds[hls.EventStoreFailing])
	require.Equal(t, 1, kinds[hls.EventStoreRecovered])
	require.Zero(t, kinds[hls.EventLost])
	evMu.Unlock()

	mu.Lock()
	pubs := append([]hlstest.Published(nil), published...)
	mu.Unlock()
	res, err := hlstest.Check(t.Context(), store, "live", origin.Channels()[0], pubs)
	require.NoError(t, err)
	require.True(t, res.OK(), "missing %v, corrupt %v", res.Missing, res.Corrupt)
}
