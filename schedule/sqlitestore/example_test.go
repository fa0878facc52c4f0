package sqlitestore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

// Open a station database, sync a station into it and generate its
// coming diffusions. What is stored survives the process: a second store
// on the same file (another process, or after a restart) reads it.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "station")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	path := filepath.Join(dir, "station.db")

	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	rep, err := schedule.SyncStation(ctx, store, schedule.SyncRequest{
		Station: schedule.Station{Slug: "rc", Name: "Radio Campus", Zone: "Europe/Paris"},
		Now:     now,
		Programs: []schedule.ProgramDef{{
			Program: schedule.Program{Slug: "jazz", Title: "Jazz", Active: true},
			Schedules: []schedule.Schedule{{Name: "weekly", Date: schedule.Date{Year: 2026, Month: 3, Day: 2},
				Time: schedule.TimeOfDay{Hour: 21}, Zone: "Europe/Paris", Duration: time.Hour, Frequency: schedule.Every}},
		}},
	})
	if err != nil {
		panic(err)
	}
	gen, err := schedule.Generate(ctx, store, schedule.GenerateRequest{StationID: rep.Station.ID, From: now, To: now.AddDate(0, 0, 14)})
	if err != nil {
		panic(err)
	}
	fmt.Println("created", gen.Created)
	if err := store.Close(); err != nil {
		panic(err)
	}

	again, err := sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	if err != nil {
		panic(err)
	}
	defer again.Close()
	ds, err := again.Diffusions(ctx, rep.Station.ID, now, now.AddDate(0, 0, 14))
	if err != nil {
		panic(err)
	}
	paris, _ := schedule.LoadZone("Europe/Paris")
	for _, d := range ds {
		fmt.Println(d.Start.In(paris).Format("Mon 2006-01-02 15:04"), d.Status)
	}
	// Output:
	// created 2
	// Mon 2026-03-02 21:00 pending
	// Mon 2026-03-09 21:00 pending
}
