package schedule_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/teambition/rrule-go"

	"github.com/airkeep/airkeep/schedule"
)

func mustDate(t testing.TB, s string) schedule.Date {
	t.Helper()
	d, err := schedule.ParseDate(s)
	require.NoError(t, err)
	return d
}

func mustTime(t testing.TB, s string) schedule.TimeOfDay {
	t.Helper()
	v, err := schedule.ParseTimeOfDay(s)
	require.NoError(t, err)
	return v
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// rfc parses an RFC 3339 instant from a hand-computed table.
func rfc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func TestLocalInstant(t *testing.T) {
	tests := []struct {
		name, zone, date, time string
		want                   string
		fold                   schedule.Fold
	}{
		{"paris winter", "Europe/Paris", "2026-03-22", "02:30", "2026-03-22T02:30:00+01:00", schedule.Exact},
		{"paris spring gap", "Europe/Paris", "2026-03-29", "02:30", "2026-03-29T03:30:00+02:00", schedule.Gap},
		{"paris gap start", "Europe/Paris", "2026-03-29", "02:00", "2026-03-29T03:00:00+02:00", schedule.Gap},
		{"paris after gap", "Europe/Paris", "2026-03-29", "03:00", "2026-03-29T03:00:00+02:00", schedule.Exact},
		{"paris fall overlap", "Europe/Paris", "2026-10-25", "02:30", "2026-10-25T02:30:00+01:00", schedule.Overlap},
		{"paris overlap start", "Europe/Paris", "2026-10-25", "02:00", "2026-10-25T02:00:00+01:00", schedule.Overlap},
		{"paris after overlap", "Europe/Paris", "2026-10-25", "03:00", "2026-10-25T03:00:00+01:00", schedule.Exact},
		{"new york spring gap", "America/New_York", "2026-03-08", "02:30", "2026-03-08T03:30:00-04:00", schedule.Gap},
		{"new york fall overlap", "America/New_York", "2026-11-01", "01:30", "2026-11-01T01:30:00-05:00", schedule.Overlap},
		{"new york summer", "America/New_York", "2026-07-04", "21:00", "2026-07-04T21:00:00-04:00", schedule.Exact},
		// Lord Howe moves by 30 minutes.
		{"half-hour gap", "Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-04T02:45:00+11:00", schedule.Gap},
		{"utc", "UTC", "2026-03-29", "02:30", "2026-03-29T02:30:00Z", schedule.Exact},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustZone(t, tt.zone)
			got, fold := schedule.LocalInstant(mustDate(t, tt.date), mustTime(t, tt.time), loc)
			require.Equal(t, tt.want, got.Format(time.RFC3339))
			require.Equal(t, tt.fold, fold)
			require.Equal(t, loc, got.Location())
		})
	}
}

