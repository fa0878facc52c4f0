package archive_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
)

// The kinds print as the example CLIs have always printed them; scripts
// read those words.
func TestKindStrings(t *testing.T) {
	tests := []struct {
		kind fmt.Stringer
		want string
	}{
		{archive.BackfillFetched, "fetched"},
		{archive.BackfillTombstone, "tombstone"},
		{archive.BackfillSkipped, "skipped"},
		{archive.BackfillRejected, "rejected"},
		{archive.BackfillMismatch, "mismatch"},
		{archive.BackfillError, "error"},
		{archive.BackfillKind(0), "BackfillKind(0)"},
		{archive.BackfillKind(99), "BackfillKind(99)"},
		{archive.ProblemMismatch, "mismatch"},
		{archive.ProblemBadName, "badname"},
		{archive.ProblemUnreadable, "unreadable"},
		{archive.ProblemKind(-1), "ProblemKind(-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, tt.kind.String())
		})
	}
}

// A ConfigError keeps its cause for errors.Is and errors.As, and reads as
// before.
func TestConfigErrorCause(t *testing.T) {
	_, err := archive.NewBackfiller(archive.NewMemStore(), archive.BackfillConfig{Peers: []string{"http://a"}, Streams: []string{".."}})
	var ce *archive.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "Streams", ce.Field)
	var ne *archive.NameError
	require.ErrorAs(t, err, &ne, "the cause is reachable")
	require.Equal(t, "stream", ne.Field)
	require.Equal(t, "archive: config Streams: "+ne.Error(), err.Error())

	require.EqualError(t, &archive.ConfigError{Field: "F", Reason: "why"}, "archive: config F: why")
	require.EqualError(t, &archive.ConfigError{Field: "F", Reason: "why", Err: ne}, "archive: config F: why: "+ne.Error())
}
