package hls_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// A Recorder keeps two variants of a live stream in an archive. The origin
// here has published three segments and ended the stream. Origin and
// Recorder share one clock, as the data is dated by it; it never needs to
// move here, since nothing fails.
func ExampleRecorder_Run() {
	clock := airkeep.NewFakeClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	origin, _ := hlstest.New(hlstest.Config{Window: 3, Clock: clock})
	origin.Finish() // three segments, then EXT-X-ENDLIST
	srv := httptest.NewServer(origin.Handler())
	defer srv.Close()

	store := archive.NewMemStore()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stored := make(chan struct{}, 6)
	rec, err := hls.New(hls.Config{
		Stream:   "radio",
		URL:      srv.URL + hlstest.MasterPath("demo"),
		Variants: []string{"source", "480p"},
		Store:    store,
		Clock:    clock,
		OnEvent: func(e hls.Event) {
			if e.Kind == hls.EventSegment {
				stored <- struct{}{}
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() {
		for range 6 {
			<-stored
		}
		cancel() // a real recording runs until SIGINT
	}()
	if err := rec.Run(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range rec.Status().Variants {
		fmt.Printf("%s: %d full, %d lost\n", v.Name, v.Full, v.Lost())
	}
	l, _ := store.List(context.Background(), "radio", "source", "2026-11-23T09")
	for _, e := range l.Segments {
		fmt.Println(e.Segment.Path())
	}
	// Output:
	// 480p: 3 full, 0 lost
	// source: 3 full, 0 lost
	// radio/source/2026-11-23T09/59:54.000000-2.0-full-m_e6ALwtINmIUUh0mo_XgLvnfm01olhKs-eL68P12_0.ts
	// radio/source/2026-11-23T09/59:56.000000-2.0-full-uqLz_nIvS37-ccLPcWOkl2Ia_MtbqDcUB7r2wNVbPjc.ts
	// radio/source/2026-11-23T09/59:58.000000-2.0-full--rHUHm6m31OZ5d4Iczxtejlv9bUj26NQdJqncnyuRbU.ts
}
