// Package seal makes a station's as-run log tamper-evident, and ties it
// to the recording of what went out.
//
// Every log entry, as written, is sealed: its canonical encoding (the
// entry's own fields and what it names as it was then: the title, artist,
// album, label and ISRC of its track, the sound's path and name, the
// program) is chained, each seal's link being the SHA-256 of the previous
// link and the encoding. Once an entry that was on air has ended, a
// second seal cites the archive segments recorded while it aired, by
// name, and so by their SHA-256. A third party who kept a day's chain
// head (the last link, published at /proof/YYYY-MM-DD.json and in the
// station's log) can then hold the station to it: Verify recomputes the
// chain, compares every sealed entry with the database and re-hashes
// every cited segment, and names the first thing that was edited,
// removed, reordered or inserted.
//
//	s, err := seal.NewSealer(seal.Config{Store: st, StationID: id, Archive: arch, Stream: "radio", Variant: "source"})
//	go s.Run(ctx) // seals what is new every Interval; returns when ctx ends
//	…
//	res, err := seal.Verify(ctx, seal.VerifyConfig{Store: st, StationID: id, Archive: arch, From: from, To: to})
//	if res.Break != nil { fmt.Println(res.Break) } // the first broken entry and what is wrong
//
// The monitor writes an entry and the sealer links it a moment later, in
// another transaction: a crash between the two leaves the entry unsealed,
// and the sealer seals it when the station starts again, before anything
// newer. What the chain proves is what the log held when it was sealed.
// Fields the monitor updates after writing (a START entry's pushed URIs,
// generation and confirmation) are operational state, not sealed.
// A track's title corrected in the station file after it aired reads,
// rightly, as an edit of what was logged.
package seal
