package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"
)

// HandlerConfig configures the HTTP API.
type HandlerConfig struct {
	// Selector picks timelines for playlists and cuts. Nil means a new
	// Selector over the store with default settings; pass one to share its
	// per-hour cache. Its MaxRange also bounds the ranges of one cut
	// together.
	Selector *Selector
	// MaxImplicitRange bounds playlists whose start or end is left to
	// defaults. 0 means 12 hours, as wubloader.
	MaxImplicitRange time.Duration
	// LiveHoldback is passed to MediaPlaylistOptions for open-ended
	// playlists. 0 means 15 s.
	LiveHoldback time.Duration
	// Media makes cuts other than rough, frames, waveforms and exports;
	// archive/media's FFmpeg is one. Nil means those answer 501 and
	// everything else is served as usual.
	Media Media
	// ExportDir is where POST /generate_videos writes its files. "" turns
	// the endpoint off (403): it is the only request that writes.
	ExportDir string
	// Logger receives request failures. Nil means discard.
	Logger *slog.Logger
}

// Handler serves an archive over HTTP with the API of wubloader's
// restreamer, so wubloader nodes, its editor and its backfiller can use an
// airkeep node:
//
//	GET  /files[/STREAM[/VARIANT[/HOUR]]][?tombstones=true]  JSON lists
//	GET  /segments/STREAM/VARIANT/HOUR/FILE                 segment bytes
//	GET  /playlist/STREAM.m3u8[?start=&end=]                 HLS master playlist
//	GET  /playlist/STREAM/VARIANT.m3u8[?start=&end=]         HLS media playlist
//	GET  /cut/STREAM/VARIANT.ts?start=&end=[&allow_holes=][&type=][&transition=]
//	     or ?range=START,END&range=...                      cut (see CutType)
//	GET  /frame/STREAM/VARIANT.png?timestamp=               the frame shown then
//	GET  /waveform/STREAM/VARIANT.png?start=&end=[&size=WxH] audio waveform
//	POST /generate_videos/STREAM/VARIANT  {NAME: [START, END]}  Matroska exports
//	GET  /coverage/                                          coverage page
//	GET  /coverage/STREAM/VARIANT.png[?start=&end=]          coverage map
//	GET  /coverage/STREAM/VARIANT.json[?start=&end=]         holes and totals
//
// Only rough cuts and listings work without a Media: the rest answer 501
// naming ffmpeg. Their headers go out with the first bytes of output, so a
// failure before then is a clean status (400 for a bad type, transition or
// size, 406 for holes, 503 with Retry-After when every media slot stays
// busy); a failure midway is logged and the connection closed. The default
// cut type is rough, as it was before the other types existed (wubloader's
// is fast).
//
// Where wubloader is loose it is strict: JSON is served as
// application/json, target durations are integers, every path component is
// validated before it reaches the store, and segments carry a strong ETag
// and immutable caching. Times are ISO 8601; without a zone they are UTC.
type Handler struct {
	store    Reader
	sel      *Selector
	maxImpl  time.Duration
	holdback time.Duration
	log      *slog.Logger
	tools    Media
	// exportDir is where generate_videos writes; "" when it is off.
	exportDir string
	mux       *http.ServeMux
	flight    singleflight.Group
	// bodies caches generated media playlists by request, valid while the
	// timeline's listings are unchanged: live viewers reload every few
	// seconds and most reloads find nothing new.
	bodies *lru[string, cachedBody]
}

// maxCachedBodyBytes bounds the playlists a Handler keeps: a 12-hour
// playlist of 2 s segments is about 3.5 MB, and an explicit range may be
// weeks long, so a bound on their number alone lets requests for distinct
// long ranges fill memory.
const maxCachedBodyBytes = 64 << 20

type cachedBody struct {
	fingerprint uint64
	body        []byte
}

