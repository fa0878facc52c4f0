package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/airkeep/airkeep/schedule"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite": no cgo
)

var _ schedule.Store = (*Store)(nil)

// Config configures a Store.
type Config struct {
	// Path is the database file (required); it is created if missing.
	Path string
	// BusyTimeout is how long a write waits for another writer (another
	// goroutine or process) before failing. 0 means 10s.
	BusyTimeout time.Duration
}

// Store is the embedded default schedule.Store: one SQLite file through the
// pure-Go modernc.org/sqlite driver (no cgo). The database runs in WAL mode
// so readers never wait for the monitor's writes; every command is one
// IMMEDIATE transaction, so it is atomic across goroutines and processes.
// Instants are INTEGER UTC microseconds: sortable, with no zone to parse.
type Store struct {
	db *sql.DB
	// The monitor's per-tick queries, parsed once.
	dueStmt, endedStmt *sql.Stmt

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // reads outside transactions, parsed once
}

// schemaVersion is stored in PRAGMA user_version.
const schemaVersion = 3

const schema = `
CREATE TABLE station (
	id   INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	zone TEXT NOT NULL
);
CREATE TABLE program (
	id         INTEGER PRIMARY KEY,
	station_id INTEGER NOT NULL REFERENCES station(id),
	slug       TEXT NOT NULL,
	title      TEXT NOT NULL,
	active     INTEGER NOT NULL,
	stream     INTEGER NOT NULL,
	UNIQUE (station_id, slug)
);
CREATE TABLE schedule (
	id          INTEGER PRIMARY KEY,
	program_id  INTEGER NOT NULL REFERENCES program(id),
	name        TEXT NOT NULL,
	date        TEXT NOT NULL,
	time        TEXT NOT NULL,
	zone        TEXT NOT NULL,
	duration_us INTEGER NOT NULL,
	frequency   INTEGER NOT NULL,
	reruns      TEXT NOT NULL,
	UNIQUE (program_id, name)
);
CREATE TABLE episode (
	id         INTEGER PRIMARY KEY,
	program_id INTEGER NOT NULL REFERENCES program(id),
	slug       TEXT NOT NULL,
	title      TEXT NOT NULL,
	UNIQUE (program_id, slug)
);
CREATE TABLE sound (
	id           INTEGER PRIMARY KEY,
	program_id   INTEGER NOT NULL REFERENCES program(id),
	episode_id   INTEGER NOT NULL, -- 0: none
	name         TEXT NOT NULL,
	type         INTEGER NOT NULL,
	restore_type INTEGER NOT NULL, -- the type a removed sound comes back to
	path         TEXT NOT NULL UNIQUE,
	position     INTEGER NOT NULL,
	duration_us  INTEGER NOT NULL
);
CREATE INDEX sound_episode ON sound (episode_id, type);
CREATE INDEX sound_program ON sound (program_id, type);
CREATE TABLE track (
	id           INTEGER PRIMARY KEY,
	sound_id     INTEGER NOT NULL, -- 0: none
	episode_id   INTEGER NOT NULL, -- 0: none
	position     INTEGER NOT NULL,
	timed        INTEGER NOT NULL,
	timestamp_us INTEGER NOT NULL,
	title TEXT NOT NULL, artist TEXT NOT NULL, album TEXT NOT NULL,
	label TEXT NOT NULL, isrc TEXT NOT NULL, info TEXT NOT NULL,
	UNIQUE (sound_id, episode_id, position)
);
CREATE TABLE diffusion (
	id          INTEGER PRIMARY KEY,
	station_id  INTEGER NOT NULL REFERENCES station(id),
	program_id  INTEGER NOT NULL REFERENCES program(id),
	episode_id  INTEGER NOT NULL REFERENCES episode(id),
	schedule_id INTEGER NOT NULL, -- 0: made by hand
	initial_id  INTEGER NOT NULL, -- 0: an initial
	type        INTEGER NOT NULL,
	status      INTEGER NOT NULL,
	start_us    INTEGER NOT NULL,
	end_us      INTEGER NOT NULL
);
CREATE UNIQUE INDEX diffusion_schedule_start ON diffusion (schedule_id, start_us) WHERE schedule_id != 0;
CREATE UNIQUE INDEX diffusion_episode_start ON diffusion (episode_id, start_us) WHERE schedule_id = 0;
CREATE INDEX diffusion_station_start ON diffusion (station_id, start_us);
CREATE INDEX diffusion_station_pending ON diffusion (station_id, status, type, end_us);
CREATE INDEX diffusion_episode ON diffusion (episode_id, start_us);
CREATE INDEX diffusion_initial ON diffusion (initial_id) WHERE initial_id != 0;
CREATE TABLE log (
	id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: logs are ordered by id
	station_id   INTEGER NOT NULL REFERENCES station(id),
	type         INTEGER NOT NULL,
	date_us      INTEGER NOT NULL,
	source       TEXT NOT NULL,
	comment      TEXT NOT NULL,
	diffusion_id INTEGER NOT NULL,
	sound_id     INTEGER NOT NULL,
	track_id     INTEGER NOT NULL,
	parent_id    INTEGER NOT NULL,
	key          TEXT, -- NULL: no dedup key
	uris         TEXT NOT NULL,
	generation   INTEGER NOT NULL,
	confirmed    INTEGER NOT NULL
);
CREATE UNIQUE INDEX log_key ON log (station_id, key) WHERE key IS NOT NULL;
CREATE UNIQUE INDEX log_one_start ON log (diffusion_id) WHERE type = 1;
CREATE INDEX log_station_source ON log (station_id, source, id);
CREATE INDEX log_station_date ON log (station_id, date_us);
CREATE INDEX log_diffusion ON log (diffusion_id, type);
CREATE INDEX log_parent ON log (parent_id) WHERE parent_id != 0;
-- meta keeps the longest diffusion, which bounds the due-diffusion scan.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('max_duration_us', 0);
`

