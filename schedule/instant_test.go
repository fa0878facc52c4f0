package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseInstant(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	for in, want := range map[string]time.Time{
		"2026-11-23T13:00:00Z":      time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC),
		"2026-11-23T13:00:00+02:00": time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC),
		"2026-11-23":                time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC),
		"2026-11-23T08:30":          time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC),
		"2026-03-29T02:30":          time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), // in the spring-forward gap: 03:30 CEST
	} {
		got, err := ParseInstant(in, paris)
		require.NoError(t, err, in)
		require.True(t, want.Equal(got), "%s: got %v, want %v", in, got, want)
	}
	for _, in := range []string{"", "now", "2026-13-01", "2026-11-23T25:00", "13:00", "0000-01-01", "1969-12-31T00:00:00Z"} {
		_, err := ParseInstant(in, paris)
		require.Error(t, err, in)
	}
}

// FuzzParseInstant: an instant it reads formats back to the same instant.
// (In UTC: RFC 3339 offsets have no seconds, and zones had sub-minute
// offsets before 1900, such as Paris's LMT.)
func FuzzParseInstant(f *testing.F) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseInstant(s, paris)
		if err != nil {
			return
		}
		back, err := ParseInstant(got.UTC().Format(time.RFC3339Nano), paris)
		if err != nil || !back.Equal(got) {
			t.Fatalf("%q read as %v, which reads back as %v (%v)", s, got, back, err)
		}
	})
}
