package schedule_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
)

func ExampleLocalInstant() {
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, day := range []int{29, 25} { // spring forward on 29 March, fall back on 25 October 2026
		month := time.March
		if day == 25 {
			month = time.October
		}
		t, fold := schedule.LocalInstant(schedule.Date{Year: 2026, Month: month, Day: day}, schedule.TimeOfDay{Hour: 2, Minute: 30}, paris)
		fmt.Println(t.Format(time.RFC3339), fold)
	}
	// Output:
	// 2026-03-29T03:30:00+02:00 gap
	// 2026-10-25T02:30:00+01:00 overlap
}

func ExampleSchedule_Between() {
	s := schedule.Schedule{
		Date: schedule.Date{Year: 2026, Month: 3, Day: 27}, Time: schedule.TimeOfDay{Hour: 21}, Zone: "Europe/Paris",
		Duration: time.Hour, Frequency: schedule.Last,
		// Rerun two days after each last Friday, at 10:00: across month ends too.
		Reruns: []schedule.Rerun{{Days: 2, Time: schedule.TimeOfDay{Hour: 10}}},
	}
	occ, err := s.Between(schedule.Date{Year: 2026, Month: 3, Day: 1}, schedule.Date{Year: 2026, Month: 6, Day: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range occ {
		fmt.Println(o)
	}
	// Output:
	// 2026-03-27T21:00:00+01:00 2026-03-27T22:00:00+01:00
	// 2026-03-29T10:00:00+02:00 2026-03-29T11:00:00+02:00 rerun
	// 2026-04-24T21:00:00+02:00 2026-04-24T22:00:00+02:00
	// 2026-04-26T10:00:00+02:00 2026-04-26T11:00:00+02:00 rerun
	// 2026-05-29T21:00:00+02:00 2026-05-29T22:00:00+02:00
	// 2026-05-31T10:00:00+02:00 2026-05-31T11:00:00+02:00 rerun
}

// station stores a station with one program, scheduled every Friday at
// 21:00 with a rerun the next morning, and generates March 2026.
func station(ctx context.Context, store schedule.Store) (schedule.Station, schedule.GenerateReport, error) {
	st, err := store.PutStation(ctx, schedule.Station{Slug: "rc", Name: "Radio Campus", Zone: "Europe/Paris"})
	if err != nil {
		return st, schedule.GenerateReport{}, err
	}
	p, err := store.PutProgram(ctx, schedule.Program{StationID: st.ID, Slug: "jazz", Title: "Jazz à FIP", Active: true})
	if err != nil {
		return st, schedule.GenerateReport{}, err
	}
	_, err = store.PutSchedule(ctx, schedule.Schedule{ProgramID: p.ID, Name: "friday",
		Date: schedule.Date{Year: 2026, Month: 3, Day: 6}, Time: schedule.TimeOfDay{Hour: 21}, Zone: "Europe/Paris",
		Duration: time.Hour, Frequency: schedule.Every,
		Reruns: []schedule.Rerun{{Days: 1, Time: schedule.TimeOfDay{Hour: 9}}}})
	if err != nil {
		return st, schedule.GenerateReport{}, err
	}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rep, err := schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: st.ID, From: from, To: from.AddDate(0, 1, 0)})
	return st, rep, err
}

func ExampleGenerate() {
	ctx := context.Background()
	store := schedule.NewMemStore()
	st, rep, err := station(ctx, store)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created:", rep.Created, "conflicts:", len(rep.Conflicts))
	ds, _ := store.Diffusions(ctx, st.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
	for _, d := range ds {
		fmt.Println(d.Start.Format(time.RFC3339), d.IsRerun())
	}
	// Generating again changes nothing.
	rep, _ = schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: st.ID,
		From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)})
	fmt.Println("created:", rep.Created, "existing:", rep.Existing)
	// Output:
	// created: 8 conflicts: 0
	// 2026-03-06T20:00:00Z false
	// 2026-03-07T08:00:00Z true
	// created: 0 existing: 8
}

