// Package hlstest provides a simulated live HLS origin for tests, demos and
// benchmarks of HLS capture: any number of channels of two or more
// variants, synthetic MPEG-TS segments that ffmpeg reads, a program
// date-time on every segment, and scripted faults (500s, stalled, slow and
// truncated bodies, expiring tokens, frozen playlists, streams that end and
// come back with a reset media sequence). It reports the SHA-256 of every
// segment it publishes, so a capture can be checked against it byte for
// byte.
//
//	o, err := hlstest.New(hlstest.Config{Clock: clock, Faults: hlstest.Faults{ErrorRate: 0.1}})
//	srv := httptest.NewServer(o.Handler())
//	go o.Run(ctx) // calls Config.OnPublish for every segment
//	master := srv.URL + hlstest.MasterPath("demo")
//
// ScaledClock runs the origin, and the capture under test, faster than real
// time with all their timing ratios intact.
package hlstest