// New opens (creating if needed) the database at cfg.Path.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, &schedule.FieldError{Type: "sqlitestore.Config", Field: "Path", Reason: "required"}
	}
	if cfg.BusyTimeout < 0 {
		return nil, &schedule.FieldError{Type: "sqlitestore.Config", Field: "BusyTimeout", Reason: "negative"}
	}
	busy := cfg.BusyTimeout
	if busy == 0 {
		busy = 10 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: cfg.Path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Path, err)
	}
	s := &Store{db: db, stmts: map[string]*sql.Stmt{}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", cfg.Path, err)
	}
	if s.dueStmt, err = db.PrepareContext(ctx, dueQuery); err == nil {
		s.endedStmt, err = db.PrepareContext(ctx, endedQuery)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", cfg.Path, err)
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("schema version %d is newer than this code's %d", v, schemaVersion)
		}
		// Each step takes the schema one version up, in this transaction.
		steps := []string{schema, sealSchema, listenerSchema}
		for ; v < schemaVersion; v++ {
			if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
			}
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
		return err
	})
}

// Close closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := []error{s.dueStmt.Close(), s.endedStmt.Close()}
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, s.db.Close())...)
}

// stmt returns q prepared, from the cache. Parsing dominates the cost of
// the small queries the monitor makes every tick.
func (s *Store) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[q]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.stmts[q] = st
	return st, nil
}

// row is QueryRowContext on a cached statement.
func (s *Store) row(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// DB returns the underlying database, for reports and backups; write to it
// only through the Store methods, which keep its invariants.
func (s *Store) DB() *sql.DB { return s.db }

func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func us(t time.Time) int64 { return t.UnixMicro() }

func fromUS(v int64) time.Time { return time.UnixMicro(v).UTC() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sqlNotFound turns sql.ErrNoRows into ErrNotFound.
func sqlNotFound(err error, what string, key any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what, key)
	}
	return err
}

// upsert finds the row id by key; it updates that row or inserts one.
func upsert(ctx context.Context, tx *sql.Tx, find string, findArgs []any, update string, insert string, args []any) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, find, findArgs...).Scan(&id)
	switch {
	case err == nil:
		_, err = tx.ExecContext(ctx, update, append(args, id)...)
		return id, err
	case errors.Is(err, sql.ErrNoRows):
		res, err := tx.ExecContext(ctx, insert, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	return 0, err
}

// mustExist returns ErrNotFound (naming it what) unless table has row id.
func mustExist(ctx context.Context, tx *sql.Tx, table, what string, id int64) error {
	ok, err := exists(ctx, tx, "SELECT 1 FROM "+table+" WHERE id = ?", id)
	if err != nil {
		return err
	}
	if !ok {
		return notFound(what, id)
	}
	return nil
}

func exists(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (s *Store) PutStation(ctx context.Context, st schedule.Station) (schedule.Station, error) {
	if err := st.Validate(); err != nil {
		return schedule.Station{}, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		st.ID, err = upsert(ctx, tx, "SELECT id FROM station WHERE slug = ?", []any{st.Slug},
			"UPDATE station SET slug = ?, name = ?, zone = ? WHERE id = ?",
			"INSERT INTO station (slug, name, zone) VALUES (?, ?, ?)",
			[]any{st.Slug, st.Name, st.Zone})
		return err
	})
	if err != nil {
		return schedule.Station{}, fmt.Errorf("put station %q: %w", st.Slug, err)
	}
	return st, nil
}

func (s *Store) Station(ctx context.Context, slug string) (schedule.Station, error) {
	var st schedule.Station
	err := s.row(ctx, "SELECT id, slug, name, zone FROM station WHERE slug = ?", slug).
		Scan(&st.ID, &st.Slug, &st.Name, &st.Zone)
	return st, sqlNotFound(err, "station", slug)
}

func (s *Store) Stations(ctx context.Context) ([]schedule.Station, error) {
	return query(ctx, s, func(r interface{ Scan(...any) error }) (schedule.Station, error) {
		var st schedule.Station
		err := r.Scan(&st.ID, &st.Slug, &st.Name, &st.Zone)
		return st, err
	}, "SELECT id, slug, name, zone FROM station ORDER BY slug")
}

func (s *Store) PutProgram(ctx context.Context, p schedule.Program) (schedule.Program, error) {
	if err := p.Validate(); err != nil {
		return schedule.Program{}, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, "station", "station", p.StationID); err != nil {
			return err
		}
		var err error
		p.ID, err = upsert(ctx, tx, "SELECT id FROM program WHERE station_id = ? AND slug = ?", []any{p.StationID, p.Slug},
			"UPDATE program SET station_id = ?, slug = ?, title = ?, active = ?, stream = ? WHERE id = ?",
			"INSERT INTO program (station_id, slug, title, active, stream) VALUES (?, ?, ?, ?, ?)",
			[]any{p.StationID, p.Slug, p.Title, b2i(p.Active), b2i(p.Stream)})
		return err
	})
	if err != nil {
		return schedule.Program{}, fmt.Errorf("put program %q: %w", p.Slug, err)
	}
	return p, nil
}

