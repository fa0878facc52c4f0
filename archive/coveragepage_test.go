package archive_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/internal/testtool"
)

// TestCoveragePageInBrowser loads /coverage/ in a real headless Chromium:
// the page loads, every map loads, nothing is logged to the console, every
// request the browser makes succeeds, and the maps reload after 30 s
// (virtual time) without the page reloading.
func TestCoveragePageInBrowser(t *testing.T) {
	browser := testtool.Require(t, "chromium")
	t.Parallel()
	s := archive.NewMemStore()
	for i, c := range []cov{{0, 2, archive.Full, 0}, {2, 2, archive.Partial, 0}, {10, 2, archive.Full, 0}, {3600, 2, archive.Full, 0}} {
		c.put(t, s, byte(i))
	}
	// A second variant and a stream whose name needs escaping.
	archivetestWrite(t, s, "s", "audio only", 0)
	archivetestWrite(t, s, "a&b", "<v>", 0)

	var mu sync.Mutex
	requests := map[string]int{} // path?query -> status
	var order []string
	h := archive.NewHandler(s, archive.HandlerConfig{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		h.ServeHTTP(rec, r)
		mu.Lock()
		requests[r.URL.RequestURI()] = rec.status
		order = append(order, r.URL.Path)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+t.TempDir(),
		"--enable-logging=stderr", "--v=0", "--virtual-time-budget=35000", "--dump-dom", srv.URL+"/coverage/")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	page := string(dom)

	require.Contains(t, page, `data-maps="3"`, "three variants, three maps:\n%s", page)
	require.Contains(t, page, `data-loaded="3"`, "every map loaded:\n%s", page)
	for _, line := range strings.Split(stderr.String(), "\n") {
		require.NotContains(t, line, ":CONSOLE", "the page logs nothing to the console")
	}
	require.Contains(t, page, "a&amp;b / &lt;v&gt;", "names show as text")
	require.Regexp(t, regexp.MustCompile(`<a href="/playlist/s/v.m3u8\?end=2026-11-23T14%3A01%3A10Z&amp;start=2026-11-23T13%3A59%3A04Z">14:00:04.000–14:00:10.000 \(6s\)</a>`), page, "a hole links the playlist around it")

	mu.Lock()
	defer mu.Unlock()
	pngs, reloads := 0, 0
	for uri, status := range requests {
		require.Equal(t, http.StatusOK, status, uri)
		if strings.Contains(uri, ".png?") {
			pngs++
			if strings.Contains(uri, "&t=") {
				reloads++
			}
		}
	}
	require.Equal(t, 1, strings.Count(strings.Join(order, " "), "/coverage/ "), "the page itself loaded once: %v", order)
	require.GreaterOrEqual(t, reloads, 3, "the maps reloaded after 30 s: %v", order)
	require.Greater(t, pngs, reloads)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func archivetestWrite(t *testing.T, s archive.Store, stream, variant string, at time.Duration) {
	t.Helper()
	w, err := s.Create(t.Context(), archive.Segment{Stream: stream, Variant: variant, Start: t0.Add(at), Duration: 2})
	require.NoError(t, err)
	w.Write([]byte(stream + variant))
	_, err = w.Commit(t.Context(), archive.Full)
	require.NoError(t, err)
}
