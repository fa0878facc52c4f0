package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/schedule"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// maxExport bounds the range of one as-run request.
const maxExport = 366 * 24 * time.Hour

// handler serves the station's page and API:
//
//	GET /                 the page: on air, next up, the last hour of the log
//	GET /now              now playing, as JSON
//	GET /asrun.csv        the as-run log (?start=&end=), as CSV
//	GET /asrun.json       the same, as JSON (the page reads it)
//	GET /metrics          Prometheus metrics
//	GET /hls/…            the station's own HLS output (what the recorder reads)
//	GET /archive/…        the recording: archive's HTTP API (wubloader's)
func (r *runner) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", r.page)
	mux.HandleFunc("GET /now", r.now)
	mux.HandleFunc("GET /asrun.csv", r.asRunCSV)
	mux.HandleFunc("GET /asrun.json", r.asRunJSON)
	mux.HandleFunc("GET /proof/{file}", r.proofHead)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), &metrics{r: r})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if rec := r.cfg.Record; rec != nil {
		files := http.StripPrefix("/hls/", http.FileServer(http.Dir(rec.HLSDir)))
		mux.Handle("GET /hls/", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			// Live playlists change every segment: never cache them.
			switch filepath.Ext(req.URL.Path) {
			case ".m3u8":
				w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
				w.Header().Set("Cache-Control", "no-cache")
			case ".ts":
				w.Header().Set("Content-Type", "video/mp2t")
			}
			files.ServeHTTP(w, req)
		}))
		mux.Handle("/archive/", http.StripPrefix("/archive", archive.NewHandler(r.arch, archive.HandlerConfig{Logger: r.log})))
	}
	return mux
}

func (r *runner) page(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := struct {
		Name, Slug, Zone string
		Recording        bool
		Stream           string
	}{r.cfg.Name, r.cfg.Slug, r.cfg.Zone, r.cfg.Record != nil, ""}
	if r.cfg.Record != nil {
		data.Stream = r.cfg.Record.Stream
	}
	if err := pageTmpl.Execute(w, data); err != nil {
		r.log.Warn("page", "err", err)
	}
}

// nowJSON is GET /now. Times are RFC 3339 in the station's zone.
type nowJSON struct {
	Station    stationJSON    `json:"station"`
	At         string         `json:"at"`
	OnAir      *onAirJSON     `json:"on_air"`
	Next       *diffusionJSON `json:"next"`
	Liquidsoap playerJSON     `json:"liquidsoap"`
	Recording  *recordJSON    `json:"recording,omitempty"`
	// DeadAir lists the sources silent now.
	DeadAir []deadAirJSON `json:"dead_air,omitempty"`
}

type deadAirJSON struct {
	Source string `json:"source"`
	Since  string `json:"since"`
}

type stationJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	Zone string `json:"zone"`
}

type onAirJSON struct {
	Source    string         `json:"source"`
	URI       string         `json:"uri"`
	Title     string         `json:"title"`
	Since     string         `json:"since,omitempty"`
	Track     string         `json:"track,omitempty"`
	Diffusion *diffusionJSON `json:"diffusion,omitempty"`
}

type diffusionJSON struct {
	ID           int64  `json:"id"`
	Program      string `json:"program"`
	ProgramTitle string `json:"program_title"`
	Episode      string `json:"episode,omitempty"`
	Start        string `json:"start"`
	End          string `json:"end"`
	Status       string `json:"status"`
}

type playerJSON struct {
	State  string `json:"state"`
	PID    int    `json:"pid,omitempty"`
	Starts int    `json:"starts"`
}

type recordJSON struct {
	State    string `json:"state"`
	Stream   string `json:"stream"`
	Segments int64  `json:"segments"`
	Bytes    int64  `json:"bytes"`
	Lost     int64  `json:"lost"`
	LastEnd  string `json:"last_end,omitempty"`
}

func (r *runner) ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(r.cfg.Location).Format(time.RFC3339)
}