const programCols = "id, station_id, slug, title, active, stream"

func scanProgram(r interface{ Scan(...any) error }) (schedule.Program, error) {
	var p schedule.Program
	err := r.Scan(&p.ID, &p.StationID, &p.Slug, &p.Title, &p.Active, &p.Stream)
	return p, err
}

func (s *Store) Program(ctx context.Context, id int64) (schedule.Program, error) {
	p, err := scanProgram(s.row(ctx, "SELECT "+programCols+" FROM program WHERE id = ?", id))
	return p, sqlNotFound(err, "program", id)
}

func (s *Store) Programs(ctx context.Context, stationID int64) ([]schedule.Program, error) {
	return query(ctx, s, scanProgram, "SELECT "+programCols+" FROM program WHERE station_id = ? ORDER BY slug", stationID)
}

// query runs q and scans every row with scan.
func query[T any](ctx context.Context, s *Store, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return queryStmt(ctx, st, scan, args...)
}

// queryStmt is query on a prepared statement.
func queryStmt[T any](ctx context.Context, stmt *sql.Stmt, scan func(interface{ Scan(...any) error }) (T, error), args ...any) ([]T, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type rerunJSON struct {
	Days int    `json:"days"`
	Time string `json:"time"`
	Zone string `json:"zone,omitempty"`
}

func (s *Store) PutSchedule(ctx context.Context, sc schedule.Schedule) (schedule.Schedule, error) {
	if err := sc.Validate(); err != nil {
		return schedule.Schedule{}, err
	}
	rr := make([]rerunJSON, len(sc.Reruns))
	for i, r := range sc.Reruns {
		rr[i] = rerunJSON{r.Days, r.Time.String(), r.Zone}
	}
	reruns, err := json.Marshal(rr)
	if err != nil {
		return schedule.Schedule{}, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, "program", "program", sc.ProgramID); err != nil {
			return err
		}
		var err error
		sc.ID, err = upsert(ctx, tx, "SELECT id FROM schedule WHERE program_id = ? AND name = ?", []any{sc.ProgramID, sc.Name},
			"UPDATE schedule SET program_id = ?, name = ?, date = ?, time = ?, zone = ?, duration_us = ?, frequency = ?, reruns = ? WHERE id = ?",
			"INSERT INTO schedule (program_id, name, date, time, zone, duration_us, frequency, reruns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			[]any{sc.ProgramID, sc.Name, sc.Date.String(), sc.Time.String(), sc.Zone, sc.Duration.Microseconds(), int(sc.Frequency), string(reruns)})
		return err
	})
	if err != nil {
		return schedule.Schedule{}, fmt.Errorf("put schedule %q: %w", sc.Name, err)
	}
	return sc, nil
}

func scanSchedule(r interface{ Scan(...any) error }) (schedule.Schedule, error) {
	var sc schedule.Schedule
	var date, tod, reruns string
	var dur int64
	if err := r.Scan(&sc.ID, &sc.ProgramID, &sc.Name, &date, &tod, &sc.Zone, &dur, &sc.Frequency, &reruns); err != nil {
		return schedule.Schedule{}, err
	}
	var err error
	if sc.Date, err = schedule.ParseDate(date); err != nil {
		return schedule.Schedule{}, fmt.Errorf("schedule %d: %w", sc.ID, err)
	}
	if sc.Time, err = schedule.ParseTimeOfDay(tod); err != nil {
		return schedule.Schedule{}, fmt.Errorf("schedule %d: %w", sc.ID, err)
	}
	sc.Duration = time.Duration(dur) * time.Microsecond
	var rr []rerunJSON
	if err := json.Unmarshal([]byte(reruns), &rr); err != nil {
		return schedule.Schedule{}, fmt.Errorf("schedule %d reruns: %w", sc.ID, err)
	}
	for _, r := range rr {
		t, err := schedule.ParseTimeOfDay(r.Time)
		if err != nil {
			return schedule.Schedule{}, fmt.Errorf("schedule %d: %w", sc.ID, err)
		}
		sc.Reruns = append(sc.Reruns, schedule.Rerun{Days: r.Days, Time: t, Zone: r.Zone})
	}
	return sc, nil
}

func (s *Store) DeleteSchedule(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM schedule WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete schedule %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, notFound("schedule", id))
	}
	return nil
}

func (s *Store) Schedules(ctx context.Context, programID int64) ([]schedule.Schedule, error) {
	return query(ctx, s, scanSchedule,
		"SELECT id, program_id, name, date, time, zone, duration_us, frequency, reruns FROM schedule WHERE program_id = ? ORDER BY name", programID)
}

