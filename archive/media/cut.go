package media

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/airkeep/airkeep/archive"
)

// edgeSlack is how close to a segment's edge a cut point counts as on the
// edge: names carry microseconds, and a cut a millisecond into a segment
// is still its first frame.
const edgeSlack = time.Millisecond

// tsSlack, in ticks, absorbs the rounding of broadcast times to media
// times when deciding which frame a time falls in.
const tsSlack = 3

// run is a contiguous piece of one range: segments that join without a
// hole, and the part of them the cut keeps.
type run struct {
	segs       []archive.Segment
	start, end time.Time
}

func runsOf(tl archive.Timeline) []run {
	var runs []run
	for _, r := range tl.Runs() {
		var segs []archive.Segment
		for _, it := range r.Items {
			segs = append(segs, it.Segment)
		}
		start, end := r.Query.Start, r.Query.End
		if s := segs[0].Start; s.After(start) {
			start = s
		}
		if e := segs[len(segs)-1].End(); e.Before(end) {
			end = e
		}
		if end.After(start) {
			runs = append(runs, run{segs: segs, start: start, end: end})
		}
	}
	return runs
}

// Cut writes a cut of the given type. Rough cuts run no process.
func (f *FFmpeg) Cut(ctx context.Context, src archive.SegmentOpener, ranges []archive.Timeline, opts archive.CutOptions, w io.Writer) error {
	if err := checkCut(ranges, opts); err != nil {
		return err
	}
	if opts.Type == archive.CutRough {
		for _, tl := range ranges {
			if _, err := archive.RoughCut(ctx, src, tl, w); err != nil {
				return err
			}
		}
		return nil
	}
	release, err := f.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	switch opts.Type {
	case archive.CutFast, archive.CutSmart:
		return f.fastCut(ctx, src, ranges, opts.Type == archive.CutSmart, w)
	}
	return f.fullCut(ctx, src, ranges, opts, w)
}

func checkCut(ranges []archive.Timeline, opts archive.CutOptions) error {
	if _, err := archive.ParseCutType(string(opts.Type)); err != nil {
		return err
	}
	if len(ranges) == 0 {
		return &archive.ClipError{Param: "range", Reason: "no range to cut"}
	}
	if len(opts.Transitions) > len(ranges)-1 {
		return &archive.ClipError{Param: "transition", Reason: fmt.Sprintf("%d transitions for %d ranges: at most one between two ranges", len(opts.Transitions), len(ranges))}
	}
	for i, t := range opts.Transitions {
		if t.Type == "" {
			continue
		}
		if !opts.Type.FullEncode() {
			return &archive.ClipError{Param: "transition", Value: t.Type, Reason: "transitions need a full encode (type mpegts, webm or mp4)"}
		}
		if t.Duration >= ranges[i].Query.End.Sub(ranges[i].Query.Start) || t.Duration >= ranges[i+1].Query.End.Sub(ranges[i+1].Query.Start) {
			return &archive.ClipError{Param: "transition", Value: t.Type, Reason: "a transition must be shorter than the ranges it joins"}
		}
	}
	for _, tl := range ranges {
		if len(runsOf(tl)) == 0 {
			return fmt.Errorf("media: nothing stored between %s and %s: %w", tl.Query.Start.Format(time.RFC3339Nano), tl.Query.End.Format(time.RFC3339Nano), archive.ErrHoles)
		}
	}
	return nil
}

// mimic names the encoder that writes a source codec, for the parts of a
// fast cut that are re-encoded.
var mimic = map[string]string{
	"h264": "libx264", "hevc": "libx265", "mpeg2video": "mpeg2video",
	"aac": "aac", "mp3": "libmp3lame", "mp2": "mp2", "ac3": "ac3", "opus": "libopus",
}

func (f *FFmpeg) encoderFor(s *streamInfo) (string, error) {
	enc, ok := mimic[s.CodecName]
	if !ok || !f.encoders[enc] {
		return "", fmt.Errorf("media: re-encoding %s needs an encoder ffmpeg lacks: %w", s.CodecName, archive.ErrUnsupported)
	}
	return enc, nil
}

