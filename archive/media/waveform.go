package media

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/airkeep/airkeep/archive"
)

// MaxWaveform bounds the range of one waveform, as wubloader does.
const MaxWaveform = 6 * 3600 // seconds

// Waveform writes, as PNG, the audio waveform of tl's range: black on a
// transparent background, as wubloader draws it. Holes are left out, so
// the image is of the audio that is stored.
func (f *FFmpeg) Waveform(ctx context.Context, src archive.SegmentOpener, tl archive.Timeline, size archive.ImageSize, w io.Writer) error {
	if size.Width < 1 || size.Height < 1 || size.Width > archive.MaxImageSide || size.Height > archive.MaxImageSide {
		return &archive.ClipError{Param: "size", Value: fmt.Sprintf("%dx%d", size.Width, size.Height), Reason: fmt.Sprintf("each side 1 to %d", archive.MaxImageSide)}
	}
	if d := tl.Query.End.Sub(tl.Query.Start).Seconds(); d > MaxWaveform {
		return &archive.ClipError{Param: "range", Reason: "a waveform's range may not be longer than 6 hours"}
	}
	runs := runsOf(tl)
	if len(runs) == 0 {
		return fmt.Errorf("media: nothing stored in the range: %w", archive.ErrHoles)
	}
	release, err := f.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	first := runs[0].segs[0]
	p, err := f.probe(ctx, src, first)
	if err != nil {
		return err
	}
	if p.audio == nil {
		return fmt.Errorf("media: %s has no audio: %w", first.Path(), archive.ErrNoVideo)
	}
	var segs []archive.Segment
	for _, r := range runs {
		segs = append(segs, r.segs...)
	}
	filter := "[0:a:0]"
	if len(runs) == 1 {
		// Without holes the source's clock runs on: cut to the range.
		r := runs[0]
		filter += fmt.Sprintf("atrim=start=%s:end=%s,", secs(p.at(first, r.start)), secs(p.at(first, r.end)))
	}
	// showwavespic keeps every sample until the end: a low rate, enough
	// for the image's width, bounds its memory over six hours.
	dur := tl.Query.End.Sub(tl.Query.Start).Seconds()
	rate := int(math.Min(8000, math.Max(1000, math.Ceil(float64(size.Width)*200/dur))))
	filter += "aresample=" + strconv.Itoa(rate) + ",aformat=sample_fmts=s16:channel_layouts=mono," +
		fmt.Sprintf("showwavespic=s=%dx%d:colors=black:scale=sqrt[out]", size.Width, size.Height)
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-copyts", "-i", "pipe:0",
		"-filter_complex", filter, "-map", "[out]", "-frames:v", "1", "-c:v", "png", "-f", "image2pipe", "pipe:1"}
	return f.exec(ctx, f.ffmpeg, args, []input{feedSegments(src, segs)}, w)
}
