package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
)

// FuzzParseStation: whatever the file holds, the parser neither panics
// nor lets through what a script or an as-run line would misread; its
// errors always name the file and a line of it.
func FuzzParseStation(f *testing.F) {
	f.Add(minimal)
	dir := f.TempDir()
	for _, d := range []string{"music", "shows/morning"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, warns, err := parseStation("f.toml", dir, src, forImport, env(nil))
		lines := strings.Count(src, "\n") + 1
		checkLocated := func(fe *fileError) {
			if fe.File != "f.toml" || fe.Line < 0 || fe.Line > lines || fe.Msg == "" {
				t.Fatalf("badly located: %#v (file of %d lines)", fe, lines)
			}
		}
		if err != nil {
			var le *loadError
			if !errors.As(err, &le) || len(le.Errs) == 0 {
				t.Fatalf("error %T %v is not a *loadError", err, err)
			}
			for _, fe := range le.Errs {
				checkLocated(fe)
			}
			return
		}
		for _, fe := range warns {
			checkLocated(fe)
		}
		script, err := c.Streamer.Script()
		if err != nil {
			t.Fatalf("a valid station file gave a script error: %v", err)
		}
		if strings.Contains(string(script), "#{") {
			t.Fatalf("script holds an interpolation:\n%s", script)
		}
		for _, p := range c.Programs {
			if strings.IndexFunc(p.Title, unicode.IsControl) >= 0 {
				t.Fatalf("title %q holds a control character", p.Title)
			}
			for _, s := range p.Schedules {
				if err := s.Schedule.Validate(); err != nil {
					t.Fatalf("schedule %s passed but is invalid: %v", s.Field, err)
				}
			}
		}
	})
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
		got, err := parseInstant(s, paris)
		if err != nil {
			return
		}
		back, err := parseInstant(got.UTC().Format(time.RFC3339Nano), paris)
		if err != nil || !back.Equal(got) {
			t.Fatalf("%q read as %v, which reads back as %v (%v)", s, got, back, err)
		}
	})
}
