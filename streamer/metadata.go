package streamer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Metadata is what Liquidsoap knows about one request, as returned by
// "request.metadata <rid>".
type Metadata struct {
	RID      int    // request id
	Status   string // "idle", "resolving", "ready", "playing", "destroyed"
	Source   string // id of the source that created the request
	URI      string // initial_uri: the URI as pushed, annotate: prefix included
	Filename string // the resolved local file, when resolved
	// AirTime is when the request went on air: on_air_timestamp when
	// present (an absolute instant), else on_air read in the client's
	// Location (Liquidsoap writes it as zone-less local time). Zero when
	// the request has not been on air.
	AirTime time.Time
	// Fields holds every key Liquidsoap reported, decoded, including the
	// ones above and any annotate: metadata.
	Fields map[string]string
}

// onAirLayout is Liquidsoap's on_air format: local time, no zone.
const onAirLayout = "2006/01/02 15:04:05"

// parseMetadata reads the reply of request.metadata: one key="value" per
// line, values quoted as Liquidsoap string literals. loc is the zone of
// the on_air field.
func parseMetadata(s string, loc *time.Location) (Metadata, error) {
	fields, err := parseFields(s)
	if err != nil {
		return Metadata{}, err
	}
	return metadataFromFields(fields, loc)
}

func metadataFromFields(fields map[string]string, loc *time.Location) (Metadata, error) {
	m := Metadata{
		Status:   fields["status"],
		Source:   fields["source"],
		URI:      fields["initial_uri"],
		Filename: fields["filename"],
		Fields:   fields,
	}
	rid, ok := fields["rid"]
	if !ok {
		return Metadata{}, errors.New("no rid")
	}
	var err error
	if m.RID, err = parseRID(rid); err != nil {
		return Metadata{}, err
	}
	if ts, ok := fields["on_air_timestamp"]; ok {
		if m.AirTime, err = parseTimestamp(ts); err != nil {
			return Metadata{}, err
		}
	} else if s, ok := fields["on_air"]; ok {
		if m.AirTime, err = time.ParseInLocation(onAirLayout, s, loc); err != nil {
			return Metadata{}, fmt.Errorf("on_air %q: %w", s, err)
		}
	}
	return m, nil
}

// parseFields reads key="value" lines into a map. Liquidsoap 2.1.3 prints
// an empty line in place of a value that is not valid UTF-8, so empty lines
// are skipped. When a key repeats, the first occurrence wins: Liquidsoap
// prints the newest binding first.
func parseFields(s string) (map[string]string, error) {
	fields := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		i := strings.Index(line, `="`)
		if i <= 0 {
			return nil, fmt.Errorf("line %q: want key=\"value\"", truncate(line))
		}
		v, err := unquote(line[i+1:])
		if err != nil {
			return nil, fmt.Errorf("line %q: %w", truncate(line), err)
		}
		k := line[:i]
		if _, dup := fields[k]; !dup {
			fields[k] = v
		}
	}
	return fields, nil
}

// parseTimestamp reads on_air_timestamp, Unix seconds printed as "%.2f",
// without going through a float so that the instant is exact.
func parseTimestamp(s string) (time.Time, error) {
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := parseDigits(whole)
	if err != nil || len(frac) > 9 {
		return time.Time{}, fmt.Errorf("on_air_timestamp %q: not Unix seconds", s)
	}
	var nsec int64
	if frac != "" {
		n, err := parseDigits(frac)
		if err != nil {
			return time.Time{}, fmt.Errorf("on_air_timestamp %q: not Unix seconds", s)
		}
		nsec = n
		for i := len(frac); i < 9; i++ {
			nsec *= 10
		}
	}
	return time.Unix(sec, nsec), nil
}

// unquote decodes a Liquidsoap string literal in double quotes, as the
// server prints metadata values: \" \\ \n \r \t \b and \uXXXX for other
// control characters, UTF-8 left raw. The lexer's other escapes (\xHH,
// octal \ooo, \a \e \f \v \/ \' \?) are decoded too. An unknown escape is
// kept as written, as Liquidsoap does.
func unquote(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", errors.New("value not in double quotes")
	}
	s = s[1 : len(s)-1]
	if !strings.ContainsAny(s, `\"`) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			return "", errors.New("unescaped quote inside value")
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", errors.New("value ends with a backslash")
		}
		i++
		switch e := s[i]; e {
		case '"', '\\', '\'', '/', '?':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'b':
			b.WriteByte('\b')
		case 'a':
			b.WriteByte('\a')
		case 'e':
			b.WriteByte(0x1b)
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'u':
			if n, ok := hexValue(s, i+1, 4); ok {
				r := rune(n)
				if !utf8.ValidRune(r) {
					r = utf8.RuneError
				}
				b.WriteRune(r)
				i += 4
				continue
			}
			b.WriteString(`\u`)
		case 'x':
			if n, ok := hexValue(s, i+1, 2); ok {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
			b.WriteString(`\x`)
		default:
			if n, ok := octalValue(s, i); ok {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

func hexValue(s string, at, n int) (int, bool) {
	if at+n > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[at:at+n], 16, 32)
	return int(v), err == nil
}

func octalValue(s string, at int) (int, bool) {
	if at+3 > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[at : at+3]) {
		if c < '0' || c > '7' {
			return 0, false
		}
		v = v*8 + int(c-'0')
	}
	return v, v < 256
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
