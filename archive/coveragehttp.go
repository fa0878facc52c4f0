package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Bounds of coverage requests. A map of 31 days is 4,464 columns; more is
// refused. Without start or end, the range is the hours held, which may
// not pass a week: wubloader's maps showed the last 168 hours.
const (
	maxCoverageRange    = 31 * 24 * time.Hour
	maxImplicitCoverage = 168 * time.Hour
)

// coverageRange resolves a coverage request's range: start and end as
// given, each defaulting to the first hour held and the end of the last.
func (h *Handler) coverageRange(ctx context.Context, stream, variant string, q url.Values) (start, end time.Time, status int, err error) {
	start, hasStart, err := timeParam(q, "start")
	if err != nil {
		return start, end, http.StatusBadRequest, err
	}
	end, hasEnd, err := timeParam(q, "end")
	if err != nil {
		return start, end, http.StatusBadRequest, err
	}
	if !hasStart || !hasEnd {
		hours, err := h.store.Hours(ctx, stream, variant)
		if err != nil {
			return start, end, 0, err
		}
		if len(hours) == 0 {
			return start, end, http.StatusNotFound, errors.New("no such stream or variant")
		}
		if !hasStart {
			start, _ = ParseHour(hours[0])
		}
		if !hasEnd {
			last, _ := ParseHour(hours[len(hours)-1])
			end = last.Add(time.Hour)
		}
		if end.Sub(start) > maxImplicitCoverage {
			return start, end, http.StatusBadRequest, fmt.Errorf("implicit range may not be longer than %v: give start and end", maxImplicitCoverage)
		}
	}
	if !end.After(start) {
		return start, end, http.StatusBadRequest, errors.New("ends must be after starts")
	}
	if end.Sub(start.Truncate(time.Hour)) > maxCoverageRange {
		return start, end, http.StatusBadRequest, fmt.Errorf("range may not be longer than %v", maxCoverageRange)
	}
	return start, end, 0, nil
}

// coverageFile serves GET /coverage/STREAM/VARIANT.png and .json.
func (h *Handler) coverageFile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	stream, file := r.PathValue("stream"), r.PathValue("file")
	variant, kind := file, ""
	for _, ext := range []string{".png", ".json"} {
		if v, ok := strings.CutSuffix(file, ext); ok {
			variant, kind = v, ext
		}
	}
	if kind == "" {
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	if !validStreamVariant(w, stream, variant) {
		return
	}
	start, end, status, err := h.coverageRange(ctx, stream, variant, r.URL.Query())
	if err == nil {
		var rep CoverageReport
		if rep, err = h.sel.Coverage(ctx, stream, variant, start, end); err == nil {
			w.Header().Set("Cache-Control", "no-cache")
			if kind == ".png" {
				var buf bytes.Buffer
				if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, rep.Map()); err != nil {
					h.storeError(w, r, err)
					return
				}
				w.Header().Set("Content-Type", "image/png")
				w.Write(buf.Bytes())
				return
			}
			writeJSON(w, coverageJSON(rep))
			return
		}
	}
	switch {
	case status != 0:
		httpError(w, status, err.Error())
	case isRequestError(err):
		h.storeError(w, r, err)
	default:
		// A listing that failed: the coverage is unknown, not a hole.
		h.log.Error("coverage: listing failed", "path", r.URL.Path, "err", err)
		httpError(w, http.StatusServiceUnavailable, "the archive could not be listed, so coverage is unknown: "+err.Error())
	}
}

// isRequestError reports errors that are the request's fault (or its
// client's leaving) rather than the store's.
func isRequestError(err error) bool {
	var ne *NameError
	var re *RangeError
	return errors.As(err, &ne) || errors.As(err, &re) || errors.Is(err, context.Canceled)
}

type spanJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type typesJSON struct {
	Full    float64 `json:"full"`
	Suspect float64 `json:"suspect"`
	Partial float64 `json:"partial"`
}

type countsJSON struct {
	Full    int `json:"full"`
	Suspect int `json:"suspect"`
	Partial int `json:"partial"`
	Bad     int `json:"bad"`
}

