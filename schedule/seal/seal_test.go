package seal_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/seal"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// station is a sealed station: a SQLite store, its recording in a
// DirStore, and what a test needs to tamper with them.
type station struct {
	dir     string
	db      string
	st      *sqlitestore.Store
	arch    *archive.DirStore
	id      int64
	clock   *airkeep.FakeClock
	sealer  *seal.Sealer
	logIDs  []int64 // ON_AIR logs: sound a, its track, sound b, its track, sound c, its track
	segment []archive.Segment
}

// newStation logs three 10 s songs from t0, each with its track, records
// 40 s of 2 s segments, and seals it all two minutes later.
func newStation(t *testing.T) *station {
	t.Helper()
	ctx := t.Context()
	s := &station{dir: t.TempDir()}
	s.db = filepath.Join(s.dir, "station.db")
	var err error
	s.st, err = sqlitestore.New(ctx, sqlitestore.Config{Path: s.db})
	require.NoError(t, err)
	t.Cleanup(func() { s.st.Close() })
	s.arch, err = archive.NewDirStore(archive.DirConfig{Root: filepath.Join(s.dir, "archive"), NoSync: true})
	require.NoError(t, err)

	sta, err := s.st.PutStation(ctx, schedule.Station{Slug: "demo", Name: "Demo FM", Zone: "UTC"})
	require.NoError(t, err)
	s.id = sta.ID
	prog, err := s.st.PutProgram(ctx, schedule.Program{StationID: s.id, Slug: "music", Title: "Music", Active: true, Stream: true})
	require.NoError(t, err)
	for i, name := range []string{"a", "b", "c"} {
		so, err := s.st.PutSound(ctx, schedule.Sound{ProgramID: prog.ID, Path: "/music/" + name + ".mp3", Name: name, Type: schedule.SoundArchive, Duration: 10 * time.Second})
		require.NoError(t, err)
		tr, err := s.st.PutTrack(ctx, schedule.Track{SoundID: so.ID, Title: "Song " + name, Artist: "Band", ISRC: fmt.Sprintf("FRZ03980021%d", i)})
		require.NoError(t, err)
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		l, _, err := s.st.AppendLog(ctx, schedule.Log{StationID: s.id, Type: schedule.LogOnAir, Date: at, Source: "music", Comment: so.Path, SoundID: so.ID})
		require.NoError(t, err)
		lt, _, err := s.st.AppendLog(ctx, schedule.Log{StationID: s.id, Type: schedule.LogOnAir, Date: at, Source: "music", SoundID: so.ID, TrackID: tr.ID, ParentID: l.ID})
		require.NoError(t, err)
		s.logIDs = append(s.logIDs, l.ID, lt.ID)
	}
	for i := range 20 {
		w, err := s.arch.Create(ctx, archive.Segment{Stream: "radio", Variant: "source", Start: t0.Add(time.Duration(2*i) * time.Second), Duration: 2})
		require.NoError(t, err)
		_, err = w.Write(bytes.Repeat([]byte{byte(i)}, 188))
		require.NoError(t, err)
		seg, err := w.Commit(ctx, archive.Full)
		require.NoError(t, err)
		s.segment = append(s.segment, seg)
	}
	s.clock = airkeep.NewFakeClock(t0.Add(2 * time.Minute))
	s.sealer, err = seal.NewSealer(seal.Config{Store: s.st, StationID: s.id, Archive: s.arch, Stream: "radio", Variant: "source", Clock: s.clock})
	require.NoError(t, err)
	res, err := s.sealer.Seal(ctx)
	require.NoError(t, err)
	require.Equal(t, seal.Result{Logs: 6, Citations: 3}, res)
	return s
}

func (s *station) verify(t *testing.T) seal.VerifyResult {
	t.Helper()
	res, err := seal.Verify(t.Context(), seal.VerifyConfig{Store: s.st, StationID: s.id, Archive: s.arch})
	require.NoError(t, err)
	return res
}

// exec changes the database behind the store's back, as someone with
// write access to the file would.
func (s *station) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+s.db+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(t.Context(), q, args...)
	require.NoError(t, err)
}

func (s *station) segmentFile(i int) string {
	return filepath.Join(s.dir, "archive", filepath.FromSlash(s.segment[i].Path()))
}