func (r *runner) nowState(ctx context.Context, now time.Time) (nowJSON, error) {
	out := nowJSON{
		Station:    stationJSON{Slug: r.station.Slug, Name: r.station.Name, Zone: r.station.Zone},
		At:         r.ts(now),
		Liquidsoap: playerJSON{State: r.proc.State().String(), PID: r.proc.PID(), Starts: r.proc.Starts()},
	}
	np, err := schedule.NowPlaying(ctx, r.store, r.station.ID, now)
	if err != nil {
		return out, err
	}
	diff := func(d *schedule.Diffusion, p *schedule.Program, e *schedule.Episode) *diffusionJSON {
		if d == nil {
			return nil
		}
		dj := &diffusionJSON{ID: d.ID, Start: r.ts(d.Start), End: r.ts(d.End), Status: d.Status.String()}
		if p != nil {
			dj.Program, dj.ProgramTitle = p.Slug, p.Title
		}
		if e != nil {
			dj.Episode = e.Title
		}
		return dj
	}
	if np.URI != "" || np.Diffusion != nil {
		oa := &onAirJSON{Source: np.Source, URI: np.URI, Since: r.ts(np.Since), Diffusion: diff(np.Diffusion, np.Program, np.Episode)}
		if np.URI != "" {
			oa.Title = soundTitle(np)
		}
		if np.Track != nil {
			oa.Track = strings.TrimSpace(np.Track.Artist + " – " + np.Track.Title)
		}
		out.OnAir = oa
	}
	// The log says what went on air; Liquidsoap says what is on air. They
	// differ after a diffusion, when the music it interrupted resumes: that
	// track was logged before the diffusion and is not logged again.
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	source, uri, since, err := r.ctl.OnAir(pctx)
	cancel()
	if err == nil && uri != "" && (out.OnAir == nil || out.OnAir.URI != uri) {
		oa := &onAirJSON{Source: source, URI: uri, Title: filepath.Base(uri), Since: r.ts(since)}
		if s, err := r.store.SoundByPath(ctx, uri); err == nil && s.Name != "" {
			oa.Title = s.Name
		}
		if np.Diffusion != nil && np.Diffusion.Status == schedule.Pending && np.URI == "" {
			oa.Diffusion = diff(np.Diffusion, np.Program, np.Episode) // a live show over music
		}
		out.OnAir = oa
	}
	out.Next = diff(np.Next, np.NextProgram, nil)
	for _, d := range r.air.OpenDeadAir() {
		out.DeadAir = append(out.DeadAir, deadAirJSON{Source: d.Source, Since: r.ts(d.Start)})
	}
	if r.capture != nil {
		cs := r.capture.status()
		out.Recording = &recordJSON{State: cs.State.String(), Stream: r.cfg.Record.Stream, Segments: cs.Counters.Segments(),
			Bytes: cs.Counters.Bytes, Lost: cs.Counters.Lost(), LastEnd: r.ts(cs.Counters.LastEnd)}
	}
	return out, nil
}

