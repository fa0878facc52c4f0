package schedule_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func newAir(t *testing.T, r *rig, cfg schedule.AirConfig) *schedule.Air {
	t.Helper()
	cfg.Store, cfg.StationID, cfg.Clock, cfg.Station = r.store, r.station.ID, r.clock, r.station.Slug
	a, err := schedule.NewAir(cfg)
	require.NoError(t, err)
	return a
}

// TestAirDeadAir logs a silent stretch of a diffusion with its start and
// end, the emergency sound that covered it and a jingle, and exports them.
func TestAirDeadAir(t *testing.T) {
	r := newRig(t, t0, schedule.NewMemStore())
	ctx := r.ctx
	var seen []schedule.DeadAir
	a := newAir(t, r, schedule.AirConfig{OnDeadAir: func(d schedule.DeadAir) { seen = append(seen, d) }})
	events := []schedule.AirEvent{
		{Kind: schedule.JingleOnAir, Time: t0, Source: "jingles", URI: "/j/id.wav", ID: "7:1"},
		{Kind: schedule.DeadAirStart, Time: t0.Add(3 * time.Second), Source: "dealer", ID: "7:2"},
		{Kind: schedule.EmergencyOnAir, Time: t0.Add(5 * time.Second), Source: "emergency", URI: "/e/1.wav", ID: "7:3"},
		{Kind: schedule.DeadAirEnd, Time: t0.Add(18 * time.Second), Source: "dealer", ID: "7:4"},
	}
	for range 2 { // a replay (our own restart) writes nothing twice
		for _, e := range events {
			require.NoError(t, a.Report(ctx, e))
		}
	}
	require.Len(t, seen, 2)
	require.True(t, seen[1].End.Equal(t0.Add(18*time.Second)))
	st := a.Stats()
	require.Equal(t, int64(1), st.DeadAir)
	require.Equal(t, 15.0, st.DeadAirSeconds)
	require.Equal(t, int64(1), st.Jingles)
	require.Zero(t, st.DeadAirOpen)

	entries, err := schedule.AsRun(ctx, r.store, r.station.ID, t0.Add(-time.Hour), t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, entries, 3, "%+v", entries)
	require.Equal(t, schedule.LogJingle, entries[0].Event)
	require.Equal(t, "/j/id.wav", entries[0].URI)
	require.Equal(t, t0.Add(5*time.Second), entries[0].End, "a jingle ends when the next sound starts")
	require.Equal(t, schedule.LogDeadAir, entries[1].Event)
	require.Equal(t, "dealer", entries[1].Source)
	require.Equal(t, t0.Add(3*time.Second), entries[1].Start)
	require.Equal(t, t0.Add(18*time.Second), entries[1].End)
	require.Equal(t, schedule.LogOnAir, entries[2].Event)
	require.Equal(t, "emergency", entries[2].Source)

	var b bytes.Buffer
	require.NoError(t, schedule.WriteAsRunCSV(&b, time.UTC, entries))
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"dead_air", "2026-11-23T08:00:03Z", "2026-11-23T08:00:18Z", "15.000", "dealer"}, rows[2][:5])
}

// TestAirRestartClosesDeadAir: a player restart in the middle of dead air
// closes it with a comment; a new Air (our own restart) finds the dead air
// left open and closes it when sound comes back.
func TestAirRestartClosesDeadAir(t *testing.T) {
	r := newRig(t, t0, schedule.NewMemStore())
	ctx := r.ctx
	a := newAir(t, r, schedule.AirConfig{})
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.DeadAirStart, Time: t0, Source: "output", ID: "1:1"}))
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.PlayerRestarted, Time: t0.Add(20 * time.Second)}))
	require.Empty(t, a.OpenDeadAir())

	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.DeadAirStart, Time: t0.Add(time.Minute), Source: "live", ID: "2:5"}))
	b := newAir(t, r, schedule.AirConfig{})
	require.NoError(t, b.Report(ctx, schedule.AirEvent{Kind: schedule.DeadAirEnd, Time: t0.Add(70 * time.Second), Source: "live", ID: "2:6"}))

	entries, err := schedule.AsRun(ctx, r.store, r.station.ID, t0.Add(-time.Hour), t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, entries, 2)
	require.Equal(t, t0.Add(20*time.Second), entries[0].End)
	require.Equal(t, "closed at player restart", entries[0].Comment)
	require.Equal(t, t0.Add(70*time.Second), entries[1].End)
	require.Empty(t, entries[1].Comment)
}

