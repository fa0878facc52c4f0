package schedule

import (
	"context"
	"time"
)

// Store is the whole of a schedule backend: what every consumer needs
// (MonitorStore, GenerateStore, NowPlayingStore, AsRunStore, SyncStore),
// which is why it is far over seven methods; a consumer asks for its own
// small interface, never for Store. MemStore and sqlitestore.Store
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
//   - Rows are checked with their Validate method (ValidateDiffusions for
//     PutDiffusions) before they are written.
type Store interface {
	MonitorStore
	GenerateStore
	NowPlayingStore
	SyncStore

	// Station returns the station with that slug.
	Station(ctx context.Context, slug string) (Station, error)
	// Stations returns every station, by slug.
	Stations(ctx context.Context) ([]Station, error)
	// PutTrack upserts by (SoundID, EpisodeID, Position).
	PutTrack(ctx context.Context, t Track) (Track, error)
	// Close releases the store.
	Close() error
}

// Journal is the log of what aired and of every decision about a
// diffusion's fate: the monitor writes it, the as-run reads it.
type Journal interface {
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
