package audio

import (
	"fmt"
	"strings"
)

// ISRCError reports a string that is not an International Standard
// Recording Code.
type ISRCError struct {
	Value  string
	Reason string
}

func (e *ISRCError) Error() string {
	return fmt.Sprintf("audio: bad ISRC %q: %s", e.Value, e.Reason)
}

// ParseISRC returns the ISRC s in its 12-character form, or an *ISRCError.
// ISO 3901 (and the ISRC Handbook §2.2): two letters for the country of
// the registrant (an ISO 3166-1 alpha-2 code, or one the ISRC agency
// allocates, such as QM or QZ), three letters or digits for the
// registrant, two digits for the year of reference and five for the
// designation. The display form with hyphens, CC-XXX-YY-NNNNN, and lower
// case letters are accepted and normalised; anything else is refused:
// reports sent to a licensing body must carry the code or nothing.
func ParseISRC(s string) (string, error) {
	v := strings.TrimSpace(s)
	if len(v) == 15 && v[2] == '-' && v[6] == '-' && v[9] == '-' {
		v = v[:2] + v[3:6] + v[7:9] + v[10:]
	}
	if len(v) != 12 {
		return "", &ISRCError{Value: s, Reason: fmt.Sprintf("%d characters, not 12", len(v))}
	}
	v = strings.ToUpper(v)
	for i := range 12 {
		c := v[i]
		letter, digit := c >= 'A' && c <= 'Z', c >= '0' && c <= '9'
		switch {
		case i < 2 && !letter:
			return "", &ISRCError{Value: s, Reason: "the country code is not two letters"}
		case i >= 2 && i < 5 && !letter && !digit:
			return "", &ISRCError{Value: s, Reason: "the registrant code is not three letters or digits"}
		case i >= 5 && !digit:
			return "", &ISRCError{Value: s, Reason: "the year and designation are not seven digits"}
		}
	}
	return v, nil
}
