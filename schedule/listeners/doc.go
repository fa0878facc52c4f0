// Package listeners samples how many listen to a station, from its
// Icecast server's status, and turns the samples into the figures
// reports ask for: the average audience of a play and the aggregate
// tuning hours of a period.
//
//	s, err := listeners.New(listeners.Config{
//		URL:    "http://127.0.0.1:8000", // the Icecast server
//		Mounts: []string{"/radio.mp3", "/radio.ogg"},
//		Sink:   store, // anything with Record(ctx, []listeners.Sample) error
//	})
//	go s.Run(ctx) // every 30 s; returns when ctx ends
//
// The sampler never stands in the way of playout: it runs on its own,
// each fetch is bounded in time (Timeout) and size (MaxBody), and an
// Icecast that is down, slow or answers nonsense leaves no sample for
// that time, which reads as "unknown", not as zero listeners. The first
// failure of a run of failures is logged at Warn, the recovery at Info,
// the failures in between at Debug.
//
// Icecast 2.4's /status-json.xsl is read (2.5 keeps it, deprecated, beside
// /admin/publicstats): "icestats.source" is an object for one mount, an
// array for several, absent for none; a mount is told by the path of its
// "listenurl". A configured mount that Icecast does not list has no
// source, so no listener: it is sampled as 0.
package listeners