// fastCut copies the middle of each run and re-encodes its first and last
// segments where the range starts or ends inside them; smart rewrites the
// timestamps of the whole so they run on from 0.
func (f *FFmpeg) fastCut(ctx context.Context, src archive.SegmentOpener, ranges []archive.Timeline, smart bool, w io.Writer) error {
	var rw *tsRewriter
	out := w
	if smart {
		rw = newTSRewriter(w)
		out = rw
	}
	var cursor int64
	for _, tl := range ranges {
		for _, r := range runsOf(tl) {
			for len(r.segs) > 1 && !r.segs[len(r.segs)-1].Start.Before(r.end) {
				r.segs = r.segs[:len(r.segs)-1]
			}
			first, last := r.segs[0], r.segs[len(r.segs)-1]
			pf, err := f.probe(ctx, src, first)
			if err != nil {
				return err
			}
			// A segment cut at a keyframe may still hold audio from before
			// it (muxers interleave audio ahead of B-frame video): that
			// audio is not in the range, so the segment is re-encoded too.
			reFirst := r.start.Sub(first.Start) >= edgeSlack || pf.audioLead() > audioSlack
			reLast := last.End().Sub(r.end) >= edgeSlack
			var pl probeInfo
			if len(r.segs) == 1 {
				pl = pf
			} else if reLast {
				if pl, err = f.probe(ctx, src, last); err != nil {
					return err
				}
			}
			if smart {
				origin := pf.at(first, r.start)
				rw.part(cursor - origin)
				cursor += ticks(r.end.Sub(r.start))
			}
			if len(r.segs) == 1 {
				if reFirst || reLast {
					err = f.encodePart(ctx, src, first, pf, r.start, r.end, reFirst, reLast, out)
				} else {
					err = f.copySegments(ctx, src, r.segs, out)
				}
				if err != nil {
					return err
				}
				continue
			}
			if reFirst {
				err = f.encodePart(ctx, src, first, pf, r.start, r.end, true, false, out)
			} else {
				err = f.copySegments(ctx, src, r.segs[:1], out)
			}
			if err != nil {
				return err
			}
			if err := f.copySegments(ctx, src, r.segs[1:len(r.segs)-1], out); err != nil {
				return err
			}
			if reLast {
				err = f.encodePart(ctx, src, last, pl, r.start, r.end, false, true, out)
			} else {
				err = f.copySegments(ctx, src, r.segs[len(r.segs)-1:], out)
			}
			if err != nil {
				return err
			}
		}
	}
	if rw != nil {
		return rw.Flush()
	}
	return nil
}

func (f *FFmpeg) copySegments(ctx context.Context, src archive.SegmentOpener, segs []archive.Segment, w io.Writer) error {
	for _, s := range segs {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := src.Open(ctx, s)
		if err != nil {
			return fmt.Errorf("media: open %s: %w", s.Path(), err)
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return fmt.Errorf("media: writing output: %w", err)
		}
	}
	return nil
}

// videoFrom is the trim start that keeps the frame shown at media time t
// and those after: frames whose PTS is after t less one frame.
func videoFrom(t int64, fd time.Duration) int64 { return t - ticks(fd) + tsSlack }

// videoTo is the trim end that keeps the frames shown before media time t.
func videoTo(t int64) int64 { return t - tsSlack + 1 }

