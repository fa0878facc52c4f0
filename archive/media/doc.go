// Package media makes clips out of an archive with the real ffmpeg and
// ffprobe: the cut types of wubloader's restreamer beyond rough (fast,
// smart, and full encodes to MPEG-TS, WebM and fragmented MP4, with xfade
// transitions between ranges), the frame shown at an instant, the audio
// waveform of a range, and Matroska exports. FFmpeg implements
// archive.Media, so an archive.Handler given one serves /cut of every type,
// /frame, /waveform and /generate_videos:
//
//	tools, err := media.New(ctx, media.Config{})  // ffmpeg and ffprobe from PATH
//	defer tools.Close()
//	h := archive.NewHandler(store, archive.HandlerConfig{Media: tools})
//
// or, as a library call writing to any io.Writer:
//
//	tl, err := sel.Best(ctx, archive.Query{Stream: "radio", Variant: "source", Start: t1, End: t2})
//	err = tools.Cut(ctx, store, []archive.Timeline{tl}, archive.CutOptions{Type: archive.CutSmart}, out)
//
// Segments reach the processes through pipes (standard input and inherited
// descriptors), never as file names, and every argument is built from
// validated values: cut types and transitions from fixed lists, sizes
// bounded, times formatted by this package. Operations take one of a
// bounded number of slots (Config.MaxProcesses); one that waits longer than
// Config.QueueWait fails with *archive.BusyError. A process ends at once
// when its context ends, when its output cannot be written, or at Close.
// Its standard error goes to the log, bounded.
//
// Accuracy: for every type but rough, the first video frame is the frame
// shown at the start and the last the one shown just before the end; the
// audio starts and ends with the range within one audio frame (plus the
// encoder's padding of its last frame). A full encode shows the first
// frame from 0 for what is left of its time. Fast and smart cuts re-encode
// only the first and last segment of each range (without B-frames, with
// the source's codecs and PIDs, keeping its timestamps) and copy the rest
// byte for byte, so the middle keeps the source's GOP structure and
// quality. Fast leaves the timestamps as the source has them, jumps
// between ranges and holes included; where the source has B-frames, decode
// times may step back at the joins. Smart rewrites PCR, PTS, DTS and
// continuity counters so the output's clock starts at 0 and runs on across
// parts and ranges with decode times always increasing. When a range ends
// exactly on a segment's edge in a source that muxes audio ahead of its
// video (B-frames: 80 ms in ffmpeg's HLS output), fast and smart cuts end
// that much audio early, as those frames live in the next segment; full
// encodes read it (archive.Selector.WithNext).
package media