func (r *runner) now(w http.ResponseWriter, req *http.Request) {
	st, err := r.nowState(req.Context(), time.Now())
	if err != nil {
		r.log.Warn("now", "err", err)
		http.Error(w, "now playing: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, st)
}

// asRunRange reads ?start=&end= (RFC 3339, or a local date or date and
// time in the station's zone). The end defaults to now, the start to 24
// hours before the end.
func (r *runner) asRunRange(req *http.Request, now time.Time) (from, to time.Time, err error) {
	q := req.URL.Query()
	to = now
	if v := q.Get("end"); v != "" {
		if to, err = parseInstant(v, r.cfg.Location); err != nil {
			return from, to, fmt.Errorf("end: %w", err)
		}
	}
	from = to.Add(-24 * time.Hour)
	if v := q.Get("start"); v != "" {
		if from, err = parseInstant(v, r.cfg.Location); err != nil {
			return from, to, fmt.Errorf("start: %w", err)
		}
	}
	switch {
	case !from.Before(to):
		return from, to, errors.New("start must be before end")
	case to.Sub(from) > maxExport:
		return from, to, fmt.Errorf("range over %v: ask for less", maxExport)
	}
	return from, to, nil
}

func (r *runner) asRunCSV(w http.ResponseWriter, req *http.Request) {
	from, to, err := r.asRunRange(req, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Build the whole export before the first byte: an error then is a
	// 500, not a truncated file that looks complete.
	var b strings.Builder
	if err := schedule.ExportAsRunCSV(req.Context(), &b, r.store, r.station, from, to); err != nil {
		r.log.Warn("as-run export", "err", err)
		http.Error(w, "as-run export: "+err.Error(), http.StatusInternalServerError)
		return
	}
	name := fmt.Sprintf("%s-asrun-%s-%s.csv", r.station.Slug, from.In(r.cfg.Location).Format("20060102T150405"), to.In(r.cfg.Location).Format("20060102T150405"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write([]byte(b.String()))
}

// asRunJSON is an as-run entry for the page.
type asRunJSON struct {
	LogID          int64   `json:"log_id"`
	Event          string  `json:"event"`
	Start          string  `json:"start"`
	End            string  `json:"end,omitempty"`
	DurationS      float64 `json:"duration_s,omitempty"`
	Source         string  `json:"source,omitempty"`
	Title          string  `json:"title,omitempty"`
	Artist         string  `json:"artist,omitempty"`
	Program        string  `json:"program,omitempty"`
	Episode        string  `json:"episode,omitempty"`
	DiffusionID    int64   `json:"diffusion_id,omitempty"`
	ScheduledStart string  `json:"scheduled_start,omitempty"`
	ScheduledEnd   string  `json:"scheduled_end,omitempty"`
	URI            string  `json:"uri,omitempty"`
	Comment        string  `json:"comment,omitempty"`
}

func (r *runner) asRunJSON(w http.ResponseWriter, req *http.Request) {
	from, to, err := r.asRunRange(req, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	entries, err := schedule.AsRun(req.Context(), r.store, r.station.ID, from, to)
	if err != nil {
		r.log.Warn("as-run", "err", err)
		http.Error(w, "as-run: "+err.Error(), http.StatusInternalServerError)
		return
	}
	out := make([]asRunJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, asRunJSON{LogID: e.LogID, Event: e.Event.String(), Start: r.ts(e.Start), End: r.ts(e.End),
			DurationS: e.Duration().Seconds(), Source: e.Source, Title: e.Title, Artist: e.Artist, Program: e.Program,
			Episode: e.Episode, DiffusionID: e.DiffusionID, ScheduledStart: r.ts(e.ScheduledStart), ScheduledEnd: r.ts(e.ScheduledEnd),
			URI: e.URI, Comment: e.Comment})
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// parseInstant reads an instant: RFC 3339, or a date ("2006-01-02") or
// date and time ("2006-01-02T15:04[:05]") on the wall clock of loc, a
// time in a DST gap or overlap resolved as schedule resolves it.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	t, err := parseInstantAny(s, loc)
	if err == nil && (t.UTC().Year() < 1970 || t.UTC().Year() > 9999) {
		return time.Time{}, fmt.Errorf("%q: want a year from 1970 to 9999", s)
	}
	return t, err
}

func parseInstantAny(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	date, clock, _ := strings.Cut(s, "T")
	d, err := schedule.ParseDate(date)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want RFC 3339, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", s)
	}
	var tod schedule.TimeOfDay
	if clock != "" {
		if tod, err = schedule.ParseTimeOfDay(clock); err != nil {
			return time.Time{}, fmt.Errorf("%q: want RFC 3339, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", s)
		}
	}
	t, _ := schedule.LocalInstant(d, tod, loc)
	return t, nil
}
