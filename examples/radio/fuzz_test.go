package main

import (
	"testing"
	"time"
)

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
