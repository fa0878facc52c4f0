package archive

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Type is the completeness of a stored segment, as wubloader names it.
type Type uint8

// The segment types, in wubloader's order of preference: a full segment beats
// a suspect one, which beats a partial one. Temp names a download in progress
// (wubloader writes them in the hour folder); they are never selected.
const (
	Full Type = iota + 1
	Suspect
	Partial
	Temp
)

var typeNames = [...]string{Full: "full", Suspect: "suspect", Partial: "partial", Temp: "temp"}

// String returns the type as it appears in file names.
func (t Type) String() string {
	if t >= Full && t <= Temp {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType parses a type as it appears in file names.
func ParseType(s string) (Type, error) {
	switch s {
	case "full":
		return Full, nil
	case "suspect":
		return Suspect, nil
	case "partial":
		return Partial, nil
	case "temp":
		return Temp, nil
	}
	return 0, &NameError{Field: "type", Value: s, Reason: "not one of full, suspect, partial, temp"}
}

// Hash is the SHA-256 digest of a segment's bytes.
type Hash [sha256.Size]byte

// String returns the digest as wubloader writes it: URL-safe base64 without
// padding, 43 characters.
func (h Hash) String() string { return base64.RawURLEncoding.EncodeToString(h[:]) }

// ParseHash decodes a digest written by Hash.String. Unlike wubloader, which
// drops characters outside the alphabet and accepts any length, it accepts
// exactly 43 characters of the URL-safe alphabet that decode to 32 bytes.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != hashLen {
		return h, &NameError{Field: "hash", Value: s, Reason: "want 43 characters of URL-safe base64"}
	}
	// Strict rejects non-zero trailing bits, so each digest has one spelling.
	n, err := base64.RawURLEncoding.Strict().Decode(h[:], []byte(s))
	if err != nil || n != len(h) {
		return Hash{}, &NameError{Field: "hash", Value: s, Reason: "not URL-safe base64 of 32 bytes"}
	}
	return h, nil
}

const hashLen = 43

// Limits on name components. They bound what a hostile peer can make us
// store or log.
const (
	maxComponentLen = 128
	maxTempIDLen    = 64
)

// Segment identifies one stored HLS segment. Its relative path in the
// archive, STREAM/VARIANT/YYYY-MM-DDTHH/MM:SS.ffffff-DURATION-TYPE-HASH.ts, is
// byte-compatible with wubloader's.
type Segment struct {
	Stream  string
	Variant string
	// Start is the segment's broadcast start time. Path writes it in UTC
	// with microsecond precision; ParsePath returns exactly that.
	Start time.Time
	// Duration is the segment's EXTINF duration in seconds, as the name
	// carries it.
	Duration Seconds
	Type     Type
	// Hash is the SHA-256 of the file's bytes. Temp segments have none.
	Hash Hash
	// TempID is the random identifier wubloader puts where the hash goes in
	// the name of a temp segment. Empty for other types.
	TempID string

	// bareZero records a duration written as "0": wubloader writes the
	// integer 0 when a playlist entry has no readable EXTINF, and that name
	// must format back to itself.
	bareZero bool
}

// Seconds is a segment duration in seconds, held as the float that
// wubloader writes into names with Python's str(float).
type Seconds float64

// String formats s as Python's str(float) does for the values a name can
// hold: the shortest decimal that reads back as the same float, with ".0"
// added to whole numbers (2.0, 2.002, 6.0). Values that Python would write
// with an exponent (below 1e-4, from 1e16) are written as Go's shortest
// fixed notation instead; Validate refuses them, because wubloader cannot read
// its own exponent form back.
func (s Seconds) String() string { return string(s.appendTo(nil)) }

func (s Seconds) appendTo(b []byte) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, float64(s), 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}

// Duration converts s to a time.Duration rounded to the microsecond, half
// to even, as Python's timedelta(seconds=s) does: wubloader's timeline
// arithmetic happens in whole microseconds, so a 1.9999999 s segment lasts
// exactly 2 s.
func (s Seconds) Duration() time.Duration {
	whole, frac := math.Modf(float64(s))
	us := int64(whole)*1e6 + int64(math.RoundToEven(frac*1e6))
	return time.Duration(us) * time.Microsecond
}