func TestOccurrences(t *testing.T) {
	type rerun = schedule.Rerun
	tests := []struct {
		name      string
		zone      string
		date      string
		time      string
		freq      schedule.Frequency
		reruns    []rerun
		from, to  string // local dates
		want      []string
		wantRerun []bool // nil: no reruns expected
	}{
		{"every sunday across spring gap", "Europe/Paris", "2026-03-01", "02:30", schedule.Every, nil, "2026-03-01", "2026-04-01",
			[]string{"2026-03-01T02:30:00+01:00", "2026-03-08T02:30:00+01:00", "2026-03-15T02:30:00+01:00", "2026-03-22T02:30:00+01:00", "2026-03-29T03:30:00+02:00"}, nil},
		{"every sunday across fall overlap", "Europe/Paris", "2026-03-01", "02:30", schedule.Every, nil, "2026-10-18", "2026-11-02",
			[]string{"2026-10-18T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-11-01T02:30:00+01:00"}, nil},
		{"new york gap and overlap", "America/New_York", "2026-01-04", "01:30", schedule.Every, nil, "2026-03-01", "2026-03-09",
			[]string{"2026-03-01T01:30:00-05:00", "2026-03-08T01:30:00-05:00"}, nil},
		{"new york overlap", "America/New_York", "2026-01-04", "01:30", schedule.Every, nil, "2026-10-25", "2026-11-02",
			[]string{"2026-10-25T01:30:00-04:00", "2026-11-01T01:30:00-05:00"}, nil},
		{"new york gap", "America/New_York", "2026-01-04", "02:30", schedule.Every, nil, "2026-03-08", "2026-03-09",
			[]string{"2026-03-08T03:30:00-04:00"}, nil},
		{"first friday", "Europe/Paris", "2026-03-06", "21:00", schedule.First, nil, "2026-03-01", "2026-06-01",
			[]string{"2026-03-06T21:00:00+01:00", "2026-04-03T21:00:00+02:00", "2026-05-01T21:00:00+02:00"}, nil},
		{"second friday", "Europe/Paris", "2026-03-13", "21:00", schedule.Second, nil, "2026-03-01", "2026-06-01",
			[]string{"2026-03-13T21:00:00+01:00", "2026-04-10T21:00:00+02:00", "2026-05-08T21:00:00+02:00"}, nil},
		{"third friday", "Europe/Paris", "2026-03-20", "21:00", schedule.Third, nil, "2026-03-01", "2026-06-01",
			[]string{"2026-03-20T21:00:00+01:00", "2026-04-17T21:00:00+02:00", "2026-05-15T21:00:00+02:00"}, nil},
		{"fourth friday, not the fifth", "Europe/Paris", "2026-03-27", "21:00", schedule.Fourth, nil, "2026-03-01", "2026-06-01",
			[]string{"2026-03-27T21:00:00+01:00", "2026-04-24T21:00:00+02:00", "2026-05-22T21:00:00+02:00"}, nil},
		{"last friday, fourth or fifth", "Europe/Paris", "2026-03-27", "21:00", schedule.Last, nil, "2026-03-01", "2026-08-01",
			[]string{"2026-03-27T21:00:00+01:00", "2026-04-24T21:00:00+02:00", "2026-05-29T21:00:00+02:00", "2026-06-26T21:00:00+02:00", "2026-07-31T21:00:00+02:00"}, nil},
		{"last tuesday of a leap february", "UTC", "2028-01-25", "10:00", schedule.Last, nil, "2028-02-01", "2028-03-01",
			[]string{"2028-02-29T10:00:00Z"}, nil},
		{"first and third friday", "Europe/Paris", "2026-03-06", "21:00", schedule.FirstAndThird, nil, "2026-03-01", "2026-06-01",
			[]string{"2026-03-06T21:00:00+01:00", "2026-03-20T21:00:00+01:00", "2026-04-03T21:00:00+02:00", "2026-04-17T21:00:00+02:00", "2026-05-01T21:00:00+02:00", "2026-05-15T21:00:00+02:00"}, nil},
		{"second and fourth friday", "Europe/Paris", "2026-03-13", "21:00", schedule.SecondAndFourth, nil, "2026-03-01", "2026-05-01",
			[]string{"2026-03-13T21:00:00+01:00", "2026-03-27T21:00:00+01:00", "2026-04-10T21:00:00+02:00", "2026-04-24T21:00:00+02:00"}, nil},
		{"every friday with a fifth week", "Europe/Paris", "2026-05-01", "21:00", schedule.Every, nil, "2026-05-01", "2026-06-01",
			[]string{"2026-05-01T21:00:00+02:00", "2026-05-08T21:00:00+02:00", "2026-05-15T21:00:00+02:00", "2026-05-22T21:00:00+02:00", "2026-05-29T21:00:00+02:00"}, nil},
		{"one on two anchored on the date", "Europe/Paris", "2026-03-06", "21:00", schedule.OneOnTwo, nil, "2026-03-01", "2026-06-01",
			[]string{"2026-03-06T21:00:00+01:00", "2026-03-20T21:00:00+01:00", "2026-04-03T21:00:00+02:00", "2026-04-17T21:00:00+02:00", "2026-05-01T21:00:00+02:00", "2026-05-15T21:00:00+02:00", "2026-05-29T21:00:00+02:00"}, nil},
		{"one on two odd anchor", "Europe/Paris", "2026-03-13", "21:00", schedule.OneOnTwo, nil, "2026-03-01", "2026-04-15",
			[]string{"2026-03-13T21:00:00+01:00", "2026-03-27T21:00:00+01:00", "2026-04-10T21:00:00+02:00"}, nil},
		{"one on two across a year end", "UTC", "2026-12-18", "08:00", schedule.OneOnTwo, nil, "2026-12-01", "2027-01-20",
			[]string{"2026-12-18T08:00:00Z", "2027-01-01T08:00:00Z", "2027-01-15T08:00:00Z"}, nil},
		{"nothing before the first date", "Europe/Paris", "2026-03-13", "21:00", schedule.Every, nil, "2026-03-01", "2026-04-01",
			[]string{"2026-03-13T21:00:00+01:00", "2026-03-20T21:00:00+01:00", "2026-03-27T21:00:00+01:00"}, nil},
		{"ponctual", "Europe/Paris", "2026-03-06", "02:30", schedule.Ponctual, nil, "2026-03-01", "2026-05-01",
			[]string{"2026-03-06T02:30:00+01:00"}, nil},
		{"ponctual out of range", "Europe/Paris", "2026-03-06", "02:30", schedule.Ponctual, nil, "2026-03-07", "2026-05-01",
			nil, nil},
		{"rerun of the last friday crosses the month end", "Europe/Paris", "2026-07-31", "21:00", schedule.Last,
			[]rerun{{Days: 2, Time: schedule.TimeOfDay{Hour: 10}}}, "2026-07-01", "2026-09-01",
			[]string{"2026-07-31T21:00:00+02:00", "2026-08-02T10:00:00+02:00", "2026-08-28T21:00:00+02:00", "2026-08-30T10:00:00+02:00"},
			[]bool{false, true, false, true}},
		{"rerun in its own zone", "Europe/Paris", "2026-03-06", "21:00", schedule.First,
			[]rerun{{Days: 1, Time: schedule.TimeOfDay{Hour: 9}, Zone: "America/New_York"}}, "2026-03-01", "2026-05-01",
			[]string{"2026-03-06T21:00:00+01:00", "2026-03-07T09:00:00-05:00", "2026-04-03T21:00:00+02:00", "2026-04-04T09:00:00-04:00"},
			[]bool{false, true, false, true}},
		{"rerun whose initial is before the range", "UTC", "2026-03-06", "21:00", schedule.Every,
			[]rerun{{Days: 3, Time: schedule.TimeOfDay{Hour: 9}}}, "2026-03-08", "2026-03-10",
			[]string{"2026-03-09T09:00:00Z"}, []bool{true}},
		{"rerun lands in a spring gap", "Europe/Paris", "2026-03-27", "21:00", schedule.Last,
			[]rerun{{Days: 2, Time: schedule.TimeOfDay{Hour: 2, Minute: 15}}}, "2026-03-01", "2026-04-01",
			[]string{"2026-03-27T21:00:00+01:00", "2026-03-29T03:15:00+02:00"}, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustZone(t, tt.zone)
			s := schedule.Schedule{
				Date: mustDate(t, tt.date), Time: mustTime(t, tt.time), Zone: tt.zone,
				Duration: time.Hour, Frequency: tt.freq, Reruns: tt.reruns,
			}
			from, _ := schedule.LocalInstant(mustDate(t, tt.from), schedule.TimeOfDay{}, loc)
			to, _ := schedule.LocalInstant(mustDate(t, tt.to), schedule.TimeOfDay{}, loc)
			occ, err := s.Occurrences(from, to)
			require.NoError(t, err)
			var got []string
			var reruns []bool
			for _, o := range occ {
				got = append(got, o.Start.Format(time.RFC3339))
				reruns = append(reruns, o.IsRerun())
				require.Equal(t, time.Hour, o.End.Sub(o.Start), "absolute duration")
				require.Equal(t, o.Date, schedule.DateOf(o.Initial.In(loc)))
			}
			require.Equal(t, tt.want, got)
			if tt.wantRerun != nil {
				require.Equal(t, tt.wantRerun, reruns)
			}
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	good := schedule.Schedule{Date: schedule.Date{Year: 2026, Month: 3, Day: 6}, Time: schedule.TimeOfDay{Hour: 21}, Zone: "Europe/Paris", Duration: time.Hour, Frequency: schedule.Every}
	tests := []struct {
		name  string
		edit  func(*schedule.Schedule)
		field string
	}{
		{"unknown zone", func(s *schedule.Schedule) { s.Zone = "Mars/Olympus" }, "Zone"},
		{"empty zone", func(s *schedule.Schedule) { s.Zone = "" }, "Zone"},
		{"zero duration", func(s *schedule.Schedule) { s.Duration = 0 }, "Duration"},
		{"negative duration", func(s *schedule.Schedule) { s.Duration = -time.Minute }, "Duration"},
		{"custom bitmask", func(s *schedule.Schedule) { s.Frequency = schedule.First | schedule.Last }, "Frequency"},
		{"no date", func(s *schedule.Schedule) { s.Date = schedule.Date{} }, "Date"},
		{"february 30", func(s *schedule.Schedule) { s.Date = schedule.Date{Year: 2026, Month: 2, Day: 30} }, "Date"},
		{"hour 24", func(s *schedule.Schedule) { s.Time = schedule.TimeOfDay{Hour: 24} }, "Time"},
		{"rerun before initial", func(s *schedule.Schedule) {
			s.Reruns = []schedule.Rerun{{Days: 0, Time: schedule.TimeOfDay{Hour: 20}}}
		}, "Reruns[0]"},
		{"rerun at the same instant", func(s *schedule.Schedule) {
			s.Reruns = []schedule.Rerun{{Days: 0, Time: schedule.TimeOfDay{Hour: 21}}}
		}, "Reruns[0]"},
		{"rerun earlier by zone", func(s *schedule.Schedule) {
			s.Reruns = []schedule.Rerun{{Days: 0, Time: schedule.TimeOfDay{Hour: 14}, Zone: "America/New_York"}}
		}, "Reruns[0]"},
		{"negative rerun days", func(s *schedule.Schedule) {
			s.Reruns = []schedule.Rerun{{Days: -1, Time: schedule.TimeOfDay{Hour: 22}}}
		}, "Reruns[0].Days"},
		{"rerun zone", func(s *schedule.Schedule) {
			s.Reruns = []schedule.Rerun{{Days: 1, Time: schedule.TimeOfDay{Hour: 22}, Zone: "Nowhere"}}
		}, "Reruns[0].Zone"},
	}
	require.NoError(t, good.Validate())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			tt.edit(&s)
			err := s.Validate()
			var fe *schedule.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tt.field, fe.Field)
			_, err = s.Occurrences(time.Now(), time.Now().Add(time.Hour))
			require.ErrorAs(t, err, &fe)
		})
	}
}

