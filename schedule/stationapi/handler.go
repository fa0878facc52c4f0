package stationapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/seal"
)

// MaxRange bounds the period of one as-run request.
const MaxRange = 366 * 24 * time.Hour

// Store is what the handler reads.
type Store interface {
	schedule.NowPlayingStore
	schedule.AsRunStore
	schedule.SealStore
	// SoundByPath returns the sound with that path.
	SoundByPath(ctx context.Context, path string) (schedule.Sound, error)
}

// Player is the playout's view of its air (schedule.Player's OnAir):
// streamer's Controller satisfies it.
type Player interface {
	OnAir(ctx context.Context) (source, uri string, airTime time.Time, err error)
}

// Config configures a Handler.
type Config struct {
	Store   Store            // required
	Station schedule.Station // required: as stored, with its ID and Zone
	// Player, when set, says what is on air now; the as-run log says only
	// what went on air. nil: /now reads the log alone.
	Player Player
	// Extend, when set, makes what /now serves from its Now: a program
	// adds its own fields (its playout process, its recording) by
	// embedding Now in a struct of its own.
	Extend func(ctx context.Context, n Now) any
	Clock  airkeep.Clock // nil means airkeep.SystemClock()
	Logger *slog.Logger  // nil means discard
}

// ConfigError names a bad field of Config.
type ConfigError struct {
	Field  string
	Reason string
	Err    error // the cause, or nil
}

func (e *ConfigError) Error() string {
	if e.Err == nil {
		return "stationapi: " + e.Field + ": " + e.Reason
	}
	return "stationapi: " + e.Field + ": " + e.Reason + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// Handler serves the API; see the package documentation.
type Handler struct {
	cfg   Config
	loc   *time.Location
	clock airkeep.Clock
	log   *slog.Logger
	mux   *http.ServeMux
}

var _ http.Handler = (*Handler)(nil)

// New checks cfg and returns the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, &ConfigError{Field: "Store", Reason: "required"}
	}
	if cfg.Station.ID == 0 {
		return nil, &ConfigError{Field: "Station", Reason: "required: the station as stored, with its ID"}
	}
	loc, err := schedule.LoadZone(cfg.Station.Zone)
	if err != nil {
		return nil, &ConfigError{Field: "Station", Reason: fmt.Sprintf("zone %q", cfg.Station.Zone), Err: err}
	}
	h := &Handler{cfg: cfg, loc: loc, clock: cfg.Clock, log: cfg.Logger, mux: http.NewServeMux()}
	if h.clock == nil {
		h.clock = airkeep.SystemClock()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.mux.HandleFunc("GET /now", h.now)
	h.mux.HandleFunc("GET /asrun.csv", h.asRunCSV)
	h.mux.HandleFunc("GET /asrun.json", h.asRunJSON)
	h.mux.HandleFunc("GET /proof/{file}", h.proofHead)
	return h, nil
}

// ServeHTTP serves the API's routes; anything else is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Now is GET /now.
type Now struct {
	Station Station    `json:"station"`
	At      string     `json:"at"`
	OnAir   *OnAir     `json:"on_air"`
	Next    *Diffusion `json:"next"`
}

// Station names the station.
type Station struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	Zone string `json:"zone"`
}

// OnAir is what is on air: a sound, and the diffusion it belongs to.
type OnAir struct {
	Source    string     `json:"source"`
	URI       string     `json:"uri"`
	Title     string     `json:"title"`
	Since     string     `json:"since,omitempty"`
	Track     string     `json:"track,omitempty"`
	Diffusion *Diffusion `json:"diffusion,omitempty"`
}

// Diffusion is a diffusion with its program and episode.
type Diffusion struct {
	ID           int64  `json:"id"`
	Program      string `json:"program"`
	ProgramTitle string `json:"program_title"`
	Episode      string `json:"episode,omitempty"`
	Start        string `json:"start"`
	End          string `json:"end"`
	Status       string `json:"status"`
}

// Time formats t as the API does: RFC 3339 in the station's zone, "" for
// the zero time.
func (h *Handler) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(h.loc).Format(time.RFC3339)
}

// Now says what is on air at now and what comes next.
func (h *Handler) Now(ctx context.Context, now time.Time) (Now, error) {
	st := h.cfg.Station
	out := Now{Station: Station{Slug: st.Slug, Name: st.Name, Zone: st.Zone}, At: h.Time(now)}
	np, err := schedule.NowPlaying(ctx, h.cfg.Store, st.ID, now)
	if err != nil {
		return out, err
	}
	diff := func(d *schedule.Diffusion, p *schedule.Program, e *schedule.Episode) *Diffusion {
		if d == nil {
			return nil
		}
		dj := &Diffusion{ID: d.ID, Start: h.Time(d.Start), End: h.Time(d.End), Status: d.Status.String()}
		if p != nil {
			dj.Program, dj.ProgramTitle = p.Slug, p.Title
		}
		if e != nil {
			dj.Episode = e.Title
		}
		return dj
	}
	if np.URI != "" || np.Diffusion != nil {
		oa := &OnAir{Source: np.Source, URI: np.URI, Since: h.Time(np.Since), Diffusion: diff(np.Diffusion, np.Program, np.Episode)}
		if np.URI != "" {
			oa.Title = soundTitle(np)
		}
		if np.Track != nil {
			oa.Track = strings.TrimSpace(np.Track.Artist + " – " + np.Track.Title)
		}
		out.OnAir = oa
	}
	// The log says what went on air; the player says what is on air. They
	// differ after a diffusion, when the music it interrupted resumes: that
	// track was logged before the diffusion and is not logged again.
	if h.cfg.Player != nil {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		source, uri, since, err := h.cfg.Player.OnAir(pctx)
		cancel()
		if err == nil && uri != "" && (out.OnAir == nil || out.OnAir.URI != uri) {
			oa := &OnAir{Source: source, URI: uri, Title: filepath.Base(uri), Since: h.Time(since)}
			if s, err := h.cfg.Store.SoundByPath(ctx, uri); err == nil && s.Name != "" {
				oa.Title = s.Name
			}
			if np.Diffusion != nil && np.Diffusion.Status == schedule.Pending && np.URI == "" {
				oa.Diffusion = diff(np.Diffusion, np.Program, np.Episode) // a live show over music
			}
			out.OnAir = oa
		}
	}
	out.Next = diff(np.Next, np.NextProgram, nil)
	return out, nil
}