// End returns the segment's end: Start plus its duration in whole
// microseconds.
func (s Segment) End() time.Time { return s.Start.Add(s.Duration.Duration()) }

// Hour returns the name of the hour folder holding the segment,
// YYYY-MM-DDTHH in UTC.
func (s Segment) Hour() string { return FormatHour(s.Start) }

// Name returns the segment's file name, MM:SS.ffffff-DURATION-TYPE-HASH.ts.
func (s Segment) Name() string {
	b := make([]byte, 0, 80)
	b = s.appendStem(b)
	b = append(b, ".ts"...)
	return string(b)
}

// TombstoneName returns the name of the tombstone that hides the segment:
// its name with .tombstone in place of .ts.
func (s Segment) TombstoneName() string {
	b := make([]byte, 0, 88)
	b = s.appendStem(b)
	b = append(b, ".tombstone"...)
	return string(b)
}

// Path returns the segment's path relative to the archive root, with "/"
// separators.
func (s Segment) Path() string {
	b := make([]byte, 0, len(s.Stream)+len(s.Variant)+100)
	b = append(b, s.Stream...)
	b = append(b, '/')
	b = append(b, s.Variant...)
	b = append(b, '/')
	b = appendHour(b, s.Start)
	b = append(b, '/')
	b = s.appendStem(b)
	b = append(b, ".ts"...)
	return string(b)
}

// String returns Path.
func (s Segment) String() string { return s.Path() }

func (s Segment) appendStem(b []byte) []byte {
	t := s.Start.UTC()
	b = append2(b, t.Minute())
	b = append(b, ':')
	b = append2(b, t.Second())
	b = append(b, '.')
	us := t.Nanosecond() / 1000
	for div := 100000; div > 0; div /= 10 {
		b = append(b, byte('0'+us/div%10))
	}
	b = append(b, '-')
	if s.bareZero && s.Duration == 0 {
		b = append(b, '0')
	} else {
		b = s.Duration.appendTo(b)
	}
	b = append(b, '-')
	b = append(b, s.Type.String()...)
	b = append(b, '-')
	if s.Type == Temp {
		b = append(b, s.TempID...)
	} else {
		b = base64.RawURLEncoding.AppendEncode(b, s.Hash[:])
	}
	return b
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func appendHour(b []byte, t time.Time) []byte {
	t = t.UTC()
	y := t.Year()
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append2(b, int(t.Month()))
	b = append(b, '-')
	b = append2(b, t.Day())
	b = append(b, 'T')
	return append2(b, t.Hour())
}

// FormatHour returns the hour folder name for t: YYYY-MM-DDTHH in UTC.
func FormatHour(t time.Time) string { return string(appendHour(make([]byte, 0, 13), t)) }

// ParseHour parses an hour folder name, YYYY-MM-DDTHH, into the UTC time at
// the start of that hour. Separators and widths are checked.
func ParseHour(s string) (time.Time, error) {
	bad := func(reason string) (time.Time, error) {
		return time.Time{}, &NameError{Field: "hour", Value: s, Reason: reason}
	}
	if len(s) != 13 || s[4] != '-' || s[7] != '-' || s[10] != 'T' {
		return bad("want YYYY-MM-DDTHH")
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	h, ok4 := digits(s[11:13])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return bad("want YYYY-MM-DDTHH")
	}
	t := time.Date(y, time.Month(mo), d, h, 0, 0, 0, time.UTC)
	if y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || t.Day() != d {
		return bad("no such hour")
	}
	return t, nil
}

// digits parses an unsigned decimal of ASCII digits only (no sign, no space).
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// NameError reports a segment name, or a component of one, that airkeep
// refuses. Field names the part that is wrong: stream, variant, hour, name,
// time, duration, type, hash, temp id or path.
type NameError struct {
	Field  string
	Value  string
	Reason string
}

func (e *NameError) Error() string {
	v := e.Value
	if len(v) > 200 {
		v = v[:200] + "…"
	}
	return fmt.Sprintf("archive: bad %s %q: %s", e.Field, v, e.Reason)
}

// ValidateComponent checks a stream or variant name (field says which). A
// component must be a non-empty UTF-8 string of at most 128 bytes with no
// "/", "\", control characters, or leading "."; so it is always one plain
// folder name that cannot climb out of the archive or hide itself.
func ValidateComponent(field, v string) error {
	bad := func(reason string) error { return &NameError{Field: field, Value: v, Reason: reason} }
	switch {
	case v == "":
		return bad("empty")
	case len(v) > maxComponentLen:
		return bad("longer than 128 bytes")
	case v[0] == '.':
		return bad("starts with a period")
	case !utf8.ValidString(v):
		return bad("not UTF-8")
	}
	for _, r := range v {
		if r == '/' || r == '\\' {
			return bad("contains a path separator")
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return bad("contains a control character")
		}
	}
	return nil
}

// Validate reports whether the segment can be written under a name that
// wubloader and airkeep both read back to the same segment.
func (s Segment) Validate() error {
	if err := ValidateComponent("stream", s.Stream); err != nil {
		return err
	}
	if err := ValidateComponent("variant", s.Variant); err != nil {
		return err
	}
	if s.Start.IsZero() {
		return &NameError{Field: "time", Value: s.Start.String(), Reason: "start time is not set"}
	}
	if y := s.Start.UTC().Year(); y < 1 || y > 9999 {
		return &NameError{Field: "time", Value: s.Start.String(), Reason: "year outside 0001-9999"}
	}
	if err := validateSeconds(s.Duration); err != nil {
		return err
	}
	switch s.Type {
	case Full, Suspect, Partial:
	case Temp:
		if err := validateTempID(s.TempID); err != nil {
			return err
		}
	default:
		return &NameError{Field: "type", Value: s.Type.String(), Reason: "not one of full, suspect, partial, temp"}
	}
	return nil
}

func validateSeconds(d Seconds) error {
	f := float64(d)
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return &NameError{Field: "duration", Value: d.String(), Reason: "not finite"}
	case f < 0:
		return &NameError{Field: "duration", Value: d.String(), Reason: "negative"}
	case f != 0 && (f < 1e-4 || f >= 1e16):
		// Python's str(float) switches to exponent notation here, which
		// wubloader's parser cannot read back.
		return &NameError{Field: "duration", Value: d.String(), Reason: "outside 0.0001 to 1e16 seconds"}
	}
	return nil
}

