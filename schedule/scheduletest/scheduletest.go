// Package scheduletest is the conformance suite of schedule.Store: every
// implementation runs it, so the monitor behaves the same on each.
//
//	func TestMyStore(t *testing.T) {
//		scheduletest.Run(t, func(t *testing.T) schedule.Store { return newMyStore(t) })
//	}
package scheduletest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

// Run runs the suite; newStore returns an empty store for each subtest
// (closing it is newStore's business, typically with t.Cleanup).
func Run(t *testing.T, newStore func(t *testing.T) schedule.Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s schedule.Store)
	}{
		{"CatalogueUpsertsAreIdempotent", testCatalogue},
		{"RefusesBadRows", testRefuses},
		{"SoundRemovedAndRestored", testSoundRemoved},
		{"PlaylistsAndTracks", testPlaylists},
		{"PutDiffusionsIsIdempotent", testPutDiffusions},
		{"DiffusionQueries", testDiffusionQueries},
		{"StartOnce", testStartOnce},
		{"SettleIsCompareAndSet", testSettle},
		{"DeleteDiffusion", testDeleteDiffusion},
		{"AppendLogDedupByKey", testAppendLogKey},
		{"AppendOnAirDedupWithinMargin", testAppendOnAir},
		{"LogFilters", testLogFilters},
		{"ConcurrentCallers", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f(t, newStore(t))
		})
	}
}

// T0 is the suite's reference instant, in a non-UTC zone so that
// normalization to UTC is checked.
var T0 = time.Date(2026, 3, 6, 21, 0, 0, 123456000, time.FixedZone("CET", 3600))

type fixture struct {
	station schedule.Station
	program schedule.Program
	sched   schedule.Schedule
	episode schedule.Episode
}

func setup(t *testing.T, s schedule.Store) fixture {
	t.Helper()
	ctx := t.Context()
	var f fixture
	var err error
	f.station, err = s.PutStation(ctx, schedule.Station{Slug: "rc", Name: "Radio Campus", Zone: "Europe/Paris"})
	require.NoError(t, err)
	f.program, err = s.PutProgram(ctx, schedule.Program{StationID: f.station.ID, Slug: "morning", Title: "Morning", Active: true})
	require.NoError(t, err)
	f.sched, err = s.PutSchedule(ctx, schedule.Schedule{ProgramID: f.program.ID, Name: "fri",
		Date: schedule.Date{Year: 2026, Month: 3, Day: 6}, Time: schedule.TimeOfDay{Hour: 21}, Zone: "Europe/Paris",
		Duration: time.Hour, Frequency: schedule.Every,
		Reruns: []schedule.Rerun{{Days: 2, Time: schedule.TimeOfDay{Hour: 10, Minute: 30}, Zone: "America/New_York"}}})
	require.NoError(t, err)
	f.episode, err = s.PutEpisode(ctx, schedule.Episode{ProgramID: f.program.ID, Slug: "2026-03-06", Title: "Morning 6 March"})
	require.NoError(t, err)
	return f
}

func (f fixture) diffusion(start time.Time, d time.Duration) schedule.Diffusion {
	return schedule.Diffusion{StationID: f.station.ID, ProgramID: f.program.ID, EpisodeID: f.episode.ID,
		ScheduleID: f.sched.ID, Start: start, End: start.Add(d)}
}

func put(t *testing.T, s schedule.Store, ds ...schedule.Diffusion) []schedule.Diffusion {
	t.Helper()
	out, _, err := s.PutDiffusions(t.Context(), ds)
	require.NoError(t, err)
	return out
}

