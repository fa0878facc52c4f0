package schedule_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/listeners"
)

// reportDay is an hour of a station: a show (a sound with two tracks
// logged inside it), then a song of the music rotation, then a live show
// whose DJ's track was logged from the live source's metadata, then a
// song still on air.
func reportDay() ([]schedule.AsRunEntry, []listeners.Sample) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	entries := []schedule.AsRunEntry{
		{LogID: 1, Event: schedule.LogStart, Start: at(0), Program: "Morning"},
		{LogID: 2, Event: schedule.LogOnAir, Start: at(0), End: at(20), Title: "morning-2026-11-23", Program: "Morning", Source: "dealer", URI: "/s/m.mp3"},
		{LogID: 3, ParentLogID: 2, Event: schedule.LogOnAir, Start: at(2), End: at(6), Title: "So What", Artist: "Miles Davis", Album: "Kind of Blue", Label: "Columbia", ISRC: "USSM15900113", Program: "Morning", Source: "dealer"},
		{LogID: 4, ParentLogID: 2, Event: schedule.LogOnAir, Start: at(10), End: at(14), Title: "Blue in Green", Artist: "Miles Davis", Program: "Morning", Source: "dealer"},
		{LogID: 5, Event: schedule.LogOnAir, Start: at(20), End: at(24), Title: "So What", Artist: "Miles Davis", Album: "Kind of Blue", Label: "Columbia", ISRC: "USSM15900113", Program: "music", Source: "music", URI: "/m/so-what.mp3"},
		{LogID: 6, Event: schedule.LogOnAir, Start: at(30), End: at(34), Title: "Live tune", Artist: "DJ Set", Program: "Live Night", Source: "live"},
		{LogID: 7, Event: schedule.LogOnAir, Start: at(50), Title: "Tail\tend", Artist: "Band", Album: "LP", Label: "Lbl", Program: "music", Source: "music"},
	}
	// 10 listeners until 10:22, then 4; no sample from 10:29 (Icecast
	// down), 6 again from 10:32.
	var samples []listeners.Sample
	for m := 0; m < 29; m++ {
		n := 10
		if m >= 22 {
			n = 4
		}
		samples = append(samples, listeners.Sample{At: at(m), Mount: "/radio", Listeners: n})
	}
	for m := 32; m < 60; m++ {
		samples = append(samples, listeners.Sample{At: at(m), Mount: "/radio", Listeners: 6})
	}
	return entries, samples
}

func TestPlays(t *testing.T) {
	entries, samples := reportDay()
	plays := schedule.Plays(entries, samples, 0)
	var ids []int64
	for _, p := range plays {
		ids = append(ids, p.LogID)
	}
	require.Equal(t, []int64{3, 4, 5, 6, 7}, ids, "the show's sound reports through its tracks; live plays included")
	require.Equal(t, 10.0, plays[0].Listeners)
	require.Equal(t, 40*time.Minute, plays[0].ListenerTime)
	require.Equal(t, 7.0, plays[2].Listeners, "2 min of 10, 2 of 4")
	// 10:30-10:32 unknown: the average is over what is known.
	require.True(t, plays[3].ListenersKnown)
	require.Equal(t, 6.0, plays[3].Listeners)
	require.Equal(t, 12*time.Minute, plays[3].ListenerTime)
	require.False(t, plays[4].ListenersKnown, "still on air")
}

func TestWritePlaysCSV(t *testing.T) {
	entries, samples := reportDay()
	var b bytes.Buffer
	sum, err := schedule.WritePlaysCSV(&b, time.FixedZone("CET", 3600), schedule.Plays(entries, samples, 0))
	require.NoError(t, err)
	require.Equal(t, strings.Join([]string{
		"start,end,duration_s,program,title,artist,album,label,isrc,source,listeners",
		"2026-11-23T11:02:00+01:00,2026-11-23T11:06:00+01:00,240.000,Morning,So What,Miles Davis,Kind of Blue,Columbia,USSM15900113,dealer,10.0",
		"2026-11-23T11:10:00+01:00,2026-11-23T11:14:00+01:00,240.000,Morning,Blue in Green,Miles Davis,,,,dealer,10.0",
		"2026-11-23T11:20:00+01:00,2026-11-23T11:24:00+01:00,240.000,music,So What,Miles Davis,Kind of Blue,Columbia,USSM15900113,music,7.0",
		"2026-11-23T11:30:00+01:00,2026-11-23T11:34:00+01:00,240.000,Live Night,Live tune,DJ Set,,,,live,6.0",
		"2026-11-23T11:50:00+01:00,,,music,Tail\tend,Band,LP,Lbl,,music,",
		"",
	}, "\n"), b.String())
	require.Equal(t, 5, sum.Plays)
	require.Equal(t, map[string]int{"album": 2, "label": 2, "isrc": 3, "end": 1, "listeners": 1}, sum.Missing)
	require.Len(t, sum.Incomplete, 1)
	require.Equal(t, []string{"end", "listeners"}, sum.Incomplete[0].Fields)
	require.Equal(t, "5 plays; missing: album 2, end 1, isrc 3, label 2, listeners 1", sum.String())
}

