package schedule

import (
	"fmt"
	"sort"
	"time"
)

// Occurrence is one diffusion that a schedule yields.
type Occurrence struct {
	// Start and End are in the zone of the schedule, or of the rerun that
	// yields the occurrence. End = Start + Duration: a two-hour show across
	// a DST change lasts two real hours, as in aircox.
	Start, End time.Time
	// Fold tells whether Start's wall time fell in a DST gap or overlap.
	Fold Fold
	// Rerun is 0 for an initial occurrence, i+1 for Schedule.Reruns[i].
	Rerun int
	// Initial is the start of the initial occurrence (Start itself for an
	// initial).
	Initial time.Time
	// Date is the local date of the initial occurrence: the episode's date.
	Date Date
}

// IsRerun reports whether o is a rerun.
func (o Occurrence) IsRerun() bool { return o.Rerun != 0 }

// maxRerunDays bounds a rerun's offset: ten years is no rerun, it is a
// typo, and the bound keeps date arithmetic far from overflow.
const maxRerunDays = 3660

// Validate checks s as a person wrote it: a known zone, a positive
// duration, an aircox frequency, an existing first date and time, reruns
// that start after their initial. It returns a *FieldError naming the field.
func (s Schedule) Validate() error {
	bad := func(field, reason string, err error) error {
		return &FieldError{Type: "Schedule", Field: field, Reason: reason, Err: err}
	}
	loc, err := LoadZone(s.Zone)
	if err != nil {
		return bad("Zone", "unknown zone", err)
	}
	if s.Duration <= 0 {
		return bad("Duration", fmt.Sprintf("%v is not positive", s.Duration), nil)
	}
	if !s.Frequency.Valid() {
		return bad("Frequency", fmt.Sprintf("%#b is not an aircox frequency", int(s.Frequency)), nil)
	}
	if s.Date.IsZero() || s.Date.AddDays(0) != s.Date {
		return bad("Date", fmt.Sprintf("%v is not a date", s.Date), nil)
	}
	if !s.Time.valid() {
		return bad("Time", fmt.Sprintf("%v is not a time of day", s.Time), nil)
	}
	first, _ := LocalInstant(s.Date, s.Time, loc)
	for i, r := range s.Reruns {
		field := fmt.Sprintf("Reruns[%d]", i)
		if r.Days < 0 {
			return bad(field+".Days", "a rerun cannot precede its initial", nil)
		}
		if r.Days > maxRerunDays {
			return bad(field+".Days", fmt.Sprintf("more than %d days after its initial", maxRerunDays), nil)
		}
		if !r.Time.valid() {
			return bad(field+".Time", fmt.Sprintf("%v is not a time of day", r.Time), nil)
		}
		rloc := loc
		if r.Zone != "" {
			if rloc, err = LoadZone(r.Zone); err != nil {
				return bad(field+".Zone", "unknown zone", err)
			}
		}
		if start, _ := LocalInstant(s.Date.AddDays(r.Days), r.Time, rloc); !start.After(first) {
			return bad(field, fmt.Sprintf("starts at %v, not after its initial at %v", start, first), nil)
		}
	}
	return nil
}

