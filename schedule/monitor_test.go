package schedule_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
)

var evening = time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)

func at(hhmmss string) time.Time {
	t, err := time.Parse("15:04:05", hhmmss)
	if err != nil {
		panic(err)
	}
	return evening.Add(time.Duration(t.Hour())*time.Hour - 20*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second)
}

// TestMonitorEvening runs aircox's rules through an evening and checks the
// as-run log line by line. Delay is 5s, so Margin is 10s.
func TestMonitorEvening(t *testing.T) {
	for _, store := range []struct {
		name string
		new  func(t *testing.T) schedule.Store
	}{{"memory", func(*testing.T) schedule.Store { return schedule.NewMemStore() }}, {"sqlite", func(t *testing.T) schedule.Store { return newSQLite(t) }}} {
		t.Run(store.name, func(t *testing.T) {
			r := newRig(t, evening, store.new(t))
			music := r.program("music", true)
			r.sound(music, 0, "/m/1.mp3", 0, 3*time.Minute)
			r.sound(music, 0, "/m/2.mp3", 1, 3*time.Minute)
			a := r.diffusion("news", at("20:10:00"), 30*time.Minute, "/a/1.ogg", 10*time.Minute, "/a/2.ogg", 5*time.Minute)
			// Overlaps news: held until news ends at 20:40, then starts late.
			b := r.diffusion("talk", at("20:30:00"), 15*time.Minute, "/b/1.ogg", 20*time.Minute)
			// Starts behind talk's tail once its remaining time is under the margin.
			d := r.diffusion("long", at("20:50:00"), 40*time.Minute, "/d/1.ogg", 40*time.Minute)
			// Held by long until 21:30, then the dealer is still busy and it is 30 min late: cancelled.
			c := r.diffusion("late", at("21:00:00"), time.Hour, "/c/1.ogg", 50*time.Minute)
			f := r.diffusion("hog", at("21:55:00"), 25*time.Minute, "/f/1.ogg", 25*time.Minute)
			// Held by hog past its own end: missed.
			e := r.diffusion("short", at("22:00:00"), 10*time.Minute, "/e/1.ogg", 5*time.Minute)
			// Its one-minute window is over long before its hour-long sound.
			h := r.diffusion("overrun", at("22:25:00"), time.Minute, "/h/1.ogg", time.Hour)
			// Free of overrun's window, but the dealer plays it: cancelled after 20 min.
			g := r.diffusion("blocked", at("22:30:00"), time.Hour, "/g/1.ogg", 10*time.Minute)
			l := r.diffusion("live", at("23:40:00"), 10*time.Minute)
			r.newMonitor()
			r.tickUntil(at("23:55:00"), 5*time.Second)

			want := []string{
				"20:00:00 on_air music /m/1.mp3",
				"20:03:00 on_air music /m/2.mp3",
				"20:06:00 on_air music /m/1.mp3",
				"20:09:00 on_air music /m/2.mp3",
				"20:10:00 start dealer [/a/1.ogg /a/2.ogg] (news)",
				"20:10:00 on_air dealer /a/1.ogg (news)",
				"20:20:00 on_air dealer /a/2.ogg (news)",
				"20:25:00 on_air music /m/1.mp3",
				"20:28:00 on_air music /m/2.mp3",
				"20:31:00 on_air music /m/1.mp3",
				"20:34:00 on_air music /m/2.mp3",
				"20:37:00 on_air music /m/1.mp3",
				"20:40:00 on_air music /m/2.mp3", // cut at 20:40:05
				"20:40:05 start dealer [/b/1.ogg] (talk)",
				"20:40:05 on_air dealer /b/1.ogg (talk)",
				"21:00:00 start dealer [/d/1.ogg] (long)",
				"21:00:05 on_air dealer /d/1.ogg (long)",
				"21:30:05 cancel dealer not startable 30m5s after its start: the dealer is busy (late)",
				"21:40:05 on_air music /m/1.mp3",
				"21:43:05 on_air music /m/2.mp3",
				"21:46:05 on_air music /m/1.mp3",
				"21:49:05 on_air music /m/2.mp3",
				"21:52:05 on_air music /m/1.mp3",
				"21:55:00 start dealer [/f/1.ogg] (hog)",
				"21:55:00 on_air dealer /f/1.ogg (hog)",
				"22:10:05 missed dealer ended without being started or cancelled (short)",
				"22:20:00 on_air music /m/2.mp3",
				"22:23:00 on_air music /m/1.mp3",
				"22:25:00 start dealer [/h/1.ogg] (overrun)",
				"22:25:00 on_air dealer /h/1.ogg (overrun)",
				"22:50:05 cancel dealer not startable 20m5s after its start: the dealer is busy (blocked)",
				"23:25:00 on_air music /m/2.mp3",
				"23:28:00 on_air music /m/1.mp3",
				"23:31:00 on_air music /m/2.mp3",
				"23:34:00 on_air music /m/1.mp3",
				"23:37:00 on_air music /m/2.mp3",
				"23:40:00 on_air music /m/1.mp3",
				"23:43:00 on_air music /m/2.mp3",
				"23:46:00 on_air music /m/1.mp3",
				"23:49:00 on_air music /m/2.mp3",
				"23:52:00 on_air music /m/1.mp3",
				"23:55:00 on_air music /m/2.mp3",
			}
			require.Equal(t, want, r.asRun(evening))
			for _, x := range []struct {
				d    schedule.Diffusion
				want schedule.Status
			}{{a, schedule.Started}, {b, schedule.Started}, {d, schedule.Started}, {c, schedule.StatusCancelled},
				{f, schedule.Started}, {e, schedule.Missed}, {h, schedule.Started}, {g, schedule.StatusCancelled}, {l, schedule.Live}} {
				require.Equal(t, x.want, r.status(x.d), r.names[x.d.ID])
			}
			st := r.mon.Stats()
			require.Equal(t, int64(5), st.Starts)
			require.Equal(t, int64(2), st.Cancels)
			require.Equal(t, int64(1), st.Missed)
			require.Zero(t, st.StoreErrors)
		})
	}
}

