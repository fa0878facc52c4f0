package schedule

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/airkeep/airkeep/schedule/listeners"
)

// Play is a recording that went on air, with its audience: what royalty
// reports count.
type Play struct {
	AsRunEntry
	// Listeners is the average listener count while it aired, from the
	// listener samples; ListenersKnown is false when no sample covers any
	// of its time (Icecast could not be read, or it is still on air).
	Listeners      float64
	ListenersKnown bool
	// ListenerTime is the listening it accrued: the listener count
	// integrated over its time on air (tuning hours, as a duration).
	ListenerTime time.Duration
}

// DefaultListenerHold is how long a listener sample stands for the
// count when no later one comes: two sampling intervals of the default
// 30 s. Past it the count is unknown.
const DefaultListenerHold = time.Minute

// PlaysStore is what PeriodPlays reads.
type PlaysStore interface {
	AsRunStore
	// ListenerSamples returns the station's samples with At in [from,
	// to), by instant then mount.
	ListenerSamples(ctx context.Context, stationID int64, from, to time.Time) ([]listeners.Sample, error)
}

// PeriodPlays returns the plays of the station's as-run log in [from,
// to), with their audience from the samples stored (each standing for
// DefaultListenerHold): what WritePlaysCSV and WriteSoundExchange write.
func PeriodPlays(ctx context.Context, st PlaysStore, stationID int64, from, to time.Time) ([]Play, error) {
	entries, err := AsRun(ctx, st, stationID, from, to)
	if err != nil {
		return nil, err
	}
	samples, err := st.ListenerSamples(ctx, stationID, from.Add(-DefaultListenerHold), to)
	if err != nil {
		return nil, err
	}
	return Plays(entries, samples, 0), nil
}

// Plays returns the plays among entries: every ON_AIR entry that is a
// track, or a sound without tracks logged inside it (a song of a music
// rotation); a sound whose tracks are logged is reported through them.
// Plays of live shows are included: they are tracks like any other. Each
// play gets its audience from samples, each sample standing for hold at
// most (0 means DefaultListenerHold).
func Plays(entries []AsRunEntry, samples []listeners.Sample, hold time.Duration) []Play {
	if hold <= 0 {
		hold = DefaultListenerHold
	}
	parents := map[int64]bool{}
	for _, e := range entries {
		if e.Event == LogOnAir && e.ParentLogID != 0 {
			parents[e.ParentLogID] = true
		}
	}
	var out []Play
	for _, e := range entries {
		if e.Event != LogOnAir || parents[e.LogID] {
			continue
		}
		p := Play{AsRunEntry: e}
		if !e.End.IsZero() {
			a := listeners.Measure(samples, e.Start, e.End, hold)
			p.Listeners, p.ListenersKnown = a.Average()
			p.ListenerTime = a.ListenerTime
		}
		out = append(out, p)
	}
	return out
}

// Report fields a play can miss.
const (
	FieldTitle     = "title"
	FieldArtist    = "artist"
	FieldISRC      = "isrc"
	FieldAlbum     = "album"
	FieldLabel     = "label"
	FieldEnd       = "end"
	FieldListeners = "listeners"
)

// ReportSummary says what a report holds and what its plays miss. A play
// with a missing field is written all the same, the field empty, and
// counted here: a report never drops a play.
type ReportSummary struct {
	Plays int
	// Missing counts, per field, the plays that miss it.
	Missing map[string]int
	// Incomplete lists the plays that miss a field the report's format
	// requires, with the fields they miss.
	Incomplete []IncompletePlay
}

// IncompletePlay is a play that misses fields.
type IncompletePlay struct {
	Start  time.Time
	Title  string
	URI    string
	Fields []string
}

// String is the summary in one line: "12 plays; missing: isrc 3, label 1".
func (s ReportSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d plays", s.Plays)
	if len(s.Missing) == 0 {
		b.WriteString("; nothing missing")
		return b.String()
	}
	b.WriteString("; missing:")
	for i, f := range slices.Sorted(maps.Keys(s.Missing)) {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %d", f, s.Missing[f])
	}
	return b.String()
}

func (s *ReportSummary) count(p Play, required func(Play) []string) {
	s.Plays++
	var miss []string
	for _, f := range []struct {
		name  string
		empty bool
	}{
		{FieldTitle, p.Title == ""}, {FieldArtist, p.Artist == ""}, {FieldAlbum, p.Album == ""},
		{FieldLabel, p.Label == ""}, {FieldISRC, p.ISRC == ""}, {FieldEnd, p.End.IsZero()},
		{FieldListeners, !p.ListenersKnown},
	} {
		if f.empty {
			if s.Missing == nil {
				s.Missing = map[string]int{}
			}
			s.Missing[f.name]++
		}
	}
	if miss = required(p); len(miss) > 0 {
		s.Incomplete = append(s.Incomplete, IncompletePlay{Start: p.Start, Title: p.Title, URI: p.URI, Fields: miss})
	}
}

// PlaysHeader is the header row of WritePlaysCSV. Scripts read these
// columns by name; new columns are only ever appended.
var PlaysHeader = []string{"start", "end", "duration_s", "program", "title", "artist", "album", "label", "isrc", "source", "listeners"}

