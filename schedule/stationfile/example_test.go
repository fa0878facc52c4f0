package stationfile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/stationfile"
)

// A station file loaded, then synced into a store, which generates its
// coming weeks.
func Example() {
	dir, _ := os.MkdirTemp("", "station")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "station.toml")
	_ = os.WriteFile(path, []byte(`name = "Radio Example"
zone = "Europe/Paris"
weeks = 1
outputs = { dummy = true }

[[programs]]
slug = "morning"
  [[programs.schedules]]
  date = 2026-11-23
  time = 08:00:00
  duration = "1h"
  frequency = "every"
`), 0o644)

	st, warnings, err := stationfile.Load(path, stationfile.ForImport)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Slug, st.Location, len(warnings), "warnings")
	store := schedule.NewMemStore()
	rep, _, err := st.Sync(context.Background(), store, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Programs, "program,", rep.Schedules, "schedule,", rep.Generate.Created, "diffusion")
	// Output:
	// radio-example Europe/Paris 0 warnings
	// 1 program, 1 schedule, 1 diffusion
}

// Every problem of a file comes at once, located by line and key.
func ExampleParse() {
	src := `name = "Radio Example"
zone = "Europe/Pari"
outputs = { dummy = true }

[[programs]]
slug = "Morning Show"
`
	_, _, err := stationfile.Parse("station.toml", os.TempDir(), []byte(src), stationfile.ForImport, nil)
	var e *stationfile.Error
	if errors.As(err, &e) {
		for _, p := range e.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// station.toml:2: zone: unknown time zone "Europe/Pari": want an IANA name such as "Europe/Paris"
	// station.toml:6: programs[0].slug: "Morning Show": want lower-case letters, digits, '-' and '_', starting with a letter or digit
}
