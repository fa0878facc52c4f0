package streamer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/airkeep/airkeep/streamer"
)

// Run a station under supervision: the process starts, its server answers,
// and cancelling the context stops it (SIGTERM, then SIGKILL after the
// grace period).
func ExampleProcess_Run() {
	dir, err := os.MkdirTemp("", "radio")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	st := &streamer.Station{
		Name:   "Example FM",
		Socket: filepath.Join(dir, "liquidsoap.sock"),
		// Liquidsoap refuses to run as root unless the script allows it
		// (containers and CI often run as root).
		AllowRoot: os.Geteuid() == 0,
		Dummy:     true,
	}
	ready := make(chan struct{})
	proc, err := streamer.NewProcess(streamer.ProcessConfig{
		Station: st,
		OnEvent: func(e streamer.Event) {
			fmt.Println("event:", e.Kind)
			if e.Kind == streamer.EventReady {
				close(ready)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()

	select {
	case <-ready:
	case err := <-done:
		panic(err)
	}
	fmt.Println("state:", proc.State())
	cancel()
	fmt.Println("run:", <-done)
	fmt.Println("state:", proc.State())
	// Output:
	// event: start
	// event: ready
	// state: ready
	// event: stop
	// run: <nil>
	// state: stopped
}

// Push a request with metadata and read it back. The URI comes back
// exactly as pushed; an argument that could inject a second command is
// refused before anything is sent.
func ExampleClient() {
	sock, stop := startExampleStation()
	defer stop()

	c, err := streamer.NewClient(streamer.ClientConfig{Socket: sock})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	ctx := context.Background()

	uri, err := streamer.Annotate("synth:shape=sine,frequency=440,duration=30",
		map[string]string{"title": `It's "live" #1`})
	if err != nil {
		panic(err)
	}
	rid, err := c.Push(ctx, "dealer", uri)
	if err != nil {
		panic(err)
	}
	m, err := c.Metadata(ctx, rid)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Source, m.URI == uri, m.Fields["title"])

	_, err = c.Push(ctx, "dealer", "/music/a.mp3\rdealer.skip")
	var ae *streamer.ArgError
	fmt.Println(errors.As(err, &ae), err)

	_, err = c.Command(ctx, "nosuchcommand")
	fmt.Println(errors.Is(err, streamer.ErrUnknownCommand))
	// Output:
	// dealer true It's "live" #1
	// true streamer: refused "/music/a.mp3\rdealer.skip": control character U+000D (CR) at byte 12
	// true
}

// startExampleStation runs a minimal station and returns its socket and a
// function that stops it.
func startExampleStation() (socket string, stop func()) {
	dir, err := os.MkdirTemp("", "radio")
	if err != nil {
		panic(err)
	}
	st := &streamer.Station{Name: "Example FM", Socket: filepath.Join(dir, "ls.sock"), AllowRoot: os.Geteuid() == 0, Dummy: true}
	ready := make(chan struct{})
	proc, err := streamer.NewProcess(streamer.ProcessConfig{Station: st, OnEvent: func(e streamer.Event) {
		if e.Kind == streamer.EventReady {
			close(ready)
		}
	}})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	select {
	case <-ready:
	case err := <-done:
		panic(err)
	case <-time.After(90 * time.Second):
		panic("liquidsoap did not start")
	}
	return st.Socket, func() {
		cancel()
		<-done
		os.RemoveAll(dir)
	}
}

// A station's graph, as rendered into its script.
func ExampleStation_Script() {
	st := &streamer.Station{
		Name:      "Example FM",
		Socket:    "/run/radio/liquidsoap.sock",
		Playlists: []streamer.Playlist{{ID: "music", Path: "/srv/radio/music.m3u"}},
		Live:      &streamer.Live{Mount: "live", Password: "secret"},
		Icecast:   []streamer.Icecast{{Mount: "/radio.mp3", Password: "secret"}},
		HLS:       &streamer.HLS{Dir: "/srv/radio/hls"},
	}
	script, err := st.Script()
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(string(script), "\n") {
		if strings.HasPrefix(line, "s_") || strings.HasPrefix(line, "radio") || strings.HasPrefix(line, "output") {
			fmt.Println(line)
		}
	}
	fmt.Println(st.Env())
	// Output:
	// s_live = input.harbor(id="live", port=8005, password=getenv("AIRKEEP_SECRET_LIVE"), on_connect=airkeep_live_connect, on_disconnect=airkeep_live_disconnect, "live")
	// s_live.on_metadata(fun (m) -> airkeep_event("live_metadata", m))
	// s_dealer = request.queue(id="dealer")
	// s_music = playlist(id="music", mode="randomize", reload_mode="watch", "/srv/radio/music.m3u")
	// radio = fallback(id="airkeep_fallback", track_sensitive=false, [s_live, s_dealer, s_music, blank(id="silence")])
	// radio.on_track(fun (m) -> airkeep_event("track", [("source", m["source"]), ("filename", m["filename"]), ("title", m["title"])]))
	// output.icecast(id="icecast", host="localhost", port=8000, password=getenv("AIRKEEP_SECRET_ICECAST"), mount="/radio.mp3", name="Example FM", fallible=false, %mp3(bitrate=128), radio)
	// output.file.hls(id="hls", fallible=false, playlist="live.m3u8", segment_duration=6., segments=10, segment_name=airkeep_hls_segment, "/srv/radio/hls", [("aac", %ffmpeg(format="mpegts", %audio(codec="aac", b="128k")))], radio)
	// [AIRKEEP_SECRET_LIVE=secret AIRKEEP_SECRET_ICECAST=secret]
}

func ExampleAnnotate() {
	uri, err := streamer.Annotate("/srv/shows/morning.mp3", map[string]string{
		"title":  `The "Morning" Show`,
		"artist": "Ann, Bob & Co",
	})
	fmt.Println(uri, err)
	_, err = streamer.Annotate("/srv/shows/x.mp3", map[string]string{"title": "#{code}"})
	fmt.Println(err)
	// Output:
	// annotate:artist="Ann, Bob & Co",title="The \"Morning\" Show":/srv/shows/morning.mp3 <nil>
	// streamer: refused "#{code}": annotate value contains "#{", which makes Liquidsoap drop the request
}

// A Controller drives a station from its layout. Before Liquidsoap first
// starts, a station writes its music playlists (Liquidsoap reads them at
// start-up); while it runs, SyncPlaylist rewrites and reloads one. Push
// checks what it would send before it sends anything, so the checks below
// need no running Liquidsoap.
func ExampleController() {
	dir, err := os.MkdirTemp("", "radio")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	st := &streamer.Station{
		Name:      "Example FM",
		Socket:    filepath.Join(dir, "liquidsoap.sock"),
		Dummy:     true,
		Playlists: []streamer.Playlist{{ID: "music", Path: filepath.Join(dir, "music.m3u")}},
	}
	c, err := streamer.NewController(streamer.ControllerConfig{Station: st})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	if err := c.WritePlaylist("music", []string{"/music/a.mp3", "#1 hit.mp3"}); err != nil {
		panic(err)
	}
	m3u, err := os.ReadFile(filepath.Join(dir, "music.m3u"))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(m3u))

	ctx := context.Background()
	err = c.Push(ctx, filepath.Join(dir, "gone.mp3"))
	fmt.Println(errors.Is(err, os.ErrNotExist))
	err = c.Push(ctx, "/music/a.mp3\ndealer.skip")
	var ae *streamer.ArgError
	fmt.Println(errors.As(err, &ae))
	// Output:
	// #EXTM3U
	// /music/a.mp3
	// ./#1 hit.mp3
	// true
	// true
}
