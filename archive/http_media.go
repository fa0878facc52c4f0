package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// noMedia is the answer of a node without a Media implementation.
const noMedia = "this needs ffmpeg, which this node does not have: install ffmpeg (apt-get install ffmpeg) and restart it"

// lazyHeaders sends the status and headers with the first bytes, so that a
// media operation that fails before producing any can still answer with a
// clean status.
type lazyHeaders struct {
	w       http.ResponseWriter
	ctype   string
	started bool
}

func (l *lazyHeaders) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.Header().Set("Content-Type", l.ctype)
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

// runMedia runs a media operation writing to the response, and answers
// its failure: a status if nothing was sent yet, otherwise a log line and
// a closed connection, so the client sees a truncated body rather than a
// whole-looking one.
func (h *Handler) runMedia(w http.ResponseWriter, r *http.Request, ctype string, op func(io.Writer) error) {
	lw := &lazyHeaders{w: w, ctype: ctype}
	err := op(lw)
	if err == nil {
		if !lw.started {
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(http.StatusOK)
		}
		return
	}
	if r.Context().Err() != nil {
		return // the client went away
	}
	if lw.started {
		h.log.Warn("media output failed midway", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	h.mediaError(w, r, err)
}

func (h *Handler) mediaError(w http.ResponseWriter, r *http.Request, err error) {
	var ce *ClipError
	var be *BusyError
	switch {
	case errors.As(err, &ce):
		httpError(w, http.StatusBadRequest, err.Error())
	case errors.As(err, &be):
		w.Header().Set("Retry-After", strconv.Itoa(int((be.RetryAfter+time.Second-1)/time.Second)))
		httpError(w, http.StatusServiceUnavailable, err.Error())
	case errors.Is(err, ErrUnsupported):
		httpError(w, http.StatusNotImplemented, err.Error())
	case errors.Is(err, ErrHoles), errors.Is(err, ErrNoVideo):
		httpError(w, http.StatusNotAcceptable, err.Error())
	case errors.Is(err, context.Canceled):
	default:
		var ne *NameError
		var re *RangeError
		if errors.As(err, &ne) || errors.As(err, &re) || errors.Is(err, ErrNotFound) {
			h.storeError(w, r, err)
			return
		}
		h.log.Error("media request failed", "path", r.URL.Path, "err", err)
		httpError(w, http.StatusInternalServerError, err.Error())
	}
}

// mediaCut answers a cut of any type but rough.
func (h *Handler) mediaCut(w http.ResponseWriter, r *http.Request, tls []Timeline, opts CutOptions) {
	if h.tools == nil {
		httpError(w, http.StatusNotImplemented, fmt.Sprintf("cut type %s: %s", opts.Type, noMedia))
		return
	}
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", opts.Type.ContentType())
		return
	}
	h.runMedia(w, r, opts.Type.ContentType(), func(out io.Writer) error {
		return h.tools.Cut(r.Context(), h.store, tls, opts, out)
	})
}

// cutOptions reads type= and transition= of a cut.
func cutOptions(q map[string][]string) (CutOptions, error) {
	var opts CutOptions
	var err error
	typ := ""
	if v := q["type"]; len(v) > 0 {
		typ = v[0]
	}
	if opts.Type, err = ParseCutType(typ); err != nil {
		return opts, err
	}
	ts := q["transition"]
	if len(ts) > 100 {
		return opts, &ClipError{Param: "transition", Reason: "too many transitions"}
	}
	for _, s := range ts {
		t, err := ParseTransition(s)
		if err != nil {
			return opts, err
		}
		if t.Type != "" && !opts.Type.FullEncode() {
			return opts, &ClipError{Param: "transition", Value: s, Reason: "transitions need a full encode (type mpegts, webm or mp4)"}
		}
		opts.Transitions = append(opts.Transitions, t)
	}
	return opts, nil
}

// pngPath reads STREAM and VARIANT.png of a frame or waveform request.
func pngPath(w http.ResponseWriter, r *http.Request) (stream, variant string, ok bool) {
	stream = r.PathValue("stream")
	variant, ok = strings.CutSuffix(r.PathValue("file"), ".png")
	if !ok {
		httpError(w, http.StatusNotFound, "not found")
		return "", "", false
	}
	return stream, variant, validStreamVariant(w, stream, variant)
}

// frame answers GET /frame/STREAM/VARIANT.png?timestamp=T.
func (h *Handler) frame(w http.ResponseWriter, r *http.Request) {
	stream, variant, ok := pngPath(w, r)
	if !ok {
		return
	}
	at, has, err := timeParam(r.URL.Query(), "timestamp")
	if err == nil && !has {
		err = errors.New("timestamp is required")
	}
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	if h.tools == nil {
		httpError(w, http.StatusNotImplemented, "frames: "+noMedia)
		return
	}
	tl, err := h.sel.Best(r.Context(), Query{Stream: stream, Variant: variant, Start: at, End: at.Add(time.Microsecond)})
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	if len(tl.Segments()) == 0 {
		httpError(w, http.StatusNotAcceptable, "We have no content available within the requested time range.")
		return
	}
	h.runMedia(w, r, "image/png", func(out io.Writer) error {
		return h.tools.Frame(r.Context(), h.store, tl, at, out)
	})
}

// MaxWaveformRange bounds the range of one waveform, as wubloader does.
const MaxWaveformRange = 6 * time.Hour

// waveform answers GET /waveform/STREAM/VARIANT.png?start=&end=&size=WxH.
func (h *Handler) waveform(w http.ResponseWriter, r *http.Request) {
	stream, variant, ok := pngPath(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	start, hasStart, err := timeParam(q, "start")
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	end, hasEnd, err := timeParam(q, "end")
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	switch {
	case !hasStart || !hasEnd:
		httpError(w, http.StatusBadRequest, "start and end are required")
		return
	case !end.After(start):
		httpError(w, http.StatusBadRequest, "ends must be after starts")
		return
	case end.Sub(start) > MaxWaveformRange:
		httpError(w, http.StatusBadRequest, fmt.Sprintf("range may not be longer than %v", MaxWaveformRange))
		return
	}
	size := ImageSize{Width: 1024, Height: 64}
	if s := q.Get("size"); s != "" {
		if size, err = ParseImageSize(s); err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if h.tools == nil {
		httpError(w, http.StatusNotImplemented, "waveforms: "+noMedia)
		return
	}
	tl, err := h.sel.Best(r.Context(), Query{Stream: stream, Variant: variant, Start: start, End: end})
	if err != nil {
		h.storeError(w, r, err)
		return
	}
	if len(tl.Segments()) == 0 {
		httpError(w, http.StatusNotAcceptable, "We have no content available within the requested time range.")
		return
	}
	h.runMedia(w, r, "image/png", func(out io.Writer) error {
		return h.tools.Waveform(r.Context(), h.store, tl, size, out)
	})
}

// maxExportBody bounds the JSON body of generate_videos.
const maxExportBody = 64 << 10

// ValidateExportName checks a name given to generate_videos: 1 to 100
// letters, digits, "-", "_" or ".", not starting with ".", so that the file
// it names stays in the export folder and is not hidden.
func ValidateExportName(name string) error {
	bad := func(reason string) error { return &ClipError{Param: "name", Value: name, Reason: reason} }
	if name == "" || len(name) > 100 {
		return bad("want 1 to 100 characters")
	}
	if name[0] == '.' {
		return bad("starts with a period")
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return bad("want only letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

// ExportResult is the answer of generate_videos: the files written and
// those skipped because a file of that name already existed.
type ExportResult struct {
	Written []string `json:"written"`
	Skipped []string `json:"skipped"`
}

// generateVideos answers wubloader's POST /generate_videos/STREAM/VARIANT
// with a JSON body {NAME: [START, END]}: one Matroska file
// STREAM_VARIANT_NAME_N.mkv per run of the range without holes, in the
// export folder and nowhere else; an existing file is never replaced.
func (h *Handler) generateVideos(w http.ResponseWriter, r *http.Request) {
	stream, variant := r.PathValue("stream"), r.PathValue("variant")
	if !validStreamVariant(w, stream, variant) {
		return
	}
	if h.exportDir == "" {
		httpError(w, http.StatusForbidden, "exports are off: start the node with an export folder")
		return
	}
	var body map[string][2]string
	dec := json.NewDecoder(io.LimitReader(r.Body, maxExportBody))
	if err := dec.Decode(&body); err != nil {
		httpError(w, http.StatusBadRequest, "want a JSON object {name: [start, end]}: "+err.Error())
		return
	}
	if len(body) > 100 {
		httpError(w, http.StatusBadRequest, "too many videos")
		return
	}
	type job struct {
		name       string
		start, end time.Time
	}
	var jobs []job
	var total time.Duration
	for name, rg := range body {
		if err := ValidateExportName(name); err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		s, err := parseTime(rg[0])
		if err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		e, err := parseTime(rg[1])
		if err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		if !e.After(s) {
			httpError(w, http.StatusBadRequest, "ends must be after starts")
			return
		}
		total += e.Sub(s)
		jobs = append(jobs, job{name, s, e})
	}
	if total > h.sel.maxRange {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("ranges add up to %v, longer than %v", total, h.sel.maxRange))
		return
	}
	if h.tools == nil {
		httpError(w, http.StatusNotImplemented, "exports: "+noMedia)
		return
	}
	res := ExportResult{Written: []string{}, Skipped: []string{}}
	for _, j := range jobs {
		tl, err := h.sel.Best(r.Context(), Query{Stream: stream, Variant: variant, Start: j.start, End: j.end})
		if err != nil {
			h.storeError(w, r, err)
			return
		}
		for n, run := range tl.Runs() {
			name := fmt.Sprintf("%s_%s_%s_%d.mkv", stream, variant, j.name, n)
			written, err := h.exportFile(r.Context(), run, name)
			if err != nil {
				h.mediaError(w, r, err)
				return
			}
			if written {
				res.Written = append(res.Written, name)
			} else {
				res.Skipped = append(res.Skipped, name)
			}
		}
	}
	writeJSON(w, res)
}

// exportFile writes one run to name in the export folder, through a
// temporary file linked into place, so no partial file is ever visible and
// an existing file is never replaced. It reports false when name existed.
func (h *Handler) exportFile(ctx context.Context, run Timeline, name string) (bool, error) {
	final := filepath.Join(h.exportDir, name)
	if filepath.Dir(final) != filepath.Clean(h.exportDir) {
		return false, &ClipError{Param: "name", Value: name, Reason: "escapes the export folder"}
	}
	if _, err := os.Lstat(final); err == nil {
		return false, nil
	}
	tmp, err := os.CreateTemp(h.exportDir, ".export-*.tmp")
	if err != nil {
		return false, fmt.Errorf("archive: export: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = h.tools.Export(ctx, h.store, run, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), final); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("archive: export: %w", err)
	}
	if err := syncExportDir(h.exportDir); err != nil {
		return true, fmt.Errorf("archive: export: %w", err)
	}
	return true, nil
}

// syncExportDir makes the name linked into dir durable.
func syncExportDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