// NewHandler returns the HTTP API over store.
func NewHandler(store Reader, cfg HandlerConfig) *Handler {
	h := &Handler{
		store:     store,
		sel:       cfg.Selector,
		maxImpl:   orDuration(cfg.MaxImplicitRange, 12*time.Hour),
		holdback:  cfg.LiveHoldback,
		log:       cfg.Logger,
		tools:     cfg.Media,
		exportDir: cfg.ExportDir,
		mux:       http.NewServeMux(),
		bodies:    newCostLRU[string](256, maxCachedBodyBytes, func(c cachedBody) int64 { return int64(len(c.body)) }),
	}
	if h.sel == nil {
		h.sel = NewSelector(store, SelectorConfig{})
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.mux.HandleFunc("GET /files", h.files)
	h.mux.HandleFunc("GET /files/{stream}", h.files)
	h.mux.HandleFunc("GET /files/{stream}/{variant}", h.files)
	h.mux.HandleFunc("GET /files/{stream}/{variant}/{hour}", h.files)
	h.mux.HandleFunc("GET /segments/{stream}/{variant}/{hour}/{file}", h.segment)
	h.mux.HandleFunc("GET /playlist/{file}", h.master)
	h.mux.HandleFunc("GET /playlist/{stream}/{file}", h.media)
	h.mux.HandleFunc("GET /cut/{stream}/{file}", h.cut)
	h.mux.HandleFunc("GET /coverage/{$}", h.coveragePage)
	h.mux.HandleFunc("GET /coverage/{stream}/{file}", h.coverageFile)
	h.mux.HandleFunc("GET /frame/{stream}/{file}", h.frame)
	h.mux.HandleFunc("GET /waveform/{stream}/{file}", h.waveform)
	h.mux.HandleFunc("POST /generate_videos/{stream}/{variant}", h.generateVideos)
	// wubloader's backfiller also asks for "extras" folders (emotes,
	// media); an airkeep archive holds none, and an empty list keeps such
	// a peer's pass going.
	h.mux.HandleFunc("GET /extras/{dir}", func(w http.ResponseWriter, r *http.Request) {
		if err := ValidateComponent("extras folder", r.PathValue("dir")); err != nil {
			nameStatus(w, err)
			return
		}
		writeJSON(w, []string{})
	})
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpError(w, http.StatusNotFound, "not found")
	})
	return h
}

// ServeHTTP adds wubloader's CORS headers to every response and answers
// preflight requests.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Allow-Methods", "GET, POST, HEAD")
	hd.Set("Access-Control-Allow-Headers", "*")
	hd.Set("Access-Control-Max-Age", "86400")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// ServeMux would redirect cleaned paths ("/files/.."); refuse them
	// instead, so no path trickery reaches a handler.
	if strings.Contains(r.URL.Path, "/.") || strings.Contains(r.URL.Path, "//") {
		httpError(w, http.StatusForbidden, "path components may not start with a period or be empty")
		return
	}
	h.mux.ServeHTTP(w, r)
}

type apiError struct {
	Error string `json:"error"`
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Cache-Control")
	w.Header().Del("ETag")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(apiError{Error: msg})
}

// nameStatus maps a refused name to wubloader's status: 403 for a leading
// period, 400 otherwise.
func nameStatus(w http.ResponseWriter, err error) {
	var ne *NameError
	if errors.As(err, &ne) && strings.HasPrefix(ne.Value, ".") {
		httpError(w, http.StatusForbidden, err.Error())
		return
	}
	httpError(w, http.StatusBadRequest, err.Error())
}

// validStreamVariant validates the two components of a request path, and
// answers the request when one is refused.
func validStreamVariant(w http.ResponseWriter, stream, variant string) bool {
	err := ValidateComponent("stream", stream)
	if err == nil {
		err = ValidateComponent("variant", variant)
	}
	if err != nil {
		nameStatus(w, err)
		return false
	}
	return true
}

