package hls_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
)

// Run must not return while the master playlist fetch it started is still
// running: here Config.Source, which outlives its context for a moment.
func TestRunWaitsForMasterFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		entered := make(chan struct{})
		release := make(chan struct{})
		var returned atomic.Bool
		r, err := hls.New(hls.Config{Stream: "s", Store: archive.NewMemStore(), Source: func(ctx context.Context) (string, error) {
			close(entered)
			<-ctx.Done()
			<-release // cleaning up after the context ended
			returned.Store(true)
			return "", ctx.Err()
		}})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		runDone := make(chan error, 1)
		go func() { runDone <- r.Run(ctx) }()
		<-entered
		cancel()
		synctest.Wait()
		select {
		case err := <-runDone:
			t.Fatalf("Run returned (%v) while the master fetch it started was still running", err)
		default:
		}
		close(release)
		require.NoError(t, <-runDone)
		require.True(t, returned.Load())
	})
}
