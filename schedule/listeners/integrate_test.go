package listeners_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule/listeners"
)

func TestMeasure(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	samples := []listeners.Sample{
		{At: at(30), Mount: "/b", Listeners: 1}, // unsorted on purpose
		{At: at(0), Mount: "/a", Listeners: 2},
		{At: at(0), Mount: "/b", Listeners: 1},
		{At: at(30), Mount: "/a", Listeners: 5},
		// A gap: Icecast did not answer from 60 s to 300 s.
		{At: at(300), Mount: "/a", Listeners: 0},
	}
	hold := 60 * time.Second
	for _, tt := range []struct {
		name     string
		from, to int
		time     time.Duration
		covered  time.Duration
	}{
		{"first interval, both mounts", 0, 30, 3 * 30 * time.Second, 30 * time.Second},
		{"part of an interval", 10, 20, 3 * 10 * time.Second, 10 * time.Second},
		{"held up to hold, then unknown", 30, 300, 6 * 60 * time.Second, 60 * time.Second},
		{"a sample of zero covers", 300, 330, 0, 30 * time.Second},
		{"before any sample", -60, 0, 0, 0},
		{"empty span", 10, 10, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := listeners.Measure(samples, at(tt.from), at(tt.to), hold)
			require.Equal(t, tt.time, a.ListenerTime)
			require.Equal(t, tt.covered, a.Covered)
			avg, ok := a.Average()
			require.Equal(t, tt.covered > 0, ok)
			if ok {
				require.InDelta(t, tt.time.Seconds()/tt.covered.Seconds(), avg, 1e-9)
			}
		})
	}
}

func ExampleMeasure() {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	samples := []listeners.Sample{
		{At: t0, Mount: "/radio.mp3", Listeners: 10},
		{At: t0, Mount: "/radio.ogg", Listeners: 2},
		{At: t0.Add(30 * time.Minute), Mount: "/radio.mp3", Listeners: 4},
		{At: t0.Add(30 * time.Minute), Mount: "/radio.ogg", Listeners: 0},
	}
	// A play from 10:00 to 11:00, samples held for an hour at most.
	a := listeners.Measure(samples, t0, t0.Add(time.Hour), time.Hour)
	avg, _ := a.Average()
	fmt.Printf("average %.1f listeners, %.1f tuning hours\n", avg, a.TuningHours())
	// Output: average 8.0 listeners, 8.0 tuning hours
}
