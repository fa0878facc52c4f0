// Package airkeep keeps what goes on air.
//
// airkeep is a Go library for radio stations and archivists of live streams.
// It records live HLS streams into a content-addressed segment archive that
// several nodes fill for each other, and it drives a station's Liquidsoap and
// checks that the broadcast schedule really goes out. The module is four
// packages, each usable on its own:
//
//   - archive: the segment store. Its on-disk layout and file names are
//     byte-compatible with wubloader's
//     (STREAM/VARIANT/YYYY-MM-DDTHH/MM:SS.ffffff-DURATION-TYPE-HASH.ts), so
//     airkeep nodes and wubloader nodes can serve and backfill each other.
//     It selects the best segments for a time range, cuts, serves them over
//     HTTP and backfills from peers.
//   - hls: the capture engine that records live HLS into an archive.Store.
//   - streamer: a Liquidsoap controller (script generation, process
//     supervision, a safe client for its command server).
//   - schedule: programs, recurring schedules, diffusions and the monitor that
//     starts them on time and keeps an as-run log. Its sub-package
//     schedule/stationfile reads a whole station from a TOML file into
//     schedule's and streamer's types, and schedule/stationapi serves what
//     is on air and the as-run log over HTTP.
//
// This root package holds what they share: the Clock. Every component takes
// a Clock in its Config (nil means SystemClock()), so that tests drive time
// with a FakeClock and never sleep:
//
//	clock := airkeep.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	go component.Run(ctx)      // component built with Config{Clock: clock}
//	clock.BlockUntil(1)        // it is now waiting on a timer
//	clock.Advance(time.Second) // and that timer fires
//
// The example programs under examples/ are thin command-line tools over the
// packages; see README.md for a quick start.
package airkeep
