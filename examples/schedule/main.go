// Command schedule shows a station manager when a schedule rule airs,
// before it is saved.
//
//	schedule preview -zone Europe/Paris -date 2026-03-06 -time 02:30 -duration 1h \
//	    -frequency every -from 2026-03-01 -to 2026-05-01 [-rerun-days 2 -rerun-time 21:00 [-rerun-zone Z]]
//
// It prints one diffusion per line, in time order: start and end in RFC 3339
// with the zone's offset at that instant, then " rerun" for reruns. -from is
// inclusive, -to exclusive, both dates in the schedule's zone. Scripts read
// this output: it stays stable. Exit status: 0 on success, 1 on a runtime
// error, 2 on bad flags (the message names the flag).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/airkeep/airkeep/schedule"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprintln(stderr, "usage: schedule preview -zone Z -date YYYY-MM-DD -time HH:MM -duration D -frequency NAME -from YYYY-MM-DD -to YYYY-MM-DD [-rerun-days N -rerun-time HH:MM [-rerun-zone Z]]")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var err error
	switch args[0] {
	case "preview":
		err = preview(args[1:], stdout, stderr)
	default:
		err = &usageError{fmt.Sprintf("unknown command %q (want preview)", args[0])}
	}
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "schedule:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "schedule:", err)
		return 1
	}
}

func preview(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("schedule preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	zone := fs.String("zone", "", "IANA time zone of the schedule (required), e.g. Europe/Paris")
	date := fs.String("date", "", "date of the first diffusion, YYYY-MM-DD (required); its weekday is the schedule's")
	at := fs.String("time", "", "local start time, HH:MM (required)")
	duration := fs.String("duration", "", "duration, e.g. 1h or 01:30 (required)")
	frequency := fs.String("frequency", "", "one of "+frequencyNames()+" (required)")
	from := fs.String("from", "", "first local date shown, inclusive (required)")
	to := fs.String("to", "", "local date where the listing stops, exclusive (required)")
	rerunDays := fs.Int("rerun-days", 0, "rerun this many days after each initial diffusion (with -rerun-time)")
	rerunTime := fs.String("rerun-time", "", "local start time of the rerun, HH:MM")
	rerunZone := fs.String("rerun-zone", "", "IANA time zone of the rerun (default: -zone)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"zone", "date", "time", "duration", "frequency", "from", "to"} {
		if !set[name] {
			return &usageError{fmt.Sprintf("-%s is required", name)}
		}
	}

	s := schedule.Schedule{Zone: *zone}
	var err error
	if s.Date, err = schedule.ParseDate(*date); err != nil {
		return flagError("date", err)
	}
	if s.Time, err = schedule.ParseTimeOfDay(*at); err != nil {
		return flagError("time", err)
	}
	if s.Duration, err = schedule.ParseDuration(*duration); err != nil {
		return flagError("duration", err)
	}
	if s.Frequency, err = schedule.ParseFrequency(*frequency); err != nil {
		return flagError("frequency", err)
	}
	fromDate, err := schedule.ParseDate(*from)
	if err != nil {
		return flagError("from", err)
	}
	toDate, err := schedule.ParseDate(*to)
	if err != nil {
		return flagError("to", err)
	}
	if !fromDate.Before(toDate) {
		return &usageError{fmt.Sprintf("-to %s must be after -from %s", toDate, fromDate)}
	}
	if set["rerun-days"] || set["rerun-time"] || set["rerun-zone"] {
		if !set["rerun-time"] {
			return &usageError{"-rerun-time is required with -rerun-days or -rerun-zone"}
		}
		r := schedule.Rerun{Days: *rerunDays, Zone: *rerunZone}
		if r.Time, err = schedule.ParseTimeOfDay(*rerunTime); err != nil {
			return flagError("rerun-time", err)
		}
		s.Reruns = []schedule.Rerun{r}
	}

	occ, err := s.Between(fromDate, toDate)
	if err != nil {
		var fe *schedule.FieldError
		if errors.As(err, &fe) {
			msg := fe.Reason
			var pe *schedule.ParseError
			if errors.As(fe.Err, &pe) {
				msg += ": " + pe.Err.Error()
			}
			return &usageError{fmt.Sprintf("invalid value for -%s: %s", flagOf(fe.Field), msg)}
		}
		return err
	}
	var b strings.Builder
	for _, o := range occ {
		b.WriteString(o.String())
		b.WriteByte('\n')
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// flagOf maps a Schedule field to the flag that sets it.
func flagOf(field string) string {
	switch {
	case field == "Zone":
		return "zone"
	case field == "Date":
		return "date"
	case field == "Time":
		return "time"
	case field == "Duration":
		return "duration"
	case field == "Frequency":
		return "frequency"
	case strings.HasSuffix(field, ".Days"):
		return "rerun-days"
	case strings.HasSuffix(field, ".Zone"):
		return "rerun-zone"
	}
	return "rerun-time"
}

func flagError(name string, err error) error {
	var pe *schedule.ParseError
	if errors.As(err, &pe) {
		return &usageError{fmt.Sprintf("invalid value for -%s %q: %v", name, pe.Value, pe.Err)}
	}
	return &usageError{fmt.Sprintf("invalid value for -%s: %v", name, err)}
}

func frequencyNames() string {
	var names []string
	for _, f := range schedule.Frequencies() {
		names = append(names, f.String())
	}
	return strings.Join(names, ", ")
}
