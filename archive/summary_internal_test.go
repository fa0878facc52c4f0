package archive

import (
	"testing"
	"time"
)

// FuzzDecodeSummary feeds hour summaries, which are files on disk that
// anything may have written, to the decoder: it never panics, never
// allocates past what the bytes can hold, and what it accepts encodes back
// to the same listing.
func FuzzDecodeSummary(f *testing.F) {
	hour := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	l := Listing{
		Segments:   []Entry{{Segment: Segment{Stream: "s", Variant: "v", Start: hour.Add(2 * time.Second), Duration: 2, Type: Full, Hash: Hash{1}}, Size: 10}},
		Tombstones: []Segment{{Stream: "s", Variant: "v", Start: hour, Duration: 2.002, Type: Partial, Hash: Hash{2}}},
		Bad:        []string{"notes.txt"},
	}
	f.Add(EncodeHourSummary(l, hour.Add(time.Hour), hour.Add(2*time.Hour)))
	f.Add(EncodeHourSummary(Listing{}, hour, hour))
	f.Add([]byte(summaryMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, m, at, err := DecodeHourSummary(b, "s", "v", "2026-11-23T14")
		if err != nil {
			return
		}
		again, m2, at2, err := DecodeHourSummary(EncodeHourSummary(got, m, at), "s", "v", "2026-11-23T14")
		if err != nil || !m.Equal(m2) || !at.Equal(at2) || len(again.Segments) != len(got.Segments) || len(again.Tombstones) != len(got.Tombstones) || len(again.Bad) != len(got.Bad) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range got.Segments {
			if again.Segments[i] != got.Segments[i] {
				t.Fatalf("segment %d: %v != %v", i, again.Segments[i], got.Segments[i])
			}
		}
	})
}
