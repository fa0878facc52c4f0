package media

import (
	"context"
	"fmt"
	"io"

	"github.com/airkeep/airkeep/archive"
)

// Export writes tl's segments, which must join without holes, as one
// Matroska file with the source's codecs copied: wubloader's
// generate_videos and "archive" cut. Split a timeline with holes with
// Timeline.Runs first.
func (f *FFmpeg) Export(ctx context.Context, src archive.SegmentOpener, tl archive.Timeline, w io.Writer) error {
	if tl.HasHoles() {
		return fmt.Errorf("media: export of a timeline with holes: split it with Runs: %w", archive.ErrHoles)
	}
	segs := tl.Segments()
	if len(segs) == 0 {
		return fmt.Errorf("media: nothing stored in the range: %w", archive.ErrHoles)
	}
	release, err := f.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	list := make([]archive.Segment, len(segs))
	for i, e := range segs {
		list[i] = e.Segment
	}
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-i", "pipe:0",
		"-map", "0:v?", "-map", "0:a?", "-c", "copy", "-f", "matroska", "pipe:1"}
	return f.exec(ctx, f.ffmpeg, args, []input{feedSegments(src, list)}, w)
}
