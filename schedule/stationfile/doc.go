// Package stationfile reads a station's definition from a hand-edited
// TOML file and turns it into the library's types: the programs, their
// schedules and sounds for schedule (synced into a store), and the
// Liquidsoap graph for streamer. It ties a schedule to its playout, so it
// imports both; neither schedule nor streamer imports it, and a program
// that holds its station elsewhere (a form, a database) builds the same
// types itself.
//
// The format, every field shown and explained, is testdata/station.toml:
//
//	name = "Radio Example"
//	zone = "Europe/Paris"           # times below are on its wall clock
//
//	[[music]]                        # a rotation: every audio file of dir
//	name = "music"
//	dir = "music"
//
//	[[programs]]                     # a show: one folder of sounds per episode date
//	slug = "morning"
//	sounds = "shows/morning"
//	  [[programs.schedules]]
//	  date = 2026-11-23
//	  time = 08:00:00
//	  duration = "1h"
//	  frequency = "every"
//
//	[[outputs.icecast]]
//	mount = "/radio.mp3"
//	password_env = "RADIO_ICECAST_PASSWORD" # the file holds no secret
//
// Relative paths resolve against the file's folder. Secrets are named by
// environment variable. Every error is located by line and key path
// ("station.toml:14: programs[1].schedules[0].zone: unknown time zone"),
// and all of them come at once in an *Error; warnings (a program that
// never airs, a missing secret when only importing) come beside a valid
// Station. An unknown key is an error: a typo never becomes a default.
//
// The main calls:
//
//	st, warnings, err := stationfile.Load("station.toml", stationfile.ForImport)
//	if err != nil {
//		return err // *stationfile.Error: every problem, one per line
//	}
//	rep, warnings, err := st.Sync(ctx, store, time.Now()) // schedule.SyncStation, then Generate
//
// and to run it, the configurations of the packages' components:
//
//	proc, err := streamer.NewProcess(st.ProcessConfig())
//	ctl, err := streamer.NewController(st.ControllerConfig())
//	err = st.WritePlaylists(ctx, store, stationID, ctl) // before Liquidsoap starts
//	mon, err := schedule.New(st.MonitorConfig(store, ctl, stationID))
//	airCfg, err := st.AirConfig(ctx, store, stationID, ctl) // then schedule.NewAir; stationfile.AirEvent relays ctl.Watch
package stationfile