func testCatalogue(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	again, err := s.PutStation(ctx, schedule.Station{ID: 999, Slug: "rc", Name: "Radio Campus Lille", Zone: "Europe/Paris"})
	require.NoError(t, err)
	require.Equal(t, f.station.ID, again.ID)
	got, err := s.Station(ctx, "rc")
	require.NoError(t, err)
	require.Equal(t, again, got)
	_, err = s.Station(ctx, "nope")
	require.ErrorIs(t, err, schedule.ErrNotFound)
	other, err := s.PutStation(ctx, schedule.Station{Slug: "alpha", Name: "Alpha", Zone: "UTC"})
	require.NoError(t, err)
	all, err := s.Stations(ctx)
	require.NoError(t, err)
	require.Equal(t, []schedule.Station{other, again}, all, "every station, by slug")

	p2, err := s.PutProgram(ctx, schedule.Program{StationID: f.station.ID, Slug: "morning", Title: "Mornings", Active: false, Stream: true})
	require.NoError(t, err)
	require.Equal(t, f.program.ID, p2.ID)
	gotP, err := s.Program(ctx, p2.ID)
	require.NoError(t, err)
	require.Equal(t, p2, gotP)
	_, err = s.PutProgram(ctx, schedule.Program{StationID: f.station.ID, Slug: "jazz", Title: "Jazz", Active: true})
	require.NoError(t, err)
	progs, err := s.Programs(ctx, f.station.ID)
	require.NoError(t, err)
	require.Len(t, progs, 2)
	require.Equal(t, "jazz", progs[0].Slug)

	sc2 := f.sched
	sc2.Time = schedule.TimeOfDay{Hour: 22, Minute: 15, Second: 30}
	sc2.Reruns = append(sc2.Reruns, schedule.Rerun{Days: 7, Time: schedule.TimeOfDay{Hour: 8}})
	sc2, err = s.PutSchedule(ctx, sc2)
	require.NoError(t, err)
	require.Equal(t, f.sched.ID, sc2.ID)
	scheds, err := s.Schedules(ctx, f.program.ID)
	require.NoError(t, err)
	require.Equal(t, []schedule.Schedule{sc2}, scheds)
	require.NoError(t, s.DeleteSchedule(ctx, sc2.ID))
	require.ErrorIs(t, s.DeleteSchedule(ctx, sc2.ID), schedule.ErrNotFound)
	scheds, err = s.Schedules(ctx, f.program.ID)
	require.NoError(t, err)
	require.Empty(t, scheds)

	e2, err := s.PutEpisode(ctx, schedule.Episode{ProgramID: f.program.ID, Slug: "2026-03-06", Title: "Renamed"})
	require.NoError(t, err)
	require.Equal(t, f.episode.ID, e2.ID)
	gotE, err := s.Episode(ctx, e2.ID)
	require.NoError(t, err)
	require.Equal(t, e2, gotE)
	gotE, err = s.EpisodeBySlug(ctx, f.program.ID, "2026-03-06")
	require.NoError(t, err)
	require.Equal(t, e2, gotE)
	_, err = s.EpisodeBySlug(ctx, f.program.ID, "2026-03-07")
	require.ErrorIs(t, err, schedule.ErrNotFound)

	so, err := s.PutSound(ctx, schedule.Sound{ProgramID: f.program.ID, EpisodeID: f.episode.ID, Name: "a", Type: schedule.SoundArchive,
		Path: "/srv/a.ogg", Position: 1, Duration: 90*time.Second + 500*time.Microsecond})
	require.NoError(t, err)
	so2, err := s.PutSound(ctx, schedule.Sound{ProgramID: f.program.ID, EpisodeID: f.episode.ID, Name: "a2", Type: schedule.SoundExcerpt,
		Path: "/srv/a.ogg", Position: 2, Duration: time.Minute})
	require.NoError(t, err)
	require.Equal(t, so.ID, so2.ID)
	gotS, err := s.SoundByPath(ctx, "/srv/a.ogg")
	require.NoError(t, err)
	require.Equal(t, so2, gotS)
	gotS, err = s.Sound(ctx, so.ID)
	require.NoError(t, err)
	require.Equal(t, so2, gotS)
	_, err = s.SoundByPath(ctx, "/srv/none.ogg")
	require.ErrorIs(t, err, schedule.ErrNotFound)

	tr, err := s.PutTrack(ctx, schedule.Track{SoundID: so.ID, Position: 0, Timed: true, Timestamp: 30 * time.Second, Title: "Song", Artist: "Band"})
	require.NoError(t, err)
	tr2, err := s.PutTrack(ctx, schedule.Track{SoundID: so.ID, Position: 0, Timed: true, Timestamp: 31 * time.Second, Title: "Song", Artist: "Band", ISRC: "FRZ039800212"})
	require.NoError(t, err)
	require.Equal(t, tr.ID, tr2.ID)
	gotT, err := s.Track(ctx, tr.ID)
	require.NoError(t, err)
	require.Equal(t, tr2, gotT)
}