func (s *Store) PutEpisode(ctx context.Context, e schedule.Episode) (schedule.Episode, error) {
	if e.Slug == "" {
		return schedule.Episode{}, &schedule.FieldError{Type: "Episode", Field: "Slug", Reason: "empty"}
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, "program", "program", e.ProgramID); err != nil {
			return err
		}
		var err error
		e.ID, err = upsert(ctx, tx, "SELECT id FROM episode WHERE program_id = ? AND slug = ?", []any{e.ProgramID, e.Slug},
			"UPDATE episode SET program_id = ?, slug = ?, title = ? WHERE id = ?",
			"INSERT INTO episode (program_id, slug, title) VALUES (?, ?, ?)",
			[]any{e.ProgramID, e.Slug, e.Title})
		return err
	})
	if err != nil {
		return schedule.Episode{}, fmt.Errorf("put episode %q: %w", e.Slug, err)
	}
	return e, nil
}

func (s *Store) Episode(ctx context.Context, id int64) (schedule.Episode, error) {
	var e schedule.Episode
	err := s.row(ctx, "SELECT id, program_id, slug, title FROM episode WHERE id = ?", id).
		Scan(&e.ID, &e.ProgramID, &e.Slug, &e.Title)
	return e, sqlNotFound(err, "episode", id)
}

func (s *Store) EpisodeBySlug(ctx context.Context, programID int64, slug string) (schedule.Episode, error) {
	var e schedule.Episode
	err := s.row(ctx, "SELECT id, program_id, slug, title FROM episode WHERE program_id = ? AND slug = ?", programID, slug).
		Scan(&e.ID, &e.ProgramID, &e.Slug, &e.Title)
	return e, sqlNotFound(err, "episode", slug)
}

func (s *Store) PutSound(ctx context.Context, so schedule.Sound) (schedule.Sound, error) {
	if err := so.Validate(); err != nil {
		return schedule.Sound{}, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, "program", "program", so.ProgramID); err != nil {
			return err
		}
		if so.EpisodeID != 0 {
			if ok, err := exists(ctx, tx, "SELECT 1 FROM episode WHERE id = ? AND program_id = ?", so.EpisodeID, so.ProgramID); err != nil || !ok {
				return errors.Join(err, notFound("episode of the program", so.EpisodeID))
			}
		}
		var id int64
		var oldType schedule.SoundType
		err := tx.QueryRowContext(ctx, "SELECT id, type FROM sound WHERE path = ?", so.Path).Scan(&id, &oldType)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		restore := so.Type
		if id != 0 && oldType == schedule.SoundRemoved && so.Type != schedule.SoundRemoved {
			so.Type = schedule.SoundRemoved
		}
		if restore == schedule.SoundRemoved {
			restore = schedule.SoundArchive
		}
		args := []any{so.ProgramID, so.EpisodeID, so.Name, int(so.Type), int(restore), so.Path, so.Position, so.Duration.Microseconds()}
		if id != 0 {
			so.ID = id
			_, err = tx.ExecContext(ctx, `UPDATE sound SET program_id = ?, episode_id = ?, name = ?, type = ?, restore_type = ?,
				path = ?, position = ?, duration_us = ? WHERE id = ?`, append(args, id)...)
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO sound (program_id, episode_id, name, type, restore_type, path, position, duration_us)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		if err != nil {
			return err
		}
		so.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return schedule.Sound{}, fmt.Errorf("put sound %q: %w", so.Path, err)
	}
	return so, nil
}

const soundCols = "id, program_id, episode_id, name, type, path, position, duration_us"

func scanSound(r interface{ Scan(...any) error }) (schedule.Sound, error) {
	var so schedule.Sound
	var dur int64
	err := r.Scan(&so.ID, &so.ProgramID, &so.EpisodeID, &so.Name, &so.Type, &so.Path, &so.Position, &dur)
	so.Duration = time.Duration(dur) * time.Microsecond
	return so, err
}

func (s *Store) Sound(ctx context.Context, id int64) (schedule.Sound, error) {
	so, err := scanSound(s.row(ctx, "SELECT "+soundCols+" FROM sound WHERE id = ?", id))
	return so, sqlNotFound(err, "sound", id)
}

func (s *Store) SoundByPath(ctx context.Context, path string) (schedule.Sound, error) {
	so, err := scanSound(s.row(ctx, "SELECT "+soundCols+" FROM sound WHERE path = ?", path))
	return so, sqlNotFound(err, "sound", path)
}

func (s *Store) Sounds(ctx context.Context, stationID int64) ([]schedule.Sound, error) {
	return query(ctx, s, scanSound, "SELECT "+prefixCols("s", soundCols)+
		" FROM sound s JOIN program p ON p.id = s.program_id WHERE p.station_id = ? ORDER BY s.path", stationID)
}

func prefixCols(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = alias + "." + c
	}
	return strings.Join(parts, ", ")
}

