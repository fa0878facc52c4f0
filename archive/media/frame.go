package media

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/airkeep/airkeep/archive"
)

// Frame writes the frame shown at at, as PNG at the source's size: the
// last frame whose presentation time is not after at.
func (f *FFmpeg) Frame(ctx context.Context, src archive.SegmentOpener, tl archive.Timeline, at time.Time, w io.Writer) error {
	var seg archive.Segment
	found := false
	for _, it := range tl.Items {
		if !it.Hole && !at.Before(it.Segment.Start) && at.Before(it.Segment.End()) {
			seg, found = it.Segment, true
			break
		}
	}
	if !found {
		return fmt.Errorf("media: no segment holds %s: %w", at.Format(time.RFC3339Nano), archive.ErrHoles)
	}
	release, err := f.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	p, err := f.probe(ctx, src, seg)
	if err != nil {
		return err
	}
	if p.video == nil {
		return fmt.Errorf("media: %s has no video: %w", seg.Path(), archive.ErrNoVideo)
	}
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-copyts", "-i", "pipe:0",
		"-map", "0:v:0", "-filter:v", "trim=start=" + secs(videoFrom(p.at(seg, at), p.video.frameDur())),
		"-frames:v", "1", "-c:v", "png", "-f", "image2pipe", "pipe:1"}
	return f.exec(ctx, f.ffmpeg, args, []input{feedSegments(src, []archive.Segment{seg})}, w)
}