func testRefuses(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	var fe *schedule.FieldError
	_, err := s.PutStation(ctx, schedule.Station{Slug: "x", Zone: "Mars/Base"})
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "Zone", fe.Field)
	_, err = s.PutStation(ctx, schedule.Station{Slug: "", Zone: "UTC"})
	require.ErrorAs(t, err, &fe)
	_, err = s.PutProgram(ctx, schedule.Program{StationID: 12345, Slug: "p"})
	require.ErrorIs(t, err, schedule.ErrNotFound)
	bad := f.sched
	bad.Name, bad.Duration = "bad", 0
	_, err = s.PutSchedule(ctx, bad)
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "Duration", fe.Field)
	_, err = s.PutSchedule(ctx, schedule.Schedule{ProgramID: 12345, Date: f.sched.Date, Zone: "UTC", Duration: time.Hour, Frequency: schedule.Every})
	require.ErrorIs(t, err, schedule.ErrNotFound)
	_, err = s.PutSound(ctx, schedule.Sound{ProgramID: f.program.ID, Path: ""})
	require.ErrorAs(t, err, &fe)
	_, err = s.PutSound(ctx, schedule.Sound{ProgramID: f.program.ID, EpisodeID: 12345, Path: "/x"})
	require.ErrorIs(t, err, schedule.ErrNotFound)
	_, err = s.PutTrack(ctx, schedule.Track{Title: "orphan"})
	require.ErrorAs(t, err, &fe)
	_, _, err = s.PutDiffusions(ctx, []schedule.Diffusion{f.diffusion(T0, -time.Hour)})
	require.ErrorAs(t, err, &fe)
	other := f.diffusion(T0, time.Hour)
	other.EpisodeID = 12345
	_, _, err = s.PutDiffusions(ctx, []schedule.Diffusion{f.diffusion(T0, time.Hour), other})
	require.ErrorIs(t, err, schedule.ErrNotFound)
	// All or nothing: the valid first row was not stored either.
	ds, err := s.Diffusions(ctx, f.station.ID, T0.Add(-time.Hour), T0.Add(time.Hour))
	require.NoError(t, err)
	require.Empty(t, ds)
	_, _, err = s.AppendLog(ctx, schedule.Log{StationID: f.station.ID, Type: schedule.LogOnAir})
	require.ErrorAs(t, err, &fe)
	_, _, err = s.AppendLog(ctx, schedule.Log{StationID: f.station.ID, Type: schedule.LogStart, Date: T0})
	require.ErrorAs(t, err, &fe, "START logs only through BeginStart")
	_, _, err = s.Settle(ctx, 1, schedule.Started, schedule.Log{Date: T0})
	require.ErrorAs(t, err, &fe)
	_, err = s.Diffusion(ctx, 12345)
	require.ErrorIs(t, err, schedule.ErrNotFound)
}

func testSoundRemoved(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	so, err := s.PutSound(ctx, schedule.Sound{ProgramID: f.program.ID, EpisodeID: f.episode.ID, Type: schedule.SoundExcerpt, Path: "/e.ogg"})
	require.NoError(t, err)
	changed, err := s.SetSoundRemoved(ctx, so.ID, true)
	require.NoError(t, err)
	require.True(t, changed)
	changed, err = s.SetSoundRemoved(ctx, so.ID, true)
	require.NoError(t, err)
	require.False(t, changed)
	got, err := s.Sound(ctx, so.ID)
	require.NoError(t, err)
	require.Equal(t, schedule.SoundRemoved, got.Type)
	// Importing again keeps it removed while its file is gone.
	_, err = s.PutSound(ctx, schedule.Sound{ProgramID: f.program.ID, EpisodeID: f.episode.ID, Type: schedule.SoundArchive, Path: "/e.ogg"})
	require.NoError(t, err)
	got, err = s.Sound(ctx, so.ID)
	require.NoError(t, err)
	require.Equal(t, schedule.SoundRemoved, got.Type)
	changed, err = s.SetSoundRemoved(ctx, so.ID, false)
	require.NoError(t, err)
	require.True(t, changed)
	got, err = s.Sound(ctx, so.ID)
	require.NoError(t, err)
	require.Equal(t, schedule.SoundArchive, got.Type, "back to the type the last import gave")
	_, err = s.SetSoundRemoved(ctx, 12345, true)
	require.ErrorIs(t, err, schedule.ErrNotFound)
}

