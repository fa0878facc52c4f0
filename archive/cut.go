package archive

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// CutResult reports what a rough cut wrote.
type CutResult struct {
	Segments int
	Bytes    int64
	// Holes are the timeline's holes, which the cut skipped.
	Holes []Item
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// RoughCut writes the bytes of the timeline's segments to w, in order: the
// "rough" cut of wubloader, a byte concatenation that may overshoot the range
// by up to a segment at each end and is playable because MPEG-TS segments
// concatenate. Holes are skipped and reported; callers that must not cut
// across holes select with Query.NoHoles or check Timeline.HasHoles first.
func RoughCut(ctx context.Context, store SegmentOpener, tl Timeline, w io.Writer) (CutResult, error) {
	var res CutResult
	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	for _, it := range tl.Items {
		if it.Hole {
			res.Holes = append(res.Holes, it)
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		r, err := store.Open(ctx, it.Segment)
		if err != nil {
			return res, fmt.Errorf("archive: cut: %w", err)
		}
		n, err := io.CopyBuffer(w, r, *bufp)
		r.Close()
		res.Bytes += n
		if err != nil {
			return res, fmt.Errorf("archive: cut %s: %w", it.Segment.Path(), err)
		}
		res.Segments++
	}
	return res, nil
}
