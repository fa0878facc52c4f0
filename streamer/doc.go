// Package streamer controls a radio station's Liquidsoap: a safe client for
// its command server, the station's script generated from a Go value and
// checked by the real binary, a supervisor that keeps the process alive,
// and a Controller that tells a diffusion monitor what is on air and feeds
// its queue.
//
// It targets Liquidsoap 2.1 as Debian ships it (2.1.3) and renders scripts
// in the syntax 2.2 and later still accept.
//
// # The station
//
// A Station describes the graph: a live harbor input (optional), the
// dealer queue the controller feeds, music playlists (m3u files or
// directories, shuffled, reloaded on change), blank() last, in a fallback
// that is not track-sensitive; and its outputs: Icecast, an hourly file
// archive, HLS files (output.file.hls works in the Debian build), a dummy
// output. Station.Script renders it; Check runs liquidsoap --check on it.
// Every string reaches the script through one escaping function; values
// holding "#{", which Liquidsoap evaluates as code in any string literal,
// are refused, and passwords travel in the environment, not the script.
//
// # On-air safety
//
// Station.DeadAir watches every source and the final output for silence:
// a silent source is skipped (blank.strip) and an emergency playlist covers
// it; Station.Jingles plays station IDs between music tracks, every N
// tracks or after given seconds of the hour; Station.Crossfade fades music
// tracks into each other; Live.Slots opens the harbor only to the
// credentials the controller sets for the current slot (OpenLive,
// CloseLive, which also disconnects the client). The script keeps an event
// log of what happened on air (silence starting and ending, with its true
// start; tracks, jingles, emergency tracks; live connections, refusals and
// metadata); Controller.Watch hands each AirEvent over once, and an
// AirRestart when Liquidsoap restarted, so that a consumer closes what was
// open.
//
//	go ctl.Watch(ctx, streamer.WatchConfig{}, func(e streamer.AirEvent) {
//		if e.Kind == streamer.AirBlankStart { alert(e.Source(), e.Time) }
//	})
//
// # Running it
//
//	st := &streamer.Station{
//		Name:      "Radio Example",
//		Socket:    "/run/radio/liquidsoap.sock",
//		Playlists: []streamer.Playlist{{ID: "music", Path: "/srv/radio/music.m3u"}},
//		Icecast:   []streamer.Icecast{{Mount: "/radio.mp3", Password: secret}},
//	}
//	proc, err := streamer.NewProcess(streamer.ProcessConfig{Station: st, Logger: logger})
//	…
//	go proc.Run(ctx) // starts, waits until the server answers, restarts after a crash
//
//	ctl, err := streamer.NewController(streamer.ControllerConfig{Station: st})
//	…
//	err = ctl.Push(ctx, "/srv/radio/shows/2026-11-23.mp3")
//	source, uri, airTime, err := ctl.OnAir(ctx)
//	gen, err := ctl.Generation(ctx) // changes when Liquidsoap restarted
//
// Process writes the script, starts liquidsoap in its own process group
// (killed with its supervisor on Linux), forwards its log lines to the
// slog.Logger, removes a stale socket, refuses to start a second server on
// a socket, restarts after a crash with backoff and a budget, and stops it
// with SIGTERM then SIGKILL.
//
// # The client
//
// Client speaks the command server's protocol over a unix socket or
// telnet: one command at a time per connection, a deadline on every call,
// size-bounded replies, reconnection with backoff, and a generation counter
// that changes when the server is a new process (whose queues are empty).
// Commands and arguments holding CR, LF, NUL or another control character
// are refused with an *ArgError before anything is sent: a bare CR splits
// a command in two on Liquidsoap's side.
//
//	c, err := streamer.NewClient(streamer.ClientConfig{Socket: "/run/radio/liquidsoap.sock"})
//	rid, err := c.Push(ctx, "dealer", `/srv/shows/it's "live" #1.mp3`)
//	m, err := c.Metadata(ctx, rid) // m.URI is the string pushed, unchanged
//
// Liquidsoap reports errors in band ("ERROR: unknown command", "No such
// request."): they come back as *ServerError, matching ErrUnknownCommand
// or ErrNoSuchRequest; replies of an unexpected shape as *ParseError with
// the raw reply.
//
// Times: Liquidsoap writes on_air as zone-less local time; Metadata.AirTime
// comes from on_air_timestamp when present and from on_air read in
// ClientConfig.Location otherwise.
package streamer
