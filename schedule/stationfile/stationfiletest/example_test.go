package stationfiletest_test

import (
	"fmt"
	"os"
	"time"

	"github.com/airkeep/airkeep/schedule/stationfile"
	"github.com/airkeep/airkeep/schedule/stationfile/stationfiletest"
)

// A station of tones for a two-minute run, loaded as radio run loads it.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "station")
	defer os.RemoveAll(dir)
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	shows := stationfiletest.Shows(2 * time.Minute)
	st, err := stationfiletest.Write(dir, stationfiletest.Config{Start: start, Shows: shows, MusicLength: time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	c, _, err := stationfile.Load(st.File, stationfile.ForRun)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Name, "-", len(c.Music), "rotation,", len(c.Programs), "programs")
	for _, p := range c.Programs {
		s := p.Schedules[0].Schedule
		fmt.Println(p.Slug, s.Date, s.Time, s.Duration)
	}
	// Output:
	// airkeep demo radio - 1 rotation, 3 programs
	// news 2026-11-23 10:00:30 20s
	// tone-hour 2026-11-23 10:01 20s
	// weather 2026-11-23 10:01:30 20s
}
