package hls

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// TestBlobCacheCountsAbandonedFetch: a caller whose context ends returns at
// once, but the shared fetch it started is still counted until it returns,
// so that the variant's Run can wait for it.
func TestBlobCacheCountsAbandonedFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fetches sync.WaitGroup
		c := newBlobCache(4, &fetches)
		release := make(chan struct{})
		var returned atomic.Bool
		ctx, cancel := context.WithCancel(t.Context())
		got := make(chan error, 1)
		go func() {
			_, err := c.get(ctx, "k", func(ctx context.Context) ([]byte, error) {
				<-ctx.Done()
				<-release // cleaning up after the context ended
				returned.Store(true)
				return nil, ctx.Err()
			})
			got <- err
		}()
		synctest.Wait()
		cancel()
		require.ErrorIs(t, <-got, context.Canceled)

		waited := make(chan struct{})
		go func() { fetches.Wait(); close(waited) }()
		synctest.Wait()
		select {
		case <-waited:
			t.Fatal("the fetch is not counted any more while it still runs")
		default:
		}
		close(release)
		<-waited
		require.True(t, returned.Load())
	})
}

// TestBlobCacheSharesAndKeeps: concurrent misses share one fetch, a hit
// fetches nothing, and only the last max keys are kept.
func TestBlobCacheSharesAndKeeps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fetches sync.WaitGroup
		c := newBlobCache(2, &fetches)
		var calls atomic.Int32
		release := make(chan struct{})
		fetch := func(context.Context) ([]byte, error) {
			calls.Add(1)
			<-release
			return []byte("init"), nil
		}
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				b, err := c.get(t.Context(), "a", fetch)
				require.NoError(t, err)
				require.Equal(t, "init", string(b))
			})
		}
		synctest.Wait()
		close(release)
		wg.Wait()
		require.EqualValues(t, 1, calls.Load())

		_, err := c.get(t.Context(), "a", func(context.Context) ([]byte, error) { return nil, errors.New("fetched again") })
		require.NoError(t, err)
		for _, k := range []string{"b", "c"} {
			_, err := c.get(t.Context(), k, func(context.Context) ([]byte, error) { return []byte(k), nil })
			require.NoError(t, err)
		}
		_, err = c.get(t.Context(), "a", func(context.Context) ([]byte, error) { return nil, errors.New("evicted") })
		require.EqualError(t, err, "evicted")
		fetches.Wait()
	})
}
