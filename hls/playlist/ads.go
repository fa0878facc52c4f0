package playlist

import (
	"slices"
	"strings"
	"time"

	"github.com/grafov/m3u8"
)

// dateRange is an ad EXT-X-DATERANGE.
type dateRange struct {
	start, end time.Time // end is zero when open
}

// adDateRange recognises the EXT-X-DATERANGEs that mark ads: SCTE-35 OUT
// attributes and Twitch's stitched-ad classes.
func adDateRange(attrs string) (dateRange, bool) {
	a := m3u8.DecodeAttributeList(attrs)
	isAd := a["CLASS"] == "twitch-stitched-ad" || strings.HasPrefix(a["ID"], "stitched-ad-") ||
		a["SCTE35-OUT"] != "" || a["CLASS"] == "com.apple.hls.interstitial"
	if !isAd {
		return dateRange{}, false
	}
	start, err := time.Parse(time.RFC3339Nano, a["START-DATE"])
	if err != nil {
		return dateRange{}, false
	}
	dr := dateRange{start: start.UTC()}
	if end, err := time.Parse(time.RFC3339Nano, a["END-DATE"]); err == nil {
		dr.end = end.UTC()
	} else if d, err := parseDecimal(a["DURATION"]); err == nil && d < maxSegmentDuration {
		dr.end = dr.start.Add(time.Duration(d * float64(time.Second)))
	} else if d, err := parseDecimal(a["PLANNED-DURATION"]); err == nil && d < maxSegmentDuration {
		dr.end = dr.start.Add(time.Duration(d * float64(time.Second)))
	}
	return dr, true
}

// markAds marks the segments whose date falls in an ad date range. Ranges
// are sorted by start with a running maximum of ends, so each segment costs
// one binary search: a playlist of n ranges and n segments stays n log n.
func markAds(segs []Segment, ads []dateRange) {
	if len(ads) == 0 {
		return
	}
	slices.SortFunc(ads, func(a, b dateRange) int { return a.start.Compare(b.start) })
	maxEnd := make([]time.Time, len(ads)) // zero = open-ended
	for i, a := range ads {
		maxEnd[i] = a.end
		if i > 0 && (maxEnd[i-1].IsZero() || !a.end.IsZero() && maxEnd[i-1].After(a.end)) {
			maxEnd[i] = maxEnd[i-1]
		}
	}
	for i := range segs {
		s := &segs[i]
		// j = number of ranges starting at or before the segment.
		j, _ := slices.BinarySearchFunc(ads, s.PDT, func(a dateRange, t time.Time) int {
			if a.start.After(t) {
				return 1
			}
			return -1
		})
		if j > 0 && (maxEnd[j-1].IsZero() || maxEnd[j-1].After(s.PDT)) {
			s.Ad = true
		}
	}
}