func (h *Handler) storeError(w http.ResponseWriter, r *http.Request, err error) {
	var ne *NameError
	var re *RangeError
	switch {
	case errors.As(err, &ne):
		nameStatus(w, err)
	case errors.As(err, &re):
		httpError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrNotFound):
		httpError(w, http.StatusNotFound, "not found")
	case errors.Is(err, context.Canceled):
		// The client went away.
	default:
		h.log.Error("archive request failed", "path", r.URL.Path, "err", err)
		httpError(w, http.StatusInternalServerError, "internal error")
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (h *Handler) files(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	stream, variant, hour := r.PathValue("stream"), r.PathValue("variant"), r.PathValue("hour")
	var names []string
	var err error
	switch {
	case hour != "":
		tomb := false
		// wubloader lower-cases the flag first: Python clients that
		// pass True send "True".
		switch strings.ToLower(r.URL.Query().Get("tombstones")) {
		case "", "false":
		case "true":
			tomb = true
		default:
			httpError(w, http.StatusBadRequest, "tombstones must be true or false")
			return
		}
		var l Listing
		if l, err = h.store.List(ctx, stream, variant, hour); err == nil {
			names = l.Names(tomb)
		}
	case variant != "":
		names, err = h.store.Hours(ctx, stream, variant)
	case stream != "":
		names, err = h.store.Variants(ctx, stream)
	default:
		names, err = h.store.Streams(ctx)
	}
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	if names == nil {
		names = []string{}
	}
	writeJSON(w, names)
}

func (h *Handler) segment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	seg, err := ParseName(r.PathValue("stream"), r.PathValue("variant"), r.PathValue("hour"), r.PathValue("file"))
	if err != nil {
		nameStatus(w, err)
		return
	}
	if seg.Type == Temp {
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	// A tombstoned segment is hidden everywhere.
	l, err := h.store.List(ctx, seg.Stream, seg.Variant, seg.Hour())
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	for _, t := range l.Tombstones {
		if t == seg {
			httpError(w, http.StatusNotFound, "not found")
			return
		}
	}
	f, err := h.store.Open(ctx, seg)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	defer f.Close()
	hd := w.Header()
	hd.Set("Content-Type", "video/MP2T")
	// A name is a content address: its bytes never change.
	hd.Set("ETag", `"`+seg.Hash.String()+`"`)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, f)
}

// parseTime parses an ISO 8601 time as the API takes it: RFC 3339 with or
// without fractional seconds and zone; no zone means UTC.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q: want ISO 8601, e.g. 2026-11-23T14:00:00Z", s)
}

// timeParam reads an optional time parameter.
func timeParam(q url.Values, name string) (time.Time, bool, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%s: %w", name, err)
	}
	return t, true, nil
}