func testPlaylists(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	mk := func(pid, eid int64, path string, pos int, typ schedule.SoundType) schedule.Sound {
		so, err := s.PutSound(ctx, schedule.Sound{ProgramID: pid, EpisodeID: eid, Type: typ, Path: path, Position: pos})
		require.NoError(t, err)
		return so
	}
	b := mk(f.program.ID, f.episode.ID, "/b.ogg", 1, schedule.SoundArchive)
	a := mk(f.program.ID, f.episode.ID, "/a.ogg", 1, schedule.SoundArchive)
	z := mk(f.program.ID, f.episode.ID, "/z.ogg", 0, schedule.SoundArchive)
	mk(f.program.ID, f.episode.ID, "/x.ogg", 0, schedule.SoundExcerpt)
	gone := mk(f.program.ID, f.episode.ID, "/gone.ogg", 0, schedule.SoundArchive)
	_, err := s.SetSoundRemoved(ctx, gone.ID, true)
	require.NoError(t, err)
	pl, err := s.Playlist(ctx, f.episode.ID)
	require.NoError(t, err)
	require.Equal(t, []schedule.Sound{z, a, b}, pl, "archive sounds by position, then path")

	music, err := s.PutProgram(ctx, schedule.Program{StationID: f.station.ID, Slug: "music", Active: true, Stream: true})
	require.NoError(t, err)
	_, err = s.PutProgram(ctx, schedule.Program{StationID: f.station.ID, Slug: "old-music", Active: false, Stream: true})
	require.NoError(t, err)
	m2 := mk(music.ID, 0, "/music/2.mp3", 0, schedule.SoundArchive)
	m1 := mk(music.ID, 0, "/music/1.mp3", 0, schedule.SoundArchive)
	spl, err := s.StreamPlaylists(ctx, f.station.ID)
	require.NoError(t, err)
	require.Equal(t, []schedule.StreamPlaylist{{Name: "music", ProgramID: music.ID, Sounds: []schedule.Sound{m1, m2}}}, spl)
	all, err := s.Sounds(ctx, f.station.ID)
	require.NoError(t, err)
	require.Len(t, all, 7)
	require.Equal(t, "/a.ogg", all[0].Path)

	t2, err := s.PutTrack(ctx, schedule.Track{SoundID: m1.ID, Position: 2, Timed: true, Timestamp: 3 * time.Minute, Title: "two"})
	require.NoError(t, err)
	t1, err := s.PutTrack(ctx, schedule.Track{SoundID: m1.ID, Position: 1, Timed: true, Timestamp: 0, Title: "one"})
	require.NoError(t, err)
	_, err = s.PutTrack(ctx, schedule.Track{SoundID: m1.ID, Position: 3, Title: "untimed"})
	require.NoError(t, err)
	_, err = s.PutTrack(ctx, schedule.Track{EpisodeID: f.episode.ID, Position: 1, Title: "in the episode"})
	require.NoError(t, err)
	tracks, err := s.TimedTracks(ctx, m1.ID)
	require.NoError(t, err)
	require.Equal(t, []schedule.Track{t1, t2}, tracks)
}

func testPutDiffusions(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	// Nanoseconds are dropped: stores keep microseconds.
	initial := f.diffusion(T0.Add(789*time.Nanosecond), time.Hour)
	rerun := f.diffusion(T0.Add(50*time.Hour), time.Hour)
	rerun.InitialID = -1
	out, created, err := s.PutDiffusions(ctx, []schedule.Diffusion{initial, rerun})
	require.NoError(t, err)
	require.Equal(t, 2, created)
	require.NotZero(t, out[0].ID)
	require.Equal(t, out[0].ID, out[1].InitialID)
	require.Equal(t, time.UTC, out[0].Start.Location())
	require.Equal(t, T0.UTC(), out[0].Start)
	require.Equal(t, schedule.Pending, out[0].Status)

	_, ok, err := s.BeginStart(ctx, out[0].ID, schedule.Log{Date: T0, Source: "dealer"})
	require.NoError(t, err)
	require.True(t, ok)
	again, created, err := s.PutDiffusions(ctx, []schedule.Diffusion{initial, rerun})
	require.NoError(t, err)
	require.Zero(t, created, "regenerating never duplicates")
	require.Equal(t, out[0].ID, again[0].ID)
	require.Equal(t, schedule.Started, again[0].Status, "and never undoes the monitor's work")
	require.Equal(t, out[1], again[1])

	manual := f.diffusion(T0, time.Hour)
	manual.ScheduleID = 0
	m, created, err := s.PutDiffusions(ctx, []schedule.Diffusion{manual, manual})
	require.NoError(t, err)
	require.Equal(t, 1, created, "by hand: unique by episode and start")
	require.Equal(t, m[0].ID, m[1].ID)
	got, err := s.Diffusion(ctx, m[0].ID)
	require.NoError(t, err)
	require.Equal(t, m[0], got)
}

