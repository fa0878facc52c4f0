package schedule_test

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

// eveningWithTracks airs music with two timed tracks, then a news show.
func eveningWithTracks(t *testing.T, store schedule.Store) (*rig, schedule.Diffusion) {
	r := newRig(t, at("20:00:00"), store)
	music := r.program("music", true)
	mix := r.sound(music, 0, "/m/mix.mp3", 0, 3*time.Minute)
	for i, tr := range []schedule.Track{
		{Title: "Le Chant des Sirènes", Artist: "Fréro Delavega", Album: "Fréro Delavega", Label: "Capitol", ISRC: "FR9W11400123"},
		{Title: "Comma, \"quoted\"", Artist: "-M-", Timestamp: 90 * time.Second},
	} {
		tr.SoundID, tr.Position, tr.Timed = mix.ID, i, true
		_, err := r.store.PutTrack(r.ctx, tr)
		require.NoError(t, err)
	}
	d := r.diffusion("news", at("20:05:00"), 30*time.Minute, "/a/1.ogg", 10*time.Minute)
	r.newMonitor()
	r.tickUntil(at("20:20:00"), 5*time.Second)
	return r, d
}

func TestAsRunCSV(t *testing.T) {
	r, _ := eveningWithTracks(t, newSQLite(t))
	var b bytes.Buffer
	require.NoError(t, schedule.ExportAsRunCSV(r.ctx, &b, r.store, r.station, at("20:00:00"), at("20:06:00")))
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	require.Equal(t, schedule.AsRunHeader, rows[0])
	var got [][]string
	for _, row := range rows[1:] {
		// event, start, end, duration, source, title, artist, program, diffusion set?, uri
		got = append(got, []string{row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[10], row[13], row[15]})
	}
	require.Equal(t, [][]string{
		{"on_air", "2026-03-06T21:00:00+01:00", "2026-03-06T21:03:00+01:00", "180.000", "music", "/m/mix.mp3", "", "music", "", "/m/mix.mp3"},
		{"on_air", "2026-03-06T21:00:00+01:00", "2026-03-06T21:01:30+01:00", "90.000", "music", "Le Chant des Sirènes", "Fréro Delavega", "music", "", "/m/mix.mp3"},
		{"on_air", "2026-03-06T21:01:30+01:00", "2026-03-06T21:03:00+01:00", "90.000", "music", "Comma, \"quoted\"", "-M-", "music", "", "/m/mix.mp3"},
		{"on_air", "2026-03-06T21:03:00+01:00", "2026-03-06T21:05:00+01:00", "120.000", "music", "/m/mix.mp3", "", "music", "", "/m/mix.mp3"},
		{"on_air", "2026-03-06T21:03:00+01:00", "2026-03-06T21:04:30+01:00", "90.000", "music", "Le Chant des Sirènes", "Fréro Delavega", "music", "", "/m/mix.mp3"},
		{"on_air", "2026-03-06T21:04:30+01:00", "2026-03-06T21:05:00+01:00", "30.000", "music", "Comma, \"quoted\"", "-M-", "music", "", "/m/mix.mp3"},
		{"start", "2026-03-06T21:05:00+01:00", "", "", "dealer", "", "", "news", "2026-03-06T21:05:00+01:00", ""},
		{"on_air", "2026-03-06T21:05:00+01:00", "2026-03-06T21:15:00+01:00", "600.000", "dealer", "/a/1.ogg", "", "news", "2026-03-06T21:05:00+01:00", "/a/1.ogg"},
	}, got)
	require.Equal(t, "FR9W11400123", rows[2][9], "ISRC")
	require.Equal(t, "Capitol", rows[2][8], "label")
}

func TestNowPlaying(t *testing.T) {
	r, d := eveningWithTracks(t, schedule.NewMemStore())
	tests := []struct {
		name      string
		now       time.Time
		uri       string
		track     string
		diffusion int64
		next      int64
	}{
		{"first track", at("20:01:00"), "/m/mix.mp3", "Le Chant des Sirènes", 0, d.ID},
		{"second track", at("20:02:00"), "/m/mix.mp3", "Comma, \"quoted\"", 0, d.ID},
		{"the news", at("20:06:00"), "/a/1.ogg", "", d.ID, 0},
		{"music after the news, inside its window", at("20:16:00"), "/m/mix.mp3", "Le Chant des Sirènes", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := schedule.NowPlaying(r.ctx, r.store, r.station.ID, tt.now)
			require.NoError(t, err)
			require.Equal(t, tt.uri, p.URI)
			if tt.track == "" {
				require.Nil(t, p.Track)
			} else {
				require.NotNil(t, p.Track)
				require.Equal(t, tt.track, p.Track.Title)
			}
			if tt.diffusion == 0 && tt.now.Before(d.Start) {
				require.Nil(t, p.Diffusion)
			}
			if tt.diffusion != 0 {
				require.Equal(t, tt.diffusion, p.Diffusion.ID)
				require.Equal(t, "news", p.Program.Slug)
			}
			if tt.next != 0 {
				require.Equal(t, tt.next, p.Next.ID)
				require.Equal(t, "news", p.NextProgram.Slug)
			} else {
				require.Nil(t, p.Next)
			}
		})
	}
	// After the news window, during music, the started news is not "on air".
	p, err := schedule.NowPlaying(r.ctx, r.store, r.station.ID, at("20:40:00"))
	require.NoError(t, err)
	require.Nil(t, p.Diffusion)
}

// TestAsRunFallBack: in the repeated hour of the October change the same
// local time airs twice; the log keeps both, and the export tells them
// apart by their offsets.
func TestAsRunFallBack(t *testing.T) {
	t0 := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC) // 02:30 CEST
	r := newRig(t, t0, schedule.NewMemStore())
	music := r.program("music", true)
	r.sound(music, 0, "/m/hour.mp3", 0, time.Hour)
	r.newMonitor()
	r.tickUntil(t0.Add(90*time.Minute), 5*time.Second)
	var b bytes.Buffer
	require.NoError(t, schedule.ExportAsRunCSV(r.ctx, &b, r.store, r.station, t0, t0.Add(2*time.Hour)))
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	var got [][]string
	for _, row := range rows[1:] {
		got = append(got, row[1:4])
	}
	require.Equal(t, [][]string{
		{"2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "3600.000"},
		{"2026-10-25T02:30:00+01:00", "2026-10-25T03:30:00+01:00", "3600.000"},
	}, got)
}
