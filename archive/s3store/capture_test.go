package s3store_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// A capture writes a live stream into S3 while another node, reading the
// same bucket, serves it: listings and a live playlist grow during the
// capture, every segment the playlist names can be fetched, and in the end
// every published segment is in the bucket byte-exact.
//
// It runs in real time, sped up fourfold, and polls: it is the end-to-end
// smoke test of a real capture (timers, HTTP, an S3 server) that the
// fake-clock tests of each part cannot be. Small segments and a 10-segment
// window (5 s of real time) let a capture on a loaded machine catch up
// rather than lose segments that left the window.
func TestCaptureIntoS3WhileServing(t *testing.T) {
	srv := server(t)
	bucket := srv.NewBucket(t)
	// Every component runs on the capture's clock: the reader decides from
	// it whether an hour is still open, and the data is dated by it.
	clock := hlstest.NewScaledClock(time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC), 4)
	// The scaled clock runs on its own, so retries can wait on it.
	wcfg := config(srv, bucket)
	wcfg.Clock, wcfg.RetryTimeout = clock, 5*time.Second
	writer := newStore(t, wcfg)
	cfg := config(srv, bucket)
	cfg.Clock, cfg.RetryTimeout = clock, 5*time.Second
	cfg.OpenHourTTL = -1 // the serving node sees new segments at once
	reader := newStore(t, cfg)

	var mu sync.Mutex
	var published []hlstest.Published
	small := []hlstest.VariantConfig{{Name: "source", Resolution: "640x360", Bandwidth: 200_000}, {Name: "480p", Resolution: "320x180", Bandwidth: 80_000}}
	origin, err := hlstest.New(hlstest.Config{Clock: clock, Variants: small, Window: 10, OnPublish: func(p hlstest.Published) {
		mu.Lock()
		defer mu.Unlock()
		published = append(published, p)
	}})
	require.NoError(t, err)
	originSrv := httptest.NewServer(origin.Handler())
	defer originSrv.Close()
	rec, err := hls.New(hls.Config{
		Stream: "live", URL: originSrv.URL + hlstest.MasterPath(origin.Channels()[0]),
		Variants: []string{"source", "480p"}, Store: writer, Clock: clock,
	})
	require.NoError(t, err)
	node := httptest.NewServer(archive.NewHandler(reader, archive.HandlerConfig{}))
	defer node.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = origin.Run(ctx) }()
	runErr := make(chan error, 1)
	go func() { defer wg.Done(); runErr <- rec.Run(ctx) }()

	get := func(path string) (int, []byte) {
		resp, err := http.Get(node.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, body
	}
	// While the capture runs, the serving node's live playlist grows and
	// every segment it names is there.
	var lastCount int
	require.Eventually(t, func() bool {
		code, body := get("/playlist/live/source.m3u8")
		if code != 200 {
			return false
		}
		var uris []string
		for _, l := range strings.Split(string(body), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				uris = append(uris, l)
			}
		}
		for _, u := range uris {
			code, _ := get("/segments/" + strings.TrimPrefix(u, "../../segments/"))
			require.Equal(t, 200, code, "the playlist names %s", u)
		}
		grew := len(uris) > lastCount && lastCount > 0
		lastCount = max(lastCount, len(uris))
		return grew && len(uris) >= 5
	}, 60*time.Second, 300*time.Millisecond)

	origin.Finish()
	require.Eventually(t, func() bool {
		st := rec.Status()
		tot := st.Total()
		return st.State != hls.Recording && tot.InFlight == 0 && tot.Queued == 0
	}, 60*time.Second, 50*time.Millisecond)
	cancel()
	wg.Wait()
	require.NoError(t, <-runErr)

	mu.Lock()
	pubs := append([]hlstest.Published(nil), published...)
	mu.Unlock()
	res, err := hlstest.Check(t.Context(), reader, "live", origin.Channels()[0], pubs)
	require.NoError(t, err)
	require.True(t, res.OK(), "missing %v, corrupt %v", res.Missing, res.Corrupt)
	require.Positive(t, res.Published)

	code, body := get("/files/live")
	require.Equal(t, 200, code)
	var variants []string
	require.NoError(t, json.Unmarshal(body, &variants))
	require.Equal(t, []string{"480p", "source"}, variants)
}
