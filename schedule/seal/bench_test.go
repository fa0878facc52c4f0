package seal_test

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/seal"
)

// benchLog is a day of a music station in memory: 2000 songs, each
// logged with its track, sealed.
func benchLog(b *testing.B) (*schedule.MemStore, int64) {
	b.Helper()
	ctx := b.Context()
	st := schedule.NewMemStore()
	sta, _ := st.PutStation(ctx, schedule.Station{Slug: "s", Name: "S", Zone: "UTC"})
	prog, _ := st.PutProgram(ctx, schedule.Program{StationID: sta.ID, Slug: "music", Title: "Music", Active: true, Stream: true})
	for i := range 2000 {
		so, _ := st.PutSound(ctx, schedule.Sound{ProgramID: prog.ID, Path: fmt.Sprintf("/m/%d.mp3", i), Name: fmt.Sprint(i), Duration: 3 * time.Minute})
		tr, _ := st.PutTrack(ctx, schedule.Track{SoundID: so.ID, Timed: true, Title: fmt.Sprint("Song ", i), Artist: "Band", ISRC: "FRZ039800212"})
		at := t0.Add(time.Duration(i) * 3 * time.Minute)
		l, _, _ := st.AppendLog(ctx, schedule.Log{StationID: sta.ID, Type: schedule.LogOnAir, Date: at, Source: "music", Comment: so.Path, SoundID: so.ID})
		st.AppendLog(ctx, schedule.Log{StationID: sta.ID, Type: schedule.LogOnAir, Date: at, Source: "music", SoundID: so.ID, TrackID: tr.ID, ParentID: l.ID})
	}
	s, err := seal.NewSealer(seal.Config{Store: st, StationID: sta.ID, Clock: airkeep.NewFakeClock(t0.Add(1000 * time.Hour))})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Seal(ctx); err != nil {
		b.Fatal(err)
	}
	return st, sta.ID
}

// BenchmarkVerify verifies 4000 sealed entries: the chain, and every
// entry against its row and what it names.
func BenchmarkVerify(b *testing.B) {
	st, id := benchLog(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := seal.Verify(b.Context(), seal.VerifyConfig{Store: st, StationID: id})
		if err != nil || res.Break != nil || res.Entries != 4000 {
			b.Fatal(err, res.Break, res.Entries)
		}
	}
	b.ReportMetric(float64(4000*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkVerifyBaseline only hashes the same seals' bodies into a
// chain: the floor of any verification.
func BenchmarkVerifyBaseline(b *testing.B) {
	st, id := benchLog(b)
	seals, _ := st.Seals(b.Context(), id, 0, 0)
	b.ReportAllocs()
	for b.Loop() {
		var prev [32]byte
		for _, s := range seals {
			h := sha256.New()
			h.Write(prev[:])
			h.Write(s.Body)
			h.Sum(prev[:0])
		}
	}
	b.ReportMetric(float64(4000*b.N)/b.Elapsed().Seconds(), "entries/s")
}