// WritePlaysCSV writes one RFC 4180 CSV line per play under PlaysHeader:
// instants in RFC 3339 with loc's offset (nil means UTC), the duration in
// seconds with milliseconds, the average listener count with one decimal;
// what is unknown is empty. Required of a play: title, artist, end and
// listeners; the summary counts every missing field.
func WritePlaysCSV(w io.Writer, loc *time.Location, plays []Play) (ReportSummary, error) {
	var sum ReportSummary
	ts := func(t time.Time) string { return csvInstant(t, loc) }
	cw := csv.NewWriter(w)
	if err := cw.Write(PlaysHeader); err != nil {
		return sum, err
	}
	for _, p := range plays {
		sum.count(p, func(p Play) []string {
			return missing(map[string]bool{FieldTitle: p.Title == "", FieldArtist: p.Artist == "", FieldEnd: p.End.IsZero(), FieldListeners: !p.ListenersKnown})
		})
		dur, lis := "", ""
		if !p.End.IsZero() {
			dur = strconv.FormatFloat(p.Duration().Seconds(), 'f', 3, 64)
		}
		if p.ListenersKnown {
			lis = strconv.FormatFloat(p.Listeners, 'f', 1, 64)
		}
		if err := cw.Write([]string{ts(p.Start), ts(p.End), dur, p.Program, p.Title, p.Artist, p.Album, p.Label, p.ISRC, p.Source, lis}); err != nil {
			return sum, err
		}
	}
	cw.Flush()
	return sum, cw.Error()
}

// csvInstant is how the CSV reports write an instant: RFC 3339 with loc's
// offset at that instant (nil: UTC), unambiguous and readable in the
// station's time; empty for the zero time (unknown).
func csvInstant(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.RFC3339)
}

// missing lists the names whose value is true, sorted.
func missing(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// SoundExchangeHeader is the header row of a SoundExchange Report of Use,
// the eleven fields of its census and aggregate-tuning-hours layouts.
var SoundExchangeHeader = []string{"NAME_OF_SERVICE", "TRANSMISSION_CATEGORY", "FEATURED_ARTIST", "SOUND_RECORDING_TITLE",
	"ISRC", "ALBUM_TITLE", "MARKETING_LABEL", "ACTUAL_TOTAL_PERFORMANCES", "AGGREGATE_TUNING_HOURS",
	"CHANNEL_OR_PROGRAM_NAME", "PLAY_FREQUENCY"}

// SoundExchange says who reports.
type SoundExchange struct {
	// ServiceName is the name of the service, with the call letters of a
	// broadcaster's station; required.
	ServiceName string
	// Category is the transmission category, one letter A to L (A:
	// eligible non-subscription transmissions other than broadcast
	// simulcasts; B: broadcast simulcasts; …); required.
	Category string
}

// ErrReport is wrapped by errors about a report's configuration.
var ErrReport = errors.New("schedule: bad report configuration")

// WriteSoundExchange writes a Report of Use: tab-separated fields under
// SoundExchangeHeader, lines ending in CRLF, one line per recording and
// program (channel) with its plays added up: ACTUAL_TOTAL_PERFORMANCES is
// the sum over its plays of the average listener count, rounded (each
// listener of a play is one performance); AGGREGATE_TUNING_HOURS the sum
// of their listening, in hours to two decimals; PLAY_FREQUENCY the plays.
// Lines are sorted by artist, title, program.
//
// Tabs and line breaks cannot occur in a value: tags with control
// characters are dropped when read (schedule/audio), and any that came
// another way are replaced by spaces. SoundExchange requires the artist,
// the title, and the ISRC or else the album and the label; a play that
// misses them is written with what it has and listed in the summary.
func WriteSoundExchange(w io.Writer, se SoundExchange, plays []Play) (ReportSummary, error) {
	var sum ReportSummary
	if strings.TrimSpace(se.ServiceName) == "" {
		return sum, fmt.Errorf("%w: SoundExchange needs the name of the service", ErrReport)
	}
	if len(se.Category) != 1 || se.Category[0] < 'A' || se.Category[0] > 'L' {
		return sum, fmt.Errorf("%w: transmission category %q is not a letter from A to L", ErrReport, se.Category)
	}
	type key struct{ artist, title, isrc, album, label, program string }
	type row struct {
		perf  float64
		time  time.Duration
		plays int
	}
	rows := map[key]*row{}
	for _, p := range plays {
		sum.count(p, func(p Play) []string {
			return missing(map[string]bool{
				FieldArtist: p.Artist == "", FieldTitle: p.Title == "",
				FieldISRC: p.ISRC == "" && (p.Album == "" || p.Label == ""), FieldListeners: !p.ListenersKnown,
			})
		})
		k := key{p.Artist, p.Title, p.ISRC, p.Album, p.Label, p.Program}
		r := rows[k]
		if r == nil {
			r = &row{}
			rows[k] = r
		}
		r.perf += math.Round(p.Listeners)
		r.time += p.ListenerTime
		r.plays++
	}
	keys := slices.SortedFunc(maps.Keys(rows), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.artist, b.artist), cmp.Compare(a.title, b.title), cmp.Compare(a.program, b.program),
			cmp.Compare(a.isrc, b.isrc), cmp.Compare(a.album, b.album), cmp.Compare(a.label, b.label))
	})
	clean := strings.NewReplacer("\t", " ", "\r", " ", "\n", " ")
	line := func(fields ...string) error {
		for i, f := range fields {
			fields[i] = clean.Replace(f)
		}
		_, err := io.WriteString(w, strings.Join(fields, "\t")+"\r\n")
		return err
	}
	if err := line(slices.Clone(SoundExchangeHeader)...); err != nil {
		return sum, err
	}
	for _, k := range keys {
		r := rows[k]
		if err := line(se.ServiceName, se.Category, k.artist, k.title, k.isrc, k.album, k.label,
			strconv.FormatFloat(r.perf, 'f', 0, 64), strconv.FormatFloat(r.time.Hours(), 'f', 2, 64),
			k.program, strconv.Itoa(r.plays)); err != nil {
			return sum, err
		}
	}
	return sum, nil
}
