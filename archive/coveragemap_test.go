package archive_test

import (
	"bytes"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

// mapOracle paints one pixel from the segments themselves, by the map's
// rules, sampling its 2 s every millisecond: white if some instant has no
// segment (gaps up to 10 ms between segments excepted), orange if some
// instant has no full segment, blue otherwise.
type mapOracle struct{ all, full []archive.Span }

func newOracle(segs []cov) mapOracle {
	var o mapOracle
	for _, c := range segs {
		if c.typ == archive.Temp {
			continue
		}
		sp := archive.Span{Start: at(c.at), End: at(c.at + c.dur)}
		o.all = append(o.all, sp)
		if c.typ == archive.Full {
			o.full = append(o.full, sp)
		}
	}
	return o
}

func coveredAt(spans []archive.Span, t time.Time) bool {
	var lastEnd time.Time
	for _, s := range spans {
		if !t.Before(s.Start) && t.Before(s.End) {
			return true
		}
		if !s.End.After(t) && s.End.After(lastEnd) {
			lastEnd = s.End
		}
	}
	if lastEnd.IsZero() {
		return false
	}
	// Inside a gap of at most 10 ms between two segments?
	next := time.Time{}
	for _, s := range spans {
		if s.Start.After(t) && (next.IsZero() || s.Start.Before(next)) {
			next = s.Start
		}
	}
	return !next.IsZero() && next.Sub(lastEnd) <= 10*time.Millisecond
}

func (o mapOracle) pixel(from time.Time) color.RGBA {
	white, orange := false, false
	for k := range 2000 {
		t := from.Add(time.Duration(k)*time.Millisecond + 500*time.Microsecond)
		if !coveredAt(o.all, t) {
			white = true
			break
		}
		if !coveredAt(o.full, t) {
			orange = true
		}
	}
	switch {
	case white:
		return archive.MapHole
	case orange:
		return archive.MapPartial
	}
	return archive.MapFull
}

func TestCoverageMapPixels(t *testing.T) {
	F, S, P := archive.Full, archive.Suspect, archive.Partial
	tests := []struct {
		name  string
		hours int
		segs  []cov
	}{
		{name: "holes, partial runs and overlaps", hours: 1, segs: []cov{
			{0, 2, F, 0}, {2, 2, F, 0}, {4, 2, P, 0}, {6, 2, S, 0}, {8, 2, F, 0},
			{10.5, 2, F, 0},                                   // a half-pixel hole before it
			{12.5, 2, F, 0}, {13.5, 2, F, 0}, {15.5, 3, F, 0}, // overlaps
			{18.5, 2, P, 0}, {18.5, 2, F, 1}, // a full copy beside a partial one
			{20.5, 2, F, 0}, {22.505, 2, F, 0}, // 5 ms gap: joined
			{24.505, 1, F, 0}, {25.6, 1, F, 0}, // 95 ms gap: a hole
			{600, 3, F, 0}, {603, 1, P, 0}, {604, 595.5, F, 0}, // a long segment, a partial inside a column
			{2000, 2, archive.Temp, 0}, // temp segments cover nothing
		}},
		{name: "hour boundaries", hours: 3, segs: []cov{
			{3590, 6, F, 0}, {3596, 6, F, 0}, {3602, 1.5, P, 0}, {3610, 2, F, 0},
			{7195, 10, S, 0}, {7205, 1, F, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := archive.NewMemStore()
			for i, c := range tt.segs {
				if c.typ == archive.Temp {
					require.NoError(t, s.PutRaw("s/v/"+archive.FormatHour(at(c.at))+"/33:20.000000-2.0-temp-0b6c6a4e-1f6a-4a57-9d5d-0c7f0f8f2a11.ts", []byte("x")))
					continue
				}
				c.put(t, s, byte(i))
			}
			sort.Slice(tt.segs, func(i, j int) bool { return tt.segs[i].at < tt.segs[j].at })
			rep, err := archive.NewSelector(s, archive.SelectorConfig{}).Coverage(t.Context(), "s", "v", t0, t0.Add(time.Duration(tt.hours)*time.Hour))
			require.NoError(t, err)
			img := rep.Map()
			require.Equal(t, 6*tt.hours, img.Bounds().Dx(), "six 10-minute columns an hour")
			require.Equal(t, archive.MapRows, img.Bounds().Dy())
			o := newOracle(tt.segs)
			seen := map[color.RGBA]int{}
			for p := range tt.hours * 1800 {
				col, row := p/archive.MapRows, p%archive.MapRows
				from := t0.Add(time.Duration(p) * archive.MapPixel)
				want := o.pixel(from)
				got := color.RGBAModel.Convert(img.At(col, row)).(color.RGBA)
				if got != want {
					t.Fatalf("pixel %d (column %d, row %d, %v): got %v, want %v", p, col, row, from.Sub(t0), got, want)
				}
				seen[got]++
			}
			require.Len(t, seen, 3, "the case paints all three colours")

			// The handler serves the same map as a PNG.
			h := archive.NewHandler(s, archive.HandlerConfig{})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/coverage/s/v.png?start="+t0.Format(time.RFC3339)+"&end="+t0.Add(time.Duration(tt.hours)*time.Hour).Format(time.RFC3339), nil))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, "image/png", rec.Header().Get("Content-Type"))
			served, err := png.Decode(bytes.NewReader(rec.Body.Bytes()))
			require.NoError(t, err)
			require.Equal(t, img.Bounds(), served.Bounds())
			for x := range img.Bounds().Dx() {
				for y := range archive.MapRows {
					require.Equal(t, color.RGBAModel.Convert(img.At(x, y)), color.RGBAModel.Convert(served.At(x, y)))
				}
			}
		})
	}
}
