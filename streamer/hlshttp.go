package streamer

import (
	"net/http"
	"path"
)

// NewHLSHandler serves the files of an HLS output's folder (HLS.Dir), at
// the handler's root: playlists with their content type and never cached
// (Liquidsoap rewrites them every segment), segments as MPEG-TS. An
// hls.Recorder of the station's own output reads them from it.
func NewHLSHandler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch path.Ext(r.URL.Path) {
		case ".m3u8":
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
			w.Header().Set("Cache-Control", "no-cache")
		case ".ts":
			w.Header().Set("Content-Type", "video/mp2t")
		}
		files.ServeHTTP(w, r)
	})
}
