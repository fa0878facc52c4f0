package archive

import (
	"image"
	"image/color"
	"time"
)

// The coverage map's layout and colours, wubloader's
// (segment_coverage's create_coverage_map): one pixel per MapPixel of
// time, MapRows pixels per column, so a column is 10 minutes and an hour
// is 6 columns.
const (
	MapPixel = 2 * time.Second
	MapRows  = 300
)

// Map colours: matplotlib's tab:blue and tab:orange, as wubloader paints
// them, and white.
var (
	MapHole    = color.RGBA{0xff, 0xff, 0xff, 0xff} // some of the pixel's time has no segment
	MapPartial = color.RGBA{0xff, 0x7f, 0x0e, 0xff} // covered, some of it only by suspect or partial segments
	MapFull    = color.RGBA{0x1f, 0x77, 0xb4, 0xff} // covered by full segments throughout
)

var mapPalette = color.Palette{MapHole, MapPartial, MapFull}

// Map draws the report as wubloader's coverage map: pixels in time order
// down each column, then column after column, from the start of the first
// hour to the end of the last. A pixel is MapHole if any part of its
// 2 seconds has no segment of any type (gaps up to 10 ms excepted, as
// everywhere), MapPartial if it is covered but some part of it only by
// suspect or partial segments, and MapFull otherwise.
func (r CoverageReport) Map() *image.Paletted {
	perHour := int(time.Hour / MapPixel)
	img := image.NewPaletted(image.Rect(0, 0, len(r.Hours)*perHour/MapRows, MapRows), mapPalette)
	for hi, h := range r.Hours {
		c, p := 0, 0
		for k := range perHour {
			from := h.Hour.Add(time.Duration(k) * MapPixel)
			to := from.Add(MapPixel)
			idx := uint8(0)
			for c < len(h.Covered) && !h.Covered[c].End.After(from) {
				c++
			}
			if c < len(h.Covered) && !h.Covered[c].Start.After(from) && !h.Covered[c].End.Before(to) {
				idx = 2
				for p < len(h.PartialOnly) && !h.PartialOnly[p].End.After(from) {
					p++
				}
				if p < len(h.PartialOnly) && h.PartialOnly[p].Start.Before(to) {
					idx = 1
				}
			}
			g := hi*perHour + k
			img.Pix[(g%MapRows)*img.Stride+g/MapRows] = idx
		}
	}
	return img
}
