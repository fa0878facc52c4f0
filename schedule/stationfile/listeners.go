package stationfile

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/listeners"
)

// Samplers returns a listener sampler per Icecast server the station
// streams to, counting its mounts every interval into st; none when
// interval is 0 or less. logger nil means discard.
func (c *Station) Samplers(st schedule.ListenerStore, stationID int64, interval time.Duration, logger *slog.Logger) ([]*listeners.Sampler, error) {
	if interval <= 0 {
		return nil, nil
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
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
		s, err := listeners.New(listeners.Config{URL: url, Mounts: mounts[url], Interval: interval,
			Sink: storeSink{st, stationID}, Logger: logger.With("icecast", url)})
		if err != nil {
			return nil, fmt.Errorf("listeners: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// storeSink records a station's listener samples in the store.
type storeSink struct {
	st        schedule.ListenerStore
	stationID int64
}

func (s storeSink) Record(ctx context.Context, samples []listeners.Sample) error {
	return s.st.RecordListeners(ctx, s.stationID, samples)
}
