// Package schedule runs a radio station's programme: recurring schedules,
// the diffusions they yield, the monitor that starts each one on time on
// the playout (Liquidsoap, through the Player interface) and an as-run log
// that proves afterwards what aired.
//
// It follows aircox's model and rules, so a station that knows aircox
// finds its way: a Station has Programs; a Program has Schedules (aircox's
// frequencies: first..fourth, last, first_and_third, second_and_fourth,
// every, one_on_two, ponctual; each in its own IANA zone, with reruns);
// schedules yield Diffusions of Episodes; episodes have Sounds (archive
// files to play) and Tracks (music inside them, for royalty reports); the
// monitor writes Logs.
//
// The steps a station runs:
//
//	store, _ := sqlitestore.New(ctx, sqlitestore.Config{Path: "station.db"})
//	// 0. Sync the station's definition (idempotent; what it no longer holds is retired);
//	// schedule/stationfile reads it from a TOML file and syncs it.
//	synced, _ := schedule.SyncStation(ctx, store, schedule.SyncRequest{Station: st, Programs: defs, Now: now})
//	// 1. Materialize the coming weeks (idempotent: run it daily, or keep a Generator running).
//	rep, _ := schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: st.ID, From: now, To: now.AddDate(0, 0, 28)})
//	// rep.Conflicts lists overlapping diffusions; PairConflicts groups them by pair of schedules.
//	// 2. Run the monitor against the player (streamer.Controller, or a SimPlayer for a dry run).
//	m, _ := schedule.New(schedule.Config{Store: store, Player: player, StationID: st.ID, Logger: logger})
//	go m.Run(ctx)
//	// 3. Report what aired (schedule/stationapi serves it over HTTP).
//	schedule.ExportAsRunCSV(ctx, w, store, st, from, to)
//	now, _ := schedule.NowPlaying(ctx, store, st.ID, time.Now())
//	// 4. Prove it: scheduled, as-run and recorded, side by side (the
//	// recording comes in through a Coverage function, from the archive).
//	proof, _ := schedule.BuildProof(ctx, store, schedule.ProofRequest{Station: st, From: from, To: to, Now: now, Coverage: cov})
//
// Time. Instants are stored in UTC. A schedule's occurrences are computed
// afresh from its local date and time in its zone; a start in a
// spring-forward gap moves forward by the gap, an ambiguous fall-back start
// takes the standard-time occurrence (LocalInstant), and End = Start +
// Duration in real time. The monitor reads time only from its
// airkeep.Clock, so tests and simulations drive it with a FakeClock and
// Monitor.Tick.
//
// Crash safety. Every decision of the monitor is derived from the Store,
// whose commands are atomic compare-and-sets: a diffusion starts at most
// once (START is written as an intent before the push and confirmed
// after), is cancelled or missed at most once, and an on-air observation is
// logged once. Kill the monitor, the player or both at any instant: a new
// monitor resumes, re-pushing only what the player lacks.
//
// Stores: MemStore (tests, dry runs) here, and schedule/sqlitestore (the
// embedded default, pure Go) in its own package, so that importing schedule
// links no database driver. Each consumer asks only for what it calls
// (MonitorStore, GenerateStore, AsRunStore, NowPlayingStore, SyncStore);
// Store composes them, and schedule/scheduletest is the conformance suite
// any Store must pass.
//
// On-air safety. Air turns what the playout reports of its air (streamer's
// Controller.Watch) into the as-run log: dead air as LogDeadAir and
// LogDeadAirEnd (one as-run entry with start and end; a player restart
// closes it with a comment), jingles as LogJingle, emergency sounds as
// ON_AIR; it posts each dead-air start and end to an optional Webhook
// (retried with backoff from Air.Run, never blocking Report), and runs the
// live slots (LiveConfig): the harbor takes a live program's credentials
// during its diffusion only, disconnects the client at its end, settles a
// slot nobody came to MISSED after a grace time, and logs the live
// source's titles as tracks of the diffusion.
//
//	air, _ := schedule.NewAir(schedule.AirConfig{Store: store, StationID: st.ID,
//		Webhook: &schedule.Webhook{URL: "https://ops.example/dead-air"},
//		Live: &schedule.LiveConfig{Store: store, Player: ctl, Programs: creds}})
//	go air.Run(ctx)
//	err := air.Report(ctx, schedule.AirEvent{Kind: schedule.DeadAirStart, Time: t, Source: "dealer"})
//
// A Sound's Duration is what ends it in the as-run log and tells the
// monitor whether a cut sound must be pushed again; schedule/audio reads it
// from the file (WAV, MP3, FLAC, Ogg Vorbis and Opus), with the tags that
// SyncTagTracks turns into a song's track (title, artist, album, label,
// ISRC).
//
// Reports. Plays picks the recordings of an as-run log and gives each its
// audience from the listener samples that schedule/listeners takes from
// Icecast (kept by a ListenerStore); WritePlaysCSV, WriteSoundExchange (a
// Report of Use) and WriteProgramsCSV (scheduled against aired, missed,
// dead air, coverage) write them, and a play missing a field is counted
// in the ReportSummary, never dropped. schedule/seal chains every log
// entry by SHA-256 into a SealStore and cites the archive segments
// recorded while it aired, so that an edit of the past shows.
package schedule
