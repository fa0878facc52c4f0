package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/hls"
)

// TestStoreProgress: the progress line and the final table say what the
// store did only when it failed, so their usual output stays as it was.
func TestStoreProgress(t *testing.T) {
	counters := hls.CountersSnapshot{Full: 10, Bytes: 1e6}
	tests := []struct {
		name  string
		store hls.StoreStatus
		late  int64
		lost  int64
		line  string
		table string
	}{
		{"never failed", hls.StoreStatus{}, 0, 0, "", ""},
		{"failing", hls.StoreStatus{Failing: true, Kind: "no space", Buffered: 8, BufferedBytes: 2_800_000, Lost: 1}, 0, 1,
			" | STORE FAILING (no space): 8 buffered 2.8 MB, 1 lost",
			"store: the store refused writes for a while: 0 segments stored late from the spill buffer, 1 lost (named in the log)\nsource            0 stored late        1 lost\n"},
		{"recovered", hls.StoreStatus{StoredLate: 30}, 30, 0,
			" | store: 0 buffered 0.0 MB, 30 stored late, 0 lost",
			"store: the store refused writes for a while: 30 segments stored late from the spill buffer, 0 lost (named in the log)\nsource           30 stored late        0 lost\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := counters
			c.StoredLate, c.StoreLost = tt.late, tt.lost
			sts := []hls.Status{{Stream: "demo", State: hls.Recording, Store: tt.store, Variants: []hls.VariantStatus{{Name: "source", CountersSnapshot: c}}}}
			require.Equal(t, "12s recording | source: 10 segs 1.0 MB 0 partial "+map[bool]string{true: "1", false: "0"}[tt.lost > 0]+" gaps"+tt.line,
				progressLine(12*time.Second, sts))
			var b bytes.Buffer
			summary(&b, options{streams: []string{"demo"}, store: "/a"}, time.Minute, sts, false)
			want := "capture finished after 1m0s: stream \"demo\" into /a, 0 restarts\n" +
				"variant    segments     full  suspect  partial        bytes   gaps  given-up  dropped  resets   hand\n" +
				"source           10       10        0        0      1000000      0         0        0       0      0\n" + tt.table
			require.Equal(t, want, b.String())
		})
	}
}
