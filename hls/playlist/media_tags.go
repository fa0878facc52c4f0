package playlist

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// rawSegment is what the line pre-scan learns about one segment, where
// grafov loses or garbles it.
type rawSegment struct {
	line      int   // line of the URI
	hasRange  bool  // EXT-X-BYTERANGE present
	hasOffset bool  // … with an @offset
	length    int64 // range length
	offset    int64
	gap       bool
	cueAd     bool // inside a CUE-OUT/SCTE35-OUT break
	duration  float64
}

// mediaScan is the pre-scan of a media playlist's lines, before grafov
// decodes them: it reads strictly what grafov reads loosely or not at all.
type mediaScan struct {
	pl    *Media
	raws  []rawSegment
	cur   rawSegment
	inf   bool // an EXTINF waits for its URI
	inCue bool
	ads   []dateRange

	sawTD, sawMSN, sawDSN bool
}

// refuse formats why the playlist is refused at the current line; the
// scan's methods return "" to go on.
func refuse(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// line takes one normalised line; n is its number.
func (sc *mediaScan) line(n int, l string) string {
	if !strings.HasPrefix(l, "#") {
		return sc.uri(n)
	}
	tag, val, _ := strings.Cut(l, ":")
	switch tag {
	case "#EXT-X-TARGETDURATION", "#EXT-X-MEDIA-SEQUENCE", "#EXT-X-DISCONTINUITY-SEQUENCE":
		return sc.playlistTag(tag, val)
	case "#EXTINF", "#EXT-X-BYTERANGE", "#EXT-X-GAP":
		return sc.segmentTag(tag, val)
	case "#EXT-X-CUE-OUT", "#EXT-X-CUE-OUT-CONT", "#EXT-X-SCTE35-OUT", "#EXT-X-CUE-IN", "#EXT-X-SCTE35-IN", "#EXT-X-DATERANGE":
		sc.adTag(tag, val)
		return ""
	case "#EXT-X-SKIP":
		// A delta playlist: grafov cannot see the skipped segments, so
		// every MSN would be wrong. A recorder never asks for one.
		return refuse("delta playlists (EXT-X-SKIP) are not supported")
	case "#EXT-X-DEFINE":
		return refuse("EXT-X-DEFINE is not supported")
	case "#EXT-X-STREAM-INF", "#EXT-X-I-FRAME-STREAM-INF":
		return refuse("master playlist tag in a media playlist")
	}
	// KEY, MAP, PROGRAM-DATE-TIME, DISCONTINUITY, ENDLIST, PLAYLIST-TYPE:
	// grafov reads them well; the conversion checks what it gives.
	return ""
}

// uri ends the current segment.
func (sc *mediaScan) uri(n int) string {
	if !sc.inf {
		// A URI with no EXTINF is invalid (RFC 8216 §4.3.2.1) and is what
		// makes grafov dereference nil after KEY or MAP.
		return refuse("URI without #EXTINF")
	}
	sc.cur.line = n
	sc.cur.cueAd = sc.inCue
	sc.raws = append(sc.raws, sc.cur)
	sc.cur = rawSegment{}
	sc.inf = false
	return ""
}

// playlistTag reads the tags that describe the whole playlist.
func (sc *mediaScan) playlistTag(tag, val string) string {
	if tag == "#EXT-X-TARGETDURATION" {
		if sc.sawTD {
			return refuse("EXT-X-TARGETDURATION twice")
		}
		sc.sawTD = true
		// RFC 8216 wants an integer; wubloader writes "%.3f". Accept a
		// decimal, refuse anything else.
		f, err := parseDecimal(val)
		if err != nil || f <= 0 || f > maxSegmentDuration {
			return refuse("bad EXT-X-TARGETDURATION %q", clip(val))
		}
		sc.pl.TargetDuration = time.Duration(f * float64(time.Second))
		return ""
	}
	// MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE: grafov turns garbage into
	// 0 here, which looks exactly like a sequence reset; so parse them
	// again, strictly.
	if len(sc.raws) > 0 || sc.inf {
		return refuse("%s after the first segment", tag[1:])
	}
	v, err := strconv.ParseUint(val, 10, 64)
	if err != nil || val[0] == '+' {
		return refuse("bad %s %q", tag[1:], clip(val))
	}
	if tag == "#EXT-X-MEDIA-SEQUENCE" {
		if sc.sawMSN {
			return refuse("EXT-X-MEDIA-SEQUENCE twice")
		}
		sc.sawMSN, sc.pl.MediaSequence = true, v
		return ""
	}
	if sc.sawDSN {
		return refuse("EXT-X-DISCONTINUITY-SEQUENCE twice")
	}
	sc.sawDSN, sc.pl.DiscontinuitySequence = true, v
	return ""
}

// segmentTag reads the tags that apply to the next segment only.
func (sc *mediaScan) segmentTag(tag, val string) string {
	switch tag {
	case "#EXTINF":
		if sc.inf {
			return refuse("#EXTINF without a URI")
		}
		sc.inf = true
		d, _, _ := strings.Cut(val, ",")
		f, err := parseDecimal(d)
		if err != nil || f > maxSegmentDuration {
			return refuse("bad EXTINF duration %q", clip(d))
		}
		sc.cur.duration = f
	case "#EXT-X-BYTERANGE":
		ln, off, hasOff := strings.Cut(val, "@")
		length, err := strconv.ParseInt(ln, 10, 64)
		if err != nil || length < 0 {
			return refuse("bad EXT-X-BYTERANGE %q", clip(val))
		}
		sc.cur.hasRange, sc.cur.length = true, length
		if hasOff {
			o, err := strconv.ParseInt(off, 10, 64)
			if err != nil || o < 0 || o > math.MaxInt64-length {
				return refuse("bad EXT-X-BYTERANGE %q", clip(val))
			}
			sc.cur.hasOffset, sc.cur.offset = true, o
		}
	case "#EXT-X-GAP":
		sc.cur.gap = true
	}
	return ""
}

// adTag reads the markers of ad breaks: CUE-OUT/CUE-IN and SCTE35-OUT/IN
// around segments, ad DATERANGEs by date.
func (sc *mediaScan) adTag(tag, val string) {
	switch tag {
	case "#EXT-X-CUE-OUT", "#EXT-X-CUE-OUT-CONT", "#EXT-X-SCTE35-OUT":
		sc.inCue = true
	case "#EXT-X-CUE-IN", "#EXT-X-SCTE35-IN":
		sc.inCue = false
	case "#EXT-X-DATERANGE":
		if dr, ok := adDateRange(val); ok {
			sc.ads = append(sc.ads, dr)
		}
	}
}

// end checks what the scan leaves open; n is the last line.
func (sc *mediaScan) end(n int) (int, string) {
	switch {
	case sc.inf:
		return n, refuse("#EXTINF without a URI")
	case !sc.sawTD:
		return 0, refuse("no EXT-X-TARGETDURATION")
	case uint64(len(sc.raws)) > math.MaxUint64-sc.pl.MediaSequence:
		return 0, refuse("media sequence overflows")
	}
	return 0, ""
}
