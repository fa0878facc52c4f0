package streamer

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
)

func TestParseEvents(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []AirEvent
		bad  bool
	}{
		{name: "none", body: ""},
		{name: "two", body: "1 1796532303.19 blank_start [[\"source\",\"dealer\"]]\n2 1796532318.5 live_metadata [[\"title\",\"a \\\"b\\\"\\nc\"],[\"artist\",\"\"]]",
			want: []AirEvent{
				{Seq: 1, Time: time.UnixMilli(1796532303190).UTC(), Kind: AirBlankStart, Fields: map[string]string{"source": "dealer"}},
				{Seq: 2, Time: time.UnixMilli(1796532318500).UTC(), Kind: AirLiveMetadata, Fields: map[string]string{"title": "a \"b\"\nc", "artist": ""}},
			}},
		{name: "integer time", body: "7 1796532303. jingle []", want: []AirEvent{{Seq: 7, Time: time.Unix(1796532303, 0).UTC(), Kind: AirJingle, Fields: map[string]string{}}}},
		{name: "missing fields", body: "1 1796532303.19 jingle", bad: true},
		{name: "zero number", body: "0 1.0 jingle []", bad: true},
		{name: "negative time", body: "1 -1.0 jingle []", bad: true},
		{name: "bad kind", body: "1 1.0 Jingle []", bad: true},
		{name: "not pairs", body: "1 1.0 jingle [[\"a\"]]", bad: true},
		{name: "not json", body: "1 1.0 jingle {", bad: true},
		{name: "out of order", body: "2 1.0 jingle []\n1 1.0 jingle []", bad: true},
		{name: "error", body: "ERROR: unknown command", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEvents(tt.body)
			if tt.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// formatEvent writes e as the station script does.
func formatEvent(e AirEvent) string {
	var pairs []string
	for k, v := range e.Fields {
		pairs = append(pairs, "["+strconv.Quote(k)+","+strconv.Quote(v)+"]")
	}
	secs := strconv.FormatFloat(float64(e.Time.UnixMilli())/1000, 'f', 3, 64)
	return strconv.FormatUint(e.Seq, 10) + " " + secs + " " + string(e.Kind) + " [" + strings.Join(pairs, ",") + "]"
}

func FuzzParseEvents(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		events, err := parseEvents(s)
		if err != nil {
			return
		}
		var lines []string
		for i, e := range events {
			if e.Seq == 0 || !validID(string(e.Kind)) || e.Time.Before(time.Unix(0, 0)) || (i > 0 && e.Seq <= events[i-1].Seq) {
				t.Fatalf("bad event %+v", e)
			}
			lines = append(lines, formatEvent(e))
		}
		again, err := parseEvents(strings.Join(lines, "\n"))
		if err != nil || len(again) != len(events) {
			t.Fatalf("%v reformatted read back as %v, %v", events, again, err)
		}
		for i := range events {
			a, b := events[i], again[i]
			if a.Seq != b.Seq || a.Kind != b.Kind || !a.Time.Equal(b.Time) || len(a.Fields) != len(b.Fields) {
				t.Fatalf("%+v read back as %+v", a, b)
			}
			for k, v := range a.Fields {
				// strconv.Quote escapes invalid UTF-8, which JSON decoding
				// replaces: compare only what round-trips.
				if w, ok := b.Fields[k]; !ok || (w != v && strings.ToValidUTF8(v, "\uFFFD") == v) {
					t.Fatalf("field %q: %q read back as %q", k, v, w)
				}
			}
		}
	})
}

// TestWatchAcrossRestart has Watch read a server that restarts: the events
// of the first process once each, then AirRestart, then the new process's
// events from its number 1.
func TestWatchAcrossRestart(t *testing.T) {
	var token atomic.Value
	token.Store("1795423362.00-0.5")
	events := map[string][]string{
		"1795423362.00-0.5": {
			"1 1795423400.25 blank_start [[\"source\",\"dealer\"]]",
			"2 1795423410.5 blank_end [[\"source\",\"dealer\"]]",
			"3 1795423411 jingle [[\"filename\",\"/j/1.wav\"]]",
		},
		"1795423999.00-0.25": {"1 1795424000.75 live_connect []"},
	}
	var mu sync.Mutex
	served := 0 // events of the first process the server has made visible
	srv := newFakeServer(t, func(s *fakeServer, _ int, c net.Conn, r *bufio.Reader) {
		for {
			line, ok := s.readLine(r)
			if !ok {
				return
			}
			reply := "OK"
			tok := token.Load().(string)
			switch name, arg, _ := strings.Cut(line, " "); name {
			case "airkeep.instance":
				reply = tok
			case "airkeep.events":
				after, _ := strconv.Atoi(arg)
				mu.Lock()
				evs := events[tok]
				if tok == "1795423362.00-0.5" {
					evs = evs[:served]
				}
				mu.Unlock()
				var out []string
				for _, e := range evs {
					if n, _ := strconv.Atoi(strings.Fields(e)[0]); n > after {
						out = append(out, e)
					}
				}
				reply = strings.Join(out, "\n")
			}
			if _, err := c.Write([]byte(reply + terminator)); err != nil {
				return
			}
		}
	})
	clock := airkeep.NewFakeClock(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	client := newTestClient(t, ClientConfig{Socket: srv.path, InstanceCommand: "airkeep.instance", Clock: clock})
	ctl, err := NewController(ControllerConfig{Station: &Station{Name: "T", Socket: srv.path, Dummy: true}, Client: client})
	require.NoError(t, err)

	mu.Lock()
	served = 2
	mu.Unlock()
	got := make(chan AirEvent, 16)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- ctl.Watch(ctx, WatchConfig{Every: time.Second, Clock: clock}, func(e AirEvent) { got <- e })
	}()
	next := func() AirEvent {
		t.Helper()
		select {
		case e := <-got:
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
			return AirEvent{}
		}
	}
	tick := func() { clock.BlockUntil(1); clock.Advance(time.Second) }

	a, b := next(), next()
	require.Equal(t, []uint64{1, 2}, []uint64{a.Seq, b.Seq})
	require.Equal(t, AirBlankStart, a.Kind)
	gen := a.Generation
	require.NotZero(t, gen)
	mu.Lock()
	served = 3
	mu.Unlock()
	tick()
	c := next()
	require.Equal(t, uint64(3), c.Seq, "each event once")
	require.Equal(t, gen, c.Generation)

	// The process restarts: the client finds a new instance.
	token.Store("1795423999.00-0.25")
	srv.mu.Lock()
	for _, conn := range srv.conns {
		conn.Close()
	}
	srv.mu.Unlock()
	tick()
	r := next()
	require.Equal(t, AirRestart, r.Kind)
	require.NotEqual(t, gen, r.Generation)
	require.Equal(t, clock.Now().UTC(), r.Time)
	e := next()
	require.Equal(t, AirLiveConnect, e.Kind)
	require.Equal(t, uint64(1), e.Seq)
	require.Equal(t, r.Generation, e.Generation)

	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	select {
	case e := <-got:
		t.Fatalf("unexpected event %+v", e)
	default:
	}
}
