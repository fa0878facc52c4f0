package schedule_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/schedule"
)

func TestFirstSlotOverlap(t *testing.T) {
	d := func(s string) schedule.Date { x, err := schedule.ParseDate(s); require.NoError(t, err); return x }
	tod := func(h, m int) schedule.TimeOfDay { return schedule.TimeOfDay{Hour: h, Minute: m} }
	weekly := func(date string, h, m int, dur time.Duration) schedule.Schedule {
		return schedule.Schedule{Date: d(date), Time: tod(h, m), Zone: "Europe/Paris", Duration: dur, Frequency: schedule.Every}
	}
	tests := []struct {
		name   string
		scheds []schedule.Schedule
		want   bool
		a, b   int
	}{
		{name: "back to back", scheds: []schedule.Schedule{weekly("2026-11-02", 20, 0, time.Hour), weekly("2026-11-02", 21, 0, time.Hour)}},
		{name: "other days", scheds: []schedule.Schedule{weekly("2026-11-02", 20, 0, 2*time.Hour), weekly("2026-11-03", 20, 0, 2*time.Hour)}},
		{name: "overlap", scheds: []schedule.Schedule{weekly("2026-11-02", 20, 0, time.Hour), weekly("2026-11-02", 20, 30, time.Hour)}, want: true, a: 0, b: 1},
		{name: "a later start meets an earlier one", scheds: []schedule.Schedule{weekly("2026-11-09", 20, 30, time.Hour), weekly("2026-11-02", 20, 0, time.Hour)}, want: true, a: 0, b: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ok, err := schedule.FirstSlotOverlap(tt.scheds, d("2026-11-01"), d("2027-11-01"))
			require.NoError(t, err)
			require.Equal(t, tt.want, ok)
			if ok {
				require.Equal(t, []int{tt.a, tt.b}, []int{o.A, o.B})
			}
		})
	}
}
