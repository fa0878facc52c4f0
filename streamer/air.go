package streamer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/airkeep/airkeep"
)

// AirEventKind is what an AirEvent reports.
type AirEventKind string

// AirEvent kinds the station script reports (see Station), and AirRestart,
// which Controller.Watch adds.
const (
	// AirBlankStart: a source went silent. Time is when the silence
	// began, DeadAir.Duration before it was noticed (2s more for the
	// output). Source is the live input's id, the dealer's id, "music", or
	// "output" for the final output.
	AirBlankStart AirEventKind = "blank_start"
	// AirBlankEnd: sound came back on Source, or the silent source ended.
	AirBlankEnd AirEventKind = "blank_end"
	// AirEmergency: a track of the emergency playlist took the air
	// (Fields "filename", "title").
	AirEmergency AirEventKind = "emergency"
	// AirJingle: a jingle took the air (Fields "filename", "title",
	// "artist").
	AirJingle AirEventKind = "jingle"
	// AirLiveOpen and AirLiveClose: the controller opened (Fields
	// "user") or closed the live slot.
	AirLiveOpen  AirEventKind = "live_open"
	AirLiveClose AirEventKind = "live_close"
	// AirLiveAccept and AirLiveRefuse: a source client (or a metadata
	// update, which authenticates the same way) was let in or turned away
	// (Fields "user", "address").
	AirLiveAccept AirEventKind = "live_accept"
	AirLiveRefuse AirEventKind = "live_refuse"
	// AirLiveConnect and AirLiveDisconnect: a source client started or
	// stopped feeding the harbor. Liquidsoap may report one disconnection
	// several times.
	AirLiveConnect    AirEventKind = "live_connect"
	AirLiveDisconnect AirEventKind = "live_disconnect"
	// AirLiveMetadata: the live source sent metadata (Fields as sent,
	// such as "title" and "artist", or "song" from an Icecast-style
	// metadata update).
	AirLiveMetadata AirEventKind = "live_metadata"
	// AirTrack: a track took the air (Fields "source": the queue or
	// playlist id it came from, "" for the live input; "filename",
	// "title").
	AirTrack AirEventKind = "track"
	// AirRestart is not sent by Liquidsoap: Watch reports it when the
	// server turned out to be a new process, whose silence and live state
	// start afresh. Whatever was open (dead air, a live connection) ended
	// at the latest then.
	AirRestart AirEventKind = "restart"
)

// AirEvent is one line of the station script's event log.
type AirEvent struct {
	// Seq numbers the events of one Liquidsoap process from 1.
	Seq uint64
	// Generation is the process's (Client.Generation): (Generation, Seq)
	// identifies an event across restarts of either side.
	Generation uint64
	// Time is when it happened, by Liquidsoap's clock (UTC).
	Time   time.Time
	Kind   AirEventKind
	Fields map[string]string
}

// Source is Fields["source"], the source an AirBlankStart or
// AirBlankEnd is about.
func (e AirEvent) Source() string { return e.Fields["source"] }

// maxEventFields bounds the fields of one event (metadata can be long).
const maxEventFields = 64

// parseEvents reads the reply of "airkeep.events": one event per line,
// "<seq> <unix seconds> <kind> <JSON [[key, value], ...]>".
func parseEvents(body string) ([]AirEvent, error) {
	body = strings.TrimRight(body, "\r\n")
	if body == "" {
		return nil, nil
	}
	var out []AirEvent
	for i, line := range strings.Split(body, "\n") {
		e, err := parseEvent(strings.TrimRight(line, "\r"))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if len(out) > 0 && e.Seq <= out[len(out)-1].Seq {
			return nil, fmt.Errorf("line %d: number %d after %d", i+1, e.Seq, out[len(out)-1].Seq)
		}
		out = append(out, e)
	}
	return out, nil
}

