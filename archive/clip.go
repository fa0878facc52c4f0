package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CutType is how a cut is made (wubloader's type= parameter).
type CutType string

// The cut types. Only CutRough needs no media tool: the others run ffmpeg
// through a Media implementation (archive/media).
const (
	// CutRough concatenates whole segments: it may start up to a segment
	// early and end up to a segment late.
	CutRough CutType = "rough"
	// CutFast re-encodes only the first and last segment of each range,
	// mimicking the source's codecs without B-frames, and copies the
	// middle byte for byte. Timestamps stay the source's.
	CutFast CutType = "fast"
	// CutSmart is CutFast with timestamps rewritten to start near 0 and
	// run on without jumps across parts and ranges.
	CutSmart CutType = "smart"
	// CutMPEGTS re-encodes everything to H.264 and AAC in MPEG-TS.
	CutMPEGTS CutType = "mpegts"
	// CutWebM re-encodes everything to VP9 and Opus in WebM.
	CutWebM CutType = "webm"
	// CutMP4 re-encodes everything to H.264 and AAC in fragmented MP4,
	// which streams without a temporary file.
	CutMP4 CutType = "mp4"
)

// CutTypes lists every cut type, rough first.
var CutTypes = []CutType{CutRough, CutFast, CutSmart, CutMPEGTS, CutWebM, CutMP4}

// ParseCutType reads a cut type; "" is CutRough.
func ParseCutType(s string) (CutType, error) {
	if s == "" {
		return CutRough, nil
	}
	if t := CutType(s); slices.Contains(CutTypes, t) {
		return t, nil
	}
	names := make([]string, len(CutTypes))
	for i, t := range CutTypes {
		names[i] = string(t)
	}
	return "", &ClipError{Param: "type", Value: s, Reason: "want one of " + strings.Join(names, ", ")}
}

// FullEncode reports whether t re-encodes every frame, the only types
// that take transitions.
func (t CutType) FullEncode() bool { return t == CutMPEGTS || t == CutWebM || t == CutMP4 }

// ContentType is the MIME type of a cut of type t.
func (t CutType) ContentType() string {
	switch t {
	case CutWebM:
		return "video/webm"
	case CutMP4:
		return "video/mp4"
	}
	return "video/MP2T"
}

// Transition joins one range of a cut to the next. The zero value is a
// hard cut.
type Transition struct {
	// Type is one of the transitions of ffmpeg's xfade filter
	// (XfadeTransitions); the audio is cross-faded alongside.
	Type     string
	Duration time.Duration
}

// MaxTransition bounds the duration of one transition.
const MaxTransition = time.Minute

// XfadeTransitions are the transitions that ffmpeg 5.1's xfade filter
// knows, the only ones a cut accepts: names from a request never reach a
// filter graph unless they are in this list.
var XfadeTransitions = []string{
	"fade", "wipeleft", "wiperight", "wipeup", "wipedown",
	"slideleft", "slideright", "slideup", "slidedown",
	"circlecrop", "rectcrop", "distance", "fadeblack", "fadewhite",
	"radial", "smoothleft", "smoothright", "smoothup", "smoothdown",
	"circleopen", "circleclose", "vertopen", "vertclose", "horzopen", "horzclose",
	"dissolve", "pixelize", "diagtl", "diagtr", "diagbl", "diagbr",
	"hlslice", "hrslice", "vuslice", "vdslice", "hblur", "fadegrays",
	"wipetl", "wipetr", "wipebl", "wipebr", "squeezeh", "squeezev",
	"zoomin", "fadefast", "fadeslow",
}

// ParseTransition reads wubloader's transition=TYPE,DURATION (seconds);
// "" is a hard cut.
func ParseTransition(s string) (Transition, error) {
	if s == "" {
		return Transition{}, nil
	}
	name, dur, ok := strings.Cut(s, ",")
	if !ok {
		return Transition{}, &ClipError{Param: "transition", Value: s, Reason: "want TYPE,DURATION or nothing for a hard cut"}
	}
	if !slices.Contains(XfadeTransitions, name) {
		return Transition{}, &ClipError{Param: "transition", Value: s, Reason: "unknown transition type " + strconv.Quote(name)}
	}
	sec, err := strconv.ParseFloat(dur, 64)
	if err != nil || !(sec > 0) || sec > MaxTransition.Seconds() {
		return Transition{}, &ClipError{Param: "transition", Value: s, Reason: fmt.Sprintf("duration must be seconds above 0 and at most %v", MaxTransition)}
	}
	return Transition{Type: name, Duration: time.Duration(sec * float64(time.Second))}, nil
}

// ImageSize is the size of a rendered image in pixels.
type ImageSize struct{ Width, Height int }

// MaxImageSide bounds each side of a waveform image.
const MaxImageSide = 4096

// ParseImageSize reads WIDTHxHEIGHT, each side 1..MaxImageSide.
func ParseImageSize(s string) (ImageSize, error) {
	ws, hs, ok := strings.Cut(s, "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w < 1 || h < 1 || w > MaxImageSide || h > MaxImageSide {
		return ImageSize{}, &ClipError{Param: "size", Value: s, Reason: fmt.Sprintf("want WIDTHxHEIGHT, each side 1 to %d", MaxImageSide)}
	}
	return ImageSize{Width: w, Height: h}, nil
}

// ClipError reports a bad parameter of a cut, frame, waveform or export:
// a 400 over HTTP.
type ClipError struct {
	Param, Value string
	Reason       string
}

func (e *ClipError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("archive: bad %s: %s", e.Param, e.Reason)
	}
	return fmt.Sprintf("archive: bad %s %q: %s", e.Param, e.Value, e.Reason)
}