// TestMonitorStartsLateInsteadOfCancelling: a diffusion first seen more
// than CancelTimeout late with a free dealer starts, and only starts (aircox
// 2020 pushed it and cancelled it in the same tick).
func TestMonitorStartsLateInsteadOfCancelling(t *testing.T) {
	r := newRig(t, at("20:00:00"), schedule.NewMemStore())
	d := r.diffusion("news", at("20:00:00"), time.Hour, "/a.ogg", 10*time.Minute)
	r.newMonitor()
	r.clock.Set(at("20:25:00")) // the monitor was down for 25 minutes
	require.NoError(t, r.mon.Tick(r.ctx))
	require.Equal(t, schedule.Started, r.status(d))
	require.Equal(t, []string{"20:25:00 start dealer [/a.ogg] (news)"}, r.asRun(evening))
	require.Zero(t, r.mon.Stats().Cancels)
}

// TestMonitorMissingFiles: a sound whose file vanished is removed and
// logged; with nothing left to play the diffusion ends MISSED; when the
// file comes back the sync restores the sound.
func TestMonitorMissingFiles(t *testing.T) {
	r := newRig(t, at("20:00:00"), schedule.NewMemStore())
	d := r.diffusion("news", at("20:00:00"), 10*time.Minute, "/gone.ogg", 5*time.Minute)
	music := r.program("music", true)
	r.sound(music, 0, "/m/ok.mp3", 0, time.Minute)
	r.sound(music, 0, "/m/gone.mp3", 1, time.Minute)
	r.setMissing("/gone.ogg", true)
	r.setMissing("/m/gone.mp3", true)
	r.newMonitor()
	r.tickUntil(at("20:10:05"), 5*time.Second)
	require.Equal(t, schedule.Missed, r.status(d))
	require.Equal(t, []string{
		"20:00:00 other dealer sound file missing: /gone.ogg (news)",
		"20:00:00 other dealer sound file missing: /m/gone.mp3",
		"20:00:00 on_air music /m/ok.mp3",
		"20:01:00 on_air music /m/ok.mp3",
		"20:02:00 on_air music /m/ok.mp3",
		"20:03:00 on_air music /m/ok.mp3",
		"20:04:00 on_air music /m/ok.mp3",
		"20:05:00 on_air music /m/ok.mp3",
		"20:06:00 on_air music /m/ok.mp3",
		"20:07:00 on_air music /m/ok.mp3",
		"20:08:00 on_air music /m/ok.mp3",
		"20:09:00 on_air music /m/ok.mp3",
		"20:10:00 on_air music /m/ok.mp3",
		"20:10:05 missed dealer ended without being started: its sound files are missing (news)",
	}, r.asRun(evening))
	s, err := r.store.SoundByPath(r.ctx, "/m/gone.mp3")
	require.NoError(t, err)
	require.Equal(t, schedule.SoundRemoved, s.Type)

	r.setMissing("/m/gone.mp3", false)
	r.tickUntil(at("20:15:05"), 5*time.Second) // the next sync, 5 min after the first
	s, err = r.store.SoundByPath(r.ctx, "/m/gone.mp3")
	require.NoError(t, err)
	require.Equal(t, schedule.SoundArchive, s.Type)
}

