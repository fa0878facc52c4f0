// Package stationfiletest writes station folders for tests and demos: a
// station file that stationfile loads, and generated tones as WAV files
// that schedule/audio measures and Liquidsoap plays, so a whole station
// runs without a single recording.
//
//	st, err := stationfiletest.Write(dir, stationfiletest.Config{Start: t0, Shows: shows, MusicLength: 12 * time.Second})
//	c, _, err := stationfile.Load(st.File, stationfile.ForRun)
package stationfiletest