func validateTempID(id string) error {
	if id == "" || len(id) > maxTempIDLen {
		return &NameError{Field: "temp id", Value: id, Reason: "want 1 to 64 characters"}
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return &NameError{Field: "temp id", Value: id, Reason: "want letters, digits, - and _"}
		}
	}
	return nil
}

// ParsePath parses a segment's path relative to the archive root,
// STREAM/VARIANT/YYYY-MM-DDTHH/MM:SS.ffffff-DURATION-TYPE-HASH.ts. It is the
// inverse of Segment.Path: for every name that wubloader writes,
// ParsePath(p).Path() == p.
//
// It is stricter than wubloader's parser: every component is validated,
// separators and field widths are checked, the duration must be written as
// wubloader writes it (Python's str(float), or "0"), and the hash must decode
// to exactly 32 bytes. A refused path gets a *NameError naming the field.
func ParsePath(rel string) (Segment, error) {
	// Exactly four components; no leading or doubled separators.
	i := strings.IndexByte(rel, '/')
	if i < 0 {
		return Segment{}, &NameError{Field: "path", Value: rel, Reason: "want STREAM/VARIANT/HOUR/NAME"}
	}
	stream, rest := rel[:i], rel[i+1:]
	i = strings.IndexByte(rest, '/')
	if i < 0 {
		return Segment{}, &NameError{Field: "path", Value: rel, Reason: "want STREAM/VARIANT/HOUR/NAME"}
	}
	variant, rest := rest[:i], rest[i+1:]
	i = strings.IndexByte(rest, '/')
	if i < 0 {
		return Segment{}, &NameError{Field: "path", Value: rel, Reason: "want STREAM/VARIANT/HOUR/NAME"}
	}
	return ParseName(stream, variant, rest[:i], rest[i+1:])
}