func TestSealIntact(t *testing.T) {
	t.Parallel()
	s := newStation(t)
	res := s.verify(t)
	require.Nil(t, res.Break)
	require.Equal(t, 9, res.Seals)
	require.Equal(t, 6, res.Entries)
	require.Equal(t, 3, res.Citations)
	require.Equal(t, 15, res.Segments, "each 10 s song: five 2 s segments")
	// Sealing again seals nothing new.
	again, err := s.sealer.Seal(t.Context())
	require.NoError(t, err)
	require.Zero(t, again)
	// The day's head is the last link.
	h, err := seal.DayHead(t.Context(), s.st, s.id, schedule.Date{Year: 2026, Month: 11, Day: 23}, time.UTC)
	require.NoError(t, err)
	require.Equal(t, int64(9), h.Seq)
	require.Equal(t, res.Head, h.Link)
	before, err := seal.DayHead(t.Context(), s.st, s.id, schedule.Date{Year: 2026, Month: 11, Day: 22}, time.UTC)
	require.NoError(t, err)
	require.Zero(t, before.Seq)
}

// TestTampering: each way of editing the past is caught, and named.
func TestTampering(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		tamper  func(t *testing.T, s *station)
		problem seal.Problem
		log     func(s *station) int64
		detail  string
	}{
		{"edit a title", func(t *testing.T, s *station) {
			s.exec(t, "UPDATE track SET title = 'Another song' WHERE title = 'Song b'")
		}, seal.Edited, func(s *station) int64 { return s.logIDs[3] }, `title was "Song b", is "Another song"`},
		{"edit an entry's date", func(t *testing.T, s *station) {
			s.exec(t, "UPDATE log SET date_us = date_us + 1000000 WHERE id = ?", s.logIDs[4])
		}, seal.Edited, func(s *station) int64 { return s.logIDs[4] }, "date was"},
		{"delete a row", func(t *testing.T, s *station) {
			s.exec(t, "DELETE FROM log WHERE id = ?", s.logIDs[2])
		}, seal.Removed, func(s *station) int64 { return s.logIDs[2] }, "was deleted"},
		{"swap two rows", func(t *testing.T, s *station) {
			a, b := s.logIDs[0], s.logIDs[2]
			s.exec(t, `UPDATE log SET date_us = CASE id WHEN ? THEN (SELECT date_us FROM log WHERE id = ?) ELSE (SELECT date_us FROM log WHERE id = ?) END,
				comment = CASE id WHEN ? THEN (SELECT comment FROM log WHERE id = ?) ELSE (SELECT comment FROM log WHERE id = ?) END,
				sound_id = CASE id WHEN ? THEN (SELECT sound_id FROM log WHERE id = ?) ELSE (SELECT sound_id FROM log WHERE id = ?) END
				WHERE id IN (?, ?)`, a, b, a, a, b, a, a, b, a, a, b)
		}, seal.Edited, func(s *station) int64 { return s.logIDs[0] }, `path was "/music/a.mp3", is "/music/b.mp3"`},
		// Log IDs have no gaps, so a forger must renumber what follows to
		// slip an entry in: the entry whose number it took reads as edited.
		{"insert a row", func(t *testing.T, s *station) {
			s.exec(t, "UPDATE log SET id = id + 100, parent_id = CASE parent_id WHEN 0 THEN 0 ELSE parent_id + 100 END WHERE id > ?", s.logIDs[1])
			s.exec(t, "INSERT INTO log (id, station_id, type, date_us, source, comment, diffusion_id, sound_id, track_id, parent_id, uris, generation, confirmed) VALUES (?, ?, 3, ?, 'music', '/music/ad.mp3', 0, 0, 0, 0, '[]', 0, 0)",
				s.logIDs[1]+1, s.id, t0.Add(9*time.Second).UnixMicro())
		}, seal.Edited, func(s *station) int64 { return s.logIDs[2] }, `comment was "/music/b.mp3", is "/music/ad.mp3"`},
		{"rewrite a seal", func(t *testing.T, s *station) {
			s.exec(t, "UPDATE seal SET body = replace(body, 'Song a', 'Song z') WHERE seq = 2")
		}, seal.Edited, func(s *station) int64 { return s.logIDs[1] }, "chain was rewritten"},
		{"delete a seal", func(t *testing.T, s *station) {
			s.exec(t, "DELETE FROM seal WHERE seq = 4")
		}, seal.Removed, func(s *station) int64 { return 0 }, "seal 4 is missing"},
		{"flip a byte of a cited segment", func(t *testing.T, s *station) {
			p := s.segmentFile(7)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			b[100] ^= 0x01
			require.NoError(t, os.WriteFile(p, b, 0o644))
		}, seal.SegmentAltered, func(s *station) int64 { return s.logIDs[2] }, s0(7)},
		{"delete a cited segment", func(t *testing.T, s *station) {
			require.NoError(t, os.Remove(s.segmentFile(12)))
		}, seal.SegmentMissing, func(s *station) int64 { return s.logIDs[4] }, s0(12)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStation(t)
			require.Nil(t, s.verify(t).Break)
			tt.tamper(t, s)
			res := s.verify(t)
			require.NotNil(t, res.Break, "not caught")
			require.ErrorIs(t, res.Break, seal.ErrBroken)
			require.Equal(t, tt.problem, res.Break.Problem, res.Break.Error())
			require.Equal(t, tt.log(s), res.Break.LogID, res.Break.Error())
			detail := tt.detail
			if len(detail) > 0 && detail[0] == '#' {
				detail = s.segment[int(detail[1]-'a')].Path()
			}
			require.Contains(t, res.Break.Error(), detail)
		})
	}
}