func (s *Store) SetSoundRemoved(ctx context.Context, id int64, removed bool) (bool, error) {
	var changed bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var typ schedule.SoundType
		if err := tx.QueryRowContext(ctx, "SELECT type FROM sound WHERE id = ?", id).Scan(&typ); err != nil {
			return sqlNotFound(err, "sound", id)
		}
		var res sql.Result
		var err error
		switch {
		case removed && typ != schedule.SoundRemoved:
			res, err = tx.ExecContext(ctx, "UPDATE sound SET restore_type = type, type = ? WHERE id = ?", int(schedule.SoundRemoved), id)
		case !removed && typ == schedule.SoundRemoved:
			res, err = tx.ExecContext(ctx, "UPDATE sound SET type = restore_type WHERE id = ?", id)
		default:
			return nil
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		changed = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("set sound %d removed=%v: %w", id, removed, err)
	}
	return changed, nil
}

func (s *Store) Playlist(ctx context.Context, episodeID int64) ([]schedule.Sound, error) {
	return query(ctx, s, scanSound, "SELECT "+soundCols+" FROM sound WHERE episode_id = ? AND type = ? ORDER BY position, path",
		episodeID, int(schedule.SoundArchive))
}

func (s *Store) StreamPlaylists(ctx context.Context, stationID int64) ([]schedule.StreamPlaylist, error) {
	progs, err := query(ctx, s, scanProgram, "SELECT "+programCols+" FROM program WHERE station_id = ? AND stream = 1 AND active = 1 ORDER BY slug", stationID)
	if err != nil {
		return nil, err
	}
	out := make([]schedule.StreamPlaylist, len(progs))
	for i, p := range progs {
		sounds, err := query(ctx, s, scanSound, "SELECT "+soundCols+" FROM sound WHERE program_id = ? AND type = ? ORDER BY position, path",
			p.ID, int(schedule.SoundArchive))
		if err != nil {
			return nil, err
		}
		out[i] = schedule.StreamPlaylist{Name: p.Slug, ProgramID: p.ID, Sounds: sounds}
	}
	return out, nil
}

