package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPreview(t *testing.T) {
	base := []string{"preview", "-zone", "Europe/Paris", "-date", "2026-03-06", "-time", "02:30", "-duration", "1h"}
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderrIn string // a word the message must contain: the flag
	}{
		{"first friday", append(base, "-frequency", "first", "-from", "2026-03-01", "-to", "2026-05-01"), 0,
			"2026-03-06T02:30:00+01:00 2026-03-06T03:30:00+01:00\n" +
				"2026-04-03T02:30:00+02:00 2026-04-03T03:30:00+02:00\n", ""},
		{"one on two with a rerun across the spring gap",
			[]string{"preview", "-zone", "Europe/Paris", "-date", "2026-03-13", "-time", "21:00", "-duration", "01:30",
				"-frequency", "one_on_two", "-from", "2026-03-01", "-to", "2026-04-01", "-rerun-days", "2", "-rerun-time", "02:30"}, 0,
			"2026-03-13T21:00:00+01:00 2026-03-13T22:30:00+01:00\n" +
				"2026-03-15T02:30:00+01:00 2026-03-15T04:00:00+01:00 rerun\n" +
				"2026-03-27T21:00:00+01:00 2026-03-27T22:30:00+01:00\n" +
				"2026-03-29T03:30:00+02:00 2026-03-29T05:00:00+02:00 rerun\n", ""},
		{"rerun in another zone", append(base, "-frequency", "ponctual", "-from", "2026-03-01", "-to", "2026-03-31",
			"-rerun-days", "0", "-rerun-time", "21:00", "-rerun-zone", "America/New_York"), 0,
			"2026-03-06T02:30:00+01:00 2026-03-06T03:30:00+01:00\n" +
				"2026-03-06T21:00:00-05:00 2026-03-06T22:00:00-05:00 rerun\n", ""},
		{"end crosses the fall back", []string{"preview", "-zone", "Europe/Paris", "-date", "2026-10-25", "-time", "01:30",
			"-duration", "2h", "-frequency", "ponctual", "-from", "2026-10-25", "-to", "2026-10-26"}, 0,
			"2026-10-25T01:30:00+02:00 2026-10-25T02:30:00+01:00\n", ""},
		{"empty range", append(base, "-frequency", "every", "-from", "2026-01-01", "-to", "2026-02-01"), 0, "", ""},
		{"unknown zone", []string{"preview", "-zone", "Europe/Atlantis", "-date", "2026-03-06", "-time", "02:30", "-duration", "1h",
			"-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01"}, 2, "", "-zone"},
		{"unknown frequency", append(base, "-frequency", "weekly", "-from", "2026-03-01", "-to", "2026-05-01"), 2, "", "-frequency"},
		{"zero duration", []string{"preview", "-zone", "Europe/Paris", "-date", "2026-03-06", "-time", "02:30", "-duration", "0s",
			"-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01"}, 2, "", "-duration"},
		{"bad duration", []string{"preview", "-zone", "Europe/Paris", "-date", "2026-03-06", "-time", "02:30", "-duration", "soon",
			"-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01"}, 2, "", "-duration"},
		{"bad date", []string{"preview", "-zone", "Europe/Paris", "-date", "2026-02-30", "-time", "02:30", "-duration", "1h",
			"-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01"}, 2, "", "-date"},
		{"bad time", []string{"preview", "-zone", "Europe/Paris", "-date", "2026-03-06", "-time", "25:00", "-duration", "1h",
			"-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01"}, 2, "", "-time"},
		{"to before from", append(base, "-frequency", "every", "-from", "2026-05-01", "-to", "2026-03-01"), 2, "", "-to"},
		{"missing flag", append(base, "-frequency", "every", "-from", "2026-03-01"), 2, "", "-to"},
		{"rerun before initial", append(base, "-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01",
			"-rerun-days", "0", "-rerun-time", "01:00"), 2, "", "-rerun-time"},
		{"negative rerun days", append(base, "-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01",
			"-rerun-days", "-1", "-rerun-time", "21:00"), 2, "", "-rerun-days"},
		{"rerun zone", append(base, "-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01",
			"-rerun-days", "1", "-rerun-time", "21:00", "-rerun-zone", "Nowhere"), 2, "", "-rerun-zone"},
		{"rerun days alone", append(base, "-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01",
			"-rerun-days", "1"), 2, "", "-rerun-time"},
		{"unknown flag", append(base, "-frequency", "every", "-from", "2026-03-01", "-to", "2026-05-01", "-color"), 2, "", "-color"},
		{"unknown command", []string{"show"}, 2, "", "show"},
		{"no command", nil, 2, "", "usage"},
		{"help", []string{"preview", "-h"}, 0, "", "-frequency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			require.Equal(t, tt.code, code, "stderr: %s", stderr.String())
			require.Equal(t, tt.stdout, stdout.String())
			require.Contains(t, stderr.String(), tt.stderrIn)
		})
	}
}

// FuzzPreview feeds arbitrary flag values: the command never panics, exits
// 0 or 2, and on success prints well-formed lines in time order.
func FuzzPreview(f *testing.F) {
	// Seeds: testdata/fuzz/FuzzPreview.
	f.Fuzz(func(t *testing.T, zone, date, at, duration, freq, from, to string, rerunDays int, rerunTime string) {
		args := []string{"preview", "-zone", zone, "-date", date, "-time", at, "-duration", duration,
			"-frequency", freq, "-from", from, "-to", to}
		if rerunTime != "" {
			args = append(args, "-rerun-days", strconv.Itoa(rerunDays), "-rerun-time", rerunTime)
		}
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		// Every failure here is the command line's: 1 would mean a runtime
		// error, and writing to a buffer cannot fail.
		require.Contains(t, []int{0, 2}, code, "stderr: %s", stderr.String())
		if code != 0 {
			require.Empty(t, stdout.String())
			require.NotEmpty(t, stderr.String())
			return
		}
		var prev time.Time // dates may precede year 1, time.Time's zero
		seen := false
		for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
			if line == "" {
				continue
			}
			fields := strings.Fields(line)
			require.True(t, len(fields) == 2 || (len(fields) == 3 && fields[2] == "rerun"), line)
			start, err := time.Parse(time.RFC3339, fields[0])
			require.NoError(t, err)
			end, err := time.Parse(time.RFC3339, fields[1])
			require.NoError(t, err)
			require.True(t, end.After(start), line)
			require.False(t, seen && start.Before(prev), "out of order: %s", line)
			prev, seen = start, true
		}
	})
}
