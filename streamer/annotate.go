package streamer

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// reservedFields are metadata keys Liquidsoap sets on every request; an
// annotate: value for them would make the controller misread what is on
// air (which source, which URI, since when).
var reservedFields = map[string]bool{
	"rid": true, "status": true, "source": true, "initial_uri": true, "filename": true,
	"on_air": true, "on_air_timestamp": true, "temporary": true, "kind": true, "decoder": true,
}

// Annotate returns uri with fields attached as Liquidsoap's annotate:
// protocol expects, "annotate:key=\"value\",…:uri", so that the request
// carries them as metadata (title, artist, liq_cue_in, …). Keys are
// written in sorted order. Keys must be identifiers ([A-Za-z_][A-Za-z0-9_]*,
// which is all the annotate parser accepts) and not one Liquidsoap sets
// itself; values must be valid UTF-8 without "#{", which makes Liquidsoap
// drop the request. Values may contain quotes, backslashes, commas, colons
// and control characters: they are escaped, so the result never contains a
// raw control character. With no fields uri is returned unchanged. Errors
// are *ArgError.
func Annotate(uri string, fields map[string]string) (string, error) {
	if err := CheckArg(uri); err != nil {
		return "", err
	}
	if len(fields) == 0 {
		return uri, nil
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if !isIdent(k) {
			return "", &ArgError{Value: k, Index: -1, Reason: "annotate key must match [A-Za-z_][A-Za-z0-9_]*"}
		}
		if reservedFields[k] {
			return "", &ArgError{Value: k, Index: -1, Reason: "annotate key is set by Liquidsoap itself"}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("annotate:")
	for i, k := range keys {
		v := fields[k]
		if err := checkLiq(v, true); err != nil {
			reason := "annotate value " + err.Error()
			if errors.Is(err, errInterpolation) {
				reason = `annotate value contains "#{", which makes Liquidsoap drop the request`
			}
			return "", &ArgError{Value: v, Index: -1, Reason: reason}
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		for _, r := range v {
			switch {
			case r == '\\':
				b.WriteString(`\\`)
			case r == '"':
				b.WriteString(`\"`)
			case r < 0x20, r >= 0x7f && r <= 0x9f:
				// \uXXXX keeps the command line free of control characters.
				fmt.Fprintf(&b, `\u%04X`, r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
	}
	b.WriteByte(':')
	b.WriteString(uri)
	return b.String(), nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
