package schedule

import (
	"context"
	"fmt"

	"github.com/airkeep/airkeep/schedule/audio"
)

// TagTrackStore is what SyncTagTracks reads and writes.
type TagTrackStore interface {
	Sounds(ctx context.Context, stationID int64) ([]Sound, error)
	PutTrack(ctx context.Context, t Track) (Track, error)
}

// SyncTagTracks gives each sound of the station whose path is in tagged
// the track its own tags describe (a song of a music rotation is one
// recording): at position 0, timed at the start of the sound, so that
// the monitor logs it on air with the sound, and the reports have its
// title, artist, album, label and ISRC. Tags with neither title nor
// artist describe nothing and are skipped. It returns the tracks put.
// The upsert is by (sound, position 0): a re-import after the tags
// changed updates the track, and a track list given otherwise for
// position 0 is overwritten, so callers leave out the sounds whose tracks
// come from elsewhere.
func SyncTagTracks(ctx context.Context, st TagTrackStore, stationID int64, tagged map[string]audio.Tags) (int, error) {
	if len(tagged) == 0 {
		return 0, nil
	}
	sounds, err := st.Sounds(ctx, stationID)
	if err != nil {
		return 0, fmt.Errorf("tag tracks: %w", err)
	}
	n := 0
	for _, s := range sounds {
		t, ok := tagged[s.Path]
		if !ok || (t.Title == "" && t.Artist == "") {
			continue
		}
		if _, err := st.PutTrack(ctx, Track{SoundID: s.ID, EpisodeID: s.EpisodeID, Position: 0, Timed: true,
			Title: t.Title, Artist: t.Artist, Album: t.Album, Label: t.Label, ISRC: t.ISRC, Info: "tags"}); err != nil {
			return n, fmt.Errorf("tag tracks: %s: %w", s.Path, err)
		}
		n++
	}
	return n, nil
}