// TestMonitorPlayerRestart: the player restarts during a diffusion and
// loses its queue; the monitor re-pushes the cut sound and the ones not
// heard yet, once.
func TestMonitorPlayerRestart(t *testing.T) {
	r := newRig(t, at("20:00:00"), schedule.NewMemStore())
	d := r.diffusion("news", at("20:00:00"), time.Hour,
		"/1.ogg", 10*time.Minute, "/2.ogg", 10*time.Minute, "/3.ogg", 10*time.Minute)
	r.newMonitor()
	r.tickUntil(at("20:15:00"), 5*time.Second) // 2.ogg plays since 20:10
	r.player.Down(true)
	r.tickUntil(at("20:16:00"), 5*time.Second) // not ready: nothing happens
	r.player.Restart()
	r.tickUntil(at("20:50:00"), 5*time.Second)
	require.Equal(t, []string{
		"20:00:00 start dealer [/1.ogg /2.ogg /3.ogg] (news)",
		"20:00:00 on_air dealer /1.ogg (news)",
		"20:10:00 on_air dealer /2.ogg (news)",
		"20:16:00 other dealer re-pushed 2 sounds: player restarted (news)",
		"20:16:00 on_air dealer /2.ogg (news)",
		"20:26:00 on_air dealer /3.ogg (news)",
	}, r.asRun(evening))
	require.Equal(t, schedule.Started, r.status(d))
	require.Equal(t, int64(1), r.mon.Stats().Repushes)
	var cut []schedule.SimPlay
	for _, p := range r.player.History() {
		if p.Cut {
			cut = append(cut, p)
		}
	}
	require.Equal(t, []schedule.SimPlay{{Source: "dealer", URI: "/2.ogg", Start: at("20:10:00"), End: at("20:15:00"), Cut: true}}, cut)
}

// TestMonitorPlayerDownPastSoundEnd: whether a sound was cut depends on
// when the player went away, not on how long it took to come back.
func TestMonitorPlayerDownPastSoundEnd(t *testing.T) {
	tests := []struct {
		name     string
		down, up string
		want     []string
	}{
		{
			name: "cut a minute before its end, back two minutes after: replayed",
			down: "20:09:00", up: "20:12:00",
			want: []string{
				"20:00:00 start dealer [/1.ogg /2.ogg] (news)",
				"20:00:00 on_air dealer /1.ogg (news)",
				"20:12:00 other dealer re-pushed 2 sounds: player restarted (news)",
				"20:12:00 on_air dealer /1.ogg (news)",
				"20:22:00 on_air dealer /2.ogg (news)",
			},
		},
		{
			name: "down after it ended: the next one plays",
			down: "20:10:30", up: "20:12:00",
			want: []string{
				"20:00:00 start dealer [/1.ogg /2.ogg] (news)",
				"20:00:00 on_air dealer /1.ogg (news)",
				"20:10:00 on_air dealer /2.ogg (news)",
				"20:12:00 other dealer re-pushed 1 sounds: player restarted (news)",
				"20:12:00 on_air dealer /2.ogg (news)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, at("20:00:00"), schedule.NewMemStore())
			r.diffusion("news", at("20:00:00"), time.Hour, "/1.ogg", 10*time.Minute, "/2.ogg", 10*time.Minute)
			r.newMonitor()
			r.tickUntil(at(tt.down), 5*time.Second)
			r.player.Down(true)
			r.tickUntil(at(tt.up), 5*time.Second)
			r.player.Restart()
			r.tickUntil(at("20:40:00"), 5*time.Second)
			require.Equal(t, tt.want, r.asRun(evening))
		})
	}
}