func (h *Handler) master(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	stream, ok := strings.CutSuffix(r.PathValue("file"), ".m3u8")
	if !ok {
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	if err := ValidateComponent("stream", stream); err != nil {
		nameStatus(w, err)
		return
	}
	q := r.URL.Query()
	start, hasStart, err := timeParam(q, "start")
	if err == nil {
		var end time.Time
		var hasEnd bool
		end, hasEnd, err = timeParam(q, "end")
		if err == nil {
			h.writeMaster(ctx, w, r, stream, start, hasStart, end, hasEnd)
			return
		}
	}
	httpError(w, http.StatusBadRequest, err.Error())
}

func (h *Handler) writeMaster(ctx context.Context, w http.ResponseWriter, r *http.Request, stream string, start time.Time, hasStart bool, end time.Time, hasEnd bool) {
	variants, err := h.store.Variants(ctx, stream)
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	if len(variants) == 0 {
		httpError(w, http.StatusNotFound, "no such stream")
		return
	}
	var shown []string
	for _, v := range variants {
		if v == "chat" {
			continue
		}
		if hasStart || hasEnd {
			hours, err := h.store.Hours(ctx, stream, v)
			if err != nil {
				h.storeError(w, r, err)
				return
			}
			if !hoursOverlap(hours, start, hasStart, end, hasEnd) {
				continue
			}
		}
		shown = append(shown, v)
	}
	query := r.URL.RawQuery
	body := MasterPlaylist(shown, func(v string) string {
		// Colons escaped too: "a:b/v.m3u8" would read as a URL of
		// scheme "a".
		u := appendEscaped(nil, stream)
		u = append(u, '/')
		u = appendEscaped(u, v)
		u = append(u, ".m3u8"...)
		if query != "" {
			u = append(u, '?')
			u = append(u, query...)
		}
		return string(u)
	})
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(body)
}

// hoursOverlap reports whether any hour folder can hold a segment in the
// range (an hour before start, for a segment spanning it, through end).
func hoursOverlap(hours []string, start time.Time, hasStart bool, end time.Time, hasEnd bool) bool {
	for _, hs := range hours {
		ht, err := ParseHour(hs)
		if err != nil {
			continue
		}
		if hasStart && ht.Before(start.Truncate(time.Hour).Add(-time.Hour)) {
			continue
		}
		if hasEnd && ht.After(end) {
			continue
		}
		return true
	}
	return false
}

// resolveRange applies wubloader's defaults to a playlist's range: a missing
// start is the first hour stored, a missing end the last hour stored plus an
// extra hour (so a live playlist never looks finished). Implicit ranges are
// bounded.
func (h *Handler) resolveRange(ctx context.Context, stream, variant string, q url.Values) (start, end time.Time, live bool, status int, err error) {
	start, hasStart, err := timeParam(q, "start")
	if err != nil {
		return start, end, false, http.StatusBadRequest, err
	}
	end, hasEnd, err := timeParam(q, "end")
	if err != nil {
		return start, end, false, http.StatusBadRequest, err
	}
	if !hasStart || !hasEnd {
		hours, err := h.store.Hours(ctx, stream, variant)
		if err != nil {
			return start, end, false, 0, err
		}
		if len(hours) == 0 {
			return start, end, false, http.StatusNotFound, errors.New("no such stream or variant")
		}
		if !hasStart {
			start, _ = ParseHour(hours[0])
		}
		if !hasEnd {
			last, _ := ParseHour(hours[len(hours)-1])
			end = last.Add(2 * time.Hour)
		}
		if end.Sub(start) > h.maxImpl {
			return start, end, false, http.StatusBadRequest, fmt.Errorf("implicit range may not be longer than %v", h.maxImpl)
		}
	}
	if !end.After(start) {
		return start, end, false, http.StatusBadRequest, errors.New("ends must be after starts")
	}
	return start, end, !hasEnd, 0, nil
}

func (h *Handler) media(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	stream := r.PathValue("stream")
	variant, ok := strings.CutSuffix(r.PathValue("file"), ".m3u8")
	if !ok {
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	if !validStreamVariant(w, stream, variant) {
		return
	}
	start, end, live, status, err := h.resolveRange(ctx, stream, variant, r.URL.Query())
	if err != nil {
		if status != 0 {
			httpError(w, status, err.Error())
		} else {
			h.storeError(w, r, err)
		}
		return
	}
	// Identical concurrent requests (viewers of one live stream) share one
	// generation.
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%v", stream, variant, start.UnixMicro(), end.UnixMicro(), live)
	v, err, _ := h.flight.Do(key, func() (any, error) {
		// Detached from the first caller: its leaving must not fail the
		// others waiting on the same generation.
		tl, err := h.sel.Best(context.WithoutCancel(ctx), Query{Stream: stream, Variant: variant, Start: start, End: end})
		if err != nil {
			return nil, err
		}
		if c, ok := h.bodies.get(key); ok && c.fingerprint == tl.fingerprint {
			return c.body, nil
		}
		body, _ := MediaPlaylist(tl, MediaPlaylistOptions{Live: live, LiveHoldback: h.holdback})
		h.bodies.put(key, cachedBody{fingerprint: tl.fingerprint, body: body})
		return body, nil
	})
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(v.([]byte))
}

// cutRanges reads a cut's ranges: start and end, or wubloader's repeated
// range=START,END.
func cutRanges(q url.Values) ([][2]time.Time, error) {
	var out [][2]time.Time
	if rs := q["range"]; len(rs) > 0 {
		if len(rs) > 100 {
			return nil, errors.New("too many ranges")
		}
		for _, r := range rs {
			a, b, ok := strings.Cut(r, ",")
			if !ok {
				return nil, fmt.Errorf("bad range %q: want START,END", r)
			}
			s, err := parseTime(a)
			if err != nil {
				return nil, err
			}
			e, err := parseTime(b)
			if err != nil {
				return nil, err
			}
			out = append(out, [2]time.Time{s, e})
		}
	} else {
		s, hasStart, err := timeParam(q, "start")
		if err != nil {
			return nil, err
		}
		e, hasEnd, err := timeParam(q, "end")
		if err != nil {
			return nil, err
		}
		if !hasStart || !hasEnd {
			return nil, errors.New("start and end are required")
		}
		out = append(out, [2]time.Time{s, e})
	}
	for _, r := range out {
		if !r[1].After(r[0]) {
			return nil, errors.New("ends must be after starts")
		}
	}
	return out, nil
}

func (h *Handler) cut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	stream := r.PathValue("stream")
	variant, ok := strings.CutSuffix(r.PathValue("file"), ".ts")
	if !ok {
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	if !validStreamVariant(w, stream, variant) {
		return
	}
	q := r.URL.Query()
	opts, err := cutOptions(q)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	allowHoles := false
	switch strings.ToLower(q.Get("allow_holes")) { // as wubloader, see files
	case "", "false":
	case "true":
		allowHoles = true
	default:
		httpError(w, http.StatusBadRequest, "allow_holes must be true or false")
		return
	}
	ranges, err := cutRanges(q)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	// Every range's timeline is held until the cut starts, so the ranges
	// together get the bound one selection has; otherwise 100 ranges of
	// a month each would each be walked and held at once.
	var total time.Duration
	for _, rg := range ranges {
		total += rg[1].Sub(rg[0])
	}
	if total > h.sel.maxRange {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("ranges add up to %v, longer than %v", total, h.sel.maxRange))
		return
	}
	// Select every range before writing a byte, so a refusal is a clean
	// status code.
	var tls []Timeline
	segments := 0
	for _, rg := range ranges {
		tl, err := h.sel.Best(ctx, Query{Stream: stream, Variant: variant, Start: rg[0], End: rg[1], NoHoles: !allowHoles})
		if errors.Is(err, ErrHoles) {
			httpError(w, http.StatusNotAcceptable, "Requested time range contains holes or is incomplete.")
			return
		}
		if err != nil {
			h.storeError(w, r, err)
			return
		}
		segments += len(tl.Segments())
		if opts.Type.FullEncode() {
			if tl, err = h.sel.WithNext(ctx, tl); err != nil {
				h.storeError(w, r, err)
				return
			}
		}
		tls = append(tls, tl)
	}
	if segments == 0 {
		httpError(w, http.StatusNotAcceptable, "We have no content available within the requested time range.")
		return
	}
	if opts.Type != CutRough {
		if len(opts.Transitions) > len(tls)-1 {
			httpError(w, http.StatusBadRequest, "too many transitions: at most one between two ranges")
			return
		}
		h.mediaCut(w, r, tls, opts)
		return
	}
	w.Header().Set("Content-Type", "video/MP2T")
	if r.Method == http.MethodHead {
		return
	}
	for _, tl := range tls {
		if _, err := RoughCut(ctx, h.store, tl, w); err != nil {
			// Headers are gone; all that is left is to stop.
			if !errors.Is(err, context.Canceled) {
				h.log.Warn("cut failed midway", "path", r.URL.Path, "err", err)
			}
			return
		}
	}
}
