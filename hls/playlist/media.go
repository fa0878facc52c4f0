package playlist

import (
	"bytes"
	"math"
	"strings"
	"time"

	"github.com/grafov/m3u8"

	"github.com/airkeep/airkeep/archive"
)

// Media is a media playlist: every segment carries everything needed to
// fetch and date it.
type Media struct {
	// URL is the playlist's final URL, after redirects; segment URIs are
	// resolved against it.
	URL string
	// TargetDuration is EXT-X-TARGETDURATION as the server wrote it (not
	// raised to the longest segment, as grafov does).
	TargetDuration time.Duration
	// MediaSequence is the MSN of the first segment (EXT-X-MEDIA-SEQUENCE,
	// 0 when absent).
	MediaSequence uint64
	// DiscontinuitySequence is EXT-X-DISCONTINUITY-SEQUENCE (0 when absent).
	DiscontinuitySequence uint64
	// Ended is true when the playlist carries EXT-X-ENDLIST.
	Ended bool
	// Type is EXT-X-PLAYLIST-TYPE: "", "EVENT" or "VOD".
	Type string
	// HasPDT is true when at least one segment carries
	// EXT-X-PROGRAM-DATE-TIME, so every segment's PDT is set.
	HasPDT   bool
	Segments []Segment
	// Skews lists the segments whose own PDT tag disagrees by more than the
	// tolerance with the date extrapolated from the segment before.
	Skews []Skew
}

// Media parses a media playlist fetched from playlistURL (the final URL,
// after redirects). It pre-scans the lines strictly (media_tags.go), has
// grafov decode them, then applies what RFC 8216 says carries over from
// segment to segment, and dates the segments.
func (p Parser) Media(body []byte, playlistURL string) (*Media, error) {
	src := playlistURL
	base, ls, err := prepare(body, playlistURL, p.maxBytes())
	if err != nil {
		return nil, err
	}
	fail := func(line int, reason string) (*Media, error) {
		return nil, &Error{URL: src, Line: line, Reason: reason}
	}
	sc := mediaScan{pl: &Media{URL: playlistURL}}
	for i, l := range ls {
		if r := sc.line(i+1, l); r != "" {
			return fail(i+1, r)
		}
	}
	if n, r := sc.end(len(ls)); r != "" {
		return fail(n, r)
	}
	pl, raws := sc.pl, sc.raws

	gp, err := m3u8.NewMediaPlaylist(0, uint(max(len(raws), 1)))
	if err != nil {
		return nil, &Error{URL: src, Reason: "decode", Err: err}
	}
	norm := joinLines(ls)
	if err := decodeSafely(src, func() error { return gp.Decode(*bytes.NewBuffer(norm), true) }); err != nil {
		return nil, err
	}
	segs := gp.GetAllSegments()
	if len(segs) != len(raws) {
		return fail(0, refuse("parser found %d segments, pre-scan %d", len(segs), len(raws)))
	}
	pl.Ended = gp.Closed
	switch gp.MediaType {
	case m3u8.EVENT:
		pl.Type = "EVENT"
	case m3u8.VOD:
		pl.Type = "VOD"
	}
	if line, r := convert(pl, segs, raws, newResolver(base)); r != "" {
		return fail(line, r)
	}
	if i := date(pl, p.skewTolerance()); i >= 0 {
		return fail(raws[i].line, "program date-time out of range")
	}
	if pl.HasPDT {
		markAds(pl.Segments, sc.ads)
	}
	return pl, nil
}

// convert builds pl.Segments from grafov's segments and the pre-scan's,
// carrying KEY, MAP, byte ranges and the discontinuity sequence forward.
// It returns the line and reason of a refusal, if any.
func convert(pl *Media, segs []*m3u8.MediaSegment, raws []rawSegment, res resolver) (int, string) {
	pl.Segments = make([]Segment, len(segs))
	var (
		key       *Key
		mp        *Map
		err       error
		epoch     = pl.DiscontinuitySequence
		prevRange *ByteRange
		prevURI   string
	)
	for i, gs := range segs {
		r := raws[i]
		if gs == nil {
			return r.line, "parser lost a segment"
		}
		s := &pl.Segments[i]
		s.MSN = pl.MediaSequence + uint64(i)
		s.Duration = archive.Seconds(r.duration)
		s.Title = gs.Title
		s.Gap = r.gap
		s.Ad = r.cueAd || strings.HasPrefix(gs.Title, "Amazon")
		if s.URI, err = res.resolve(gs.URI); err != nil {
			return r.line, err.Error()
		}
		if gs.Discontinuity {
			// RFC 8216 §4.3.3.3: the number is the tag's value plus the
			// discontinuities before the segment's URI, its own included.
			s.Discontinuity = true
			epoch++
		}
		s.Epoch = epoch
		// grafov attaches KEY and MAP to the next segment only; RFC 8216
		// applies them until the next tag.
		if gs.Key != nil {
			if key, err = convertKey(gs.Key, res); err != nil {
				return r.line, err.Error()
			}
		}
		s.Key = key
		if gs.Map != nil {
			if mp, err = convertMap(gs.Map, res); err != nil {
				return r.line, err.Error()
			}
		}
		s.Map = mp
		// RFC 8216 §4.3.2.2: a range without an offset continues the
		// previous segment's range of the same resource.
		if r.hasRange {
			br := &ByteRange{Length: r.length, Offset: r.offset}
			if !r.hasOffset {
				if prevRange == nil || prevURI != s.URI {
					return r.line, "EXT-X-BYTERANGE without offset does not follow a range of the same resource"
				}
				if prevRange.Offset > math.MaxInt64-prevRange.Length-r.length {
					return r.line, "EXT-X-BYTERANGE offset overflows"
				}
				br.Offset = prevRange.Offset + prevRange.Length
			}
			s.Range = br
			prevRange = br
		} else {
			prevRange = nil
		}
		prevURI = s.URI
		if !gs.ProgramDateTime.IsZero() {
			s.PDT = gs.ProgramDateTime.UTC()
			s.PDTTagged = true
		}
	}
	return 0, ""
}