// encodePart re-encodes one segment with the source's codecs, without
// B-frames, keeping its timestamps, trimmed at start and/or end.
func (f *FFmpeg) encodePart(ctx context.Context, src archive.SegmentOpener, seg archive.Segment, p probeInfo, start, end time.Time, trimStart, trimEnd bool, w io.Writer) error {
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-copyts", "-i", "pipe:0"}
	var outArgs []string
	idx := 0
	if v := p.video; v != nil {
		enc, err := f.encoderFor(v)
		if err != nil {
			return err
		}
		args = append(args, "-map", "0:v:0")
		var trim []string
		if trimStart {
			trim = append(trim, "start="+secs(videoFrom(p.at(seg, start), v.frameDur())))
		}
		if trimEnd {
			trim = append(trim, "end="+secs(videoTo(p.at(seg, end))))
		}
		// The encoder's time base is the source's, not 1/frame rate, so
		// the frames keep their exact timestamps.
		outArgs = append(outArgs, "-filter:v:0", "trim="+strings.Join(trim, ":"), "-c:v:0", enc, "-bf", "0", "-enc_time_base:v:0", "1:90000")
		if enc == "libx264" || enc == "libx265" {
			outArgs = append(outArgs, "-preset", "veryfast", "-crf", "18")
		}
		if v.PixFmt != "" {
			outArgs = append(outArgs, "-pix_fmt", v.PixFmt)
		}
		if pid := v.pid(); pid != 0 {
			outArgs = append(outArgs, "-streamid", strconv.Itoa(idx)+":"+strconv.Itoa(pid))
		}
		idx++
	}
	if a := p.audio; a != nil {
		enc, err := f.encoderFor(a)
		if err != nil {
			return err
		}
		args = append(args, "-map", "0:a:0")
		var trim []string
		if trimStart {
			trim = append(trim, "start="+secs(p.at(seg, start)))
		}
		if trimEnd {
			trim = append(trim, "end="+secs(p.at(seg, end)))
		}
		outArgs = append(outArgs, "-filter:a:0", "atrim="+strings.Join(trim, ":"), "-c:a:0", enc)
		if br, err := strconv.Atoi(a.BitRate); err == nil && br > 0 && br <= 1_000_000 {
			outArgs = append(outArgs, "-b:a:0", strconv.Itoa(br))
		}
		if pid := a.pid(); pid != 0 {
			outArgs = append(outArgs, "-streamid", strconv.Itoa(idx)+":"+strconv.Itoa(pid))
		}
	}
	args = append(args, outArgs...)
	args = append(args, "-fps_mode", "passthrough", "-f", "mpegts", "-mpegts_copyts", "1")
	if p.pmtPID > 0 && p.pmtPID < 0x1fff {
		args = append(args, "-mpegts_pmt_start_pid", strconv.Itoa(p.pmtPID))
	}
	if p.program > 0 {
		args = append(args, "-mpegts_service_id", strconv.Itoa(p.program))
	}
	args = append(args, "pipe:1")
	return f.exec(ctx, f.ffmpeg, args, []input{feedSegments(src, []archive.Segment{seg})}, w)
}

