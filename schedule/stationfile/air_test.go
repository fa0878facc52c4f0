package stationfile

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/streamer"
)

func TestAirEvent(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	ev := func(kind streamer.AirEventKind, fields map[string]string) streamer.AirEvent {
		return streamer.AirEvent{Seq: 7, Generation: 0xab, Time: at, Kind: kind, Fields: fields}
	}
	tests := []struct {
		name string
		in   streamer.AirEvent
		want schedule.AirEvent
		ok   bool
	}{
		{"dead air", ev(streamer.AirBlankStart, map[string]string{"source": "output"}),
			schedule.AirEvent{Kind: schedule.DeadAirStart, Time: at, Source: "output", ID: "ab:7"}, true},
		{"sound back", ev(streamer.AirBlankEnd, map[string]string{"source": "dealer"}),
			schedule.AirEvent{Kind: schedule.DeadAirEnd, Time: at, Source: "dealer", ID: "ab:7"}, true},
		{"jingle", ev(streamer.AirJingle, map[string]string{"filename": "/j/id.wav"}),
			schedule.AirEvent{Kind: schedule.JingleOnAir, Time: at, Source: "jingles", URI: "/j/id.wav", ID: "ab:7"}, true},
		{"emergency", ev(streamer.AirEmergency, map[string]string{"filename": "/e/x.wav"}),
			schedule.AirEvent{Kind: schedule.EmergencyOnAir, Time: at, Source: "emergency", URI: "/e/x.wav", ID: "ab:7"}, true},
		{"live connect", ev(streamer.AirLiveConnect, nil), schedule.AirEvent{Kind: schedule.LiveConnected, Time: at, ID: "ab:7"}, true},
		{"live disconnect", ev(streamer.AirLiveDisconnect, nil), schedule.AirEvent{Kind: schedule.LiveDisconnected, Time: at, ID: "ab:7"}, true},
		{"live metadata", ev(streamer.AirLiveMetadata, map[string]string{"title": "T", "artist": "A"}),
			schedule.AirEvent{Kind: schedule.LiveMetadata, Time: at, Title: "T", Artist: "A", ID: "ab:7"}, true},
		{"live song", ev(streamer.AirLiveMetadata, map[string]string{"song": "A - T"}),
			schedule.AirEvent{Kind: schedule.LiveMetadata, Time: at, Title: "T", Artist: "A", ID: "ab:7"}, true},
		{"live song without artist", ev(streamer.AirLiveMetadata, map[string]string{"song": "T"}),
			schedule.AirEvent{Kind: schedule.LiveMetadata, Time: at, Title: "T", ID: "ab:7"}, true},
		{"restart", ev(streamer.AirRestart, nil), schedule.AirEvent{Kind: schedule.PlayerRestarted, Time: at}, true},
		{"not logged", ev(streamer.AirLiveOpen, map[string]string{"user": "dj"}), schedule.AirEvent{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AirEvent(tt.in)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestAirConfig(t *testing.T) {
	ctx := t.Context()
	src := minimal + "[on_air]\nwebhook = \"https://ops.example/dead-air\"\n[live]\nmount = \"live\"\nslots = true\n" +
		"[[programs]]\nslug = \"dj\"\nlive_user = \"dj\"\nlive_password_env = \"PW\"\n" +
		"  [[programs.schedules]]\n  date = \"2026-11-23\"\n  time = \"08:00\"\n  duration = \"1h\"\n  frequency = \"every\"\n"
	c, _, err := Parse("s.toml", t.TempDir(), []byte(src), ForRun, env(map[string]string{"PW": "pw"}))
	require.NoError(t, err)
	store := schedule.NewMemStore()
	sta, err := store.PutStation(ctx, schedule.Station{Slug: c.Slug, Name: c.Name, Zone: c.Zone})
	require.NoError(t, err)
	_, err = c.AirConfig(ctx, store, sta.ID, nil)
	require.ErrorIs(t, err, ErrNotSynced)

	rep, _, err := c.Sync(ctx, store, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	cfg, err := c.AirConfig(ctx, store, rep.Station.ID, nil)
	require.NoError(t, err)
	require.Equal(t, "https://ops.example/dead-air", cfg.Webhook.URL)
	require.Equal(t, "test", cfg.Station)
	require.Len(t, cfg.Live.Programs, 1)
	for _, creds := range cfg.Live.Programs {
		require.Equal(t, schedule.LiveCredentials{User: "dj", Password: "pw"}, creds)
	}
}

func TestSamplers(t *testing.T) {
	src := "name = \"Test\"\nzone = \"UTC\"\n" +
		"[[outputs.icecast]]\nmount = \"/a.mp3\"\npassword_env = \"PW\"\n" +
		"[[outputs.icecast]]\nmount = \"/b.mp3\"\npassword_env = \"PW\"\n" +
		"[[outputs.icecast]]\nhost = \"other.example\"\nport = 8001\nmount = \"/c.mp3\"\npassword_env = \"PW\"\n"
	c, _, err := Parse("s.toml", t.TempDir(), []byte(src), ForRun, env(map[string]string{"PW": "pw"}))
	require.NoError(t, err)
	store := schedule.NewMemStore()
	none, err := c.Samplers(store, 1, 0, nil)
	require.NoError(t, err)
	require.Empty(t, none)
	ss, err := c.Samplers(store, 1, time.Minute, nil)
	require.NoError(t, err)
	require.Len(t, ss, 2, "one per Icecast server")
}
