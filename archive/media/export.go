package media

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/airkeep/airkeep/archive"
)

// Export writes tl's segments, which must join without holes, as one
// Matroska file with the source's codecs copied: wubloader's
// generate_videos and "archive" cut. Split a timeline with holes with
// Timeline.Runs first. Given an *os.File, it writes a complete, seekable
// Matroska file; other writers get a streamed one, which Matroska allows
// only for sources whose codec configuration is known up front (not the
// AAC of MPEG-TS).
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
	p, err := f.probe(ctx, src, list[0])
	if err != nil {
		return err
	}
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-i", "pipe:0",
		"-map", "0:v?", "-map", "0:a?", "-c", "copy"}
	args = append(args, "-f", "matroska")
	if file, ok := w.(*os.File); ok {
		if _, err := file.Seek(0, io.SeekCurrent); err == nil {
			// A seekable file gets a whole Matroska file: cues, and the
			// codec configuration written back into the header. The
			// process reaches it as an inherited descriptor.
			args = append(args, "-y", "/dev/fd/3")
			return f.execFiles(ctx, f.ffmpeg, args, []input{feedSegments(src, list)}, []*os.File{file}, io.Discard)
		}
	}
	if p.audio != nil && p.audio.CodecName == "aac" {
		return fmt.Errorf("media: a Matroska export of AAC audio needs a seekable file to write to: %w", archive.ErrUnsupported)
	}
	args = append(args, "pipe:1")
	return f.exec(ctx, f.ffmpeg, args, []input{feedSegments(src, list)}, w)
}
