package archive_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	airkeep "github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// exampleSegments stores n 2-second segments of radio/source from start.
func exampleSegments(ctx context.Context, s archive.Writer, start time.Time, n int) {
	for i := range n {
		w, err := s.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: start.Add(time.Duration(i) * 2 * time.Second), Duration: 2})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(w, "segment %d", i)
		if _, err := w.Commit(ctx, archive.Full); err != nil {
			log.Fatal(err)
		}
	}
}

// Serve an archive with wubloader's HTTP API: listings for peers and
// tools, and playlists any HLS player can play. The handler only reads
// the store.
func ExampleHandler() {
	ctx := context.Background()
	store := archive.NewMemStore()
	start := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	exampleSegments(ctx, store, start, 3)
	h := archive.NewHandler(store, archive.HandlerConfig{})
	// Usually: http.ListenAndServe(":8000", h).

	get := func(path string) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return fmt.Sprintf("%d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	fmt.Println(get("/files/radio/source"))
	fmt.Print(get("/playlist/radio/source.m3u8?start=2026-11-23T14:00:00Z&end=2026-11-23T14:00:06Z"))
	// Output:
	// 200 application/json
	// ["2026-11-23T14"]
	//
	// 200 application/vnd.apple.mpegurl
	// #EXTM3U
	// #EXT-X-VERSION:3
	// #EXT-X-TARGETDURATION:2
	// #EXT-X-MEDIA-SEQUENCE:0
	// #EXT-X-PLAYLIST-TYPE:VOD
	// #EXT-X-PROGRAM-DATE-TIME:2026-11-23T14:00:00.000Z
	// #EXTINF:2.000,
	// ../../segments/radio/source/2026-11-23T14/00%3A00.000000-2.0-full-wNr8H2fuVaUcSSAhW5LNIJq7YmFb_xroP9YvjTENEok.ts
	// #EXT-X-PROGRAM-DATE-TIME:2026-11-23T14:00:02.000Z
	// #EXTINF:2.000,
	// ../../segments/radio/source/2026-11-23T14/00%3A02.000000-2.0-full-Mb18NW_z3KlpIQu2axQEMuEaJIsjGHu7NCn1_RjEf-8.ts
	// #EXT-X-PROGRAM-DATE-TIME:2026-11-23T14:00:04.000Z
	// #EXTINF:2.000,
	// ../../segments/radio/source/2026-11-23T14/00%3A04.000000-2.0-full-zKEiasQuJeWfnwkmJIRDIibFHcyCBKppczvuBQuaqI4.ts
	// #EXT-X-ENDLIST
}

// Fill a node's holes from a peer: one pass lists the peer's hours,
// fetches what this node lacks, and stores each segment only if its bytes
// hash to its name. Run does the same forever, one worker per peer.
func ExampleBackfiller() {
	ctx := context.Background()
	start := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	peerStore := archive.NewMemStore()
	exampleSegments(ctx, peerStore, start, 5)
	peer := httptest.NewServer(archive.NewHandler(peerStore, archive.HandlerConfig{}))
	defer peer.Close()

	local := archive.NewMemStore()
	exampleSegments(ctx, local, start, 2) // this node has the first two
	b, err := archive.NewBackfiller(local, archive.BackfillConfig{
		Peers: []string{peer.URL},
		// The segments are dated: the clock says when "now" is, so that
		// they are neither too old nor too recent to fetch. Nil means
		// the system clock.
		Clock: airkeep.NewFakeClock(start.Add(time.Hour)),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := b.Pass(ctx); err != nil {
		log.Fatal(err)
	}
	st := b.Stats()
	fmt.Println("fetched", st.Fetched, "segments,", st.Bytes, "bytes")
	l, err := local.List(ctx, "radio", "source", "2026-11-23T14")
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range l.Segments {
		fmt.Println(strings.SplitN(e.Name(), "-", 2)[0], e.Size)
	}
	// Output:
	// fetched 3 segments, 27 bytes
	// 00:00.000000 9
	// 00:02.000000 9
	// 00:04.000000 9
	// 00:06.000000 9
	// 00:08.000000 9
}