// failingPlayer wraps a Player and fails Push a number of times.
type failingPlayer struct {
	schedule.Player
	pushFailures int
	pushes       [][]string
}

func (p *failingPlayer) Push(ctx context.Context, uris ...string) error {
	if p.pushFailures > 0 {
		p.pushFailures--
		return errors.New("connection reset")
	}
	p.pushes = append(p.pushes, uris)
	return p.Player.Push(ctx, uris...)
}

// TestMonitorCrashRecovery: the monitor dies after recording its intent.
// A new monitor on the same store pushes what the player lacks, never twice.
func TestMonitorCrashRecovery(t *testing.T) {
	tests := []struct {
		name string
		// pushedBeforeCrash: the push went through before the crash.
		pushedBeforeCrash bool
		wantPushes        [][]string
	}{
		{"crash before the push", false, [][]string{{"/1.ogg", "/2.ogg"}}},
		{"crash after the push", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newSQLite(t)
			r := newRig(t, at("20:00:00"), store)
			d := r.diffusion("news", at("20:00:00"), time.Hour, "/1.ogg", time.Minute, "/2.ogg", time.Minute)
			// What the dead monitor did: the intent, and maybe the push.
			_, ok, err := store.BeginStart(r.ctx, d.ID, schedule.Log{Date: at("20:00:00"), Source: "dealer", URIs: []string{"/1.ogg", "/2.ogg"}, Generation: 1})
			require.NoError(t, err)
			require.True(t, ok)
			if tt.pushedBeforeCrash {
				require.NoError(t, r.player.Push(r.ctx, "/1.ogg", "/2.ogg"))
			}
			fp := &failingPlayer{Player: r.player}
			r.cfg.Player = fp
			r.clock.Set(at("20:00:30"))
			r.newMonitor()
			r.tickUntil(at("20:05:00"), 5*time.Second)
			require.Equal(t, tt.wantPushes, fp.pushes)
			l, err := store.StartLog(r.ctx, d.ID)
			require.NoError(t, err)
			require.True(t, l.Confirmed)
			var aired []string
			for _, p := range r.player.History() {
				aired = append(aired, p.URI)
			}
			require.Equal(t, []string{"/1.ogg", "/2.ogg"}, aired, "each sound airs once")
		})
	}
}

// TestMonitorPushFailure: a push that fails leaves the START unconfirmed;
// the next tick pushes again and the diffusion airs once.
func TestMonitorPushFailure(t *testing.T) {
	r := newRig(t, at("20:00:00"), schedule.NewMemStore())
	d := r.diffusion("news", at("20:00:00"), time.Hour, "/1.ogg", time.Minute)
	fp := &failingPlayer{Player: r.player, pushFailures: 2}
	r.cfg.Player = fp
	r.newMonitor()
	r.tickUntil(at("20:00:15"), 5*time.Second)
	require.Equal(t, [][]string{{"/1.ogg"}}, fp.pushes)
	l, err := r.store.StartLog(r.ctx, d.ID)
	require.NoError(t, err)
	require.True(t, l.Confirmed)
	require.Equal(t, int64(2), r.mon.Stats().PlayerErrors)
}

// hangingPlayer never answers until its context ends.
type hangingPlayer struct{ schedule.Player }

func (hangingPlayer) Generation(ctx context.Context) (uint64, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// garbagePlayer answers nonsense.
type garbagePlayer struct{ schedule.Player }

func (garbagePlayer) OnAir(ctx context.Context) (string, string, time.Time, error) {
	return "dealer", "/x.ogg", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), nil
}