func TestWriteSoundExchange(t *testing.T) {
	entries, samples := reportDay()
	var b bytes.Buffer
	sum, err := schedule.WriteSoundExchange(&b, schedule.SoundExchange{ServiceName: "KAIR-LP", Category: "B"}, schedule.Plays(entries, samples, 0))
	require.NoError(t, err)
	require.Equal(t, strings.Join([]string{
		"NAME_OF_SERVICE\tTRANSMISSION_CATEGORY\tFEATURED_ARTIST\tSOUND_RECORDING_TITLE\tISRC\tALBUM_TITLE\tMARKETING_LABEL\tACTUAL_TOTAL_PERFORMANCES\tAGGREGATE_TUNING_HOURS\tCHANNEL_OR_PROGRAM_NAME\tPLAY_FREQUENCY",
		"KAIR-LP\tB\tBand\tTail end\t\tLP\tLbl\t0\t0.00\tmusic\t1",
		"KAIR-LP\tB\tDJ Set\tLive tune\t\t\t\t6\t0.20\tLive Night\t1",
		"KAIR-LP\tB\tMiles Davis\tBlue in Green\t\t\t\t10\t0.67\tMorning\t1",
		"KAIR-LP\tB\tMiles Davis\tSo What\tUSSM15900113\tKind of Blue\tColumbia\t10\t0.67\tMorning\t1",
		"KAIR-LP\tB\tMiles Davis\tSo What\tUSSM15900113\tKind of Blue\tColumbia\t7\t0.47\tmusic\t1",
		"",
	}, "\r\n"), b.String())
	require.Equal(t, 5, sum.Plays)
	var incomplete []string
	for _, p := range sum.Incomplete {
		incomplete = append(incomplete, p.Title+": "+strings.Join(p.Fields, " "))
	}
	require.Equal(t, []string{"Blue in Green: isrc", "Live tune: isrc", "Tail\tend: listeners"}, incomplete)
}

func TestWriteSoundExchangeConfig(t *testing.T) {
	for _, se := range []schedule.SoundExchange{{Category: "A"}, {ServiceName: "K", Category: "M"}, {ServiceName: "K"}} {
		_, err := schedule.WriteSoundExchange(&bytes.Buffer{}, se, nil)
		require.ErrorIs(t, err, schedule.ErrReport)
	}
}

func TestProgramRows(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	diffs := []schedule.Diffusion{
		{ID: 1, ProgramID: 7, Status: schedule.Started, Start: at(0), End: at(30)},
		{ID: 2, ProgramID: 8, Status: schedule.Missed, Start: at(30), End: at(60)},
	}
	entries := []schedule.AsRunEntry{
		{LogID: 1, Event: schedule.LogOnAir, DiffusionID: 1, Start: at(1), End: at(20)},
		{LogID: 2, ParentLogID: 1, Event: schedule.LogOnAir, DiffusionID: 1, Start: at(2), End: at(5)},
		{LogID: 3, Event: schedule.LogOnAir, Start: at(25), End: at(40)}, // music after the show
		{LogID: 4, Event: schedule.LogMissed, DiffusionID: 2, Start: at(60)},
	}
	rows := schedule.ProgramRows(diffs, entries, map[int64]string{7: "Morning", 8: "Talk"})
	rows[0].CoverageKnown, rows[0].Recorded, rows[0].Holes = true, 29*time.Minute, time.Minute
	var b bytes.Buffer
	require.NoError(t, schedule.WriteProgramsCSV(&b, time.UTC, rows))
	require.Equal(t, strings.Join([]string{
		"diffusion_id,program,status,scheduled_start,scheduled_end,scheduled_min,aired_min,missed,dead_air_min,recorded_min,holes_min",
		"1,Morning,started,2026-11-23T10:00:00Z,2026-11-23T10:30:00Z,30.0,19.0,false,6.0,29.0,1.0",
		"2,Talk,missed,2026-11-23T10:30:00Z,2026-11-23T11:00:00Z,30.0,0.0,true,20.0,,",
		"",
	}, "\n"), b.String())
}

// TestPeriodPlays: the plays of a period come from the store's as-run
// log, with the audience of the samples it keeps, those taken up to a
// hold before the period included.
func TestPeriodPlays(t *testing.T) {
	ctx := t.Context()
	st := schedule.NewMemStore()
	sta, err := st.PutStation(ctx, schedule.Station{Slug: "demo", Name: "Demo", Zone: "UTC"})
	require.NoError(t, err)
	prog, err := st.PutProgram(ctx, schedule.Program{StationID: sta.ID, Slug: "music", Title: "Music", Active: true, Stream: true})
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i, title := range []string{"One", "Two"} {
		so, err := st.PutSound(ctx, schedule.Sound{ProgramID: prog.ID, Path: "/m/" + title + ".mp3", Name: title, Type: schedule.SoundArchive, Duration: time.Minute})
		require.NoError(t, err)
		_, _, err = st.AppendLog(ctx, schedule.Log{StationID: sta.ID, Type: schedule.LogOnAir, Date: t0.Add(time.Duration(i) * time.Minute), Source: "music", Comment: so.Path, SoundID: so.ID})
		require.NoError(t, err)
	}
	// A sample 30 s before the period stands for its first 30 s.
	require.NoError(t, st.RecordListeners(ctx, sta.ID, []listeners.Sample{
		{At: t0.Add(-30 * time.Second), Mount: "/radio.mp3", Listeners: 4},
		{At: t0.Add(30 * time.Second), Mount: "/radio.mp3", Listeners: 4},
		{At: t0.Add(90 * time.Second), Mount: "/radio.mp3", Listeners: 2},
	}))
	plays, err := schedule.PeriodPlays(ctx, st, sta.ID, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, plays, 2)
	require.Equal(t, "One", plays[0].Title)
	require.True(t, plays[0].ListenersKnown)
	require.Equal(t, 4.0, plays[0].Listeners)
	require.Equal(t, "Two", plays[1].Title)
}