// TestOccurrencesMatchRRule cross-checks the weekly and monthly frequencies
// against rrule-go (python-dateutil's rules) over two years, in zones with
// DST, at times inside the gap and the overlap.
func TestOccurrencesMatchRRule(t *testing.T) {
	wd := []rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}
	for _, zone := range []string{"Europe/Paris", "America/New_York"} {
		loc := mustZone(t, zone)
		for _, tod := range []string{"02:30", "01:30", "21:00"} {
			for _, date := range []string{"2026-01-04", "2026-03-06", "2026-02-10"} {
				for _, f := range schedule.Frequencies() {
					if f == schedule.Ponctual {
						continue
					}
					d := mustDate(t, date)
					s := schedule.Schedule{Date: d, Time: mustTime(t, tod), Zone: zone, Duration: time.Hour, Frequency: f}
					day := wd[d.Weekday()]
					opt := rrule.ROption{Freq: rrule.MONTHLY, Dtstart: time.Date(d.Year, d.Month, d.Day, s.Time.Hour, s.Time.Minute, 0, 0, loc)}
					switch f {
					case schedule.Every:
						opt.Freq, opt.Byweekday = rrule.WEEKLY, []rrule.Weekday{day}
					case schedule.OneOnTwo:
						opt.Freq, opt.Interval, opt.Byweekday = rrule.WEEKLY, 2, []rrule.Weekday{day}
					case schedule.Last:
						opt.Byweekday = []rrule.Weekday{day.Nth(-1)}
					default:
						for n := range 4 {
							if f&(1<<n) != 0 {
								opt.Byweekday = append(opt.Byweekday, day.Nth(n+1))
							}
						}
					}
					r, err := rrule.NewRRule(opt)
					require.NoError(t, err)
					from := time.Date(d.Year, d.Month, 1, 0, 0, 0, 0, loc)
					to := from.AddDate(2, 0, 0)
					// rrule-go starts at Dtstart even when it does not
					// match the rule; our occurrences never precede Date.
					var want []time.Time
					for _, x := range r.Between(from, to, true) {
						if s.Frequency != schedule.OneOnTwo && !matches(s, x) {
							continue
						}
						want = append(want, x)
					}
					occ, err := s.Occurrences(from, to)
					require.NoError(t, err)
					got := make([]time.Time, len(occ))
					for i, o := range occ {
						got[i] = o.Start
					}
					require.Equal(t, len(want), len(got), "%s %s %s %v", zone, date, tod, f)
					for i := range want {
						if occ[i].Fold != schedule.Exact {
							// rrule-go takes time.Date's choice, which
							// differs by zone (see TestTimeDateIsNotAPolicy).
							require.Equal(t, schedule.DateOf(want[i]), schedule.DateOf(got[i]))
							continue
						}
						require.True(t, want[i].Equal(got[i]), "%s %s %s %v: #%d want %v got %v", zone, date, tod, f, i, want[i], got[i])
					}
				}
			}
		}
	}
}

