package schedule

import (
	"cmp"
	"context"
	"fmt"
	"github.com/airkeep/airkeep/schedule/listeners"
	"slices"
	"sync"
	"time"
)

var _ Store = (*MemStore)(nil)

// MemStore is a Store in memory: for tests, dry runs and simulations. It is
// safe for concurrent use; every command runs under one lock, which makes
// it atomic.
type MemStore struct {
	mu        sync.Mutex
	seq       map[string]int64 // per table, as SQLite numbers rows
	stations  map[int64]Station
	programs  map[int64]Program
	schedules map[int64]Schedule
	episodes  map[int64]Episode
	sounds    map[int64]Sound
	restoreTo map[int64]SoundType // type a removed sound comes back to
	tracks    map[int64]Track
	diffs     map[int64]Diffusion
	diffKeys  map[diffKey]int64
	byStart   []Diffusion // ID, Start and End of every diffusion, by (Start, ID)
	maxDur    time.Duration
	pending   []Diffusion                  // ID and End of Pending diffusions, by (End, ID)
	epSounds  map[int64]map[int64]struct{} // episode -> its sounds
	logs      []Log                        // by ID
	logKeys   map[logKey]int64
	starts    map[int64]int64  // diffusion -> START log
	seals     map[int64][]Seal // station -> its chain, by Seq
	listeners map[int64][]listeners.Sample
}

type diffKey struct {
	schedule, episode int64
	start             int64
}

type logKey struct {
	station int64
	key     string
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{
		seq:       map[string]int64{},
		stations:  map[int64]Station{},
		programs:  map[int64]Program{},
		schedules: map[int64]Schedule{},
		episodes:  map[int64]Episode{},
		sounds:    map[int64]Sound{},
		restoreTo: map[int64]SoundType{},
		tracks:    map[int64]Track{},
		diffs:     map[int64]Diffusion{},
		diffKeys:  map[diffKey]int64{},
		epSounds:  map[int64]map[int64]struct{}{},
		logKeys:   map[logKey]int64{},
		starts:    map[int64]int64{},
	}
}

// Close does nothing.
func (m *MemStore) Close() error { return nil }

func (m *MemStore) next(table string) int64 {
	m.seq[table]++
	return m.seq[table]
}

// utc is the storage form of an instant: UTC, microseconds, as SQLite keeps it.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// getRow returns rows[id] under the lock.
func getRow[T any](m *MemStore, rows map[int64]T, what string, id int64) (T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := rows[id]
	if !ok {
		return v, notFound(what, id)
	}
	return v, nil
}

// findRow returns the row that match selects, under the lock.
func findRow[T any](m *MemStore, rows map[int64]T, what string, key any, match func(T) bool) (T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range rows {
		if match(v) {
			return v, nil
		}
	}
	var zero T
	return zero, notFound(what, key)
}

// upsertRow replaces the row for which same is true, keeping its ID, or
// inserts v with the table's next ID. m.mu must be held.
func upsertRow[T any](m *MemStore, rows map[int64]T, table string, v T, same func(T) bool, setID func(*T, int64)) T {
	for id, old := range rows {
		if same(old) {
			setID(&v, id)
			rows[id] = v
			return v
		}
	}
	id := m.next(table)
	setID(&v, id)
	rows[id] = v
	return v
}

func notFound(what string, key any) error {
	return fmt.Errorf("%s %v: %w", what, key, ErrNotFound)
}

func (m *MemStore) PutStation(ctx context.Context, s Station) (Station, error) {
	if err := s.Validate(); err != nil {
		return Station{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return upsertRow(m, m.stations, "station", s, func(o Station) bool { return o.Slug == s.Slug },
		func(v *Station, id int64) { v.ID = id }), nil
}

func (m *MemStore) Station(ctx context.Context, slug string) (Station, error) {
	return findRow(m, m.stations, "station", slug, func(s Station) bool { return s.Slug == slug })
}

func (m *MemStore) Stations(ctx context.Context) ([]Station, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Station, 0, len(m.stations))
	for _, st := range m.stations {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Station) int { return cmp.Compare(a.Slug, b.Slug) })
	return out, nil
}