func testDiffusionQueries(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	so, err := s.PutSound(ctx, schedule.Sound{ProgramID: f.program.ID, EpisodeID: f.episode.ID, Type: schedule.SoundArchive, Path: "/a.ogg"})
	require.NoError(t, err)
	live, err := s.PutEpisode(ctx, schedule.Episode{ProgramID: f.program.ID, Slug: "live"})
	require.NoError(t, err)
	a := f.diffusion(T0, time.Hour)
	b := f.diffusion(T0.Add(30*time.Minute), 2*time.Hour) // overlaps a
	b.EpisodeID = live.ID
	c := f.diffusion(T0.Add(24*time.Hour), time.Hour)
	c.Type = schedule.Unconfirmed
	d := f.diffusion(T0.Add(48*time.Hour), 10*24*time.Hour) // a long one
	ds := put(t, s, a, b, c, d)

	tests := []struct {
		name string
		now  time.Time
		want []int64
	}{
		{"before", T0.Add(-time.Second), nil},
		{"start inclusive", T0, []int64{ds[0].ID}},
		{"both", T0.Add(45 * time.Minute), []int64{ds[0].ID, ds[1].ID}},
		{"end inclusive", T0.Add(time.Hour), []int64{ds[0].ID, ds[1].ID}},
		{"after a", T0.Add(time.Hour + time.Microsecond), []int64{ds[1].ID}},
		{"unconfirmed ignored", T0.Add(24*time.Hour + time.Minute), nil},
		{"inside a long one", T0.Add(9 * 24 * time.Hour), []int64{ds[3].ID}},
	}
	for _, tt := range tests {
		t.Run("due "+tt.name, func(t *testing.T) {
			due, err := s.DueDiffusions(ctx, f.station.ID, tt.now)
			require.NoError(t, err)
			var ids []int64
			for _, x := range due {
				ids = append(ids, x.ID)
				require.Equal(t, x.EpisodeID == f.episode.ID, x.HasArchive)
			}
			require.Equal(t, tt.want, ids)
		})
	}

	_, err = s.SetSoundRemoved(ctx, so.ID, true)
	require.NoError(t, err)
	due, err := s.DueDiffusions(ctx, f.station.ID, T0)
	require.NoError(t, err)
	require.Len(t, due, 1)
	require.False(t, due[0].HasArchive)
	require.True(t, due[0].HasRemoved)

	over, err := s.Diffusions(ctx, f.station.ID, T0.Add(time.Hour), T0.Add(49*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []schedule.Diffusion{ds[1], ds[2], ds[3]}, over, "[from, to): a ends at from and is out")
	over, err = s.Diffusions(ctx, f.station.ID, T0.Add(5*24*time.Hour), T0.Add(6*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []schedule.Diffusion{ds[3]}, over, "a long diffusion overlapping the range")

	ended, err := s.EndedPending(ctx, f.station.ID, T0.Add(3*time.Hour), 0)
	require.NoError(t, err)
	require.Len(t, ended, 2)
	require.Equal(t, ds[0].ID, ended[0].ID)
	require.Equal(t, ds[1].ID, ended[1].ID)
	ended, err = s.EndedPending(ctx, f.station.ID, T0.Add(3*time.Hour), 1)
	require.NoError(t, err)
	require.Len(t, ended, 1)
	ended, err = s.EndedPending(ctx, f.station.ID, T0.Add(time.Hour), 0)
	require.NoError(t, err)
	require.Empty(t, ended, "end is inclusive: not ended at its end")

	next, err := s.NextDiffusion(ctx, f.station.ID, T0)
	require.NoError(t, err)
	require.Equal(t, ds[1].ID, next.ID)
	next, err = s.NextDiffusion(ctx, f.station.ID, T0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, ds[3].ID, next.ID, "unconfirmed is skipped")
	_, err = s.NextDiffusion(ctx, f.station.ID, T0.Add(100*24*time.Hour))
	require.ErrorIs(t, err, schedule.ErrNotFound)

	of, err := s.DiffusionOfEpisodeAt(ctx, f.episode.ID, T0.Add(10*time.Minute))
	require.NoError(t, err)
	require.Equal(t, ds[0].ID, of.ID)
	_, err = s.DiffusionOfEpisodeAt(ctx, f.episode.ID, T0.Add(2*time.Hour))
	require.ErrorIs(t, err, schedule.ErrNotFound)
}

func testStartOnce(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	d := put(t, s, f.diffusion(T0, time.Hour))[0]
	_, err := s.StartLog(ctx, d.ID)
	require.ErrorIs(t, err, schedule.ErrNotFound)
	l, ok, err := s.BeginStart(ctx, d.ID, schedule.Log{Date: T0, Source: "dealer", Comment: "intent", URIs: []string{"/a.ogg", "/b.ogg"}})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, schedule.LogStart, l.Type)
	require.Equal(t, f.station.ID, l.StationID)
	require.Equal(t, d.ID, l.DiffusionID)
	require.False(t, l.Confirmed)
	l2, ok, err := s.BeginStart(ctx, d.ID, schedule.Log{Date: T0.Add(time.Second), Source: "dealer"})
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, l, l2, "the existing START is returned")

	require.NoError(t, s.ConfirmStart(ctx, l.ID, 7, []string{"/a.ogg"}))
	got, err := s.StartLog(ctx, d.ID)
	require.NoError(t, err)
	require.True(t, got.Confirmed)
	require.Equal(t, uint64(7), got.Generation)
	require.Equal(t, []string{"/a.ogg"}, got.URIs)
	require.ErrorIs(t, s.ConfirmStart(ctx, 12345, 1, nil), schedule.ErrNotFound)
	dd, err := s.Diffusion(ctx, d.ID)
	require.NoError(t, err)
	require.Equal(t, schedule.Started, dd.Status)
	_, ok, err = s.Settle(ctx, d.ID, schedule.StatusCancelled, schedule.Log{Date: T0})
	require.NoError(t, err)
	require.False(t, ok, "a started diffusion cannot be cancelled")
}

