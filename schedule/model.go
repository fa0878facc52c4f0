package schedule

import (
	"fmt"
	"time"
)

// Station is one radio station: its programs share one air, one dealer queue
// and one as-run log. Slug is its natural key.
type Station struct {
	ID   int64
	Slug string
	Name string
	// Zone is the IANA zone of the station, used to show as-run times and as
	// the default zone of its schedules.
	Zone string
}

// Program is a show (or a music stream) of a station. (StationID, Slug) is
// its natural key.
type Program struct {
	ID        int64
	StationID int64
	Slug      string
	Title     string
	// Active programs are generated; inactive ones keep their history but get
	// no new diffusions.
	Active bool
	// Stream marks a music program (aircox's Stream): its archive sounds form
	// a playlist that the monitor hands to the player's music rotation every
	// SyncInterval, under the program's slug, instead of being scheduled.
	Stream bool
}

// Rerun is a rebroadcast of every occurrence of a schedule, as aircox
// defines reruns: Days after the local date of the initial occurrence, at
// the rerun's own wall-clock Time in its own Zone. Counting from each actual
// occurrence (not from a rule of its own) lets "last Friday, rerun two days
// later" cross a month end, which an RRULE cannot express.
type Rerun struct {
	Days int
	Time TimeOfDay
	// Zone is an IANA zone name; empty means the schedule's zone.
	Zone string
}

// Schedule is a recurring time slot of a program. (ProgramID, Name) is its
// natural key, so that a station file can be imported again without
// duplicating schedules.
type Schedule struct {
	ID        int64
	ProgramID int64
	// Name tells the schedules of one program apart; empty is allowed and
	// is a name like any other.
	Name string
	// Date is the local date of the first diffusion; its weekday is the
	// schedule's weekday and the parity anchor of OneOnTwo.
	Date Date
	// Time is the local wall-clock start.
	Time TimeOfDay
	// Zone is the IANA zone in which Date and Time are read.
	Zone      string
	Duration  time.Duration
	Frequency Frequency
	Reruns    []Rerun
}

// Episode is what a diffusion broadcasts: its sounds and tracks. Generation
// makes one episode per program and local date of an initial occurrence,
// with the slug "2006-01-02"; reruns share their initial's episode.
type Episode struct {
	ID        int64
	ProgramID int64
	Slug      string
	Title     string
}

// DiffusionType is aircox's diffusion type.
type DiffusionType int

// Diffusion types, with aircox's values.
const (
	// OnAir is the normal, planned state (aircox TYPE_ON_AIR).
	OnAir DiffusionType = 0
	// Unconfirmed diffusions wait for a person's approval; the monitor
	// ignores them.
	Unconfirmed DiffusionType = 1
	// Cancelled diffusions will not (or did not) go on air.
	Cancelled DiffusionType = 2
)