func (s *Store) PutTrack(ctx context.Context, t schedule.Track) (schedule.Track, error) {
	if err := t.Validate(); err != nil {
		return schedule.Track{}, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if t.SoundID != 0 {
			if err := mustExist(ctx, tx, "sound", "sound", t.SoundID); err != nil {
				return err
			}
		}
		if t.EpisodeID != 0 {
			if err := mustExist(ctx, tx, "episode", "episode", t.EpisodeID); err != nil {
				return err
			}
		}
		var err error
		t.ID, err = upsert(ctx, tx, "SELECT id FROM track WHERE sound_id = ? AND episode_id = ? AND position = ?",
			[]any{t.SoundID, t.EpisodeID, t.Position},
			`UPDATE track SET sound_id = ?, episode_id = ?, position = ?, timed = ?, timestamp_us = ?,
				title = ?, artist = ?, album = ?, label = ?, isrc = ?, info = ? WHERE id = ?`,
			`INSERT INTO track (sound_id, episode_id, position, timed, timestamp_us, title, artist, album, label, isrc, info)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{t.SoundID, t.EpisodeID, t.Position, b2i(t.Timed), t.Timestamp.Microseconds(), t.Title, t.Artist, t.Album, t.Label, t.ISRC, t.Info})
		return err
	})
	if err != nil {
		return schedule.Track{}, fmt.Errorf("put track %d: %w", t.Position, err)
	}
	return t, nil
}

const trackCols = "id, sound_id, episode_id, position, timed, timestamp_us, title, artist, album, label, isrc, info"

func scanTrack(r interface{ Scan(...any) error }) (schedule.Track, error) {
	var t schedule.Track
	var ts int64
	err := r.Scan(&t.ID, &t.SoundID, &t.EpisodeID, &t.Position, &t.Timed, &ts, &t.Title, &t.Artist, &t.Album, &t.Label, &t.ISRC, &t.Info)
	t.Timestamp = time.Duration(ts) * time.Microsecond
	return t, err
}

func (s *Store) Track(ctx context.Context, id int64) (schedule.Track, error) {
	t, err := scanTrack(s.row(ctx, "SELECT "+trackCols+" FROM track WHERE id = ?", id))
	return t, sqlNotFound(err, "track", id)
}

func (s *Store) TimedTracks(ctx context.Context, soundID int64) ([]schedule.Track, error) {
	return query(ctx, s, scanTrack, "SELECT "+trackCols+" FROM track WHERE sound_id = ? AND timed = 1 ORDER BY timestamp_us, position", soundID)
}

const diffCols = "id, station_id, program_id, episode_id, schedule_id, initial_id, type, status, start_us, end_us"

func scanDiffusion(r interface{ Scan(...any) error }) (schedule.Diffusion, error) {
	var d schedule.Diffusion
	var start, end int64
	err := r.Scan(&d.ID, &d.StationID, &d.ProgramID, &d.EpisodeID, &d.ScheduleID, &d.InitialID, &d.Type, &d.Status, &start, &end)
	d.Start, d.End = fromUS(start), fromUS(end)
	return d, err
}

func scanDue(r interface{ Scan(...any) error }) (schedule.DueDiffusion, error) {
	var d schedule.DueDiffusion
	var start, end int64
	err := r.Scan(&d.ID, &d.StationID, &d.ProgramID, &d.EpisodeID, &d.ScheduleID, &d.InitialID, &d.Type, &d.Status, &start, &end,
		&d.HasArchive, &d.HasRemoved)
	d.Start, d.End = fromUS(start), fromUS(end)
	return d, err
}

func (s *Store) PutDiffusions(ctx context.Context, ds []schedule.Diffusion) ([]schedule.Diffusion, int, error) {
	if err := schedule.ValidateDiffusions(ds); err != nil {
		return nil, 0, err
	}
	out := make([]schedule.Diffusion, len(ds))
	created := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		created = 0
		// Two lookups, one per partial unique index.
		bySchedule, err := tx.PrepareContext(ctx, "SELECT "+diffCols+" FROM diffusion WHERE schedule_id = ? AND start_us = ? AND schedule_id != 0")
		if err != nil {
			return err
		}
		defer bySchedule.Close()
		byEpisode, err := tx.PrepareContext(ctx, "SELECT "+diffCols+" FROM diffusion WHERE episode_id = ? AND start_us = ? AND schedule_id = 0")
		if err != nil {
			return err
		}
		defer byEpisode.Close()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO diffusion (station_id, program_id, episode_id, schedule_id, initial_id, type, status, start_us, end_us)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		checkEpisode, err := tx.PrepareContext(ctx, `SELECT 1 FROM episode e JOIN program p ON p.id = e.program_id
			WHERE e.id = ? AND p.id = ? AND p.station_id = ?`)
		if err != nil {
			return err
		}
		defer checkEpisode.Close()
		var maxDur int64
		for i, d := range ds {
			d.Start, d.End = utc(d.Start), utc(d.End)
			if d.InitialID < 0 {
				d.InitialID = out[-d.InitialID-1].ID
			}
			var one int
			if err := checkEpisode.QueryRowContext(ctx, d.EpisodeID, d.ProgramID, d.StationID).Scan(&one); err != nil {
				return sqlNotFound(err, "episode of the program of the station", d.EpisodeID)
			}
			if d.ScheduleID != 0 {
				if err := mustExist(ctx, tx, "schedule", "schedule", d.ScheduleID); err != nil {
					return err
				}
			}
			if d.InitialID != 0 {
				if err := mustExist(ctx, tx, "diffusion", "initial diffusion", d.InitialID); err != nil {
					return err
				}
			}
			find, key := bySchedule, d.ScheduleID
			if d.ScheduleID == 0 {
				find, key = byEpisode, d.EpisodeID
			}
			got, err := scanDiffusion(find.QueryRowContext(ctx, key, us(d.Start)))
			if err == nil {
				out[i] = got
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			res, err := ins.ExecContext(ctx, d.StationID, d.ProgramID, d.EpisodeID, d.ScheduleID, d.InitialID, int(d.Type), us(d.Start), us(d.End))
			if err != nil {
				return err
			}
			if d.ID, err = res.LastInsertId(); err != nil {
				return err
			}
			d.Status = schedule.Pending
			out[i] = d
			created++
			maxDur = max(maxDur, us(d.End)-us(d.Start))
		}
		_, err = tx.ExecContext(ctx, "UPDATE meta SET value = max(value, ?) WHERE key = 'max_duration_us'", maxDur)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("put diffusions: %w", err)
	}
	return out, created, nil
}

func (s *Store) DeleteDiffusion(ctx context.Context, id int64) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var status schedule.Status
		if err := tx.QueryRowContext(ctx, "SELECT status FROM diffusion WHERE id = ?", id).Scan(&status); err != nil {
			return sqlNotFound(err, "diffusion", id)
		}
		if status != schedule.Pending {
			return fmt.Errorf("diffusion %d is %v: %w", id, status, schedule.ErrInUse)
		}
		if ok, err := exists(ctx, tx, "SELECT 1 FROM log WHERE diffusion_id = ? LIMIT 1", id); err != nil || ok {
			return errors.Join(err, fmt.Errorf("diffusion %d has logs: %w", id, schedule.ErrInUse))
		}
		if ok, err := exists(ctx, tx, "SELECT 1 FROM diffusion WHERE initial_id = ? LIMIT 1", id); err != nil || ok {
			return errors.Join(err, fmt.Errorf("diffusion %d has reruns: %w", id, schedule.ErrInUse))
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM diffusion WHERE id = ?", id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete diffusion %d: %w", id, err)
	}
	return nil
}

func (s *Store) Diffusion(ctx context.Context, id int64) (schedule.Diffusion, error) {
	d, err := scanDiffusion(s.row(ctx, "SELECT "+diffCols+" FROM diffusion WHERE id = ?", id))
	return d, sqlNotFound(err, "diffusion", id)
}

func (s *Store) Diffusions(ctx context.Context, stationID int64, from, to time.Time) ([]schedule.Diffusion, error) {
	// The longest diffusion bounds how early an overlapping one can start,
	// which keeps the scan on the (station, start) index short.
	return query(ctx, s, scanDiffusion, "SELECT "+diffCols+` FROM diffusion
		WHERE station_id = ? AND start_us < ? AND start_us > ? - (SELECT value FROM meta WHERE key = 'max_duration_us') AND end_us > ?
		ORDER BY start_us, id`, stationID, us(to), us(from), us(from))
}

const dueCols = diffCols + `,
	EXISTS (SELECT 1 FROM sound s WHERE s.episode_id = d.episode_id AND s.type = 1),
	EXISTS (SELECT 1 FROM sound s WHERE s.episode_id = d.episode_id AND s.type = 3)`

const dueQuery = "SELECT " + dueCols + ` FROM diffusion d
	WHERE station_id = ? AND start_us <= ? AND start_us >= ? - (SELECT value FROM meta WHERE key = 'max_duration_us')
		AND end_us >= ? AND type = 0 AND status IN (0, 1)
	ORDER BY start_us, id`

func (s *Store) DueDiffusions(ctx context.Context, stationID int64, now time.Time) ([]schedule.DueDiffusion, error) {
	n := us(now)
	return queryStmt(ctx, s.dueStmt, scanDue, stationID, n, n, n)
}

const endedQuery = "SELECT " + dueCols + ` FROM diffusion d
	WHERE station_id = ? AND status = 0 AND type = 0 AND end_us < ?
	ORDER BY end_us, id LIMIT ?`

func (s *Store) EndedPending(ctx context.Context, stationID int64, before time.Time, limit int) ([]schedule.DueDiffusion, error) {
	if limit <= 0 {
		limit = -1
	}
	return queryStmt(ctx, s.endedStmt, scanDue, stationID, us(before), limit)
}

func (s *Store) NextDiffusion(ctx context.Context, stationID int64, after time.Time) (schedule.Diffusion, error) {
	d, err := scanDiffusion(s.row(ctx, "SELECT "+diffCols+` FROM diffusion
		WHERE station_id = ? AND start_us > ? AND type = 0 ORDER BY start_us, id LIMIT 1`, stationID, us(after)))
	return d, sqlNotFound(err, "diffusion after", after)
}

func (s *Store) DiffusionOfEpisodeAt(ctx context.Context, episodeID int64, t time.Time) (schedule.Diffusion, error) {
	d, err := scanDiffusion(s.row(ctx, "SELECT "+diffCols+` FROM diffusion
		WHERE episode_id = ? AND start_us <= ? AND end_us >= ? AND type = 0 ORDER BY start_us, id LIMIT 1`, episodeID, us(t), us(t)))
	return d, sqlNotFound(err, "diffusion of episode at", t)
}

const logCols = "id, station_id, type, date_us, source, comment, diffusion_id, sound_id, track_id, parent_id, key, uris, generation, confirmed"

func scanLog(r interface{ Scan(...any) error }) (schedule.Log, error) {
	var l schedule.Log
	var date int64
	var key sql.NullString
	var uris string
	var gen int64
	if err := r.Scan(&l.ID, &l.StationID, &l.Type, &date, &l.Source, &l.Comment, &l.DiffusionID, &l.SoundID, &l.TrackID,
		&l.ParentID, &key, &uris, &gen, &l.Confirmed); err != nil {
		return schedule.Log{}, err
	}
	l.Date, l.Key, l.Generation = fromUS(date), key.String, uint64(gen)
	if uris != "" {
		if err := json.Unmarshal([]byte(uris), &l.URIs); err != nil {
			return schedule.Log{}, fmt.Errorf("log %d uris: %w", l.ID, err)
		}
	}
	return l, nil
}

func insertLog(ctx context.Context, tx *sql.Tx, l schedule.Log) (schedule.Log, error) {
	l.Date = utc(l.Date)
	uris := ""
	if len(l.URIs) > 0 {
		b, err := json.Marshal(l.URIs)
		if err != nil {
			return schedule.Log{}, err
		}
		uris = string(b)
	}
	var key any
	if l.Key != "" {
		key = l.Key
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO log (station_id, type, date_us, source, comment, diffusion_id, sound_id, track_id,
		parent_id, key, uris, generation, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.StationID, int(l.Type), us(l.Date), l.Source, l.Comment, l.DiffusionID, l.SoundID, l.TrackID, l.ParentID, key, uris,
		int64(l.Generation), b2i(l.Confirmed))
	if err != nil {
		return schedule.Log{}, err
	}
	l.ID, err = res.LastInsertId()
	return l, err
}

func (s *Store) BeginStart(ctx context.Context, diffusionID int64, l schedule.Log) (schedule.Log, bool, error) {
	var created bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var station int64
		var status schedule.Status
		if err := tx.QueryRowContext(ctx, "SELECT station_id, status FROM diffusion WHERE id = ?", diffusionID).Scan(&station, &status); err != nil {
			return sqlNotFound(err, "diffusion", diffusionID)
		}
		if status != schedule.Pending {
			got, err := scanLog(tx.QueryRowContext(ctx, "SELECT "+logCols+" FROM log WHERE diffusion_id = ? AND type = 1", diffusionID))
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			l = got
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE diffusion SET status = ? WHERE id = ? AND status = 0", int(schedule.Started), diffusionID); err != nil {
			return err
		}
		l.Type, l.StationID, l.DiffusionID, l.Confirmed, l.Key = schedule.LogStart, station, diffusionID, false, ""
		var err error
		l, err = insertLog(ctx, tx, l)
		created = err == nil
		return err
	})
	if err != nil {
		return schedule.Log{}, false, fmt.Errorf("begin start of diffusion %d: %w", diffusionID, err)
	}
	return l, created, nil
}

func (s *Store) ConfirmStart(ctx context.Context, logID int64, gen uint64, uris []string) error {
	b, err := json.Marshal(uris)
	if err != nil {
		return err
	}
	if len(uris) == 0 {
		b = nil
	}
	res, err := s.db.ExecContext(ctx, "UPDATE log SET confirmed = 1, generation = ?, uris = ? WHERE id = ? AND type = 1",
		int64(gen), string(b), logID)
	if err != nil {
		return fmt.Errorf("confirm start log %d: %w", logID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, notFound("start log", logID))
	}
	return nil
}

func (s *Store) StartLog(ctx context.Context, diffusionID int64) (schedule.Log, error) {
	l, err := scanLog(s.row(ctx, "SELECT "+logCols+" FROM log WHERE diffusion_id = ? AND type = 1", diffusionID))
	return l, sqlNotFound(err, "start log of diffusion", diffusionID)
}

func (s *Store) Settle(ctx context.Context, diffusionID int64, to schedule.Status, l schedule.Log) (schedule.Log, bool, error) {
	typ, err := schedule.SettleLogType(to)
	if err != nil {
		return schedule.Log{}, false, err
	}
	var changed bool
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var station int64
		if err := tx.QueryRowContext(ctx, "SELECT station_id FROM diffusion WHERE id = ?", diffusionID).Scan(&station); err != nil {
			return sqlNotFound(err, "diffusion", diffusionID)
		}
		set := "status = ?"
		if to == schedule.StatusCancelled {
			set += ", type = 2"
		}
		res, err := tx.ExecContext(ctx, "UPDATE diffusion SET "+set+" WHERE id = ? AND status = 0", int(to), diffusionID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		changed = true
		if to == schedule.Live {
			l = schedule.Log{}
			return nil
		}
		l.Type, l.StationID, l.DiffusionID, l.Key = typ, station, diffusionID, ""
		l, err = insertLog(ctx, tx, l)
		return err
	})
	if err != nil {
		return schedule.Log{}, false, fmt.Errorf("settle diffusion %d as %v: %w", diffusionID, to, err)
	}
	if !changed {
		return schedule.Log{}, false, nil
	}
	return l, true, nil
}

func (s *Store) AppendLog(ctx context.Context, l schedule.Log) (schedule.Log, bool, error) {
	if err := l.Validate(); err != nil {
		return schedule.Log{}, false, err
	}
	var created bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, "station", "station", l.StationID); err != nil {
			return err
		}
		if l.Key != "" {
			got, err := scanLog(tx.QueryRowContext(ctx, "SELECT "+logCols+" FROM log WHERE station_id = ? AND key = ?", l.StationID, l.Key))
			if err == nil {
				l = got
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var err error
		l, err = insertLog(ctx, tx, l)
		created = err == nil
		return err
	})
	if err != nil {
		return schedule.Log{}, false, fmt.Errorf("append %v log: %w", l.Type, err)
	}
	return l, created, nil
}

func (s *Store) AppendOnAir(ctx context.Context, l schedule.Log, margin time.Duration) (schedule.Log, bool, error) {
	l.Type = schedule.LogOnAir
	if err := l.Validate(); err != nil {
		return schedule.Log{}, false, err
	}
	var created bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, "station", "station", l.StationID); err != nil {
			return err
		}
		d := us(utc(l.Date))
		got, err := scanLog(tx.QueryRowContext(ctx, "SELECT "+logCols+` FROM log
			WHERE station_id = ? AND date_us BETWEEN ? AND ? AND type = 3 AND parent_id = 0 AND source = ? AND comment = ?
			ORDER BY id DESC LIMIT 1`, l.StationID, d-margin.Microseconds(), d+margin.Microseconds(), l.Source, l.Comment))
		if err == nil {
			l = got
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		l, err = insertLog(ctx, tx, l)
		created = err == nil
		return err
	})
	if err != nil {
		return schedule.Log{}, false, fmt.Errorf("append on-air log: %w", err)
	}
	return l, created, nil
}

func (s *Store) Logs(ctx context.Context, f schedule.LogFilter) ([]schedule.Log, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.StationID != 0 {
		add("station_id = ?", f.StationID)
	}
	if !f.From.IsZero() {
		add("date_us >= ?", us(utc(f.From)))
	}
	if !f.To.IsZero() {
		add("date_us < ?", us(utc(f.To)))
	}
	if len(f.Types) > 0 {
		ph := make([]string, len(f.Types))
		for i, t := range f.Types {
			ph[i] = "?"
			args = append(args, int(t))
		}
		where = append(where, "type IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Source != "" {
		add("source = ?", f.Source)
	}
	if f.DiffusionID != 0 {
		add("diffusion_id = ?", f.DiffusionID)
	}
	if f.ParentID != 0 {
		add("parent_id = ?", f.ParentID)
	}
	if f.TopLevel {
		add("parent_id = 0")
	}
	if f.AfterID != 0 {
		add("id > ?", f.AfterID)
	}
	if f.BeforeID != 0 {
		add("id < ?", f.BeforeID)
	}
	q := "SELECT " + logCols + " FROM log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id"
	if f.Desc {
		q += " DESC"
	}
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return query(ctx, s, scanLog, q, args...)
}

// utc is how instants are stored: UTC at microsecond precision, the zero
// time kept zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func notFound(what string, key any) error {
	return fmt.Errorf("%s %v: %w", what, key, schedule.ErrNotFound)
}