func testSettle(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	ds := put(t, s, f.diffusion(T0, time.Hour), f.diffusion(T0.Add(time.Hour), time.Hour), f.diffusion(T0.Add(2*time.Hour), time.Hour))
	tests := []struct {
		to      schedule.Status
		logType schedule.LogType
		typ     schedule.DiffusionType
	}{
		{schedule.StatusCancelled, schedule.LogCancel, schedule.Cancelled},
		{schedule.Missed, schedule.LogMissed, schedule.OnAir},
		{schedule.Live, 0, schedule.OnAir},
	}
	for i, tt := range tests {
		t.Run(tt.to.String(), func(t *testing.T) {
			id := ds[i].ID
			l, ok, err := s.Settle(ctx, id, tt.to, schedule.Log{Date: T0, Source: "monitor", Comment: "late"})
			require.NoError(t, err)
			require.True(t, ok)
			if tt.to == schedule.Live {
				require.Zero(t, l.ID, "no log for a live diffusion")
			} else {
				require.Equal(t, tt.logType, l.Type)
				require.Equal(t, id, l.DiffusionID)
				require.Equal(t, "late", l.Comment)
			}
			got, err := s.Diffusion(ctx, id)
			require.NoError(t, err)
			require.Equal(t, tt.to, got.Status)
			require.Equal(t, tt.typ, got.Type)
			_, ok, err = s.Settle(ctx, id, schedule.Missed, schedule.Log{Date: T0})
			require.NoError(t, err)
			require.False(t, ok, "settled once")
			_, ok, err = s.BeginStart(ctx, id, schedule.Log{Date: T0})
			require.NoError(t, err)
			require.False(t, ok, "a settled diffusion cannot start")
		})
	}
}

func testDeleteDiffusion(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	initial := f.diffusion(T0, time.Hour)
	rerun := f.diffusion(T0.Add(48*time.Hour), time.Hour)
	rerun.InitialID = -1
	lone := f.diffusion(T0.Add(7*24*time.Hour), time.Hour)
	started := f.diffusion(T0.Add(14*24*time.Hour), time.Hour)
	logged := f.diffusion(T0.Add(21*24*time.Hour), time.Hour)
	ds := put(t, s, initial, rerun, lone, started, logged)
	_, _, err := s.BeginStart(ctx, ds[3].ID, schedule.Log{Date: T0})
	require.NoError(t, err)
	_, _, err = s.AppendLog(ctx, schedule.Log{StationID: f.station.ID, Type: schedule.LogOther, Date: T0, DiffusionID: ds[4].ID})
	require.NoError(t, err)

	require.ErrorIs(t, s.DeleteDiffusion(ctx, ds[0].ID), schedule.ErrInUse, "has a rerun")
	require.ErrorIs(t, s.DeleteDiffusion(ctx, ds[3].ID), schedule.ErrInUse, "started")
	require.ErrorIs(t, s.DeleteDiffusion(ctx, ds[4].ID), schedule.ErrInUse, "logged")
	require.NoError(t, s.DeleteDiffusion(ctx, ds[2].ID))
	require.NoError(t, s.DeleteDiffusion(ctx, ds[1].ID))
	require.NoError(t, s.DeleteDiffusion(ctx, ds[0].ID))
	require.ErrorIs(t, s.DeleteDiffusion(ctx, ds[0].ID), schedule.ErrNotFound)
	_, err = s.Diffusion(ctx, ds[2].ID)
	require.ErrorIs(t, err, schedule.ErrNotFound)
	// Its key is free again.
	_, created, err := s.PutDiffusions(ctx, []schedule.Diffusion{lone})
	require.NoError(t, err)
	require.Equal(t, 1, created)
}