// TestAirWebhook: notices are retried with backoff until the endpoint
// takes them, and an endpoint that hangs never blocks Report.
func TestAirWebhook(t *testing.T) {
	var calls atomic.Int32
	var mu sync.Mutex
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var m map[string]any
		b, _ := io.ReadAll(req.Body)
		require.NoError(t, json.Unmarshal(b, &m))
		require.Equal(t, "application/json", req.Header.Get("Content-Type"))
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer srv.Close()
	r := newRig(t, t0, schedule.NewMemStore())
	a := newAir(t, r, schedule.AirConfig{Webhook: &schedule.Webhook{URL: srv.URL}})
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	require.NoError(t, a.Report(r.ctx, schedule.AirEvent{Kind: schedule.DeadAirStart, Time: t0, Source: "dealer", ID: "1:1"}))
	require.NoError(t, a.Report(r.ctx, schedule.AirEvent{Kind: schedule.DeadAirEnd, Time: t0.Add(12 * time.Second), Source: "dealer", ID: "1:2"}))
	// Two failures, each followed by a backoff wait on the fake clock.
	for range 2 {
		r.clock.BlockUntil(1)
		r.clock.Advance(time.Minute)
	}
	require.Eventually(t, func() bool { return a.Stats().Webhooks.Sent == 2 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	st := a.Stats().Webhooks
	require.Equal(t, int64(2), st.Retries)
	require.Zero(t, st.Failed)
	require.Len(t, got, 2)
	require.Equal(t, "dead_air_start", got[0]["event"])
	require.Equal(t, "rc", got[0]["station"])
	require.Equal(t, "dealer", got[0]["source"])
	require.Equal(t, "2026-11-23T08:00:00Z", got[0]["start"])
	require.Equal(t, "dead_air_end", got[1]["event"])
	require.Equal(t, 12.0, got[1]["duration_s"])

	// An endpoint that never answers: Report still returns at once, and
	// the queue keeps only the newest notices.
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-hang:
		case <-req.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang)
	b := newAir(t, r, schedule.AirConfig{Webhook: &schedule.Webhook{URL: slow.URL, Queue: 3}})
	ctx, cancel = context.WithCancel(r.ctx)
	go func() { done <- b.Run(ctx) }()
	for i := range 20 {
		start := time.Now()
		kind := schedule.DeadAirStart
		if i%2 == 1 {
			kind = schedule.DeadAirEnd
		}
		require.NoError(t, b.Report(r.ctx, schedule.AirEvent{Kind: kind, Time: t0.Add(time.Duration(i) * time.Minute), Source: "output"}))
		require.Less(t, time.Since(start), time.Second, "Report waited for the webhook")
	}
	require.GreaterOrEqual(t, b.Stats().Webhooks.Dropped, int64(20-3-1))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

func TestWebhookConfig(t *testing.T) {
	r := newRig(t, t0, schedule.NewMemStore())
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		_, err := schedule.NewAir(schedule.AirConfig{Store: r.store, StationID: r.station.ID, Webhook: &schedule.Webhook{URL: u}})
		var fe *schedule.FieldError
		require.ErrorAs(t, err, &fe, u)
		require.Equal(t, "URL", fe.Field)
	}
}

// livePlayer is the harbor as the live slots drive it.
type livePlayer struct {
	mu        sync.Mutex
	calls     []string
	connected bool
}

func (p *livePlayer) OpenLive(_ context.Context, user, password string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, "open "+user+" "+password)
	return nil
}

func (p *livePlayer) CloseLive(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, "close")
	p.connected = false
	return nil
}

func (p *livePlayer) LiveConnected(context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.connected, nil
}

func (p *livePlayer) took() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

