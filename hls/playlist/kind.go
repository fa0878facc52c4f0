package playlist

import "bytes"

// Kind tells a master playlist from a media playlist.
type Kind int

// The playlist kinds.
const (
	KindMedia Kind = iota + 1
	KindMaster
)

// Sniff says whether body is a master or a media playlist: a master has
// EXT-X-STREAM-INF or EXT-X-I-FRAME-STREAM-INF lines, which a media
// playlist never has.
func Sniff(body []byte) Kind {
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("#EXT-X-STREAM-INF")) || bytes.HasPrefix(line, []byte("#EXT-X-I-FRAME-STREAM-INF")) {
			return KindMaster
		}
	}
	return KindMedia
}
