package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/streamer"
)

// procEvents relays the supervisor's events to the capture. The
// supervisor calls onEvent synchronously and wants it quick: it keeps the
// latest event and wakes the capture, coalescing bursts.
type procEvents struct {
	mu     sync.Mutex
	last   streamer.Event
	notify chan struct{}
}

func newProcEvents() *procEvents {
	return &procEvents{notify: make(chan struct{}, 1)}
}

func (e *procEvents) onEvent(ev streamer.Event) {
	e.mu.Lock()
	e.last = ev
	e.mu.Unlock()
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

func (e *procEvents) latest() streamer.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

// capture records the station's own HLS output into the archive with one
// hls.Recorder per Liquidsoap process. Each process is a new stream: its
// media sequence starts over at 0 (with new segment names), and its
// playlists carry no program date-time, so its segments are dated from
// the recorder's first fetch. A fresh recorder per process dates each one
// from its own start rather than relying on a reset being recognised
// mid-stream. It starts when the process's server answers; the previous
// recorder stops then (downloads in flight finish in the background, from
// the files the dead process left; streamer.Process removes only its
// playlists before a start).
type capture struct {
	cfg    hls.Config
	events *procEvents
	log    *slog.Logger

	mu       sync.Mutex
	cur      *hls.Recorder
	done     hls.CountersSnapshot // counters of the recorders that stopped
	starts   int                  // recorders started
	liqStart int                  // the Liquidsoap start the current recorder follows
}

// captureStatus is what the page, the progress line and the metrics show.
type captureStatus struct {
	State    hls.State
	Starts   int
	Counters hls.CountersSnapshot // over every recorder of this run
}

func (c *capture) status() captureStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := captureStatus{Starts: c.starts, Counters: c.done}
	if c.cur != nil {
		s := c.cur.Status()
		st.State = s.State
		st.Counters = st.Counters.Add(s.Total())
	}
	return st
}

// Run follows Liquidsoap's starts until ctx ends, then stops the recorder
// and returns after every recorder it started has returned.
func (c *capture) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	var stopCur context.CancelFunc
	defer func() {
		if stopCur != nil {
			stopCur()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.events.notify:
		}
		ev := c.events.latest()
		if ev.Kind != streamer.EventReady || ev.Start == c.liqStart {
			continue
		}
		if stopCur != nil {
			stopCur()
		}
		rec, err := hls.New(c.cfg)
		if err != nil {
			return err
		}
		rctx, cancel := context.WithCancel(ctx)
		stopCur = cancel
		c.mu.Lock()
		c.cur, c.liqStart = rec, ev.Start
		c.starts++
		c.mu.Unlock()
		c.log.Info("recording the station's HLS output", "url", c.cfg.URL, "liquidsoap_start", ev.Start)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := rec.Run(rctx); err != nil {
				c.log.Error("recorder stopped", "err", err)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			c.done = c.done.Add(rec.Status().Total())
			if c.cur == rec {
				c.cur = nil
			}
		}()
	}
}

// captureConfig is the recorder configuration for a local Liquidsoap HLS
// output: its master playlist is polled every second while missing (a
// restarted Liquidsoap writes it within seconds), since a recorder that
// first sees a playlist dates its segments from that fetch.
func captureConfig(stream, url string, rec hls.Config) hls.Config {
	rec.Stream = stream
	rec.URL = url
	rec.Variants = []string{"source"}
	rec.Reload.MasterInterval = time.Second
	return rec
}
