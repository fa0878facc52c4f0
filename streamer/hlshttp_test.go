package streamer

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHLSHandler(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "live.m3u8"), []byte("#EXTM3U\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "aac_1_0.ts"), []byte{0x47}, 0o644))
	srv := httptest.NewServer(http.StripPrefix("/hls/", NewHLSHandler(dir)))
	defer srv.Close()
	for _, tt := range []struct {
		path, contentType, cache, body string
		code                           int
	}{
		{"/hls/live.m3u8", "application/vnd.apple.mpegurl", "no-cache", "#EXTM3U\n", http.StatusOK},
		{"/hls/aac_1_0.ts", "video/mp2t", "", "\x47", http.StatusOK},
		{"/hls/gone.ts", "", "", "", http.StatusNotFound},
		{"/hls/../../etc/passwd", "", "", "", http.StatusNotFound},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.code, resp.StatusCode)
			if tt.code != http.StatusOK {
				return
			}
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tt.body, string(body))
			require.Equal(t, tt.contentType, resp.Header.Get("Content-Type"))
			require.Equal(t, tt.cache, resp.Header.Get("Cache-Control"))
		})
	}
}