func (t DiffusionType) String() string {
	switch t {
	case OnAir:
		return "on_air"
	case Unconfirmed:
		return "unconfirmed"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("DiffusionType(%d)", int(t))
}

// Status is where the monitor is with a diffusion. Only Pending diffusions
// can change; the others are final. Stores move a diffusion out of Pending
// with an atomic compare-and-set, so two monitors never both start it.
type Status int

// Diffusion statuses.
const (
	// Pending: not started, cancelled or settled yet.
	Pending Status = 0
	// Started: its sounds were handed to the player (a START log exists).
	Started Status = 1
	// StatusCancelled: the monitor or a person cancelled it (a CANCEL log
	// exists and its Type is Cancelled).
	StatusCancelled Status = 2
	// Missed: its end passed while it had archive sounds (or sounds whose
	// files went missing) and it was neither started nor cancelled; a MISSED
	// log records it. aircox leaves such a diffusion silently "on air".
	Missed Status = 3
	// Live: its end passed and its episode had no sound to play, so it was
	// a live show (or an empty slot) that the monitor had nothing to do for.
	Live Status = 4
)

func (s Status) String() string {
	switch s {
	case Pending:
		return "pending"
	case Started:
		return "started"
	case StatusCancelled:
		return "cancelled"
	case Missed:
		return "missed"
	case Live:
		return "live"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Diffusion is one planned broadcast of an episode: [Start, End), stored as
// UTC instants. Generated diffusions are unique by (ScheduleID, Start).
type Diffusion struct {
	ID         int64
	StationID  int64
	ProgramID  int64
	EpisodeID  int64
	ScheduleID int64 // 0 for a diffusion made by hand
	// InitialID is the diffusion this one reruns; 0 for an initial.
	InitialID int64
	Type      DiffusionType
	Status    Status
	Start     time.Time
	End       time.Time
}

// IsRerun reports whether d reruns another diffusion.
func (d Diffusion) IsRerun() bool { return d.InitialID != 0 }

// Duration is End - Start.
func (d Diffusion) Duration() time.Duration { return d.End.Sub(d.Start) }

// SoundType is aircox's sound type.
type SoundType int

// Sound types, with aircox's values.
const (
	SoundOther   SoundType = 0
	SoundArchive SoundType = 1 // a whole broadcastable recording
	SoundExcerpt SoundType = 2 // a part, for podcasts and pages
	// SoundRemoved marks a sound whose file disappeared; it drops out of
	// playlists and comes back to its former type when the file reappears.
	SoundRemoved SoundType = 3
)

func (t SoundType) String() string {
	switch t {
	case SoundOther:
		return "other"
	case SoundArchive:
		return "archive"
	case SoundExcerpt:
		return "excerpt"
	case SoundRemoved:
		return "removed"
	}
	return fmt.Sprintf("SoundType(%d)", int(t))
}

// Sound is an audio file. Path (the URI handed to the player, usually an
// absolute file path) is its natural key.
type Sound struct {
	ID        int64
	ProgramID int64
	EpisodeID int64 // 0 for sounds of no episode (music of a stream)
	Name      string
	Type      SoundType
	Path      string
	// Position orders the sounds of an episode in its playlist (then Path).
	Position int
	Duration time.Duration // 0 when unknown
}

// Track is a piece of music inside a sound (or in an episode's track list),
// with what royalty reports ask for. (SoundID, EpisodeID, Position) is its
// natural key.
type Track struct {
	ID        int64
	SoundID   int64
	EpisodeID int64
	Position  int
	// Timed tracks start Timestamp after the start of their sound; the
	// monitor logs them on air as that instant passes.
	Timed     bool
	Timestamp time.Duration
	Title     string
	Artist    string
	Album     string
	Label     string
	ISRC      string
	Info      string
}

// LogType is the kind of an as-run log entry, with aircox's values where
// aircox has them.
type LogType int

// Log types.
const (
	// LogStop: a source stopped (for instance by hand).
	LogStop LogType = 0
	// LogStart: the monitor handed a diffusion to the player.
	LogStart LogType = 1
	// LogCancel: a diffusion was cancelled.
	LogCancel LogType = 2
	// LogOnAir: a sound or track was observed on air.
	LogOnAir LogType = 3
	// LogOther: anything else worth keeping (a sound whose file vanished).
	LogOther LogType = 4
	// LogMissed: a diffusion ended without being started or cancelled.
	LogMissed LogType = 5
	// LogDeadAir: a stretch of silence began (Date: when the silence
	// really began, before it was noticed). Source is what was silent:
	// the live input, the dealer, the music, or "output" for the air
	// itself. Its end is a LogDeadAirEnd whose ParentID is this log; the
	// as-run report folds the two into one entry with start and end.
	LogDeadAir LogType = 6
	// LogDeadAirEnd: sound came back (or the player restarted, with a
	// comment saying so). ParentID is the LogDeadAir it ends.
	LogDeadAirEnd LogType = 7
	// LogJingle: a station ID or jingle took the air. Comment is its URI.
	LogJingle LogType = 8
)

func (t LogType) String() string {
	switch t {
	case LogStop:
		return "stop"
	case LogStart:
		return "start"
	case LogCancel:
		return "cancel"
	case LogOnAir:
		return "on_air"
	case LogOther:
		return "other"
	case LogMissed:
		return "missed"
	case LogDeadAir:
		return "dead_air"
	case LogDeadAirEnd:
		return "dead_air_end"
	case LogJingle:
		return "jingle"
	}
	return fmt.Sprintf("LogType(%d)", int(t))
}

// Log is one line of the as-run log. Logs are ordered by ID, never by Date:
// the wall clock can step backwards, the sequence cannot.
type Log struct {
	ID        int64
	StationID int64
	Type      LogType
	// Date is when the event happened on air (for ON_AIR, the player's air
	// time; for a track, its computed position), in UTC.
	Date   time.Time
	Source string
	// Comment holds the URI of an on-air file, or a reason.
	Comment     string
	DiffusionID int64
	SoundID     int64
	TrackID     int64
	// ParentID is the sound log a track log belongs to.
	ParentID int64
	// Key, when set, makes AppendLog idempotent: a second log with the same
	// station and key is not written.
	Key string
	// URIs are, on a START log, the URIs handed to the player.
	URIs []string
	// Generation is, on a START log, the player generation the URIs were
	// pushed to; a different generation later means the player restarted
	// and lost them.
	Generation uint64
	// Confirmed is false on a START log between the monitor's intent and
	// the player's acceptance of the push.
	Confirmed bool
}