// TestLiveSlots runs two live slots next to the monitor: a DJ who comes,
// sends titles and is cut off at the end; a slot nobody comes to, MISSED
// after the grace time.
func TestLiveSlots(t *testing.T) {
	r := newRig(t, t0, schedule.NewMemStore())
	ctx := r.ctx
	night := r.diffusion("night-live", t0.Add(time.Minute), 30*time.Minute)
	empty := r.diffusion("empty-live", t0.Add(31*time.Minute), 30*time.Minute)
	player := &livePlayer{}
	a := newAir(t, r, schedule.AirConfig{Live: &schedule.LiveConfig{Store: r.store, Player: player, Grace: 2 * time.Minute,
		Programs: map[int64]schedule.LiveCredentials{night.ProgramID: {User: "nina", Password: "pw 1"}, empty.ProgramID: {User: "eve", Password: "pw2"}}}})
	mon := r.newMonitor()
	tick := func(at time.Time) {
		r.clock.Set(at)
		require.NoError(t, a.Tick(ctx))
		require.NoError(t, mon.Tick(ctx))
	}

	tick(t0)
	require.Empty(t, player.took(), "no slot, no credentials")
	tick(t0.Add(time.Minute))
	require.Equal(t, []string{"open nina pw 1"}, player.took())
	player.connected = true
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.LiveConnected, Time: t0.Add(90 * time.Second), ID: "1:1"}))
	tick(t0.Add(2 * time.Minute))
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.LiveMetadata, Time: t0.Add(3 * time.Minute), Title: "Night Song", Artist: "The DJ", ID: "1:2"}))
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.LiveMetadata, Time: t0.Add(7 * time.Minute), Title: "Dawn", Artist: "The DJ", ID: "1:3"}))
	require.True(t, a.Stats().LiveOn)
	tick(t0.Add(10 * time.Minute)) // past the grace: not missed, someone came
	require.Equal(t, schedule.Pending, r.status(night))

	tick(t0.Add(31 * time.Minute)) // the next slot: the DJ is cut off
	require.Equal(t, []string{"close", "open eve pw2"}, player.took())
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.LiveDisconnected, Time: t0.Add(31 * time.Minute), ID: "1:4"}))
	tick(t0.Add(33 * time.Minute))
	require.Equal(t, schedule.Live, r.status(night), "the monitor settles a live show it had nothing to play for")
	require.Equal(t, schedule.Missed, r.status(empty))
	require.Equal(t, int64(1), a.Stats().LiveMissed)
	tick(t0.Add(61 * time.Minute))
	require.Equal(t, []string{"close"}, player.took())

	require.Equal(t, []string{
		"08:01:30 on_air live  (night-live)",
		"08:03:00 on_air live track Night Song (night-live)",
		"08:07:00 on_air live track Dawn (night-live)",
		"08:31:00 stop live  (night-live)",
		"08:33:00 missed live live slot: no source client within 2m0s (empty-live)",
	}, r.asRun(t0))

	entries, err := schedule.AsRun(ctx, r.store, r.station.ID, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	var titles []string
	for _, e := range entries {
		if e.Title != "" {
			titles = append(titles, e.Title+" / "+e.Artist+" "+e.Start.Format("15:04")+"-"+e.End.Format("15:04"))
		}
	}
	require.Equal(t, []string{"Night Song / The DJ 08:03-08:07", "Dawn / The DJ 08:07-08:31"}, titles)
}

// TestLiveSlotPlayerRestart: Liquidsoap restarting during a live show
// ends the connection in the log with a comment, and the slot's
// credentials are given to the new process.
func TestLiveSlotPlayerRestart(t *testing.T) {
	r := newRig(t, t0, schedule.NewMemStore())
	ctx := r.ctx
	show := r.diffusion("night-live", t0, time.Hour)
	player := &livePlayer{}
	a := newAir(t, r, schedule.AirConfig{Live: &schedule.LiveConfig{Store: r.store, Player: player,
		Programs: map[int64]schedule.LiveCredentials{show.ProgramID: {User: "nina", Password: "pw"}}}})
	require.NoError(t, a.Tick(ctx))
	require.Equal(t, []string{"open nina pw"}, player.took())
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.LiveConnected, Time: t0.Add(time.Minute), ID: "1:1"}))
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.DeadAirStart, Time: t0.Add(2 * time.Minute), Source: "live", ID: "1:2"}))
	require.NoError(t, a.Report(ctx, schedule.AirEvent{Kind: schedule.PlayerRestarted, Time: t0.Add(3 * time.Minute)}))
	r.clock.Set(t0.Add(3 * time.Minute))
	require.NoError(t, a.Tick(ctx))
	require.Equal(t, []string{"open nina pw"}, player.took(), "the new process gets the slot's credentials")
	require.False(t, a.Stats().LiveOn)
	require.Equal(t, []string{
		"08:01:00 on_air live  (night-live)",
		"08:02:00 dead_air live ",
		"08:03:00 dead_air_end live closed at player restart",
		"08:03:00 stop live closed at player restart (night-live)",
	}, r.asRun(t0))
}
