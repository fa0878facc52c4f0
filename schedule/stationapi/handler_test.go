package stationapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/stationapi"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// player is the playout as the handler sees it: what it says is on air.
type player struct{ source, uri string }

func (p player) OnAir(context.Context) (string, string, time.Time, error) {
	return p.source, p.uri, t0.Add(90 * time.Second), nil
}

// station is a store with a diffusion on air since t0 (its sound logged),
// another at t0+1h, and a music song in the store.
func station(t *testing.T) (*schedule.MemStore, schedule.Station) {
	t.Helper()
	ctx := t.Context()
	st := schedule.NewMemStore()
	sta, err := st.PutStation(ctx, schedule.Station{Slug: "radio", Name: "Radio", Zone: "Europe/Paris"})
	require.NoError(t, err)
	news, err := st.PutProgram(ctx, schedule.Program{StationID: sta.ID, Slug: "news", Title: "The News", Active: true})
	require.NoError(t, err)
	ep, err := st.PutEpisode(ctx, schedule.Episode{ProgramID: news.ID, Slug: "2026-11-23", Title: "News of the day"})
	require.NoError(t, err)
	snd, err := st.PutSound(ctx, schedule.Sound{ProgramID: news.ID, EpisodeID: ep.ID, Path: "/shows/news.wav", Name: "news", Type: schedule.SoundArchive, Duration: time.Hour})
	require.NoError(t, err)
	music, err := st.PutProgram(ctx, schedule.Program{StationID: sta.ID, Slug: "music", Title: "music", Active: true, Stream: true})
	require.NoError(t, err)
	_, err = st.PutSound(ctx, schedule.Sound{ProgramID: music.ID, Path: "/music/song.mp3", Name: "A Song", Type: schedule.SoundArchive, Duration: time.Minute})
	require.NoError(t, err)
	ds, _, err := st.PutDiffusions(ctx, []schedule.Diffusion{
		{StationID: sta.ID, ProgramID: news.ID, EpisodeID: ep.ID, Type: schedule.OnAir, Start: t0, End: t0.Add(time.Hour)},
		{StationID: sta.ID, ProgramID: news.ID, EpisodeID: ep.ID, Type: schedule.OnAir, Start: t0.Add(2 * time.Hour), End: t0.Add(3 * time.Hour)},
	})
	require.NoError(t, err)
	l, ok, err := st.BeginStart(ctx, ds[0].ID, schedule.Log{Date: t0, Source: "dealer", URIs: []string{snd.Path}})
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, st.ConfirmStart(ctx, l.ID, 1, []string{snd.Path}))
	_, _, err = st.AppendOnAir(ctx, schedule.Log{StationID: sta.ID, Date: t0, Source: "dealer", Comment: snd.Path, SoundID: snd.ID, DiffusionID: ds[0].ID}, time.Second)
	require.NoError(t, err)
	return st, sta
}

func get(t *testing.T, h http.Handler, target string) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, rec.Result().Header, string(body)
}

func TestNow(t *testing.T) {
	st, sta := station(t)
	for _, tt := range []struct {
		name   string
		player stationapi.Player
		want   stationapi.OnAir
	}{
		{name: "the log alone", want: stationapi.OnAir{Source: "dealer", URI: "/shows/news.wav", Title: "news", Since: "2026-11-23T10:00:00+01:00",
			Diffusion: &stationapi.Diffusion{ID: 1, Program: "news", ProgramTitle: "The News", Episode: "News of the day",
				Start: "2026-11-23T10:00:00+01:00", End: "2026-11-23T11:00:00+01:00", Status: "started"}}},
		{name: "the player agrees", player: player{"dealer", "/shows/news.wav"}, want: stationapi.OnAir{Source: "dealer", URI: "/shows/news.wav", Title: "news",
			Since: "2026-11-23T10:00:00+01:00", Diffusion: &stationapi.Diffusion{ID: 1, Program: "news", ProgramTitle: "The News", Episode: "News of the day",
				Start: "2026-11-23T10:00:00+01:00", End: "2026-11-23T11:00:00+01:00", Status: "started"}}},
		{name: "the player plays music the log did not log again", player: player{"music", "/music/song.mp3"},
			want: stationapi.OnAir{Source: "music", URI: "/music/song.mp3", Title: "A Song", Since: "2026-11-23T10:01:30+01:00"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var cfg stationapi.Config
			cfg.Store, cfg.Station, cfg.Clock = st, sta, airkeep.NewFakeClock(t0.Add(time.Minute))
			if tt.player != nil {
				cfg.Player = tt.player
			}
			h, err := stationapi.New(cfg)
			require.NoError(t, err)
			code, hdr, body := get(t, h, "/now")
			require.Equal(t, http.StatusOK, code)
			require.Equal(t, "application/json", hdr.Get("Content-Type"))
			var now stationapi.Now
			require.NoError(t, json.Unmarshal([]byte(body), &now))
			require.Equal(t, stationapi.Station{Slug: "radio", Name: "Radio", Zone: "Europe/Paris"}, now.Station)
			require.Equal(t, "2026-11-23T10:01:00+01:00", now.At)
			require.Equal(t, tt.want, *now.OnAir)
			require.Equal(t, "2026-11-23T12:00:00+01:00", now.Next.Start)
		})
	}
}