func testAppendLogKey(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	l, ok, err := s.AppendLog(ctx, schedule.Log{StationID: f.station.ID, Type: schedule.LogOnAir, Date: T0, Key: "track:1:2", TrackID: 2, ParentID: 1})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, T0.UTC(), l.Date)
	l2, ok, err := s.AppendLog(ctx, schedule.Log{StationID: f.station.ID, Type: schedule.LogOnAir, Date: T0.Add(time.Minute), Key: "track:1:2"})
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, l, l2)
	_, ok, err = s.AppendLog(ctx, schedule.Log{StationID: f.station.ID, Type: schedule.LogOther, Date: T0})
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = s.AppendLog(ctx, schedule.Log{StationID: f.station.ID, Type: schedule.LogOther, Date: T0})
	require.NoError(t, err)
	require.True(t, ok, "no key: no dedup")
	_, _, err = s.AppendLog(ctx, schedule.Log{StationID: 12345, Type: schedule.LogOther, Date: T0})
	require.ErrorIs(t, err, schedule.ErrNotFound)
}

func testAppendOnAir(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	margin := 6 * time.Second
	base := schedule.Log{StationID: f.station.ID, Date: T0, Source: "dealer", Comment: "/a.ogg"}
	first, ok, err := s.AppendOnAir(ctx, base, margin)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, schedule.LogOnAir, first.Type)
	tests := []struct {
		name    string
		edit    func(*schedule.Log)
		created bool
	}{
		{"same", func(*schedule.Log) {}, false},
		{"within margin later", func(l *schedule.Log) { l.Date = T0.Add(margin) }, false},
		{"within margin earlier", func(l *schedule.Log) { l.Date = T0.Add(-margin) }, false},
		{"other source", func(l *schedule.Log) { l.Source = "music" }, true},
		{"other uri", func(l *schedule.Log) { l.Comment = "/b.ogg" }, true},
		{"outside margin", func(l *schedule.Log) { l.Date = T0.Add(margin + time.Second) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := base
			tt.edit(&l)
			got, ok, err := s.AppendOnAir(ctx, l, margin)
			require.NoError(t, err)
			require.Equal(t, tt.created, ok)
			if !ok {
				require.Equal(t, first.ID, got.ID)
			}
		})
	}
}