// ParseName parses the file name of a segment found in the hour folder
// stream/variant/hour. See ParsePath.
func ParseName(stream, variant, hour, name string) (Segment, error) {
	if err := ValidateComponent("stream", stream); err != nil {
		return Segment{}, err
	}
	if err := ValidateComponent("variant", variant); err != nil {
		return Segment{}, err
	}
	h, err := ParseHour(hour)
	if err != nil {
		return Segment{}, err
	}
	if strings.ContainsAny(name, "/\\") {
		return Segment{}, &NameError{Field: "name", Value: name, Reason: "contains a path separator"}
	}
	stem, ok := strings.CutSuffix(name, ".ts")
	if !ok {
		return Segment{}, &NameError{Field: "name", Value: name, Reason: "does not end in .ts"}
	}
	seg, err := parseStem(h, stem, name)
	if err != nil {
		return Segment{}, err
	}
	seg.Stream, seg.Variant = stream, variant
	return seg, nil
}

// ParseTombstoneName parses the name of a tombstone, NAME.tombstone, into
// the segment it hides.
func ParseTombstoneName(stream, variant, hour, name string) (Segment, error) {
	stem, ok := strings.CutSuffix(name, ".tombstone")
	if !ok {
		return Segment{}, &NameError{Field: "name", Value: name, Reason: "does not end in .tombstone"}
	}
	return ParseName(stream, variant, hour, stem+".ts")
}

// parseStem parses MM:SS.ffffff-DURATION-TYPE-HASH within the hour h.
func parseStem(h time.Time, stem, name string) (Segment, error) {
	var seg Segment
	var err error
	// MM:SS.ffffff is fixed width, as wubloader's strftime("%M:%S.%f") writes it.
	if len(stem) < 13 || stem[2] != ':' || stem[5] != '.' || stem[12] != '-' {
		return seg, &NameError{Field: "time", Value: name, Reason: "want MM:SS.ffffff-"}
	}
	mm, ok1 := digits(stem[0:2])
	ss, ok2 := digits(stem[3:5])
	us, ok3 := digits(stem[6:12])
	if !ok1 || !ok2 || !ok3 || mm > 59 || ss > 59 {
		return seg, &NameError{Field: "time", Value: name, Reason: "want MM:SS.ffffff with MM and SS below 60"}
	}
	seg.Start = h.Add(time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second + time.Duration(us)*time.Microsecond)
	if seg.Start.IsZero() {
		return seg, &NameError{Field: "time", Value: name, Reason: "the zero time is not a start time"}
	}

	rest := stem[13:]
	i := strings.IndexByte(rest, '-')
	if i < 0 {
		return seg, &NameError{Field: "name", Value: name, Reason: "want TIME-DURATION-TYPE-HASH"}
	}
	if rest[:i] == "0" {
		seg.bareZero = true
	} else if seg.Duration, err = parseSeconds(rest[:i]); err != nil {
		return seg, err
	}
	rest = rest[i+1:]
	i = strings.IndexByte(rest, '-')
	if i < 0 {
		return seg, &NameError{Field: "name", Value: name, Reason: "want TIME-DURATION-TYPE-HASH"}
	}
	if seg.Type, err = ParseType(rest[:i]); err != nil {
		return seg, err
	}
	if seg.Type == Temp {
		seg.TempID = rest[i+1:]
		return seg, validateTempID(seg.TempID)
	}
	seg.Hash, err = ParseHash(rest[i+1:])
	return seg, err
}

// parseSeconds accepts a duration exactly as wubloader writes one: the
// shortest decimal for the float with at least one fraction digit (Python's
// str(float)), or "0" (handled by the caller). Other spellings of the same number ("2", "2.00", "2e0") are
// refused so that a parsed name always formats back to itself.
func parseSeconds(s string) (Seconds, error) {
	bad := func(reason string) (Seconds, error) {
		return 0, &NameError{Field: "duration", Value: s, Reason: reason}
	}
	if s == "" || len(s) > 32 {
		return bad("want a decimal number of seconds")
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return bad("want digits and one decimal point, no sign or exponent")
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return bad("out of range")
	}
	d := Seconds(f)
	if err := validateSeconds(d); err != nil {
		return 0, err
	}
	if d.String() != s {
		return bad("not written as Python's str(float) writes it")
	}
	return d, nil
}