func TestNowExtend(t *testing.T) {
	st, sta := station(t)
	type extended struct {
		stationapi.Now
		Extra string `json:"extra"`
	}
	h, err := stationapi.New(stationapi.Config{Store: st, Station: sta, Clock: airkeep.NewFakeClock(t0),
		Extend: func(_ context.Context, n stationapi.Now) any { return extended{n, "x"} }})
	require.NoError(t, err)
	_, _, body := get(t, h, "/now")
	require.True(t, strings.HasPrefix(body, "{\n  \"station\": {"), body)
	require.True(t, strings.HasSuffix(body, "\n  \"extra\": \"x\"\n}\n"), body)
}

func TestAsRun(t *testing.T) {
	st, sta := station(t)
	h, err := stationapi.New(stationapi.Config{Store: st, Station: sta, Clock: airkeep.NewFakeClock(t0.Add(time.Minute))})
	require.NoError(t, err)

	code, _, body := get(t, h, "/asrun.json?start=2026-11-23&end=2026-11-24")
	require.Equal(t, http.StatusOK, code, body)
	var entries []stationapi.Entry
	require.NoError(t, json.Unmarshal([]byte(body), &entries))
	require.NotEmpty(t, entries)
	require.Equal(t, "2026-11-23T10:00:00+01:00", entries[0].Start)

	code, hdr, body := get(t, h, "/asrun.csv")
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, `attachment; filename="radio-asrun-20261122T100100-20261123T100100.csv"`, hdr.Get("Content-Disposition"))
	require.Equal(t, strings.Join(schedule.AsRunHeader, ","), strings.SplitN(body, "\n", 2)[0])

	for _, q := range []string{"?start=yesterday", "?end=2026-11-23&start=2026-11-24", "?start=2026-01-01&end=2027-06-01"} {
		code, _, body := get(t, h, "/asrun.json"+q)
		require.Equal(t, http.StatusBadRequest, code, "%s: %s", q, body)
	}
}

func TestProofHead(t *testing.T) {
	st, sta := station(t)
	h, err := stationapi.New(stationapi.Config{Store: st, Station: sta})
	require.NoError(t, err)
	code, _, body := get(t, h, "/proof/2026-11-23.json")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"day": "2026-11-23"`)
	for _, bad := range []string{"/proof/2026-11-23", "/proof/today.json", "/nope"} {
		code, _, _ := get(t, h, bad)
		require.Equal(t, http.StatusNotFound, code, bad)
	}
}

func TestConfig(t *testing.T) {
	st, sta := station(t)
	var ce *stationapi.ConfigError
	_, err := stationapi.New(stationapi.Config{Station: sta})
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "Store", ce.Field)
	_, err = stationapi.New(stationapi.Config{Store: st, Station: schedule.Station{Slug: "radio", Zone: "UTC"}})
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "Station", ce.Field)
	_, err = stationapi.New(stationapi.Config{Store: st, Station: schedule.Station{ID: sta.ID, Zone: "Mars/Olympus"}})
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "Station", ce.Field)
	require.Error(t, ce.Err, "the zone's own error is kept")
	require.ErrorIs(t, err, ce.Err)
	require.Contains(t, err.Error(), `zone "Mars/Olympus"`)
}

// The API of a station, served at the root of a server.
func Example() {
	ctx := context.Background()
	store := schedule.NewMemStore()
	st, _ := store.PutStation(ctx, schedule.Station{Slug: "radio", Name: "Radio", Zone: "UTC"})
	api, err := stationapi.New(stationapi.Config{Store: store, Station: st, Clock: airkeep.NewFakeClock(t0)})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/now")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(os.Stdout, resp.Body)
	// Output:
	// {
	//   "station": {
	//     "slug": "radio",
	//     "name": "Radio",
	//     "zone": "UTC"
	//   },
	//   "at": "2026-11-23T09:00:00Z",
	//   "on_air": null,
	//   "next": null
	// }
}