func (garbagePlayer) DealerQueue(ctx context.Context) ([]string, error) {
	return nil, errors.New("unparsable reply \"\\x00\"")
}

// TestMonitorBadPlayer: timeouts and garbage are errors of the tick; the
// monitor keeps its state and still settles ended diffusions.
func TestMonitorBadPlayer(t *testing.T) {
	t.Run("hangs", func(t *testing.T) {
		r := newRig(t, at("20:00:00"), schedule.NewMemStore())
		d := r.diffusion("news", at("19:00:00"), 30*time.Minute, "/1.ogg", time.Minute)
		r.cfg.Player = hangingPlayer{r.player}
		r.cfg.PlayerTimeout = 10 * time.Millisecond // a real deadline: it guards real I/O
		r.newMonitor()
		err := r.mon.Tick(r.ctx)
		require.ErrorIs(t, err, schedule.ErrNotReady)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, schedule.Missed, r.status(d), "settling needs no player")
	})
	t.Run("garbage", func(t *testing.T) {
		r := newRig(t, at("20:00:00"), schedule.NewMemStore())
		d := r.diffusion("news", at("20:00:00"), 30*time.Minute, "/1.ogg", time.Minute)
		r.cfg.Player = garbagePlayer{r.player}
		r.newMonitor()
		err := r.mon.Tick(r.ctx)
		require.Error(t, err)
		require.Equal(t, schedule.Pending, r.status(d), "no decision on a queue it cannot read")
		require.Equal(t, []string{"20:00:00 on_air dealer /x.ogg"}, r.asRun(evening), "a future air time is logged as now")
		r.clock.Set(at("20:31:00"))
		_ = r.mon.Tick(r.ctx)
		require.Equal(t, schedule.Missed, r.status(d))
	})
}

// TestMonitorTracks: timed tracks are logged as their timestamps pass,
// back-dated to their position, once, even across a monitor restart.
func TestMonitorTracks(t *testing.T) {
	r := newRig(t, at("20:00:00"), newSQLite(t))
	music := r.program("music", true)
	s := r.sound(music, 0, "/mix.mp3", 0, time.Hour)
	for i, tr := range []struct {
		title string
		at    time.Duration
	}{{"intro", 0}, {"one", 4*time.Minute + 2*time.Second}, {"two", 9 * time.Minute}} {
		_, err := r.store.PutTrack(r.ctx, schedule.Track{SoundID: s.ID, Position: i, Timed: true, Timestamp: tr.at, Title: tr.title, Artist: "x"})
		require.NoError(t, err)
	}
	r.newMonitor()
	r.tickUntil(at("20:05:00"), 5*time.Second)
	r.newMonitor() // a restart: the new monitor must not log them again
	r.tickUntil(at("20:10:00"), 5*time.Second)
	require.Equal(t, []string{
		"20:00:00 on_air music /mix.mp3",
		"20:00:00 on_air music track intro",
		"20:04:02 on_air music track one",
		"20:09:00 on_air music track two",
	}, r.asRun(evening))
}

// steppedClock is a FakeClock whose wall time can be stepped back, as NTP
// does (FakeClock itself never goes back).
type steppedClock struct {
	*airkeep.FakeClock
	offset time.Duration
}

func (c *steppedClock) Now() time.Time { return c.FakeClock.Now().Add(c.offset) }

// TestMonitorClockStepsBack: after the wall clock steps back, the monitor
// holds cancels for one tick.
func TestMonitorClockStepsBack(t *testing.T) {
	r := newRig(t, at("20:00:00"), schedule.NewMemStore())
	r.diffusion("hog", at("20:00:00"), time.Minute, "/hog.ogg", 2*time.Hour)
	d := r.diffusion("news", at("20:20:00"), time.Hour, "/1.ogg", time.Minute)
	fc := &steppedClock{FakeClock: r.clock}
	r.cfg.Clock = fc
	r.newMonitor()
	require.NoError(t, r.mon.Tick(r.ctx)) // hog starts
	r.player.Down(true)
	r.clock.Set(at("20:45:00"))
	require.ErrorIs(t, r.mon.Tick(r.ctx), schedule.ErrNotReady)
	r.player.Restart()
	require.NoError(t, r.player.Push(r.ctx, "/hog.ogg")) // someone plays it again by hand
	fc.offset = -time.Minute                             // NTP steps the clock back
	require.NoError(t, r.mon.Tick(r.ctx))
	require.Equal(t, schedule.Pending, r.status(d), "24 min late, but the clock just stepped back")
	r.clock.Advance(5 * time.Second)
	require.NoError(t, r.mon.Tick(r.ctx))
	require.Equal(t, schedule.StatusCancelled, r.status(d))
}

