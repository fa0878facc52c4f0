package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

func TestWriteAirSummary(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 11, 23, 9, 0, s, 0, time.UTC) }
	tests := []struct {
		name    string
		entries []schedule.AsRunEntry
		want    string
	}{
		{name: "nothing"},
		{name: "dead air covered, jingles", entries: []schedule.AsRunEntry{
			{Event: schedule.LogJingle, Start: at(0)},
			{Event: schedule.LogDeadAir, Source: "output", Start: at(3), End: at(10)},
			{Event: schedule.LogOnAir, Source: schedule.EmergencySource, URI: "/e/stand-by.wav", Start: at(6)},
			{Event: schedule.LogOnAir, Source: "music", URI: "/m/a.wav", Start: at(10)},
			{Event: schedule.LogJingle, Start: at(20)},
		}, want: "dead air on output: 10:00:03 to 10:00:10 (7.0s)\n  covered by /e/stand-by.wav at 10:00:06\n2 jingles on air\n"},
		{name: "still silent, with a comment", entries: []schedule.AsRunEntry{
			{Event: schedule.LogDeadAir, Source: "dealer", Start: at(3), Comment: "player restarted"},
		}, want: "dead air on dealer: 10:00:03 to still silent (player restarted)\n"},
	}
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			require.NoError(t, schedule.WriteAirSummary(&b, paris, tt.entries))
			require.Equal(t, tt.want, b.String())
		})
	}
}
