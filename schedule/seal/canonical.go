package seal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/airkeep/airkeep/schedule"
)

// Version is the version of the canonical encoding.
const Version = 1

// Entry is what a log seal holds: the entry and what it named, as it was.
// Its JSON encoding, fields in this order, times in RFC 3339 UTC with
// microseconds, is the canonical encoding.
type Entry struct {
	V           int    `json:"v"`
	Kind        string `json:"kind"` // "log"
	Station     int64  `json:"station"`
	Log         int64  `json:"log"`
	Type        string `json:"type"`
	Date        string `json:"date"`
	Source      string `json:"source"`
	Comment     string `json:"comment"`
	DiffusionID int64  `json:"diffusion"`
	SoundID     int64  `json:"sound"`
	TrackID     int64  `json:"track"`
	ParentID    int64  `json:"parent"`
	Key         string `json:"key"`
	Path        string `json:"path"` // the sound's file
	Sound       string `json:"sound_name"`
	Title       string `json:"title"` // the track's
	Artist      string `json:"artist"`
	Album       string `json:"album"`
	Label       string `json:"label"`
	ISRC        string `json:"isrc"`
	Program     string `json:"program"`
}

// Citation is what a cite seal holds: the segments recorded while an
// entry aired.
type Citation struct {
	V        int      `json:"v"`
	Kind     string   `json:"kind"` // "cite"
	Station  int64    `json:"station"`
	Log      int64    `json:"log"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Stream   string   `json:"stream"`
	Variant  string   `json:"variant"`
	Segments []string `json:"segments"` // archive paths, hash in the name
	// Holes is the time of the window no segment covers.
	Holes string `json:"holes"`
}

// Store is what sealing and verifying read and write.
type Store interface {
	schedule.SealStore
	Logs(ctx context.Context, f schedule.LogFilter) ([]schedule.Log, error)
	Diffusion(ctx context.Context, id int64) (schedule.Diffusion, error)
	Program(ctx context.Context, id int64) (schedule.Program, error)
	Sound(ctx context.Context, id int64) (schedule.Sound, error)
	Track(ctx context.Context, id int64) (schedule.Track, error)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// entryOf resolves what log l names, as it is in st now.
func entryOf(ctx context.Context, st Store, l schedule.Log) (Entry, error) {
	e := Entry{V: Version, Kind: "log", Station: l.StationID, Log: l.ID, Type: l.Type.String(), Date: stamp(l.Date),
		Source: l.Source, Comment: l.Comment, DiffusionID: l.DiffusionID, SoundID: l.SoundID, TrackID: l.TrackID,
		ParentID: l.ParentID, Key: l.Key}
	programID := int64(0)
	gone := func(err error) bool { return errors.Is(err, schedule.ErrNotFound) }
	if l.SoundID != 0 {
		s, err := st.Sound(ctx, l.SoundID)
		switch {
		case err == nil:
			e.Path, e.Sound, programID = s.Path, s.Name, s.ProgramID
		case !gone(err):
			return e, err
		}
	}
	if l.TrackID != 0 {
		t, err := st.Track(ctx, l.TrackID)
		switch {
		case err == nil:
			e.Title, e.Artist, e.Album, e.Label, e.ISRC = t.Title, t.Artist, t.Album, t.Label, t.ISRC
		case !gone(err):
			return e, err
		}
	}
	if l.DiffusionID != 0 {
		d, err := st.Diffusion(ctx, l.DiffusionID)
		switch {
		case err == nil:
			programID = d.ProgramID
		case !gone(err):
			return e, err
		}
	}
	if programID != 0 {
		p, err := st.Program(ctx, programID)
		switch {
		case err == nil:
			e.Program = p.Slug
		case !gone(err):
			return e, err
		}
	}
	return e, nil
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("seal: encode: %v", err)) // plain structs of strings and ints
	}
	return b
}