// fullEncoders are the output arguments of each full encode. Fragmented
// MP4 gets no B-frames: without an edit list (none with empty_moov) they
// would start the video a few frames after the audio.
var fullEncoders = map[archive.CutType][]string{
	archive.CutMPEGTS: {"-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "mpegts"},
	archive.CutMP4: {"-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
		"-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4"},
	archive.CutWebM: {"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1", "-crf", "32", "-b:v", "0", "-pix_fmt", "yuv420p",
		"-c:a", "libopus", "-b:a", "96k", "-ar", "48000", "-f", "webm"},
}

// fullCut decodes every run through one ffmpeg, each run on its own pipe,
// trims them, joins the ranges with hard cuts or transitions, and encodes
// the whole.
func (f *FFmpeg) fullCut(ctx context.Context, src archive.SegmentOpener, ranges []archive.Timeline, opts archive.CutOptions, w io.Writer) error {
	encArgs := fullEncoders[opts.Type]
	for i := 0; i+1 < len(encArgs); i++ {
		if encArgs[i] == "-c:v" || encArgs[i] == "-c:a" {
			if !f.encoders[encArgs[i+1]] {
				return fmt.Errorf("media: type %s needs the %s encoder: %w", opts.Type, encArgs[i+1], archive.ErrUnsupported)
			}
		}
	}
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-copyts"}
	var inputs []input
	var graph []string
	var hasVideo, hasAudio bool
	type joined struct {
		v, a string
		dur  int64 // ticks
	}
	var rangesOut []joined
	n := 0
	for ri, tl := range ranges {
		var vs, as []string
		var dur int64
		for _, r := range runsOf(tl) {
			first, last := r.segs[0], r.segs[len(r.segs)-1]
			pf, err := f.probe(ctx, src, first)
			if err != nil {
				return err
			}
			pl := pf
			if len(r.segs) > 1 {
				if pl, err = f.probe(ctx, src, last); err != nil {
					return err
				}
			}
			if n == 0 {
				hasVideo, hasAudio = pf.video != nil, pf.audio != nil
			} else if hasVideo != (pf.video != nil) || hasAudio != (pf.audio != nil) {
				return fmt.Errorf("media: %s: the streams change between runs: %w", first.Path(), archive.ErrUnsupported)
			}
			start := pf.at(first, r.start)
			end := pl.at(last, r.end)
			if d := end - pf.at(first, first.Start); d < 0 {
				// The last segment's clock wrapped past 2^33.
				end += wrap33
			}
			// Both start at the range's start: the frame shown then is
			// shown from 0, for what is left of its time.
			if n == 0 {
				args = append(args, "-i", "pipe:0")
			} else {
				args = append(args, "-i", "pipe:"+strconv.Itoa(n+2))
			}
			inputs = append(inputs, feedSegments(src, r.segs))
			if hasVideo {
				graph = append(graph, fmt.Sprintf("[%d:v:0]trim=start=%s:end=%s,setpts='max(PTS-%s/TB,0)',settb=AVTB[v%d]", n, secs(videoFrom(start, pf.video.frameDur())), secs(videoTo(end)), secs(start), n))
				vs = append(vs, fmt.Sprintf("[v%d]", n))
			}
			if hasAudio {
				graph = append(graph, fmt.Sprintf("[%d:a:0]atrim=start=%s:end=%s,asetpts=PTS-%s/TB[a%d]", n, secs(start), secs(end), secs(start), n))
				as = append(as, fmt.Sprintf("[a%d]", n))
			}
			dur += ticks(r.end.Sub(r.start))
			n++
		}
		j := joined{v: fmt.Sprintf("[rv%d]", ri), a: fmt.Sprintf("[ra%d]", ri), dur: dur}
		graph = append(graph, concat(vs, as, j.v, j.a)...)
		rangesOut = append(rangesOut, j)
	}
	cur := rangesOut[0]
	for i, next := range rangesOut[1:] {
		var t archive.Transition
		if i < len(opts.Transitions) {
			t = opts.Transitions[i]
		}
		out := joined{v: fmt.Sprintf("[jv%d]", i), a: fmt.Sprintf("[ja%d]", i)}
		if t.Type == "" {
			graph = append(graph, concat(nonEmpty(hasVideo, cur.v, next.v), nonEmpty(hasAudio, cur.a, next.a), out.v, out.a)...)
			out.dur = cur.dur + next.dur
		} else {
			d := ticks(t.Duration)
			if hasVideo {
				graph = append(graph, fmt.Sprintf("%s%sxfade=transition=%s:duration=%s:offset=%s%s", cur.v, next.v, t.Type, secs(d), secs(cur.dur-d), out.v))
			}
			if hasAudio {
				graph = append(graph, fmt.Sprintf("%s%sacrossfade=d=%s%s", cur.a, next.a, secs(d), out.a))
			}
			out.dur = cur.dur + next.dur - d
		}
		cur = out
	}
	args = append(args, "-filter_complex", strings.Join(graph, ";"))
	if hasVideo {
		args = append(args, "-map", cur.v)
	}
	if hasAudio {
		args = append(args, "-map", cur.a)
	}
	args = append(args, encArgs...)
	if hasVideo {
		// Keep the frames' exact times, which the audio is aligned to,
		// rather than rounding them to the frame rate, and never
		// duplicate or drop one.
		args = append(args, "-enc_time_base:v", "1:90000", "-fps_mode", "passthrough")
	}
	args = append(args, "pipe:1")
	return f.exec(ctx, f.ffmpeg, args, inputs, w)
}

func nonEmpty(ok bool, s ...string) []string {
	if !ok {
		return nil
	}
	return s
}

// concat joins pads end to end into outV and outA.
func concat(vs, as []string, outV, outA string) []string {
	switch {
	case len(vs) > 0 && len(as) > 0:
		var in strings.Builder
		for i := range vs {
			in.WriteString(vs[i] + as[i])
		}
		return []string{fmt.Sprintf("%sconcat=n=%d:v=1:a=1%s%s", in.String(), len(vs), outV, outA)}
	case len(vs) > 0:
		return []string{fmt.Sprintf("%sconcat=n=%d:v=1:a=0%s", strings.Join(vs, ""), len(vs), outV)}
	default:
		return []string{fmt.Sprintf("%sconcat=n=%d:v=0:a=1%s", strings.Join(as, ""), len(as), outA)}
	}
}

// audioSlack is how far, in ticks, a segment's audio may start before its
// video and the segment still be copied at a cut starting on its edge:
// one AAC frame at 48 kHz and a little.
const audioSlack = 2000