// TestTimeDateIsNotAPolicy records why LocalInstant resolves gaps and
// overlaps itself: time.Date, whose choice Go documents as "not
// guaranteed", resolves them differently in New York and in Paris (go1.26).
// If this test starts failing, Go changed; LocalInstant does not depend on it.
func TestTimeDateIsNotAPolicy(t *testing.T) {
	ny, paris := mustZone(t, "America/New_York"), mustZone(t, "Europe/Paris")
	require.Equal(t, "2026-03-08T01:30:00-05:00", time.Date(2026, 3, 8, 2, 30, 0, 0, ny).Format(time.RFC3339), "gap resolved backwards")
	require.Equal(t, "2026-11-01T01:30:00-04:00", time.Date(2026, 11, 1, 1, 30, 0, 0, ny).Format(time.RFC3339), "overlap resolved to DST")
	require.Equal(t, "2026-03-29T03:30:00+02:00", time.Date(2026, 3, 29, 2, 30, 0, 0, paris).Format(time.RFC3339), "gap resolved forwards")
	require.Equal(t, "2026-10-25T02:30:00+01:00", time.Date(2026, 10, 25, 2, 30, 0, 0, paris).Format(time.RFC3339), "overlap resolved to standard")
}

// matches reports whether an rrule instant x is on the schedule's weekday;
// rrule-go yields Dtstart itself even when it is not.
func matches(s schedule.Schedule, x time.Time) bool {
	return x.Weekday() == s.Date.Weekday()
}
