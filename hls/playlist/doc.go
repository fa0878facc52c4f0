// Package playlist parses HLS playlists (RFC 8216) defensively, for a
// recorder that reads them from servers it does not trust. It is a layer
// over github.com/grafov/m3u8: bounded input, normalised lines, the
// parser's panics recovered, numbers it garbles re-validated, KEY and MAP
// carried forward as the RFC says, byte ranges continued, program
// date-times extrapolated and checked for skew, GAP and ad markers found.
// Every URI is resolved to an absolute http or https URL, never
// downgraded from https.
//
//	pl, err := playlist.ParseMedia(body, finalURL)
//	for _, s := range pl.Segments {
//		fmt.Println(s.MSN, s.PDT, s.URI)
//	}
//
// Sniff tells a master playlist from a media playlist; ParseMaster reads a
// master and Master.Lookup finds a variant by name. A Parser sets the
// limits; every refusal is an *Error naming the line.
//
// The files follow the playlist's parts: lines.go (normalisation),
// media.go and media_tags.go (media playlists and their tags, grouped as
// playlist, segment, ad and refused tags), segment.go (what a segment
// carries), dates.go (program date-times), ads.go (ad breaks), master.go
// (master playlists), resolve.go (URIs).
package playlist
