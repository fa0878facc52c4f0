package schedule

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// EmergencySource is the Source of the as-run entries of the emergency
// sounds that covered dead air (AirEvent of kind EmergencyOnAir).
const EmergencySource = "emergency"

// WriteAirSummary writes what the as-run entries say of the station's air
// safety, one line each, times on loc's wall clock: every stretch of dead
// air with its source, end and comment, the emergency sounds that covered
// it, and how many jingles aired.
//
//	dead air on output: 10:00:03 to 10:00:10 (7.0s)
//	  covered by /emergency/stand-by.wav at 10:00:06
//	12 jingles on air
func WriteAirSummary(w io.Writer, loc *time.Location, entries []AsRunEntry) error {
	bw := bufio.NewWriter(w)
	jingles := 0
	for _, e := range entries {
		switch e.Event {
		case LogDeadAir:
			end := "still silent"
			if !e.End.IsZero() {
				end = fmt.Sprintf("%s (%.1fs)", e.End.In(loc).Format(time.TimeOnly), e.Duration().Seconds())
			}
			fmt.Fprintf(bw, "dead air on %s: %s to %s", e.Source, e.Start.In(loc).Format(time.TimeOnly), end)
			if e.Comment != "" {
				fmt.Fprintf(bw, " (%s)", e.Comment)
			}
			fmt.Fprintln(bw)
		case LogOnAir:
			if e.Source == EmergencySource {
				fmt.Fprintf(bw, "  covered by %s at %s\n", e.URI, e.Start.In(loc).Format(time.TimeOnly))
			}
		case LogJingle:
			jingles++
		}
	}
	if jingles > 0 {
		fmt.Fprintf(bw, "%d jingles on air\n", jingles)
	}
	return bw.Flush()
}