// soundTitle names what NowPlaying found on air.
func soundTitle(np schedule.Playing) string {
	switch {
	case np.Track != nil && np.Track.Title != "":
		return np.Track.Title
	case np.Sound != nil && np.Sound.Name != "":
		return np.Sound.Name
	}
	return filepath.Base(np.URI)
}

func (h *Handler) now(w http.ResponseWriter, r *http.Request) {
	n, err := h.Now(r.Context(), h.clock.Now())
	if err != nil {
		h.log.Warn("now", "err", err)
		http.Error(w, "now playing: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var v any = n
	if h.cfg.Extend != nil {
		v = h.cfg.Extend(r.Context(), n)
	}
	writeJSON(w, v)
}

// asRunRange reads ?start=&end=. The end defaults to now, the start to
// 24 hours before the end.
func (h *Handler) asRunRange(r *http.Request) (from, to time.Time, err error) {
	q := r.URL.Query()
	to = h.clock.Now()
	if v := q.Get("end"); v != "" {
		if to, err = schedule.ParseInstant(v, h.loc); err != nil {
			return from, to, fmt.Errorf("end: %w", err)
		}
	}
	from = to.Add(-24 * time.Hour)
	if v := q.Get("start"); v != "" {
		if from, err = schedule.ParseInstant(v, h.loc); err != nil {
			return from, to, fmt.Errorf("start: %w", err)
		}
	}
	switch {
	case !from.Before(to):
		return from, to, errors.New("start must be before end")
	case to.Sub(from) > MaxRange:
		return from, to, fmt.Errorf("range over %v: ask for less", MaxRange)
	}
	return from, to, nil
}

func (h *Handler) asRunCSV(w http.ResponseWriter, r *http.Request) {
	from, to, err := h.asRunRange(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Build the whole export before the first byte: an error then is a
	// 500, not a truncated file that looks complete.
	var b strings.Builder
	st := h.cfg.Station
	if err := schedule.ExportAsRunCSV(r.Context(), &b, h.cfg.Store, st, from, to); err != nil {
		h.log.Warn("as-run export", "err", err)
		http.Error(w, "as-run export: "+err.Error(), http.StatusInternalServerError)
		return
	}
	name := fmt.Sprintf("%s-asrun-%s-%s.csv", st.Slug, from.In(h.loc).Format("20060102T150405"), to.In(h.loc).Format("20060102T150405"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write([]byte(b.String()))
}

// Entry is an entry of GET /asrun.json.
type Entry struct {
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

func (h *Handler) asRunJSON(w http.ResponseWriter, r *http.Request) {
	from, to, err := h.asRunRange(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	entries, err := schedule.AsRun(r.Context(), h.cfg.Store, h.cfg.Station.ID, from, to)
	if err != nil {
		h.log.Warn("as-run", "err", err)
		http.Error(w, "as-run: "+err.Error(), http.StatusInternalServerError)
		return
	}
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		out = append(out, Entry{LogID: e.LogID, Event: e.Event.String(), Start: h.Time(e.Start), End: h.Time(e.End),
			DurationS: e.Duration().Seconds(), Source: e.Source, Title: e.Title, Artist: e.Artist, Program: e.Program,
			Episode: e.Episode, DiffusionID: e.DiffusionID, ScheduledStart: h.Time(e.ScheduledStart), ScheduledEnd: h.Time(e.ScheduledEnd),
			URI: e.URI, Comment: e.Comment})
	}
	writeJSON(w, out)
}

// proofHead serves /proof/YYYY-MM-DD.json: the day's chain head of the
// sealed as-run log, for a third party to keep.
func (h *Handler) proofHead(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	day, err := schedule.ParseDate(strings.TrimSuffix(name, ".json"))
	if err != nil || !strings.HasSuffix(name, ".json") {
		http.Error(w, "want /proof/YYYY-MM-DD.json", http.StatusNotFound)
		return
	}
	head, err := seal.DayHead(r.Context(), h.cfg.Store, h.cfg.Station.ID, day, h.loc)
	if err != nil {
		h.log.Warn("chain head", "day", day.String(), "err", err)
		http.Error(w, "chain head unavailable", http.StatusInternalServerError)
		return
	}
	writeJSON(w, head)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
