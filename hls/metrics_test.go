package hls

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWriteMetrics(t *testing.T) {
	st := Status{Stream: `radio "one"`, State: Recording, Restarts: 2, Variants: []VariantStatus{
		{Name: "source", CountersSnapshot: CountersSnapshot{Full: 10, Partial: 1, Bytes: 12345, Missing: 3, Recovered: 1, LastEnd: time.Unix(1700000000, 0)}},
	}}
	var b strings.Builder
	require.NoError(t, WriteMetrics(&b, st))
	out := b.String()
	for _, want := range []string{
		"# TYPE airkeep_hls_segments_total counter\n",
		`airkeep_hls_segments_total{stream="radio \"one\"",variant="source",type="full"} 10` + "\n",
		`airkeep_hls_segments_total{stream="radio \"one\"",variant="source",type="partial"} 1` + "\n",
		`airkeep_hls_bytes_total{stream="radio \"one\"",variant="source"} 12345` + "\n",
		`airkeep_hls_missing_total{stream="radio \"one\"",variant="source"} 3` + "\n",
		`airkeep_hls_latest_segment_end_seconds{stream="radio \"one\"",variant="source"} 1700000000` + "\n",
		`airkeep_hls_state{stream="radio \"one\"",state="recording"} 1` + "\n",
		`airkeep_hls_state{stream="radio \"one\"",state="waiting_for_live"} 0` + "\n",
		`airkeep_hls_restarts_total{stream="radio \"one\""} 2` + "\n",
	} {
		require.Contains(t, out, want)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "#") {
			require.Regexp(t, `^airkeep_hls_[a-z_]+\{[^}]*\} -?\d+$`, line)
		}
	}
}