// coverageFigures are an HourCoverage's quantities under wubloader's
// gauge names; durations in seconds.
type coverageFigures struct {
	SegmentCount     countsJSON `json:"segment_count"`
	SegmentDuration  typesJSON  `json:"segment_duration"`
	RawCoverage      float64    `json:"raw_coverage"`
	EditableCoverage float64    `json:"editable_coverage"`
	PartialCoverage  float64    `json:"partial_coverage"`
	RawHoles         int        `json:"raw_holes"`
	EditableHoles    int        `json:"editable_holes"`
	OverlapCount     countsJSON `json:"overlap_count"`
	OverlapDuration  typesJSON  `json:"overlap_duration"`
	Holes            []spanJSON `json:"holes"`
}

type hourJSON struct {
	Hour string `json:"hour"`
	Held bool   `json:"held"`
	coverageFigures
}

type coverageReportJSON struct {
	Stream  string     `json:"stream"`
	Variant string     `json:"variant"`
	Start   string     `json:"start"`
	End     string     `json:"end"`
	Total   hourJSON   `json:"total"`
	Hours   []hourJSON `json:"hours"`
	Partial []spanJSON `json:"partial"`
}

const jsonTime = "2006-01-02T15:04:05.000000Z07:00"

func spansJSON(spans []Span) []spanJSON {
	out := make([]spanJSON, 0, len(spans))
	for _, s := range spans {
		out = append(out, spanJSON{s.Start.UTC().Format(jsonTime), s.End.UTC().Format(jsonTime)})
	}
	return out
}

func figures(c HourCoverage) coverageFigures {
	return coverageFigures{
		SegmentCount:     countsJSON(c.Segments),
		SegmentDuration:  typesJSON{c.SegmentDuration.Full.Seconds(), c.SegmentDuration.Suspect.Seconds(), c.SegmentDuration.Partial.Seconds()},
		RawCoverage:      c.Raw.Seconds(),
		EditableCoverage: c.Editable.Seconds(),
		PartialCoverage:  c.PartialOnlyDuration().Seconds(),
		RawHoles:         len(c.RawHoles),
		EditableHoles:    len(c.EditableHoles),
		OverlapCount:     countsJSON(c.Overlaps),
		OverlapDuration:  typesJSON{c.OverlapDuration.Full.Seconds(), c.OverlapDuration.Suspect.Seconds(), c.OverlapDuration.Partial.Seconds()},
		Holes:            spansJSON(c.RawHoles),
	}
}

func coverageJSON(r CoverageReport) coverageReportJSON {
	t := r.Total()
	out := coverageReportJSON{
		Stream: r.Stream, Variant: r.Variant,
		Start: r.Range.Start.UTC().Format(jsonTime), End: r.Range.End.UTC().Format(jsonTime),
		Total:   hourJSON{Hour: FormatHour(r.Range.Start), Held: t.Held, coverageFigures: figures(t)},
		Partial: spansJSON(t.PartialOnly),
	}
	for _, h := range r.Hours {
		out.Hours = append(out.Hours, hourJSON{Hour: FormatHour(h.Hour), Held: h.Held, coverageFigures: figures(h)})
	}
	return out
}

// pageVariant is one variant's section of the coverage page.
type pageVariant struct {
	Stream, Variant string
	Map             string // the map's URL, with its explicit range
	Range           string
	Error           string // why coverage is unknown
	Hours           []pageHour
}

type pageHour struct {
	Hour  string
	Holes []pageHole
}

type pageHole struct {
	Start, End, Length string
	Playlist           string
}

