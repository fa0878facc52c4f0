package memnet

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// A response held back on the bubble's clock: the bubble goes idle while
// the client waits, so time moves on to the handler's timer at once.
func TestStalledResponseLetsTimeMove(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New()
		srv := n.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("head "))
			w.(http.Flusher).Flush()
			timer := time.NewTimer(40 * time.Second)
			defer timer.Stop()
			select {
			case <-timer.C:
				w.Write([]byte("tail"))
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		c := n.Client()
		defer c.CloseIdleConnections()

		start := time.Now()
		resp, err := c.Get(srv.URL + "/x")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, "head tail", string(b))
		require.Equal(t, 40*time.Second, time.Since(start))

		// A request cut by its context ends the handler's wait.
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/y", nil)
		resp, err = c.Do(req)
		require.NoError(t, err)
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestDialUnknownAddressIsRefused(t *testing.T) {
	n := New()
	_, err := n.Dial(t.Context(), "tcp", "nowhere.test:80")
	require.ErrorIs(t, err, ErrRefused)
	ln := n.Listen()
	require.NoError(t, ln.Close())
	_, err = n.Dial(t.Context(), "tcp", ln.Addr().String())
	require.True(t, errors.Is(err, ErrRefused))
}