func testLogFilters(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	other, err := s.PutStation(ctx, schedule.Station{Slug: "other", Zone: "UTC"})
	require.NoError(t, err)
	d := put(t, s, f.diffusion(T0, time.Hour))[0]
	var ids []int64
	add := func(l schedule.Log) {
		l.StationID = f.station.ID
		got, _, err := s.AppendLog(ctx, l)
		require.NoError(t, err)
		ids = append(ids, got.ID)
	}
	// Dates deliberately out of order: logs are ordered by ID.
	add(schedule.Log{Type: schedule.LogOnAir, Date: T0.Add(2 * time.Minute), Source: "dealer", Comment: "/a", DiffusionID: d.ID})
	add(schedule.Log{Type: schedule.LogOnAir, Date: T0.Add(time.Minute), Source: "music", Comment: "/m"})
	add(schedule.Log{Type: schedule.LogOnAir, Date: T0.Add(3 * time.Minute), Source: "music", ParentID: ids[1], TrackID: 9})
	add(schedule.Log{Type: schedule.LogCancel, Date: T0.Add(4 * time.Minute), Source: "monitor"})
	_, _, err = s.AppendLog(ctx, schedule.Log{StationID: other.ID, Type: schedule.LogOnAir, Date: T0})
	require.NoError(t, err)
	for i := 1; i < len(ids); i++ {
		require.Greater(t, ids[i], ids[i-1])
	}
	tests := []struct {
		name string
		f    schedule.LogFilter
		want []int64
	}{
		{"station", schedule.LogFilter{StationID: f.station.ID}, ids},
		{"desc limit", schedule.LogFilter{StationID: f.station.ID, Desc: true, Limit: 2}, []int64{ids[3], ids[2]}},
		{"types", schedule.LogFilter{StationID: f.station.ID, Types: []schedule.LogType{schedule.LogCancel, schedule.LogStop}}, []int64{ids[3]}},
		{"date range", schedule.LogFilter{StationID: f.station.ID, From: T0.Add(time.Minute), To: T0.Add(3 * time.Minute)}, []int64{ids[0], ids[1]}},
		{"source", schedule.LogFilter{StationID: f.station.ID, Source: "music"}, []int64{ids[1], ids[2]}},
		{"top level", schedule.LogFilter{StationID: f.station.ID, Source: "music", TopLevel: true}, []int64{ids[1]}},
		{"parent", schedule.LogFilter{ParentID: ids[1]}, []int64{ids[2]}},
		{"diffusion", schedule.LogFilter{DiffusionID: d.ID}, []int64{ids[0]}},
		{"after and before", schedule.LogFilter{StationID: f.station.ID, AfterID: ids[0], BeforeID: ids[3]}, []int64{ids[1], ids[2]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs, err := s.Logs(ctx, tt.f)
			require.NoError(t, err)
			var got []int64
			for _, l := range logs {
				got = append(got, l.ID)
				require.Equal(t, time.UTC, l.Date.Location())
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// testConcurrent races callers on every atomic command: exactly one wins
// each, and nothing is lost.
func testConcurrent(t *testing.T, s schedule.Store) {
	ctx := t.Context()
	f := setup(t, s)
	const n = 8
	var ds []schedule.Diffusion
	for i := range n {
		ds = append(ds, f.diffusion(T0.Add(time.Duration(i)*time.Hour), time.Hour))
	}
	var wg sync.WaitGroup
	created := make([]int, n)
	for i := range n {
		wg.Go(func() {
			_, c, err := s.PutDiffusions(ctx, ds)
			require.NoError(t, err)
			created[i] = c
		})
	}
	wg.Wait()
	total := 0
	for _, c := range created {
		total += c
	}
	require.Equal(t, n, total, "every diffusion created exactly once")
	stored, err := s.Diffusions(ctx, f.station.ID, T0.Add(-time.Hour), T0.Add(n*time.Hour))
	require.NoError(t, err)
	require.Len(t, stored, n)

	// Starters and cancellers race on each diffusion: one wins.
	var mu sync.Mutex
	wins := map[int64]int{}
	for _, d := range stored {
		for j := range 2 * n {
			wg.Go(func() {
				var ok bool
				var err error
				if j%2 == 0 {
					_, ok, err = s.BeginStart(ctx, d.ID, schedule.Log{Date: T0, Source: fmt.Sprint("m", j)})
				} else {
					_, ok, err = s.Settle(ctx, d.ID, schedule.StatusCancelled, schedule.Log{Date: T0})
				}
				require.NoError(t, err)
				if ok {
					mu.Lock()
					wins[d.ID]++
					mu.Unlock()
				}
			})
		}
	}
	// And on-air and keyed logs are deduplicated across callers.
	onAir := make([]int64, 2*n)
	keyed := make([]int64, 2*n)
	for j := range 2 * n {
		wg.Go(func() {
			l, _, err := s.AppendOnAir(ctx, schedule.Log{StationID: f.station.ID, Date: T0.Add(time.Duration(j) * time.Millisecond), Source: "dealer", Comment: "/x"}, 6*time.Second)
			require.NoError(t, err)
			onAir[j] = l.ID
			k, _, err := s.AppendLog(ctx, schedule.Log{StationID: f.station.ID, Type: schedule.LogOnAir, Date: T0, Key: "k"})
			require.NoError(t, err)
			keyed[j] = k.ID
		})
	}
	wg.Wait()
	for _, d := range stored {
		require.Equal(t, 1, wins[d.ID], "diffusion %d", d.ID)
	}
	for j := range onAir {
		require.Equal(t, onAir[0], onAir[j])
		require.Equal(t, keyed[0], keyed[j])
	}
	logs, err := s.Logs(ctx, schedule.LogFilter{StationID: f.station.ID})
	require.NoError(t, err)
	require.Len(t, logs, n+2, "one START or CANCEL per diffusion, one on-air, one keyed")
}
