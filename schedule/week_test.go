package schedule_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

// TestMonitorWeek simulates a week of a station across the October DST
// change: two dozen programs generated from aircox schedules (reruns, a
// show in the repeated hour, overlaps and overruns, a live show, a missing
// file), a player restart mid-show, and a monitor crash. It then checks the
// as-run log line by line against what the player really played, and every
// diffusion's fate against the rules.
func TestMonitorWeek(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	from, _ := schedule.LocalInstant(schedule.Date{Year: 2026, Month: 10, Day: 22}, schedule.TimeOfDay{}, paris)
	to := from.AddDate(0, 0, 7)
	r := newRig(t, from, schedule.NewMemStore())
	const tick = 30 * time.Second
	r.cfg.Delay = tick

	music := r.program("music", true)
	for i := range 5 {
		r.sound(music, 0, fmt.Sprintf("/music/%d.mp3", i), i, time.Duration(3+i)*time.Minute)
	}
	type prog struct {
		slug     string
		date     string // first date; its weekday is the show's
		time     string
		dur      time.Duration
		freq     schedule.Frequency
		reruns   []schedule.Rerun
		days     int     // schedules on this many consecutive days from date (0: 1)
		fill     float64 // sound length as a fraction of the slot; 0: live
		missing  bool    // its files vanish
		overruns bool
	}
	progs := []prog{
		{slug: "matin", date: "2026-10-19", time: "07:00", dur: time.Hour, freq: schedule.Every, days: 7, fill: 0.9},
		{slug: "journal", date: "2026-10-19", time: "12:00", dur: 30 * time.Minute, freq: schedule.Every, days: 5, fill: 0.8,
			reruns: []schedule.Rerun{{Days: 0, Time: schedule.TimeOfDay{Hour: 19}}}},
		{slug: "jazz", date: "2026-10-22", time: "21:00", dur: 2 * time.Hour, freq: schedule.Every, fill: 0.95,
			reruns: []schedule.Rerun{{Days: 3, Time: schedule.TimeOfDay{Hour: 2, Minute: 30}}}}, // Sunday 02:30: the repeated hour
		{slug: "nuit", date: "2026-10-18", time: "02:30", dur: 30 * time.Minute, freq: schedule.Every, days: 7, fill: 0.5},
		{slug: "quatrieme", date: "2026-10-22", time: "10:00", dur: time.Hour, freq: schedule.Fourth, fill: 0.9},
		{slug: "bimensuel", date: "2026-10-09", time: "18:00", dur: time.Hour, freq: schedule.OneOnTwo, fill: 0.9},
		{slug: "direct", date: "2026-10-20", time: "16:00", dur: time.Hour, freq: schedule.Every},
		{slug: "debord", date: "2026-10-21", time: "14:00", dur: 30 * time.Minute, freq: schedule.Every, fill: 2.5, overruns: true},
		{slug: "apres", date: "2026-10-21", time: "14:30", dur: 45 * time.Minute, freq: schedule.Every, fill: 0.9},
		{slug: "tard", date: "2026-10-21", time: "15:00", dur: time.Hour, freq: schedule.Every, fill: 0.5},
		{slug: "fantome", date: "2026-10-23", time: "09:00", dur: time.Hour, freq: schedule.Every, fill: 0.9, missing: true},
	}
	for i := range 13 {
		// Short shows through the afternoon, every weekday but one.
		progs = append(progs, prog{slug: fmt.Sprintf("court%02d", i), date: fmt.Sprintf("2026-10-%02d", 19+i%7),
			time: fmt.Sprintf("%02d:%02d", 8+i%4, 15+(i*7)%40), dur: 10 * time.Minute, freq: schedule.Every, days: 6, fill: 0.7})
	}
	byEpisode := map[int64]prog{}
	for _, p := range progs {
		pr := r.program(p.slug, false)
		for day := range max(p.days, 1) {
			_, err := r.store.PutSchedule(r.ctx, schedule.Schedule{ProgramID: pr.ID, Name: fmt.Sprint("day", day),
				Date: mustDate(t, p.date).AddDays(day), Time: mustTime(t, p.time), Zone: "Europe/Paris", Duration: p.dur,
				Frequency: p.freq, Reruns: p.reruns})
			require.NoError(t, err)
		}
	}
	rep, err := schedule.Generate(r.ctx, r.store, schedule.GenerateRequest{StationID: r.station.ID, From: from, To: to})
	require.NoError(t, err)
	again, err := schedule.Generate(r.ctx, r.store, schedule.GenerateRequest{StationID: r.station.ID, From: from, To: to})
	require.NoError(t, err)
	require.Zero(t, again.Created, "idempotent")
	require.Equal(t, rep.Created, again.Existing)
	require.NotEmpty(t, rep.Conflicts, "debord overlaps apres, journal reruns meet tard...")

	ds, err := r.store.Diffusions(r.ctx, r.station.ID, from, to)
	require.NoError(t, err)
	require.Greater(t, len(ds), 100)
	progByID := map[int64]prog{}
	for _, p := range progs {
		pr, err := r.store.Programs(r.ctx, r.station.ID)
		require.NoError(t, err)
		for _, x := range pr {
			if x.Slug == p.slug {
				progByID[x.ID] = p
			}
		}
	}
	soundsDone := map[int64]bool{}
	var ambiguous schedule.Diffusion
	for _, d := range ds {
		p := progByID[d.ProgramID]
		r.names[d.ID] = p.slug + " " + d.Start.In(paris).Format("Mon 15:04 MST")
		if p.slug == "jazz" && d.IsRerun() && schedule.DateOf(d.Start.In(paris)) == (schedule.Date{Year: 2026, Month: 10, Day: 25}) {
			ambiguous = d
		}
		if soundsDone[d.EpisodeID] || p.fill == 0 {
			continue
		}
		soundsDone[d.EpisodeID] = true
		byEpisode[d.EpisodeID] = p
		total := time.Duration(float64(p.dur) * p.fill).Round(time.Second)
		for part := range 2 {
			uri := fmt.Sprintf("/%s/%d-%d.ogg", p.slug, d.EpisodeID, part)
			pr := schedule.Program{ID: d.ProgramID}
			r.sound(pr, d.EpisodeID, uri, part, total/2)
			if p.missing {
				r.setMissing(uri, true)
			}
		}
	}
	// The rerun in the repeated hour is the standard-time 02:30.
	require.Equal(t, "2026-10-25T02:30:00+01:00", ambiguous.Start.In(paris).Format(time.RFC3339))

	r.newMonitor()
	restartAt := time.Date(2026, 10, 24, 5, 20, 0, 0, time.UTC) // Saturday 07:20 CEST, inside matin
	crashAt := time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC)    // Monday
	start := time.Now()
	for now := from; now.Before(to.Add(time.Hour)); now = now.Add(tick) {
		r.clock.Set(now)
		switch {
		case now.Equal(restartAt):
			r.player.Restart()
		case now.Equal(crashAt):
			r.newMonitor() // the old one is gone; nothing of its memory survives
		}
		// The player is never down and the store never fails here, so
		// every tick, the restart's and the crash's included, succeeds.
		require.NoError(t, r.mon.Tick(r.ctx), "tick at %s", now.Format(time.RFC3339))
	}
	t.Logf("simulated %d diffusions over a week in %v", len(ds), time.Since(start))

	logs, err := r.store.Logs(r.ctx, schedule.LogFilter{StationID: r.station.ID})
	require.NoError(t, err)
	byDiffusion := map[int64][]schedule.Log{}
	for _, l := range logs {
		if l.DiffusionID != 0 && l.Type != schedule.LogOnAir {
			byDiffusion[l.DiffusionID] = append(byDiffusion[l.DiffusionID], l)
		}
	}

	// 1. The as-run on-air lines are, line by line, what the player played.
	var played, logged []string
	for _, p := range r.player.History() {
		// The monitor sees what is on air at a tick: the first tick at or
		// after the start, before the end (or at it, for an item cut by
		// that very tick's push, after the monitor looked).
		k := from.Add((p.Start.Sub(from) + tick - 1) / tick * tick)
		if (k.Before(p.End) || (k.Equal(p.End) && p.Cut)) && p.Start.Before(to) {
			played = append(played, fmt.Sprintf("%s %s %s", p.Start.UTC().Format(time.RFC3339), p.Source, p.URI))
		}
	}
	for _, l := range logs {
		if l.Type == schedule.LogOnAir && l.Date.Before(to) {
			logged = append(logged, fmt.Sprintf("%s %s %s", l.Date.Format(time.RFC3339), l.Source, l.Comment))
		}
	}
	require.Equal(t, played, logged)

	// 2. Every diffusion met exactly one fate, by the rules.
	fates := map[schedule.Status]int{}
	for _, d := range ds {
		got, err := r.store.Diffusion(r.ctx, d.ID)
		require.NoError(t, err)
		p := progByID[d.ProgramID]
		name := r.names[d.ID]
		var kinds []schedule.LogType
		for _, l := range byDiffusion[d.ID] {
			if l.Type != schedule.LogOther {
				kinds = append(kinds, l.Type)
			}
		}
		fates[got.Status]++
		switch got.Status {
		case schedule.Started:
			require.Equal(t, []schedule.LogType{schedule.LogStart}, kinds, name)
			l := byDiffusion[d.ID][0]
			require.False(t, l.Date.Before(d.Start), name)
			require.False(t, l.Date.After(d.End), name)
			require.True(t, l.Confirmed, name)
		case schedule.StatusCancelled:
			require.Equal(t, []schedule.LogType{schedule.LogCancel}, kinds, name)
			require.Greater(t, byDiffusion[d.ID][0].Date.Sub(d.Start), 20*time.Minute, name)
		case schedule.Missed:
			require.Equal(t, []schedule.LogType{schedule.LogMissed}, kinds, name)
			require.True(t, byDiffusion[d.ID][0].Date.After(d.End), name)
		case schedule.Live:
			require.Empty(t, kinds, name)
			require.Zero(t, p.fill, name)
		default:
			t.Fatalf("%s: still %v after its end", name, got.Status)
		}
		if p.missing {
			require.Equal(t, schedule.Missed, got.Status, name)
		}
		if p.fill == 0 {
			require.Equal(t, schedule.Live, got.Status, name)
		}
	}
	require.Positive(t, fates[schedule.Started])
	require.Positive(t, fates[schedule.StatusCancelled], "apres is cancelled behind debord's overrun")
	require.Positive(t, fates[schedule.Missed])
	require.Positive(t, fates[schedule.Live])
	require.Equal(t, schedule.Started, r.status(ambiguous))
	startOf := byDiffusion[ambiguous.ID][0]
	require.False(t, startOf.Date.Before(ambiguous.Start), "not started in the first 02:30")

	// 3. The player restart during matin re-pushed it once.
	var repushes []string
	for _, l := range logs {
		if l.Type == schedule.LogOther && l.DiffusionID != 0 && slices.Contains([]string{"re-pushed 2 sounds: player restarted", "re-pushed 1 sounds: player restarted"}, l.Comment) {
			repushes = append(repushes, r.names[l.DiffusionID])
		}
	}
	require.Equal(t, []string{"matin Sat 07:00 CEST"}, repushes)
}
