package archive

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLRUBoundsCost(t *testing.T) {
	c := newCostLRU[string](10, 100, func(b []byte) int64 { return int64(len(b)) })
	for i := range 5 {
		c.put(fmt.Sprint(i), make([]byte, 30))
	}
	n, total := c.size()
	require.Equal(t, 3, n, "three 30-byte values fit in 100 bytes")
	require.Equal(t, int64(90), total)
	_, ok := c.get("1")
	require.False(t, ok, "the least recently used went first")
	_, ok = c.get("4")
	require.True(t, ok)

	c.put("4", make([]byte, 10)) // replacing a value re-counts it
	_, total = c.size()
	require.Equal(t, int64(70), total)

	c.put("huge", make([]byte, 101))
	_, ok = c.get("huge")
	require.False(t, ok, "a value over the whole budget is not kept")
	c.put("4", make([]byte, 101))
	_, ok = c.get("4")
	require.False(t, ok, "nor does it leave the old value behind")
	n, total = c.size()
	require.Equal(t, 2, n)
	require.Equal(t, int64(60), total)

	c.forget("3")
	n, total = c.size()
	require.Equal(t, 1, n)
	require.Equal(t, int64(30), total)
}

// The playlists a Handler caches are bounded in bytes, not only in number:
// explicit ranges may be weeks long.
func TestHandlerBoundsCachedPlaylistBytes(t *testing.T) {
	s := NewMemStore()
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	for i := range 30 {
		w, err := s.Create(t.Context(), Segment{Stream: "s", Variant: "v", Start: t0.Add(time.Duration(i) * 2 * time.Second), Duration: 2})
		require.NoError(t, err)
		_, _ = w.Write([]byte{byte(i)})
		_, err = w.Commit(t.Context(), Full)
		require.NoError(t, err)
	}
	h := NewHandler(s, HandlerConfig{})
	require.Equal(t, int64(maxCachedBodyBytes), h.bodies.maxCost)
	var sum int64
	for i := range 5 {
		rec := httptest.NewRecorder()
		end := t0.Add(time.Duration(10+i) * time.Second).Format(time.RFC3339)
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/playlist/s/v.m3u8?start=2026-11-23T14:00:00Z&end="+end, nil))
		require.Equal(t, http.StatusOK, rec.Code)
		sum += int64(rec.Body.Len())
	}
	n, total := h.bodies.size()
	require.Equal(t, 5, n)
	require.Equal(t, sum, total, "every cached byte is counted against the bound")
}