// ExampleMonitor_Tick is a dry run: a SimPlayer on a FakeClock plays the
// first Friday's diffusion while the monitor keeps the as-run log.
func ExampleMonitor_Tick() {
	ctx := context.Background()
	store := schedule.NewMemStore()
	st, _, err := station(ctx, store)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The episode of 6 March has two archive sounds.
	jazz, _ := store.Programs(ctx, st.ID)
	ep, _ := store.EpisodeBySlug(ctx, jazz[0].ID, "2026-03-06")
	durations := map[string]time.Duration{"/srv/jazz/0306-a.ogg": 30 * time.Minute, "/srv/jazz/0306-b.ogg": 25 * time.Minute}
	for i, path := range []string{"/srv/jazz/0306-a.ogg", "/srv/jazz/0306-b.ogg"} {
		_, _ = store.PutSound(ctx, schedule.Sound{ProgramID: jazz[0].ID, EpisodeID: ep.ID, Type: schedule.SoundArchive,
			Path: path, Position: i, Duration: durations[path]})
	}

	clock := airkeep.NewFakeClock(time.Date(2026, 3, 6, 19, 59, 0, 0, time.UTC))
	player, _ := schedule.NewSimPlayer(schedule.SimConfig{Clock: clock, Duration: func(uri string) time.Duration { return durations[uri] }})
	m, err := schedule.New(schedule.Config{Store: store, Player: player, StationID: st.ID, Clock: clock,
		Stat: func(context.Context, string) error { return nil }}) // the files exist
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 80 { // 80 minutes, a tick a minute
		_ = m.Tick(ctx)
		clock.Advance(time.Minute)
	}
	logs, _ := store.Logs(ctx, schedule.LogFilter{StationID: st.ID})
	for _, l := range logs {
		fmt.Println(l.Date.Format("15:04"), l.Type, l.Source, l.Comment)
	}
	// Output:
	// 20:00 start dealer diffusion 1, 2 sounds
	// 20:00 on_air dealer /srv/jazz/0306-a.ogg
	// 20:30 on_air dealer /srv/jazz/0306-b.ogg
}

func ExampleExportAsRunCSV() {
	ctx := context.Background()
	store := schedule.NewMemStore()
	st, _ := store.PutStation(ctx, schedule.Station{Slug: "rc", Zone: "Europe/Paris"})
	p, _ := store.PutProgram(ctx, schedule.Program{StationID: st.ID, Slug: "music", Title: "Music", Active: true, Stream: true})
	s, _ := store.PutSound(ctx, schedule.Sound{ProgramID: p.ID, Name: "Side A", Type: schedule.SoundArchive, Path: "/music/a.mp3", Duration: 4 * time.Minute})
	tr, _ := store.PutTrack(ctx, schedule.Track{SoundID: s.ID, Timed: true, Title: "So What", Artist: "Miles Davis", ISRC: "USSM15900113"})
	at := time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)
	l, _, _ := store.AppendOnAir(ctx, schedule.Log{StationID: st.ID, Date: at, Source: "music", Comment: s.Path, SoundID: s.ID}, 6*time.Second)
	_, _, _ = store.AppendLog(ctx, schedule.Log{StationID: st.ID, Type: schedule.LogOnAir, Date: at, Source: "music", SoundID: s.ID, TrackID: tr.ID, ParentID: l.ID})

	if err := schedule.ExportAsRunCSV(ctx, os.Stdout, store, st, at, at.Add(time.Hour)); err != nil {
		fmt.Println(err)
	}
	// Output:
	// event,start,end,duration_s,source,title,artist,album,label,isrc,program,episode,diffusion_id,scheduled_start,scheduled_end,uri,comment,log_id
	// on_air,2026-03-06T21:00:00+01:00,2026-03-06T21:04:00+01:00,240.000,music,Side A,,,,,Music,,,,,/music/a.mp3,,1
	// on_air,2026-03-06T21:00:00+01:00,2026-03-06T21:04:00+01:00,240.000,music,So What,Miles Davis,,,USSM15900113,Music,,,,,/music/a.mp3,,2
}

func ExampleNowPlaying() {
	ctx := context.Background()
	store := schedule.NewMemStore()
	st, _, err := station(ctx, store)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := schedule.NowPlaying(ctx, store, st.ID, time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC))
	fmt.Println("on air:", p.URI == "", "next:", p.NextProgram.Title, p.Next.Start.Format(time.RFC3339))
	// Output:
	// on air: true next: Jazz à FIP 2026-03-06T20:00:00Z
}
