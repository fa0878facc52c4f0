package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/listeners"
	"github.com/airkeep/airkeep/schedule/seal"
	"github.com/airkeep/airkeep/schedule/stationfile"
)

// storeSink records a station's listener samples in the store.
type storeSink struct {
	st        schedule.ListenerStore
	stationID int64
}

func (s storeSink) Record(ctx context.Context, samples []listeners.Sample) error {
	return s.st.RecordListeners(ctx, s.stationID, samples)
}

// newSamplers returns a listener sampler per Icecast server the station
// streams to, counting its mounts; none when every is 0.
func newSamplers(c *stationfile.Station, st schedule.ListenerStore, stationID int64, every time.Duration, log *slog.Logger) ([]*listeners.Sampler, error) {
	if every <= 0 {
		return nil, nil
	}
	var order []string
	mounts := map[string][]string{}
	for _, ic := range c.Streamer.Icecast {
		host, port := ic.Host, ic.Port
		if host == "" {
			host = "localhost"
		}
		if port == 0 {
			port = 8000
		}
		url := "http://" + host + ":" + strconv.Itoa(port)
		if _, ok := mounts[url]; !ok {
			order = append(order, url)
		}
		mounts[url] = append(mounts[url], ic.Mount)
	}
	var out []*listeners.Sampler
	for _, url := range order {
		s, err := listeners.New(listeners.Config{URL: url, Mounts: mounts[url], Interval: every,
			Sink: storeSink{st, stationID}, Logger: log.With("component", "listeners", "icecast", url)})
		if err != nil {
			return nil, fmt.Errorf("listeners: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// proofHead serves /proof/YYYY-MM-DD.json: the day's chain head of the
// sealed as-run log, for a third party to keep.
func (r *runner) proofHead(w http.ResponseWriter, req *http.Request) {
	name := req.PathValue("file")
	day, err := schedule.ParseDate(strings.TrimSuffix(name, ".json"))
	if err != nil || !strings.HasSuffix(name, ".json") {
		http.Error(w, "want /proof/YYYY-MM-DD.json", http.StatusNotFound)
		return
	}
	h, err := seal.DayHead(req.Context(), r.store, r.station.ID, day, r.cfg.Location)
	if err != nil {
		r.log.Warn("chain head", "day", day.String(), "err", err)
		http.Error(w, "chain head unavailable", http.StatusInternalServerError)
		return
	}
	writeJSON(w, h)
}
