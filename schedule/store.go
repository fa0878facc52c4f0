package schedule

import (
	"context"
	"time"
)

// Store is what the generator, the monitor, the as-run export and
// NowPlaying need from storage, and no more: MemStore and SQLiteStore
// implement it, and schedule/scheduletest checks any implementation.
//
// Rules every implementation keeps:
//   - Instants are stored in UTC at microsecond precision and returned in UTC.
//   - Put* methods are idempotent upserts by the row's natural key (see each
//     type) and return the stored row with its ID; an ID in the argument is
//     ignored.
//   - Each command (BeginStart, ConfirmStart, Settle, AppendLog, AppendOnAir,
//     PutDiffusions, DeleteDiffusion, SetSoundRemoved) is atomic, and safe to
//     call from several goroutines or processes at once; the ones that may do
//     nothing report whether they changed anything.
//   - Logs are ordered by ID, which only grows.
//   - A missing row is ErrNotFound (wrapped).
type Store interface {
	// PutStation upserts by Slug.
	PutStation(ctx context.Context, s Station) (Station, error)
	// Station returns the station with that slug.
	Station(ctx context.Context, slug string) (Station, error)
	// Stations returns every station, by slug.
	Stations(ctx context.Context) ([]Station, error)
	// PutProgram upserts by (StationID, Slug).
	PutProgram(ctx context.Context, p Program) (Program, error)
	Program(ctx context.Context, id int64) (Program, error)
	// Programs returns the programs of a station, by slug.
	Programs(ctx context.Context, stationID int64) ([]Program, error)
	// PutSchedule upserts by (ProgramID, Name). It stores only schedules
	// that pass Validate.
	PutSchedule(ctx context.Context, s Schedule) (Schedule, error)
	// DeleteSchedule deletes a schedule; its diffusions stay, as history
	// (RemoveSchedule also deals with its future ones).
	DeleteSchedule(ctx context.Context, id int64) error
	// Schedules returns the schedules of a program, by name.
	Schedules(ctx context.Context, programID int64) ([]Schedule, error)
	// PutEpisode upserts by (ProgramID, Slug).
	PutEpisode(ctx context.Context, e Episode) (Episode, error)
	Episode(ctx context.Context, id int64) (Episode, error)
	// EpisodeBySlug returns the episode of a program with that slug.
	EpisodeBySlug(ctx context.Context, programID int64, slug string) (Episode, error)
	// PutSound upserts by Path. A sound marked SoundRemoved stays removed
	// until SetSoundRemoved(false), whatever type the upsert brings; that
	// type is the one it comes back to.
	PutSound(ctx context.Context, s Sound) (Sound, error)
	Sound(ctx context.Context, id int64) (Sound, error)
	SoundByPath(ctx context.Context, path string) (Sound, error)
	// Sounds returns every sound of the station's programs, by path.
	Sounds(ctx context.Context, stationID int64) ([]Sound, error)
	// SetSoundRemoved marks a sound removed (its file is gone) or brings
	// it back to the type it had.
	SetSoundRemoved(ctx context.Context, id int64, removed bool) (changed bool, err error)
	// Playlist returns the archive sounds of an episode in play order:
	// by Position, then Path.
	Playlist(ctx context.Context, episodeID int64) ([]Sound, error)
	// StreamPlaylists returns, for each active Stream program of the
	// station, its archive sounds in play order.
	StreamPlaylists(ctx context.Context, stationID int64) ([]StreamPlaylist, error)
	// PutTrack upserts by (SoundID, EpisodeID, Position).
	PutTrack(ctx context.Context, t Track) (Track, error)
	Track(ctx context.Context, id int64) (Track, error)
	// TimedTracks returns the timed tracks of a sound by Timestamp, then
	// Position.
	TimedTracks(ctx context.Context, soundID int64) ([]Track, error)

	// PutDiffusions stores the diffusions whose key is new — (ScheduleID,
	// Start) for generated ones, (EpisodeID, Start) for ScheduleID 0 — and
	// leaves the others as they are: regenerating never duplicates, and
	// never undoes what the monitor or a person did. It returns every
	// diffusion as stored, in argument order, and how many were created. A
	// diffusion whose InitialID is negative refers to the argument at index
	// -InitialID-1, so a batch can hold an initial and its reruns.
	PutDiffusions(ctx context.Context, ds []Diffusion) (stored []Diffusion, created int, err error)
	// DeleteDiffusion deletes a Pending diffusion that no log refers to;
	// otherwise it returns ErrInUse.
	DeleteDiffusion(ctx context.Context, id int64) error
	Diffusion(ctx context.Context, id int64) (Diffusion, error)
	// Diffusions returns the diffusions of a station that overlap [from,
	// to), any type and status, by (Start, ID).
	Diffusions(ctx context.Context, stationID int64, from, to time.Time) ([]Diffusion, error)
	// DueDiffusions returns the OnAir diffusions of a station, Pending or
	// Started, with Start <= now <= End (inclusive, as aircox), by (Start,
	// ID).
	DueDiffusions(ctx context.Context, stationID int64, now time.Time) ([]DueDiffusion, error)
	// EndedPending returns up to limit OnAir, Pending diffusions of a
	// station with End < before, by (End, ID): the ones to settle.
	EndedPending(ctx context.Context, stationID int64, before time.Time, limit int) ([]DueDiffusion, error)
	// NextDiffusion returns the first OnAir diffusion starting after t.
	NextDiffusion(ctx context.Context, stationID int64, after time.Time) (Diffusion, error)
	// DiffusionOfEpisodeAt returns the first (by Start, ID) OnAir diffusion
	// of an episode whose window contains t.
	DiffusionOfEpisodeAt(ctx context.Context, episodeID int64, t time.Time) (Diffusion, error)

	// BeginStart moves a Pending diffusion to Started and appends its START
	// log (l, with Type, StationID and DiffusionID set by the store) in one
	// step. It does nothing and returns false if the diffusion is not
	// Pending: a diffusion is started at most once.
	BeginStart(ctx context.Context, diffusionID int64, l Log) (Log, bool, error)
	// ConfirmStart records on a START log that uris were pushed to player
	// generation gen, and marks it Confirmed.
	ConfirmStart(ctx context.Context, logID int64, gen uint64, uris []string) error
	// StartLog returns the START log of a diffusion.
	StartLog(ctx context.Context, diffusionID int64) (Log, error)
	// Settle moves a Pending diffusion to StatusCancelled (setting its Type
	// to Cancelled and appending a CANCEL log), Missed (appending a MISSED
	// log) or Live (no log), from l's Date, Source and Comment. It does
	// nothing and returns false if the diffusion is not Pending.
	Settle(ctx context.Context, diffusionID int64, to Status, l Log) (Log, bool, error)
	// AppendLog appends l. When l.Key is set and the station already has a
	// log with that key, it returns that log and false.
	AppendLog(ctx context.Context, l Log) (Log, bool, error)
	// AppendOnAir appends an ON_AIR log unless the station already has one
	// from the same Source for the same URI (Comment) with a Date within
	// margin of l.Date; then it returns that log and false.
	AppendOnAir(ctx context.Context, l Log, margin time.Duration) (Log, bool, error)
	// Logs returns the logs that match f, by ID.
	Logs(ctx context.Context, f LogFilter) ([]Log, error)

	// Close releases the store.
	Close() error
}

// DueDiffusion is a diffusion with what the monitor needs to know about
// its episode's sounds.
type DueDiffusion struct {
	Diffusion
	// HasArchive: the episode has at least one archive sound to play.
	HasArchive bool
	// HasRemoved: the episode has sounds whose files went missing.
	HasRemoved bool
}

// StreamPlaylist is the music playlist of a Stream program.
type StreamPlaylist struct {
	// Name is the program's slug: the name the player knows the playlist by.
	Name      string
	ProgramID int64
	Sounds    []Sound
}

// LogFilter selects logs. Zero fields do not filter.
type LogFilter struct {
	StationID int64
	// From and To bound Date to [From, To).
	From, To    time.Time
	Types       []LogType
	Source      string
	DiffusionID int64
	ParentID    int64
	// TopLevel keeps only logs with no ParentID (sounds, not tracks).
	TopLevel bool
	// AfterID and BeforeID bound ID to (AfterID, BeforeID).
	AfterID, BeforeID int64
	// Desc returns the newest first.
	Desc  bool
	Limit int
}
