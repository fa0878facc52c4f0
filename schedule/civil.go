package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date with no zone, as a station manager writes it.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t as read in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "2006-01-02". It rejects dates that do not exist
// (2026-02-30) instead of normalizing them.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, &ParseError{Kind: "date", Value: s, Err: err}
	}
	return DateOf(t), nil
}

// String formats d as "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns d moved by n days, across month and year ends.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.noon().Weekday() }

// DaysSince returns the number of days from e to d (negative if d is before e).
func (d Date) DaysSince(e Date) int {
	// Both are noon UTC, which has no DST: the span is whole days.
	return int(d.noon().Sub(e.noon()) / (24 * time.Hour))
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.noon().Before(e.noon()) }

// noon is the date at noon UTC: a day-arithmetic anchor far from midnight,
// so adding days never lands on the wrong date.
func (d Date) noon() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

// TimeOfDay is a wall-clock time with no date and no zone.
type TimeOfDay struct {
	Hour, Minute, Second int
}

// ParseTimeOfDay parses "15:04" or "15:04:05" (24-hour clock).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return TimeOfDay{}, &ParseError{Kind: "time", Value: s, Err: errWantHHMM}
	}
	var v [3]int
	limits := [3]int{23, 59, 59}
	for i, p := range parts {
		if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return TimeOfDay{}, &ParseError{Kind: "time", Value: s, Err: errWantHHMM}
		}
		v[i] = int(p[0]-'0')*10 + int(p[1]-'0')
		if v[i] > limits[i] {
			return TimeOfDay{}, &ParseError{Kind: "time", Value: s, Err: errWantHHMM}
		}
	}
	return TimeOfDay{v[0], v[1], v[2]}, nil
}

// String formats t as "15:04", or "15:04:05" when it has seconds; it is
// what ParseTimeOfDay reads.
func (t TimeOfDay) String() string {
	if t.Second != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second)
	}
	return fmt.Sprintf("%02d:%02d", t.Hour, t.Minute)
}

// sinceMidnight is t as a duration from local midnight, for comparisons.
func (t TimeOfDay) sinceMidnight() time.Duration {
	return time.Duration(t.Hour)*time.Hour + time.Duration(t.Minute)*time.Minute + time.Duration(t.Second)*time.Second
}

func (t TimeOfDay) valid() bool {
	return t.Hour >= 0 && t.Hour < 24 && t.Minute >= 0 && t.Minute < 60 && t.Second >= 0 && t.Second < 60
}

// ParseDuration reads a schedule duration: a Go duration ("1h30m", "90m")
// or aircox's clock form ("01:30", "01:30:00"). It does not judge the value;
// Schedule.Validate rejects zero and negative durations.
func ParseDuration(s string) (time.Duration, error) {
	if strings.Contains(s, ":") {
		parts := strings.Split(s, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return 0, &ParseError{Kind: "duration", Value: s, Err: errWantDuration}
		}
		var d time.Duration
		units := []time.Duration{time.Hour, time.Minute, time.Second}
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || p == "" || p[0] == '+' || (i > 0 && n > 59) || n > 1<<20 {
				return 0, &ParseError{Kind: "duration", Value: s, Err: errWantDuration}
			}
			d += time.Duration(n) * units[i]
		}
		return d, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, &ParseError{Kind: "duration", Value: s, Err: err}
	}
	return d, nil
}
