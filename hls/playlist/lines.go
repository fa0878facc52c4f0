package playlist

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// lines normalises a playlist body (RFC 8216 §4.1): valid UTF-8, no NUL or
// control characters, LF or CRLF endings, surrounding whitespace trimmed,
// blank lines dropped. Dropping blank lines before grafov sees them removes
// a whole class of its bugs: empty URIs, tags attached to the wrong segment,
// and the nil-pointer panic after EXT-X-KEY and EXT-X-MAP.
func lines(src string, body []byte, limit int) ([]string, error) {
	if len(body) > limit {
		return nil, &Error{URL: src, Reason: fmt.Sprintf("larger than %d bytes", limit), Err: ErrTooLarge}
	}
	// A BOM is refused by strict grafov; it carries no meaning, so drop it
	// rather than lose a recording over it.
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(body) {
		return nil, &Error{URL: src, Reason: "not UTF-8"}
	}
	out := make([]string, 0, bytes.Count(body, []byte{'\n'})+1)
	s := string(body)
	n := 0
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		n++
		line = strings.Trim(line, " \t\r")
		if line == "" {
			continue
		}
		for i := 0; i < len(line); i++ {
			if c := line[i]; c < 0x20 && c != '\t' || c == 0x7f {
				return nil, &Error{URL: src, Line: n, Reason: "control character"}
			}
		}
		out = append(out, line)
	}
	if len(out) == 0 || out[0] != "#EXTM3U" {
		return nil, &Error{URL: src, Line: 1, Reason: "does not start with #EXTM3U"}
	}
	return out, nil
}

// prepare checks the playlist's URL and normalises its lines.
func prepare(body []byte, playlistURL string, limit int) (*url.URL, []string, error) {
	base, err := parseBase(playlistURL)
	if err != nil {
		return nil, nil, err
	}
	ls, err := lines(playlistURL, body, limit)
	return base, ls, err
}

// joinLines returns the lines, each ended by a newline, in one buffer of
// the right size: the decoder reads from it without copying it again.
func joinLines(ls []string) []byte {
	n := 0
	for _, l := range ls {
		n += len(l) + 1
	}
	b := make([]byte, 0, n)
	for _, l := range ls {
		b = append(b, l...)
		b = append(b, '\n')
	}
	return b
}

func parseBase(playlistURL string) (*url.URL, error) {
	u, err := url.Parse(playlistURL)
	if err != nil {
		return nil, &Error{URL: playlistURL, Reason: "bad playlist URL", Err: err}
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, &Error{URL: playlistURL, Reason: "playlist URL is not an absolute http or https URL"}
	}
	return u, nil
}

// decodeSafely runs a grafov decode, turning a panic into ErrParserPanic.
func decodeSafely(src string, decode func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{URL: src, Reason: fmt.Sprint("parser panic: ", p), Err: ErrParserPanic}
		}
	}()
	if err := decode(); err != nil {
		return &Error{URL: src, Reason: "decode", Err: err}
	}
	return nil
}

// parseDecimal parses a non-negative decimal number without sign, exponent,
// NaN or infinity.
func parseDecimal(s string) (float64, error) {
	if s == "" || len(s) > 32 {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != '.' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseFloat(s, 64)
}

// clip shortens what a hostile server sent before it goes into an error.
func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
