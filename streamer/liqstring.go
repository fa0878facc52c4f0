package streamer

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// errInterpolation is why "#{" is refused: Liquidsoap 2.1 evaluates #{…} in
// every string literal, single or double quoted, and decodes escapes before
// it looks, so no escaping can stop it. The same holds inside annotate:
// values, where it makes the request fail.
var errInterpolation = errors.New(`contains "#{", which Liquidsoap would evaluate as code`)

// quoteLiq renders s as a Liquidsoap string literal in double quotes. It is
// the one escaping function for every value that reaches a generated
// script: backslash and double quote are escaped, LF, CR and TAB become \n,
// \r and \t, and the rest is copied as UTF-8. It refuses what a literal
// cannot carry safely: "#{", invalid UTF-8 (the lexer reads UTF-8), and
// other control characters (nothing a station name or path needs).
func quoteLiq(s string) (string, error) {
	if err := checkLiq(s, false); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// checkLiq validates s for a Liquidsoap literal. anyControl allows every
// control character (annotate values escape them as \uXXXX).
func checkLiq(s string, anyControl bool) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	if strings.Contains(s, "#{") {
		return errInterpolation
	}
	if anyControl {
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f {
			return fmt.Errorf("control character %s at byte %d", CharName(rune(c)), i)
		}
	}
	return nil
}