func (m *MemStore) PutProgram(ctx context.Context, p Program) (Program, error) {
	if err := p.Validate(); err != nil {
		return Program{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stations[p.StationID]; !ok {
		return Program{}, notFound("station", p.StationID)
	}
	return upsertRow(m, m.programs, "program", p, func(o Program) bool { return o.StationID == p.StationID && o.Slug == p.Slug },
		func(v *Program, id int64) { v.ID = id }), nil
}

func (m *MemStore) Program(ctx context.Context, id int64) (Program, error) {
	return getRow(m, m.programs, "program", id)
}

func (m *MemStore) Programs(ctx context.Context, stationID int64) ([]Program, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Program
	for _, p := range m.programs {
		if p.StationID == stationID {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Program) int { return cmp.Compare(a.Slug, b.Slug) })
	return out, nil
}

func (m *MemStore) PutSchedule(ctx context.Context, s Schedule) (Schedule, error) {
	if err := s.Validate(); err != nil {
		return Schedule{}, err
	}
	s.Reruns = slices.Clone(s.Reruns)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.programs[s.ProgramID]; !ok {
		return Schedule{}, notFound("program", s.ProgramID)
	}
	return upsertRow(m, m.schedules, "schedule", s, func(o Schedule) bool { return o.ProgramID == s.ProgramID && o.Name == s.Name },
		func(v *Schedule, id int64) { v.ID = id }), nil
}

func (m *MemStore) DeleteSchedule(ctx context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.schedules[id]; !ok {
		return notFound("schedule", id)
	}
	delete(m.schedules, id)
	return nil
}

func (m *MemStore) Schedules(ctx context.Context, programID int64) ([]Schedule, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Schedule
	for _, s := range m.schedules {
		if s.ProgramID == programID {
			s.Reruns = slices.Clone(s.Reruns)
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Schedule) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *MemStore) PutEpisode(ctx context.Context, e Episode) (Episode, error) {
	if e.Slug == "" {
		return Episode{}, &FieldError{Type: "Episode", Field: "Slug", Reason: "empty"}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.programs[e.ProgramID]; !ok {
		return Episode{}, notFound("program", e.ProgramID)
	}
	return upsertRow(m, m.episodes, "episode", e, func(o Episode) bool { return o.ProgramID == e.ProgramID && o.Slug == e.Slug },
		func(v *Episode, id int64) { v.ID = id }), nil
}

func (m *MemStore) Episode(ctx context.Context, id int64) (Episode, error) {
	return getRow(m, m.episodes, "episode", id)
}

func (m *MemStore) EpisodeBySlug(ctx context.Context, programID int64, slug string) (Episode, error) {
	return findRow(m, m.episodes, "episode", slug, func(e Episode) bool { return e.ProgramID == programID && e.Slug == slug })
}

func (m *MemStore) PutSound(ctx context.Context, s Sound) (Sound, error) {
	if err := s.Validate(); err != nil {
		return Sound{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.programs[s.ProgramID]; !ok {
		return Sound{}, notFound("program", s.ProgramID)
	}
	if e, ok := m.episodes[s.EpisodeID]; s.EpisodeID != 0 && (!ok || e.ProgramID != s.ProgramID) {
		return Sound{}, notFound("episode of the program", s.EpisodeID)
	}
	for id, old := range m.sounds {
		if old.Path == s.Path {
			s.ID = id
			if old.Type == SoundRemoved && s.Type != SoundRemoved {
				m.restoreTo[id] = s.Type
				s.Type = SoundRemoved
			}
			delete(m.epSounds[old.EpisodeID], id)
			m.putSound(s)
			return s, nil
		}
	}
	s.ID = m.next("sound")
	m.putSound(s)
	return s, nil
}

// putSound stores s and indexes it by episode. m.mu must be held.
func (m *MemStore) putSound(s Sound) {
	m.sounds[s.ID] = s
	if m.epSounds[s.EpisodeID] == nil {
		m.epSounds[s.EpisodeID] = map[int64]struct{}{}
	}
	m.epSounds[s.EpisodeID][s.ID] = struct{}{}
}

func (m *MemStore) Sound(ctx context.Context, id int64) (Sound, error) {
	return getRow(m, m.sounds, "sound", id)
}

func (m *MemStore) SoundByPath(ctx context.Context, path string) (Sound, error) {
	return findRow(m, m.sounds, "sound", path, func(s Sound) bool { return s.Path == path })
}

func (m *MemStore) Sounds(ctx context.Context, stationID int64) ([]Sound, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Sound
	for _, s := range m.sounds {
		if m.programs[s.ProgramID].StationID == stationID {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Sound) int { return cmp.Compare(a.Path, b.Path) })
	return out, nil
}

func (m *MemStore) SetSoundRemoved(ctx context.Context, id int64, removed bool) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sounds[id]
	if !ok {
		return false, notFound("sound", id)
	}
	switch {
	case removed && s.Type != SoundRemoved:
		m.restoreTo[id] = s.Type
		s.Type = SoundRemoved
	case !removed && s.Type == SoundRemoved:
		t, ok := m.restoreTo[id]
		if !ok {
			t = SoundArchive
		}
		delete(m.restoreTo, id)
		s.Type = t
	default:
		return false, nil
	}
	m.sounds[id] = s
	return true, nil
}

func playOrder(a, b Sound) int {
	if c := cmp.Compare(a.Position, b.Position); c != 0 {
		return c
	}
	return cmp.Compare(a.Path, b.Path)
}

func (m *MemStore) Playlist(ctx context.Context, episodeID int64) ([]Sound, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Sound
	for id := range m.epSounds[episodeID] {
		if s := m.sounds[id]; s.Type == SoundArchive && episodeID != 0 {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, playOrder)
	return out, nil
}

func (m *MemStore) playlist(keep func(Sound) bool) []Sound {
	var out []Sound
	for _, s := range m.sounds {
		if s.Type == SoundArchive && keep(s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, playOrder)
	return out
}

func (m *MemStore) StreamPlaylists(ctx context.Context, stationID int64) ([]StreamPlaylist, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []StreamPlaylist
	for _, p := range m.programs {
		if p.StationID == stationID && p.Stream && p.Active {
			out = append(out, StreamPlaylist{Name: p.Slug, ProgramID: p.ID,
				Sounds: m.playlist(func(s Sound) bool { return s.ProgramID == p.ID })})
		}
	}
	slices.SortFunc(out, func(a, b StreamPlaylist) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *MemStore) PutTrack(ctx context.Context, t Track) (Track, error) {
	if err := t.Validate(); err != nil {
		return Track{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sounds[t.SoundID]; t.SoundID != 0 && !ok {
		return Track{}, notFound("sound", t.SoundID)
	}
	if _, ok := m.episodes[t.EpisodeID]; t.EpisodeID != 0 && !ok {
		return Track{}, notFound("episode", t.EpisodeID)
	}
	return upsertRow(m, m.tracks, "track", t, func(o Track) bool {
		return o.SoundID == t.SoundID && o.EpisodeID == t.EpisodeID && o.Position == t.Position
	}, func(v *Track, id int64) { v.ID = id }), nil
}

func (m *MemStore) Track(ctx context.Context, id int64) (Track, error) {
	return getRow(m, m.tracks, "track", id)
}

func (m *MemStore) TimedTracks(ctx context.Context, soundID int64) ([]Track, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Track
	for _, t := range m.tracks {
		if t.SoundID == soundID && t.Timed {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, timedOrder)
	return out, nil
}

func timedOrder(a, b Track) int {
	if c := cmp.Compare(a.Timestamp, b.Timestamp); c != 0 {
		return c
	}
	return cmp.Compare(a.Position, b.Position)
}

func keyOf(d Diffusion) diffKey {
	if d.ScheduleID != 0 {
		return diffKey{schedule: d.ScheduleID, start: d.Start.UnixMicro()}
	}
	return diffKey{episode: d.EpisodeID, start: d.Start.UnixMicro()}
}

func (m *MemStore) PutDiffusions(ctx context.Context, ds []Diffusion) ([]Diffusion, int, error) {
	if err := ValidateDiffusions(ds); err != nil {
		return nil, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Check everything first: the batch is all or nothing.
	for _, d := range ds {
		if err := m.checkDiffusionRefs(d); err != nil {
			return nil, 0, err
		}
	}
	out := make([]Diffusion, len(ds))
	created := 0
	for i, d := range ds {
		d.Start, d.End = utc(d.Start), utc(d.End)
		if d.InitialID < 0 {
			d.InitialID = out[-d.InitialID-1].ID
		}
		k := keyOf(d)
		if id, ok := m.diffKeys[k]; ok {
			out[i] = m.diffs[id]
			continue
		}
		d.ID = m.next("diffusion")
		d.Status = Pending
		m.diffs[d.ID] = d
		m.diffKeys[k] = d.ID
		m.setPending(d, true)
		at, _ := slices.BinarySearchFunc(m.byStart, d, byStart)
		m.byStart = slices.Insert(m.byStart, at, Diffusion{ID: d.ID, Start: d.Start, End: d.End})
		m.maxDur = max(m.maxDur, d.End.Sub(d.Start))
		out[i] = d
		created++
	}
	return out, created, nil
}

func (m *MemStore) checkDiffusionRefs(d Diffusion) error {
	p, ok := m.programs[d.ProgramID]
	if !ok || p.StationID != d.StationID {
		return notFound("program of the station", d.ProgramID)
	}
	if e, ok := m.episodes[d.EpisodeID]; !ok || e.ProgramID != d.ProgramID {
		return notFound("episode of the program", d.EpisodeID)
	}
	if _, ok := m.schedules[d.ScheduleID]; d.ScheduleID != 0 && !ok {
		return notFound("schedule", d.ScheduleID)
	}
	if _, ok := m.diffs[d.InitialID]; d.InitialID > 0 && !ok {
		return notFound("initial diffusion", d.InitialID)
	}
	return nil
}

func (m *MemStore) DeleteDiffusion(ctx context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.diffs[id]
	if !ok {
		return notFound("diffusion", id)
	}
	if d.Status != Pending {
		return fmt.Errorf("diffusion %d is %v: %w", id, d.Status, ErrInUse)
	}
	for _, l := range m.logs {
		if l.DiffusionID == id {
			return fmt.Errorf("diffusion %d has log %d: %w", id, l.ID, ErrInUse)
		}
	}
	for _, o := range m.diffs {
		if o.InitialID == id {
			return fmt.Errorf("diffusion %d has rerun %d: %w", id, o.ID, ErrInUse)
		}
	}
	delete(m.diffs, id)
	delete(m.diffKeys, keyOf(d))
	m.setPending(d, false)
	if i, ok := slices.BinarySearchFunc(m.byStart, d, byStart); ok {
		m.byStart = slices.Delete(m.byStart, i, i+1)
	}
	return nil
}

func (m *MemStore) Diffusion(ctx context.Context, id int64) (Diffusion, error) {
	return getRow(m, m.diffs, "diffusion", id)
}

func byStart(a, b Diffusion) int {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func (m *MemStore) Diffusions(ctx context.Context, stationID int64, from, to time.Time) ([]Diffusion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Diffusion
	for _, d := range m.diffs {
		if d.StationID == stationID && d.Start.Before(to) && d.End.After(from) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, byStart)
	return out, nil
}

func byEnd(a, b Diffusion) int {
	if c := a.End.Compare(b.End); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// setPending adds d to, or removes it from, the pending index. m.mu must
// be held.
func (m *MemStore) setPending(d Diffusion, pending bool) {
	i, found := slices.BinarySearchFunc(m.pending, d, byEnd)
	switch {
	case pending && !found:
		m.pending = slices.Insert(m.pending, i, Diffusion{ID: d.ID, End: d.End})
	case !pending && found:
		m.pending = slices.Delete(m.pending, i, i+1)
	}
}

func (m *MemStore) due(d Diffusion) DueDiffusion {
	dd := DueDiffusion{Diffusion: d}
	for id := range m.epSounds[d.EpisodeID] {
		s := m.sounds[id]
		dd.HasArchive = dd.HasArchive || s.Type == SoundArchive
		dd.HasRemoved = dd.HasRemoved || s.Type == SoundRemoved
	}
	return dd
}

func (m *MemStore) DueDiffusions(ctx context.Context, stationID int64, now time.Time) ([]DueDiffusion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ds []Diffusion
	// Walk back from the last start <= now while a diffusion that long
	// could still be running.
	i, _ := slices.BinarySearchFunc(m.byStart, now, func(d Diffusion, t time.Time) int {
		if d.Start.After(t) {
			return 1
		}
		return -1
	})
	for i--; i >= 0 && !m.byStart[i].Start.Before(now.Add(-m.maxDur)); i-- {
		d := m.diffs[m.byStart[i].ID]
		if d.StationID == stationID && d.Type == OnAir && (d.Status == Pending || d.Status == Started) && !d.End.Before(now) {
			ds = append(ds, d)
		}
	}
	slices.SortFunc(ds, byStart)
	out := make([]DueDiffusion, len(ds))
	for i, d := range ds {
		out[i] = m.due(d)
	}
	return out, nil
}

func (m *MemStore) EndedPending(ctx context.Context, stationID int64, before time.Time, limit int) ([]DueDiffusion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ds []Diffusion
	for _, p := range m.pending {
		if !p.End.Before(before) || (limit > 0 && len(ds) == limit) {
			break
		}
		if d := m.diffs[p.ID]; d.StationID == stationID && d.Type == OnAir {
			ds = append(ds, d)
		}
	}
	out := make([]DueDiffusion, len(ds))
	for i, d := range ds {
		out[i] = m.due(d)
	}
	return out, nil
}

func (m *MemStore) NextDiffusion(ctx context.Context, stationID int64, after time.Time) (Diffusion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best Diffusion
	for _, d := range m.diffs {
		if d.StationID == stationID && d.Type == OnAir && d.Start.After(after) && (best.ID == 0 || byStart(d, best) < 0) {
			best = d
		}
	}
	if best.ID == 0 {
		return Diffusion{}, notFound("diffusion after", after)
	}
	return best, nil
}

func (m *MemStore) DiffusionOfEpisodeAt(ctx context.Context, episodeID int64, t time.Time) (Diffusion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best Diffusion
	for _, d := range m.diffs {
		if d.EpisodeID == episodeID && d.Type == OnAir && !d.Start.After(t) && !d.End.Before(t) &&
			(best.ID == 0 || byStart(d, best) < 0) {
			best = d
		}
	}
	if best.ID == 0 {
		return Diffusion{}, notFound("diffusion of episode at", t)
	}
	return best, nil
}

// appendLog appends l; m.mu must be held.
func (m *MemStore) appendLog(l Log) Log {
	l.ID = m.next("log")
	l.Date = utc(l.Date)
	l.URIs = slices.Clone(l.URIs)
	m.logs = append(m.logs, l)
	if l.Key != "" {
		m.logKeys[logKey{l.StationID, l.Key}] = l.ID
	}
	return l
}

func (m *MemStore) logByID(id int64) (int, bool) {
	return slices.BinarySearchFunc(m.logs, id, func(l Log, id int64) int { return cmp.Compare(l.ID, id) })
}

func (m *MemStore) BeginStart(ctx context.Context, diffusionID int64, l Log) (Log, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.diffs[diffusionID]
	if !ok {
		return Log{}, false, notFound("diffusion", diffusionID)
	}
	if d.Status != Pending {
		if id, ok := m.starts[diffusionID]; ok {
			i, _ := m.logByID(id)
			return cloneLog(m.logs[i]), false, nil
		}
		return Log{}, false, nil
	}
	l.Type, l.StationID, l.DiffusionID, l.Confirmed, l.Key = LogStart, d.StationID, d.ID, false, ""
	l = m.appendLog(l)
	d.Status = Started
	m.diffs[d.ID] = d
	m.setPending(d, false)
	m.starts[d.ID] = l.ID
	return cloneLog(l), true, nil
}

func (m *MemStore) ConfirmStart(ctx context.Context, logID int64, gen uint64, uris []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.logByID(logID)
	if !ok || m.logs[i].Type != LogStart {
		return notFound("start log", logID)
	}
	m.logs[i].Confirmed, m.logs[i].Generation, m.logs[i].URIs = true, gen, slices.Clone(uris)
	return nil
}

func (m *MemStore) StartLog(ctx context.Context, diffusionID int64) (Log, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.starts[diffusionID]
	if !ok {
		return Log{}, notFound("start log of diffusion", diffusionID)
	}
	i, _ := m.logByID(id)
	return cloneLog(m.logs[i]), nil
}

func (m *MemStore) Settle(ctx context.Context, diffusionID int64, to Status, l Log) (Log, bool, error) {
	typ, err := SettleLogType(to)
	if err != nil {
		return Log{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.diffs[diffusionID]
	if !ok {
		return Log{}, false, notFound("diffusion", diffusionID)
	}
	if d.Status != Pending {
		return Log{}, false, nil
	}
	d.Status = to
	if to == StatusCancelled {
		d.Type = Cancelled
	}
	m.diffs[d.ID] = d
	m.setPending(d, false)
	if to == Live {
		return Log{}, true, nil
	}
	l.Type, l.StationID, l.DiffusionID, l.Key = typ, d.StationID, d.ID, ""
	return cloneLog(m.appendLog(l)), true, nil
}

func (m *MemStore) AppendLog(ctx context.Context, l Log) (Log, bool, error) {
	if err := l.Validate(); err != nil {
		return Log{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stations[l.StationID]; !ok {
		return Log{}, false, notFound("station", l.StationID)
	}
	if l.Key != "" {
		if id, ok := m.logKeys[logKey{l.StationID, l.Key}]; ok {
			i, _ := m.logByID(id)
			return cloneLog(m.logs[i]), false, nil
		}
	}
	return cloneLog(m.appendLog(l)), true, nil
}

func (m *MemStore) AppendOnAir(ctx context.Context, l Log, margin time.Duration) (Log, bool, error) {
	l.Type = LogOnAir
	if err := l.Validate(); err != nil {
		return Log{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stations[l.StationID]; !ok {
		return Log{}, false, notFound("station", l.StationID)
	}
	date := utc(l.Date)
	for i := len(m.logs) - 1; i >= 0; i-- {
		o := m.logs[i]
		if o.StationID == l.StationID && o.Type == LogOnAir && o.ParentID == 0 && o.Source == l.Source &&
			o.Comment == l.Comment && !o.Date.Before(date.Add(-margin)) && !o.Date.After(date.Add(margin)) {
			return cloneLog(o), false, nil
		}
	}
	return cloneLog(m.appendLog(l)), true, nil
}

func (m *MemStore) Logs(ctx context.Context, f LogFilter) ([]Log, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Log
	match := func(l Log) bool { return f.match(l) }
	if f.Desc {
		for i := len(m.logs) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
			if match(m.logs[i]) {
				out = append(out, cloneLog(m.logs[i]))
			}
		}
		return out, nil
	}
	for i := 0; i < len(m.logs) && (f.Limit <= 0 || len(out) < f.Limit); i++ {
		if match(m.logs[i]) {
			out = append(out, cloneLog(m.logs[i]))
		}
	}
	return out, nil
}

func (f LogFilter) match(l Log) bool {
	switch {
	case f.StationID != 0 && l.StationID != f.StationID,
		!f.From.IsZero() && l.Date.Before(f.From),
		!f.To.IsZero() && !l.Date.Before(f.To),
		len(f.Types) > 0 && !slices.Contains(f.Types, l.Type),
		f.Source != "" && l.Source != f.Source,
		f.DiffusionID != 0 && l.DiffusionID != f.DiffusionID,
		f.ParentID != 0 && l.ParentID != f.ParentID,
		f.TopLevel && l.ParentID != 0,
		l.ID <= f.AfterID,
		f.BeforeID != 0 && l.ID >= f.BeforeID:
		return false
	}
	return true
}

func cloneLog(l Log) Log {
	l.URIs = slices.Clone(l.URIs)
	return l
}
