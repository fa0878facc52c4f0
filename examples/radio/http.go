package main

import (
	_ "embed"
	"html/template"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/schedule/stationapi"
	"github.com/airkeep/airkeep/streamer"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// handler serves the station's page and API:
//
//	GET /                 the page: on air, next up, the last hour of the log
//	GET /now, /asrun.csv, /asrun.json, /proof/…  the station's API (schedule/stationapi)
//	GET /metrics          Prometheus metrics
//	GET /hls/…            the station's own HLS output (what the recorder reads)
//	GET /archive/…        the recording: archive's HTTP API (wubloader's)
func (r *runner) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", r.page)
	mux.Handle("/", r.api)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), &metrics{r: r})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if rec := r.cfg.Record; rec != nil {
		mux.Handle("GET /hls/", http.StripPrefix("/hls/", streamer.NewHLSHandler(rec.HLSDir)))
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

// nowJSON is GET /now: the station API's Now, with the playout process,
// the recording and the dead air.
type nowJSON struct {
	stationapi.Now
	Liquidsoap playerJSON  `json:"liquidsoap"`
	Recording  *recordJSON `json:"recording,omitempty"`
	// DeadAir lists the sources silent now.
	DeadAir []deadAirJSON `json:"dead_air,omitempty"`
}

type deadAirJSON struct {
	Source string `json:"source"`
	Since  string `json:"since"`
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

// nowState extends the API's Now with what the packages' counters say.
func (r *runner) nowState(n stationapi.Now) nowJSON {
	out := nowJSON{Now: n, Liquidsoap: playerJSON{State: r.proc.State().String(), PID: r.proc.PID(), Starts: r.proc.Starts()}}
	for _, d := range r.air.OpenDeadAir() {
		out.DeadAir = append(out.DeadAir, deadAirJSON{Source: d.Source, Since: r.api.Time(d.Start)})
	}
	if r.capture != nil {
		cs := r.capture.status()
		out.Recording = &recordJSON{State: cs.State.String(), Stream: r.cfg.Record.Stream, Segments: cs.Counters.Segments(),
			Bytes: cs.Counters.Bytes, Lost: cs.Counters.Lost(), LastEnd: r.api.Time(cs.Counters.LastEnd)}
	}
	return out
}
