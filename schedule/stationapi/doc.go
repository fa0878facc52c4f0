// Package stationapi serves a station's public HTTP API from its
// schedule store: what is on air now, the as-run log (CSV for export,
// JSON for pages) and the sealed log's daily chain heads.
//
//	GET /now                  now playing and next up, as JSON
//	GET /asrun.csv            the as-run log of ?start=&end= (default: the last 24 hours)
//	GET /asrun.json           the same, as JSON
//	GET /proof/YYYY-MM-DD.json the day's chain head (schedule/seal), for a third party to keep
//
// Times are RFC 3339 in the station's zone; ?start= and ?end= take what
// schedule.ParseInstant reads. The playout's own view of its air comes in
// through a small interface (streamer's Controller satisfies it), so this
// package imports no playout:
//
//	api, err := stationapi.New(stationapi.Config{Store: store, Station: st, Player: ctl})
//	mux.Handle("/", api)
package stationapi