// Occurrences returns the diffusions s yields with a start in [from, to),
// reruns included, ordered by start (initials before reruns at equal
// starts). No occurrence precedes s.Date. A Ponctual schedule yields its one
// diffusion on s.Date (and its reruns).
//
// Each start is computed afresh from the local date and time in the
// schedule's zone, never by adding 24h or 7·24h to a previous occurrence, so
// DST changes cannot make a show drift (LibreTime #3236); see LocalInstant
// for starts in a gap or an overlap.
func (s Schedule) Occurrences(from, to time.Time) ([]Occurrence, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, nil
	}
	loc, _ := LoadZone(s.Zone)
	rlocs := make([]*time.Location, len(s.Reruns))
	maxDays := 0
	for i, r := range s.Reruns {
		rlocs[i] = loc
		if r.Zone != "" {
			rlocs[i], _ = LoadZone(r.Zone)
		}
		maxDays = max(maxDays, r.Days)
	}
	// Initial dates that may yield an occurrence in range: a day of margin
	// each side covers any zone offset, and reruns reach back maxDays.
	firstDate := DateOf(from.In(loc)).AddDays(-maxDays - 2)
	lastDate := DateOf(to.In(loc)).AddDays(2)
	if firstDate.Before(s.Date) {
		firstDate = s.Date
	}
	var out []Occurrence
	add := func(o Occurrence) {
		if !o.Start.Before(from) && o.Start.Before(to) {
			out = append(out, o)
		}
	}
	for _, d := range s.dates(firstDate, lastDate) {
		start, fold := LocalInstant(d, s.Time, loc)
		add(Occurrence{Start: start, End: start.Add(s.Duration), Fold: fold, Initial: start, Date: d})
		for i, r := range s.Reruns {
			rs, rfold := LocalInstant(d.AddDays(r.Days), r.Time, rlocs[i])
			if !rs.After(start) {
				// Only reachable across a zone's rule change; Validate
				// checked the first date.
				return nil, &FieldError{Type: "Schedule", Field: fmt.Sprintf("Reruns[%d]", i),
					Reason: fmt.Sprintf("rerun of %v starts at %v, not after it", start, rs)}
			}
			add(Occurrence{Start: rs, End: rs.Add(s.Duration), Fold: rfold, Rerun: i + 1, Initial: start, Date: d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Rerun < out[j].Rerun
	})
	return out, nil
}

// dates returns the local dates of initial occurrences in [first, last],
// never before s.Date.
func (s Schedule) dates(first, last Date) []Date {
	if s.Frequency == Ponctual {
		if !s.Date.Before(first) && !last.Before(s.Date) {
			return []Date{s.Date}
		}
		return nil
	}
	var out []Date
	y, m := first.Year, first.Month
	for !(Date{last.Year, last.Month, 1}).Before(Date{y, m, 1}) {
		for _, d := range s.datesOfMonth(y, m) {
			if !d.Before(first) && !last.Before(d) && !d.Before(s.Date) {
				out = append(out, d)
			}
		}
		if m++; m > time.December {
			y, m = y+1, time.January
		}
	}
	return out
}

// datesOfMonth is aircox's Schedule.dates_of_month: the dates in month m of
// year y on the schedule's weekday that its frequency selects.
func (s Schedule) datesOfMonth(y int, m time.Month) []Date {
	wd := s.Date.Weekday()
	if s.Frequency == Last {
		end := Date{y, m, 1}.AddDays(daysIn(y, m) - 1)
		back := (int(end.Weekday()) - int(wd) + 7) % 7
		return []Date{end.AddDays(-back)}
	}
	first := Date{y, m, 1}
	first = first.AddDays((int(wd) - int(first.Weekday()) + 7) % 7)
	var cands []Date
	if s.Frequency == OneOnTwo {
		// Parity anchored on the first date: weeks an even number of weeks
		// away from it. ((n%14)+14)%14 keeps negative spans right.
		if ((first.DaysSince(s.Date)%14)+14)%14 != 0 {
			first = first.AddDays(7)
		}
		for i := range 3 {
			cands = append(cands, first.AddDays(14*i))
		}
	} else {
		for week := range 5 {
			if s.Frequency&(1<<week) != 0 {
				cands = append(cands, first.AddDays(7*week))
			}
		}
	}
	out := cands[:0]
	for _, d := range cands {
		if d.Month == m {
			out = append(out, d)
		}
	}
	return out
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// Between returns the occurrences of s from local midnight of from
// (inclusive) to local midnight of to (exclusive), both read in the
// schedule's zone: what a station manager means by "from March 1st to May
// 1st".
func (s Schedule) Between(from, to Date) ([]Occurrence, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	loc, _ := LoadZone(s.Zone)
	start, _ := LocalInstant(from, TimeOfDay{}, loc)
	end, _ := LocalInstant(to, TimeOfDay{}, loc)
	return s.Occurrences(start, end)
}

// String formats o as one line of `schedule preview`: start and end in RFC
// 3339 with the zone's offset at that instant, then " rerun" for a rerun.
// Scripts read this line; keep it stable.
func (o Occurrence) String() string {
	s := o.Start.Format(time.RFC3339) + " " + o.End.In(o.Start.Location()).Format(time.RFC3339)
	if o.IsRerun() {
		s += " rerun"
	}
	return s
}
