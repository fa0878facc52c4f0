package schedule

import (
	"fmt"
	"strings"
	"time"
)

// ParseInstant reads an instant as a person gives it for a station: RFC
// 3339, or a date ("2006-01-02") or a date and time
// ("2006-01-02T15:04[:05]") on the wall clock of loc, a time in a DST gap
// or overlap resolved as LocalInstant resolves it. Years before 1970 and
// after 9999 are refused.
func ParseInstant(s string, loc *time.Location) (time.Time, error) {
	t, err := parseInstant(s, loc)
	if err == nil && (t.UTC().Year() < 1970 || t.UTC().Year() > 9999) {
		return time.Time{}, fmt.Errorf("%q: want a year from 1970 to 9999", s)
	}
	return t, err
}

func parseInstant(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	date, clock, _ := strings.Cut(s, "T")
	d, err := ParseDate(date)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want RFC 3339, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", s)
	}
	var tod TimeOfDay
	if clock != "" {
		if tod, err = ParseTimeOfDay(clock); err != nil {
			return time.Time{}, fmt.Errorf("%q: want RFC 3339, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", s)
		}
	}
	t, _ := LocalInstant(d, tod, loc)
	return t, nil
}
