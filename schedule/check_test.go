package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPairConflicts(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 11, 23, h, 0, 0, 0, time.UTC) }
	d := func(sched int64, h int) Diffusion { return Diffusion{ScheduleID: sched, Start: at(h), End: at(h + 1)} }
	tests := []struct {
		name string
		in   []Conflict
		want []ConflictPair
	}{
		{name: "none"},
		{name: "one pair twice", in: []Conflict{{d(1, 8), d(2, 8)}, {d(1, 9), d(2, 9)}},
			want: []ConflictPair{{A: 1, B: 2, First: Conflict{d(1, 8), d(2, 8)}, Count: 2}}},
		{name: "two pairs in order of their first", in: []Conflict{{d(3, 7), d(4, 7)}, {d(1, 8), d(2, 8)}, {d(3, 9), d(4, 9)}},
			want: []ConflictPair{{A: 3, B: 4, First: Conflict{d(3, 7), d(4, 7)}, Count: 2}, {A: 1, B: 2, First: Conflict{d(1, 8), d(2, 8)}, Count: 1}}},
		{name: "a pair is ordered", in: []Conflict{{d(1, 8), d(2, 8)}, {d(2, 9), d(1, 9)}},
			want: []ConflictPair{{A: 1, B: 2, First: Conflict{d(1, 8), d(2, 8)}, Count: 1}, {A: 2, B: 1, First: Conflict{d(2, 9), d(1, 9)}, Count: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, PairConflicts(tt.in))
		})
	}
}

func TestSoundlessDiffusions(t *testing.T) {
	ctx := t.Context()
	st := NewMemStore()
	sta, err := st.PutStation(ctx, Station{Slug: "radio", Name: "Radio", Zone: "UTC"})
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	var progs []Program
	for _, slug := range []string{"a", "b", "c"} {
		p, err := st.PutProgram(ctx, Program{StationID: sta.ID, Slug: slug, Title: slug, Active: true})
		require.NoError(t, err)
		progs = append(progs, p)
	}
	episode := func(p Program, slug string, sound bool) Episode {
		e, err := st.PutEpisode(ctx, Episode{ProgramID: p.ID, Slug: slug})
		require.NoError(t, err)
		if sound {
			_, err := st.PutSound(ctx, Sound{ProgramID: p.ID, EpisodeID: e.ID, Path: "/s/" + p.Slug + slug + ".wav", Type: SoundArchive, Duration: time.Minute})
			require.NoError(t, err)
		}
		return e
	}
	a1, a2 := episode(progs[0], "1", false), episode(progs[0], "2", true)
	b1 := episode(progs[1], "1", false)
	c1 := episode(progs[2], "1", false)
	diff := func(p Program, e Episode, h int) Diffusion {
		return Diffusion{StationID: sta.ID, ProgramID: p.ID, EpisodeID: e.ID, Type: OnAir, Start: t0.Add(time.Duration(h) * time.Hour), End: t0.Add(time.Duration(h)*time.Hour + 30*time.Minute)}
	}
	_, _, err = st.PutDiffusions(ctx, []Diffusion{
		diff(progs[0], a1, 0), diff(progs[0], a2, 1), diff(progs[0], a1, 24), // a: two without sound
		diff(progs[1], b1, -1), diff(progs[1], b1, 2), // b: one before from, one after
		diff(progs[2], c1, 3), // c: not asked about
	})
	require.NoError(t, err)
	got, err := SoundlessDiffusions(ctx, st, sta.ID, []int64{progs[0].ID, progs[1].ID}, t0, t0.Add(48*time.Hour))
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, progs[0].ID, got[0].ProgramID)
	require.Equal(t, 2, got[0].Count)
	require.Equal(t, t0, got[0].First.Start)
	require.Equal(t, progs[1].ID, got[1].ProgramID)
	require.Equal(t, 1, got[1].Count)
	require.Equal(t, t0.Add(2*time.Hour), got[1].First.Start)
}
