package playlist_test

import (
	"fmt"

	"github.com/airkeep/airkeep/hls/playlist"
)

func ExampleParseMedia() {
	body := []byte(`#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:41
#EXT-X-PROGRAM-DATE-TIME:2026-11-23T09:00:00Z
#EXTINF:2.000,
seg41.ts?token=abc
#EXT-X-DISCONTINUITY
#EXTINF:2.000,
seg42.ts?token=abc
`)
	pl, err := playlist.ParseMedia(body, "https://cdn.example/live/index.m3u8")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range pl.Segments {
		fmt.Println(s.MSN, s.PDT.Format("15:04:05"), s.Duration, s.Epoch, s.URI)
	}
	// Output:
	// 41 09:00:00 2.0 0 https://cdn.example/live/seg41.ts?token=abc
	// 42 09:00:02 2.0 1 https://cdn.example/live/seg42.ts?token=abc
}

func ExampleMaster_Lookup() {
	body := []byte(`#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720
720p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=854x480
480p/index.m3u8
`)
	m, err := playlist.ParseMaster(body, "https://cdn.example/live/master.m3u8")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"source", "480p", "1080p"} {
		u, ok := m.Lookup(name)
		fmt.Println(name, ok, u)
	}
	// Output:
	// source true https://cdn.example/live/720p/index.m3u8
	// 480p true https://cdn.example/live/480p/index.m3u8
	// 1080p false
}

func ExampleSniff() {
	fmt.Println(playlist.Sniff([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n")) == playlist.KindMaster)
	// Output: true
}
