package stationfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/streamer"
)

// Station is a station file read, checked and resolved: relative paths
// made absolute against the file's folder, defaults applied. Its schedule
// side goes to the store with Sync; its playout side is Streamer, ready
// for streamer.NewProcess and streamer.NewController.
type Station struct {
	File string // the station file, as named to Load or Parse
	Dir  string // the folder its relative paths resolve against

	Name, Slug, Zone string
	Location         *time.Location // Zone, loaded
	Weeks            int            // how many weeks Sync generates
	Music            []Music
	Programs         []Program

	Binary        string            // the liquidsoap executable
	LiquidsoapDir string            // Liquidsoap's working folder: script, socket, playlists
	Streamer      *streamer.Station // the Liquidsoap graph, validated
	Record        *Record           // nil: the station does not record itself
	Listen        string            // address of the station's page and API

	// The monitor's settings (schedule.Config); CancelTimeout and
	// SyncInterval are negative for "never".
	Delay, CancelTimeout, SyncInterval time.Duration

	Webhook   string        // where dead air is posted, or ""
	Live      []LiveProgram // the programs that are live slots
	LiveGrace time.Duration // 0: the library's default

	keys *keyLines
}

// Music is a [[music]] rotation: a Stream program whose sounds are the
// audio files of Dir.
type Music struct {
	Field      string // "music[0]": where it is written, for messages
	Name       string
	Dir        string
	Sequential bool
	Tags       bool // the songs' tags give their tracks
}

// Program is a [[programs]] entry.
type Program struct {
	Field     string // "programs[1]"
	Slug      string
	Title     string
	Sounds    string // its episode folders, or "" (live shows)
	Active    bool
	Schedules []Schedule
}

// Schedule is a checked [[programs.schedules]] entry.
type Schedule struct {
	Field    string // "programs[1].schedules[0]"
	Schedule schedule.Schedule
}

// Record is the [record] table: the station records its own HLS output.
type Record struct {
	HLSDir   string // where Liquidsoap writes the HLS files
	Store    string // archive folder or URL
	Stream   string // archive stream name
	Playlist string // master playlist file name in HLSDir
}

// LiveProgram is a program that is a live slot: its source client's
// credentials, taken by the harbor during its diffusions only.
type LiveProgram struct {
	Slug        string
	Credentials schedule.LiveCredentials
}

// Mode says what a station file is read for.
type Mode int

const (
	// ForImport reads it to load the schedule (radio import, radio
	// script): an unset secret is a warning, a missing folder an error.
	ForImport Mode = iota
	// ForRun reads it to run the station: every secret must be set, and
	// a missing sound folder is only a warning (the store keeps playing
	// what it holds).
	ForRun
)

// Defaults and limits of the station file.
const (
	// DefaultListen is the address of the station's page and API when
	// [http] sets none.
	DefaultListen = "127.0.0.1:8080"
	// MaxSize is the largest station file read: a hand-edited file is a
	// few kilobytes.
	MaxSize = 4 << 20

	defaultWeeks    = 4
	defaultSegment  = 2 * time.Second
	defaultSegments = 15
	hlsPlaylist     = "live.m3u8"
)

// Load reads and checks the station file at path, with the secrets taken
// from the environment: see Parse.
func Load(path string, mode Mode) (*Station, []*Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	return Parse(path, filepath.Dir(abs), src, mode, nil)
}