var coveragePage = template.Must(template.New("coverage").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Segment coverage</title>
<link rel="icon" href="data:,">
<style>
body { background: #222; color: #eee; font-family: sans-serif; margin: 1em 2em; }
h2 { margin-top: 1.5em; }
img { display: block; margin: .5em 0; background: #fff; image-rendering: pixelated; }
a { color: #8cf; }
.err { color: #f88; }
.key span { display: inline-block; width: .9em; height: .9em; vertical-align: middle; margin: 0 .3em 0 1em; }
</style>
</head>
<body>
<h1>Segment coverage</h1>
<p class="key">One pixel per 2 s, 10 minutes per column, time running down then right.
<span style="background:#1f77b4"></span>full <span style="background:#ff7f0e"></span>suspect or partial only <span style="background:#fff"></span>hole</p>
{{range .}}<section>
<h2>{{.Stream}} / {{.Variant}}</h2>
{{if .Error}}<p class="err">Coverage unknown: {{.Error}}</p>{{else}}<p>{{.Range}}</p>
<img class="map" src="{{.Map}}" data-src="{{.Map}}" alt="coverage map of {{.Stream}}/{{.Variant}}">
{{range .Hours}}<p>{{.Hour}}: {{range .Holes}}<a href="{{.Playlist}}">{{.Start}}–{{.End}} ({{.Length}})</a> {{end}}</p>
{{else}}<p>No holes.</p>{{end}}{{end}}
</section>
{{else}}<p>The archive is empty.</p>
{{end}}<script>
// Reload the maps every 30 s without reloading the page.
setInterval(function () {
	document.querySelectorAll("img.map").forEach(function (img) {
		img.src = img.dataset.src + "&t=" + Date.now();
	});
}, 30000);
// Say on the page how many maps loaded, for monitors and tests.
window.addEventListener("load", function () {
	var maps = document.querySelectorAll("img.map"), loaded = 0;
	maps.forEach(function (img) {
		if (img.complete && img.naturalWidth > 0) loaded++;
	});
	document.body.dataset.maps = maps.length;
	document.body.dataset.loaded = loaded;
});
</script>
</body>
</html>
`))

// pageHoles bounds the holes the page links, newest first: a broken
// capture can leave thousands.
const pageHoles = 200

// coveragePage serves GET /coverage/: every stream and variant, its
// map over the last week it holds, and its holes, each a link to the
// playlist around it.
func (h *Handler) coveragePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	streams, err := h.store.Streams(ctx)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	var sections []pageVariant
	for _, s := range streams {
		variants, err := h.store.Variants(ctx, s)
		if err != nil {
			h.storeError(w, r, err)
			return
		}
		for _, v := range variants {
			sections = append(sections, h.pageSection(ctx, s, v))
		}
	}
	var buf bytes.Buffer
	if err := coveragePage.Execute(&buf, sections); err != nil {
		h.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
}

func (h *Handler) pageSection(ctx context.Context, stream, variant string) pageVariant {
	pv := pageVariant{Stream: stream, Variant: variant}
	hours, err := h.store.Hours(ctx, stream, variant)
	if err != nil {
		pv.Error = err.Error()
		return pv
	}
	if len(hours) == 0 {
		pv.Error = "nothing held"
		return pv
	}
	last, _ := ParseHour(hours[len(hours)-1])
	end := last.Add(time.Hour)
	start, _ := ParseHour(hours[0])
	start = later(start, end.Add(-maxImplicitCoverage))
	rep, err := h.sel.Coverage(ctx, stream, variant, start, end)
	if err != nil {
		pv.Error = err.Error()
		return pv
	}
	q := url.Values{"start": {start.Format(time.RFC3339)}, "end": {end.Format(time.RFC3339)}}.Encode()
	base := "/coverage/" + url.PathEscape(stream) + "/" + url.PathEscape(variant)
	pv.Map = base + ".png?" + q
	pv.Range = start.Format(time.RFC3339) + " to " + end.Format(time.RFC3339)
	playlist := "/playlist/" + url.PathEscape(stream) + "/" + url.PathEscape(variant) + ".m3u8?"
	n := 0
	for i := len(rep.Hours) - 1; i >= 0 && n < pageHoles; i-- {
		hc := rep.Hours[i]
		if len(hc.RawHoles) == 0 {
			continue
		}
		ph := pageHour{Hour: FormatHour(hc.Hour)}
		for _, hole := range hc.RawHoles {
			if n == pageHoles {
				break
			}
			n++
			// The playlist around the hole: a minute either side.
			around := url.Values{"start": {hole.Start.Add(-time.Minute).UTC().Format(time.RFC3339Nano)}, "end": {hole.End.Add(time.Minute).UTC().Format(time.RFC3339Nano)}}
			ph.Holes = append(ph.Holes, pageHole{
				Start:    hole.Start.UTC().Format("15:04:05.000"),
				End:      hole.End.UTC().Format("15:04:05.000"),
				Length:   hole.Duration().Round(time.Millisecond).String(),
				Playlist: playlist + around.Encode(),
			})
		}
		pv.Hours = append(pv.Hours, ph)
	}
	return pv
}