// s0 names the i-th segment in a table built before the station exists.
func s0(i int) string { return "#" + string(rune('a'+i)) }

// TestCrashBetweenEntryAndLink: an entry written and not sealed (the
// station died in between) fails verification until the station starts
// again and seals it.
func TestCrashBetweenEntryAndLink(t *testing.T) {
	t.Parallel()
	s := newStation(t)
	ctx := t.Context()
	l, _, err := s.st.AppendLog(ctx, schedule.Log{StationID: s.id, Type: schedule.LogOnAir, Date: t0.Add(30 * time.Second), Source: "music", Comment: "/music/a.mp3"})
	require.NoError(t, err)
	res := s.verify(t)
	require.NotNil(t, res.Break)
	require.Equal(t, seal.Unsealed, res.Break.Problem)
	require.Equal(t, l.ID, res.Break.LogID)

	restarted, err := seal.NewSealer(seal.Config{Store: s.st, StationID: s.id, Archive: s.arch, Stream: "radio", Variant: "source", Clock: s.clock})
	require.NoError(t, err)
	got, err := restarted.Seal(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, got.Logs)
	require.Nil(t, s.verify(t).Break)
}

// TestMigrationFromSchemaV1: a database written before the chain
// (testdata/schema-v1.db, made by testdata/make-schema-v1.go.txt with the
// store as it was) opens with every row, and is sealed from there.
func TestMigrationFromSchemaV1(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	src, err := os.Open("testdata/schema-v1.db")
	require.NoError(t, err)
	defer src.Close()
	dst, err := os.Create(path)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())

	st, err := sqlitestore.New(ctx, sqlitestore.Config{Path: path})
	require.NoError(t, err)
	defer st.Close()
	sta, err := st.Station(ctx, "demo")
	require.NoError(t, err)
	logs, err := st.Logs(ctx, schedule.LogFilter{StationID: sta.ID})
	require.NoError(t, err)
	require.Len(t, logs, 6, "no row lost")
	entries, err := schedule.AsRun(ctx, st, sta.ID, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, "Song b", entries[3].Title)

	s, err := seal.NewSealer(seal.Config{Store: st, StationID: sta.ID, Clock: airkeep.NewFakeClock(t0.Add(time.Hour))})
	require.NoError(t, err)
	res, err := s.Seal(ctx)
	require.NoError(t, err)
	require.Equal(t, 6, res.Logs)
	v, err := seal.Verify(ctx, seal.VerifyConfig{Store: st, StationID: sta.ID})
	require.NoError(t, err)
	require.Nil(t, v.Break)
	require.Equal(t, 6, v.Entries)
}

// TestSealerRun: Run seals what the monitor writes, on the fake clock.
func TestSealerRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	st := schedule.NewMemStore()
	sta, err := st.PutStation(ctx, schedule.Station{Slug: "s", Name: "S", Zone: "UTC"})
	require.NoError(t, err)
	clock := airkeep.NewFakeClock(t0)
	s, err := seal.NewSealer(seal.Config{Store: st, StationID: sta.ID, Clock: clock, Interval: time.Second})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for i := range 3 {
		clock.BlockUntil(1)
		_, _, err := st.AppendLog(ctx, schedule.Log{StationID: sta.ID, Type: schedule.LogOther, Date: clock.Now(), Comment: fmt.Sprint(i)})
		require.NoError(t, err)
		clock.Advance(time.Second)
	}
	clock.BlockUntil(1)
	cancel()
	require.NoError(t, <-done)
	seals, err := st.Seals(t.Context(), sta.ID, 0, 0)
	require.NoError(t, err)
	require.Len(t, seals, 3)
}
