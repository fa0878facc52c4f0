package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

// Seeds live in testdata/fuzz/FuzzX/; `go test` runs them as tests.

func FuzzParseDate(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		d, err := schedule.ParseDate(s)
		if err != nil {
			var pe *schedule.ParseError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "date", pe.Kind)
			return
		}
		require.Equal(t, s, d.String(), "only the canonical form is accepted")
		require.Equal(t, d, d.AddDays(0), "a real date")
	})
}

func FuzzParseTimeOfDay(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := schedule.ParseTimeOfDay(s)
		if err != nil {
			var pe *schedule.ParseError
			require.ErrorAs(t, err, &pe)
			return
		}
		require.True(t, v.Hour >= 0 && v.Hour < 24 && v.Minute >= 0 && v.Minute < 60 && v.Second >= 0 && v.Second < 60)
		back, err := schedule.ParseTimeOfDay(v.String())
		require.NoError(t, err)
		require.Equal(t, v, back)
		require.True(t, s == v.String() || s == v.String()+":00", "%q read as %v", s, v)
	})
}

func FuzzParseDuration(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		d, err := schedule.ParseDuration(s)
		if err != nil {
			var pe *schedule.ParseError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "duration", pe.Kind)
			return
		}
		back, err := schedule.ParseDuration(d.String())
		require.NoError(t, err)
		require.Equal(t, d, back)
		if strings.Contains(s, ":") {
			require.GreaterOrEqual(t, d, time.Duration(0), "the clock form has no sign")
		}
	})
}

func FuzzParseFrequency(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := schedule.ParseFrequency(s)
		if err != nil {
			var pe *schedule.ParseError
			require.ErrorAs(t, err, &pe)
			return
		}
		require.True(t, v.Valid())
		require.Equal(t, s, v.String())
	})
}

var fuzzZones = []string{"Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "UTC", "America/Santiago", "Asia/Tehran"}

// FuzzLocalInstant checks the DST policy on any date, time and zone: an
// exact or overlapping wall time reads back as asked (an overlap on its
// standard-time, later occurrence), and a time in a gap does not exist and
// moves forward.
func FuzzLocalInstant(f *testing.F) {
	f.Fuzz(func(t *testing.T, year, month, day, hour, minute uint16, zone uint8) {
		d := schedule.Date{Year: 1970 + int(year%130), Month: time.Month(1 + month%12), Day: 1 + int(day%28)}
		tod := schedule.TimeOfDay{Hour: int(hour % 24), Minute: int(minute % 60)}
		loc, err := time.LoadLocation(fuzzZones[int(zone)%len(fuzzZones)])
		require.NoError(t, err)
		got, fold := schedule.LocalInstant(d, tod, loc)
		wall := time.Date(d.Year, d.Month, d.Day, tod.Hour, tod.Minute, 0, 0, time.UTC)
		seen := time.Date(got.Year(), got.Month(), got.Day(), got.Hour(), got.Minute(), got.Second(), 0, time.UTC)
		switch fold {
		case schedule.Exact, schedule.Overlap:
			require.Equal(t, wall, seen, "%v in %v", wall, loc)
		case schedule.Gap:
			require.True(t, seen.After(wall), "a gap moves forward: %v -> %v", wall, got)
			require.Less(t, seen.Sub(wall), 3*time.Hour)
		}
		if fold == schedule.Overlap {
			// The other occurrence is earlier and shows the same wall time.
			for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
				e := got.Add(-back).In(loc)
				if e.Hour() == got.Hour() && e.Minute() == got.Minute() {
					return
				}
			}
			t.Fatalf("overlap %v: no earlier occurrence", got)
		}
	})
}

// FuzzOccurrences generates a year of any valid schedule and checks the
// invariants every occurrence list keeps.
func FuzzOccurrences(f *testing.F) {
	f.Fuzz(func(t *testing.T, day uint16, hour, minute, freq, zone uint8, durMin uint16, rerunDays uint8, rerunHour uint8) {
		freqs := schedule.Frequencies()
		name := fuzzZones[int(zone)%len(fuzzZones)]
		s := schedule.Schedule{
			Date:      schedule.Date{Year: 2026, Month: 1, Day: 1}.AddDays(int(day % 400)),
			Time:      schedule.TimeOfDay{Hour: int(hour % 24), Minute: int(minute % 60)},
			Zone:      name,
			Duration:  time.Duration(durMin%600) * time.Minute,
			Frequency: freqs[int(freq)%len(freqs)],
		}
		if rerunDays%4 != 0 {
			s.Reruns = []schedule.Rerun{{Days: int(rerunDays % 10), Time: schedule.TimeOfDay{Hour: int(rerunHour % 24)}}}
		}
		loc, _ := time.LoadLocation(name)
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
		to := from.AddDate(1, 0, 0)
		occ, err := s.Occurrences(from, to)
		if err != nil {
			var fe *schedule.FieldError
			require.ErrorAs(t, err, &fe)
			return
		}
		first, _ := schedule.LocalInstant(s.Date, s.Time, loc)
		var prev time.Time
		for _, o := range occ {
			require.False(t, o.Start.Before(from))
			require.True(t, o.Start.Before(to))
			require.False(t, o.Start.Before(prev), "ordered")
			prev = o.Start
			require.Equal(t, s.Duration, o.End.Sub(o.Start))
			require.False(t, o.Initial.Before(first), "nothing before the first date")
			require.Equal(t, s.Date.Weekday(), o.Date.Weekday(), "the schedule's weekday")
			if o.IsRerun() {
				require.True(t, o.Start.After(o.Initial), "a rerun follows its initial")
			} else {
				require.Equal(t, o.Start, o.Initial)
				require.Equal(t, o.Date, schedule.DateOf(o.Start.In(loc)), "an initial starts on its own date (no gap crosses midnight here)")
			}
		}
		if s.Frequency == schedule.Every && s.Date.Before(schedule.Date{Year: 2026, Month: 12, Day: 1}) {
			require.NotEmpty(t, occ)
		}
	})
}