func parseEvent(line string) (AirEvent, error) {
	f := strings.SplitN(line, " ", 4)
	if len(f) != 4 {
		return AirEvent{}, errors.New("want <number> <time> <kind> <fields>")
	}
	seq, err := parseDigits(f[0])
	if err != nil || seq == 0 {
		return AirEvent{}, fmt.Errorf("number %q", f[0])
	}
	secs, err := strconv.ParseFloat(f[1], 64)
	if err != nil || math.IsNaN(secs) || secs < 0 || secs > 1e11 {
		return AirEvent{}, fmt.Errorf("time %q", f[1])
	}
	if !validID(f[2]) {
		return AirEvent{}, fmt.Errorf("kind %q", f[2])
	}
	var pairs [][]string
	if err := json.Unmarshal([]byte(f[3]), &pairs); err != nil {
		return AirEvent{}, fmt.Errorf("fields: %w", err)
	}
	if len(pairs) > maxEventFields {
		return AirEvent{}, fmt.Errorf("fields: %d pairs, want at most %d", len(pairs), maxEventFields)
	}
	fields := make(map[string]string, len(pairs))
	for _, p := range pairs {
		if len(p) != 2 {
			return AirEvent{}, errors.New("fields: want [key, value] pairs")
		}
		fields[p[0]] = p[1]
	}
	ms := int64(math.Round(secs * 1000))
	return AirEvent{Seq: uint64(seq), Time: time.UnixMilli(ms).UTC(), Kind: AirEventKind(f[2]), Fields: fields}, nil
}

// Events returns the events the station script logged after number after
// (0 for every event it still holds: the last 256), stamped with the
// process's generation. Numbers restart from 1 when Liquidsoap restarts;
// Watch deals with that.
func (c *Controller) Events(ctx context.Context, after uint64) ([]AirEvent, error) {
	body, err := c.client.query(ctx, "airkeep.events "+strconv.FormatUint(after, 10))
	if err != nil {
		return nil, fmt.Errorf("streamer: events (is the script rendered by Station?): %w", err)
	}
	gen := c.client.Generation()
	events, err := parseEvents(body)
	if err != nil {
		return nil, &ParseError{Command: "airkeep.events", Reply: body, Reason: err.Error()}
	}
	for i := range events {
		events[i].Generation = gen
	}
	return events, nil
}

// WatchConfig configures Controller.Watch.
type WatchConfig struct {
	// Every is the polling interval. 0 means 500ms.
	Every time.Duration
	// Clock: nil means airkeep.SystemClock().
	Clock airkeep.Clock
}

// Watch polls the station's events until ctx ends and hands each one, in
// order and once, to fn, which must return quickly (queue slow work, such
// as a webhook, elsewhere). When the server is a new process it first
// hands fn an AirRestart (Time: when the restart was noticed,
// Generation: the new process's), then every event of the new process.
// Events of a process already running when Watch starts are handed over
// too: fn deduplicates by (Generation, Seq) if it keeps them. A server
// that does not answer is tried again at the next tick. Watch returns
// ctx's error.
func (c *Controller) Watch(ctx context.Context, cfg WatchConfig, fn func(AirEvent)) error {
	every := orDefault(cfg.Every, 500*time.Millisecond)
	clock := cfg.Clock
	if clock == nil {
		clock = airkeep.SystemClock()
	}
	var gen, after uint64
	timer := clock.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C():
		}
		events, err := c.Events(ctx, after)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				c.log.Debug("events not read", "err", err)
			}
		case len(events) > 0 && events[0].Generation != gen, len(events) == 0 && c.client.Generation() != gen:
			newGen := c.client.Generation()
			if len(events) > 0 {
				newGen = events[0].Generation
			}
			if gen != 0 {
				fn(AirEvent{Kind: AirRestart, Generation: newGen, Time: clock.Now().UTC(), Fields: map[string]string{}})
				// The new process numbers from 1: read it from the start.
				if after != 0 {
					events, err = c.Events(ctx, 0)
					if err != nil {
						events = nil
					}
				}
			}
			gen, after = newGen, 0
			fallthrough
		default:
			for _, e := range events {
				if e.Seq <= after {
					continue
				}
				fn(e)
				after = e.Seq
			}
		}
		timer.Reset(every)
	}
}