// Errors a Media implementation returns for the Handler to map to a status.
var (
	// ErrBusy reports that every media process slot stayed taken for the
	// whole wait: 503 with Retry-After over HTTP.
	ErrBusy = errors.New("archive: media processes busy")
	// ErrUnsupported reports an operation the media tools installed cannot
	// do (an encoder missing, a source codec without an encoder): 501.
	ErrUnsupported = errors.New("archive: not supported by the installed media tools")
	// ErrNoVideo reports a frame asked of a variant without video, or a
	// waveform of one without audio: 406.
	ErrNoVideo = errors.New("archive: no such media stream in the source")
)

// BusyError is ErrBusy with the time after which a retry may succeed.
type BusyError struct{ RetryAfter time.Duration }

func (e *BusyError) Error() string {
	return fmt.Sprintf("archive: media processes busy; retry after %v", e.RetryAfter)
}

// Unwrap makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Unwrap() error { return ErrBusy }

// SegmentOpener is the one store call that media operations make.
type SegmentOpener interface {
	Open(ctx context.Context, seg Segment) (io.ReadSeekCloser, error)
}

// CutOptions says how to make a cut.
type CutOptions struct {
	Type CutType
	// Transitions join range i to range i+1; missing entries are hard
	// cuts. Only full encodes take transitions other than hard cuts.
	Transitions []Transition
}

// Media is what the Handler asks of a media tool: cuts other than rough,
// frames, waveforms and exports. archive/media implements it over the real
// ffmpeg; a Handler without one serves everything else and answers 501 for
// these. Every method writes its output to w as it is produced and
// writes nothing before the output's first bytes are ready, so a failure
// before then can still be reported cleanly.
type Media interface {
	// Cut writes the cut of ranges (one timeline per range, holes
	// allowed only if the caller selected them so).
	Cut(ctx context.Context, src SegmentOpener, ranges []Timeline, opts CutOptions, w io.Writer) error
	// Frame writes, as PNG at the source's size, the frame shown at at,
	// which lies in tl.
	Frame(ctx context.Context, src SegmentOpener, tl Timeline, at time.Time, w io.Writer) error
	// Waveform writes, as PNG, the audio waveform of tl's range.
	Waveform(ctx context.Context, src SegmentOpener, tl Timeline, size ImageSize, w io.Writer) error
	// Export writes tl's segments, which must join without holes, as one
	// Matroska file of the source's codecs (no re-encoding).
	Export(ctx context.Context, src SegmentOpener, tl Timeline, w io.Writer) error
}

// Runs splits a timeline at its holes into timelines that each join
// without holes, dropping empty ones: the pieces an export writes.
func (t Timeline) Runs() []Timeline {
	var runs []Timeline
	var cur []Item
	flush := func() {
		if len(cur) == 0 {
			return
		}
		q := t.Query
		if s := cur[0].Start; s.After(q.Start) {
			q.Start = s
		}
		if e := cur[len(cur)-1].End; e.Before(q.End) {
			q.End = e
		}
		runs = append(runs, Timeline{Query: q, Items: cur})
		cur = nil
	}
	for _, it := range t.Items {
		if it.Hole {
			flush()
			continue
		}
		cur = append(cur, it)
	}
	flush()
	return runs
}

// WithNext returns tl with the segment that follows it appended, when one
// is stored and adjoins tl's last segment. A full-encode cut reads it for
// the audio that muxers interleave ahead of the video: a range that ends on
// a segment's edge has its last audio frames at the start of the next
// segment. Query is unchanged, so the cut still ends at its end.
func (s *Selector) WithNext(ctx context.Context, tl Timeline) (Timeline, error) {
	if len(tl.Items) == 0 || tl.Items[len(tl.Items)-1].Hole {
		return tl, nil
	}
	last := tl.Items[len(tl.Items)-1]
	if last.Segment.Type != Full {
		return tl, nil
	}
	next, err := s.Best(ctx, Query{Stream: tl.Query.Stream, Variant: tl.Query.Variant, Start: last.End, End: last.End.Add(time.Microsecond)})
	if err != nil {
		return tl, err
	}
	if len(next.Items) == 0 || next.Items[0].Hole {
		return tl, nil
	}
	it := next.Items[0]
	if d := it.Segment.Start.Sub(last.End); d > allowableGap || d < -allowableOverlap {
		return tl, nil
	}
	out := tl
	out.Items = append(append([]Item(nil), tl.Items...), it)
	return out, nil
}
