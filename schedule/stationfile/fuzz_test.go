package stationfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// FuzzParse: whatever the file holds, the parser neither panics
// nor lets through what a script or an as-run line would misread; its
// errors always name the file and a line of it.
func FuzzParse(f *testing.F) {
	f.Add(minimal)
	dir := f.TempDir()
	for _, d := range []string{"music", "shows/morning"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, warns, err := Parse("f.toml", dir, []byte(src), ForImport, env(nil))
		lines := strings.Count(src, "\n") + 1
		checkLocated := func(fe *Problem) {
			if fe.File != "f.toml" || fe.Line < 0 || fe.Line > lines || fe.Msg == "" {
				t.Fatalf("badly located: %#v (file of %d lines)", fe, lines)
			}
		}
		if err != nil {
			var le *Error
			if !errors.As(err, &le) || len(le.Problems) == 0 {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			for _, fe := range le.Problems {
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