// TestMonitorRun drives Run through its timer on the fake clock: it ticks
// at once, then every Delay, and returns when its context ends.
func TestMonitorRun(t *testing.T) {
	r := newRig(t, at("19:59:50"), schedule.NewMemStore())
	d := r.diffusion("news", at("20:00:00"), time.Hour, "/1.ogg", time.Minute)
	r.cfg.Delay = time.Second
	m := r.newMonitor()
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	for range 15 {
		r.clock.BlockUntil(1) // Run waits on its timer
		r.clock.Advance(time.Second)
	}
	r.clock.BlockUntil(1)
	cancel()
	require.NoError(t, <-done)
	require.Zero(t, r.clock.Pending(), "Run stopped its timer")
	require.Equal(t, schedule.Started, r.status(d))
	require.Equal(t, []string{"20:00:00 start dealer [/1.ogg] (news)", "20:00:00 on_air dealer /1.ogg (news)"}, r.asRun(evening))
	require.GreaterOrEqual(t, m.Stats().Ticks, int64(15))
}

func TestNewMonitorConfig(t *testing.T) {
	store, player := schedule.NewMemStore(), &failingPlayer{}
	tests := []struct {
		name  string
		cfg   schedule.Config
		field string
	}{
		{"no store", schedule.Config{Player: player, StationID: 1}, "Store"},
		{"no player", schedule.Config{Store: store, StationID: 1}, "Player"},
		{"no station", schedule.Config{Store: store, Player: player}, "StationID"},
		{"negative delay", schedule.Config{Store: store, Player: player, StationID: 1, Delay: -1}, "Delay"},
		{"negative margin", schedule.Config{Store: store, Player: player, StationID: 1, Margin: -1}, "Margin"},
		{"negative timeout", schedule.Config{Store: store, Player: player, StationID: 1, PlayerTimeout: -1}, "PlayerTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schedule.New(tt.cfg)
			var fe *schedule.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, "Config", fe.Type)
			require.Equal(t, tt.field, fe.Field)
		})
	}
	_, err := schedule.New(schedule.Config{Store: store, Player: player, StationID: 1})
	require.NoError(t, err)
}

// TestMonitorReplayAfterRestart: a player that restarts just after a
// diffusion began plays its first sound again from the start, a few
// seconds after the first airing, and the re-pushed diffusion runs past its
// end. The as-run log shows both airings, and the late sound still belongs
// to its diffusion.
func TestMonitorReplayAfterRestart(t *testing.T) {
	r := newRig(t, at("20:00:00"), schedule.NewMemStore())
	r.diffusion("news", at("20:00:00"), 8*time.Minute, "/1.ogg", 10*time.Minute, "/2.ogg", 5*time.Minute)
	r.newMonitor()
	r.tickUntil(at("20:00:01"), time.Second)
	r.player.Down(true)
	r.tickUntil(at("20:00:02"), time.Second)
	r.player.Restart()
	r.tickUntil(at("20:20:00"), time.Second)
	require.Equal(t, []string{
		"20:00:00 start dealer [/1.ogg /2.ogg] (news)",
		"20:00:00 on_air dealer /1.ogg (news)",
		"20:00:02 other dealer re-pushed 2 sounds: player restarted (news)",
		"20:00:02 on_air dealer /1.ogg (news)",
		"20:10:02 on_air dealer /2.ogg (news)", // after the window's end at 20:08
	}, r.asRun(evening))
}
