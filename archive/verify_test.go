package archive_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/archivetest"
)

func TestVerify(t *testing.T) {
	tests := []struct {
		name  string
		store func(t *testing.T) (archive.Store, func(rel string, data []byte))
	}{
		{"DirStore", func(t *testing.T) (archive.Store, func(string, []byte)) {
			s := newDirStore(t)
			return s, func(rel string, data []byte) {
				p := filepath.Join(s.Root(), filepath.FromSlash(rel))
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, data, 0o644))
			}
		}},
		{"MemStore", func(t *testing.T) (archive.Store, func(string, []byte)) {
			s := archive.NewMemStore()
			return s, func(rel string, data []byte) { require.NoError(t, s.PutRaw(rel, data)) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, putRaw := tt.store(t)
			var good []archive.Segment
			for i := range 50 {
				good = append(good, archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: []string{"a", "b"}[i%2], Start: t0.Add(time.Duration(i) * time.Minute), Duration: 2}, archive.Full, []byte{byte(i)}))
			}
			// Bit rot: the name promises other bytes.
			rotten := good[7]
			putRaw(rotten.Path(), []byte("rotten"))
			putRaw("s/a/2026-11-23T14/junk.ts", []byte("x"))
			putRaw("s/a/2026-11-23T14/00:00.000000-2.0-temp-abc.ts", []byte("in progress"))

			var problems []archive.Problem
			res, err := archive.Verify(t.Context(), s, archive.VerifyConfig{Workers: 3}, func(p archive.Problem) { problems = append(problems, p) })
			require.NoError(t, err)
			sort.Slice(problems, func(i, j int) bool { return problems[i].Path < problems[j].Path })
			require.Len(t, problems, 2)
			require.Equal(t, "s/a/2026-11-23T14/junk.ts", problems[0].Path)
			require.Equal(t, archive.ProblemBadName, problems[0].Kind)
			var ne *archive.NameError
			require.ErrorAs(t, problems[0].Err, &ne)
			require.Equal(t, rotten.Path(), problems[1].Path)
			require.Equal(t, archive.ProblemMismatch, problems[1].Kind)
			require.Equal(t, archive.Hash(sha256Sum("rotten")), problems[1].Actual)
			require.Equal(t, archive.VerifyResult{Segments: 50, Bytes: 49 + 6, Problems: 2}, res)
		})
	}
}

func TestVerifyStopsWithContext(t *testing.T) {
	s := archive.NewMemStore()
	archivetest.Write(t, s, archive.Segment{Stream: "s", Variant: "v", Start: t0, Duration: 2}, archive.Full, []byte("x"))
	ctx, cancel := contextWithCancel(t)
	cancel()
	_, err := archive.Verify(ctx, s, archive.VerifyConfig{}, func(archive.Problem) {})
	require.ErrorIs(t, err, context.Canceled)
}
