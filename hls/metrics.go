package hls

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// metric is one counter of a variant, as exported.
type metric struct {
	name, help, kind string
	value            func(CountersSnapshot) int64
}

// metricTable lists what WriteMetrics exports, in order.
func metricTable() []metric {
	return []metric{
		{"airkeep_hls_segments_total", "Segments stored, by type.", "counter", nil},
		{"airkeep_hls_bytes_total", "Bytes stored, duplicates excluded.", "counter", func(c CountersSnapshot) int64 { return c.Bytes }},
		{"airkeep_hls_duplicates_total", "Segments downloaded again and not stored twice.", "counter", func(c CountersSnapshot) int64 { return c.Duplicates }},
		{"airkeep_hls_missing_total", "Media sequence numbers skipped between playlists.", "counter", func(c CountersSnapshot) int64 { return c.Missing }},
		{"airkeep_hls_recovered_total", "Skipped numbers listed later and fetched.", "counter", func(c CountersSnapshot) int64 { return c.Recovered }},
		{"airkeep_hls_gap_tags_total", "EXT-X-GAP segments.", "counter", func(c CountersSnapshot) int64 { return c.GapTags }},
		{"airkeep_hls_resets_total", "Media sequence resets.", "counter", func(c CountersSnapshot) int64 { return c.Resets }},
		{"airkeep_hls_skews_total", "PDT skews over 10 ms.", "counter", func(c CountersSnapshot) int64 { return c.Skews }},
		{"airkeep_hls_discontinuities_total", "EXT-X-DISCONTINUITY tags seen.", "counter", func(c CountersSnapshot) int64 { return c.Discontinuities }},
		{"airkeep_hls_hand_overs_total", "Workers replaced.", "counter", func(c CountersSnapshot) int64 { return c.HandOvers }},
		{"airkeep_hls_give_ups_total", "Segments given up with nothing stored.", "counter", func(c CountersSnapshot) int64 { return c.GiveUps }},
		{"airkeep_hls_dropped_total", "Segments dropped from the queue or cut by a stop.", "counter", func(c CountersSnapshot) int64 { return c.Dropped }},
		{"airkeep_hls_ads_skipped_total", "Ad segments left out.", "counter", func(c CountersSnapshot) int64 { return c.AdsSkipped }},
		{"airkeep_hls_attempts_total", "Segment download attempts.", "counter", func(c CountersSnapshot) int64 { return c.Attempts }},
		{"airkeep_hls_retries_total", "Attempts after the first.", "counter", func(c CountersSnapshot) int64 { return c.Retries }},
		{"airkeep_hls_playlist_errors_total", "Failed playlist fetches or parses.", "counter", func(c CountersSnapshot) int64 { return c.PlaylistErrors }},
		{"airkeep_hls_in_flight", "Segments downloading now.", "gauge", func(c CountersSnapshot) int64 { return c.InFlight }},
		{"airkeep_hls_queued", "Segments waiting for a getter.", "gauge", func(c CountersSnapshot) int64 { return c.Queued }},
		{"airkeep_hls_buffered_segments", "Segments held in the spill buffer while the store fails.", "gauge", func(c CountersSnapshot) int64 { return c.Buffered }},
		{"airkeep_hls_buffered_bytes", "Bytes held in the spill buffer.", "gauge", func(c CountersSnapshot) int64 { return c.BufferedBytes }},
		{"airkeep_hls_stored_late_total", "Segments written from the spill buffer once the store took them.", "counter", func(c CountersSnapshot) int64 { return c.StoredLate }},
		{"airkeep_hls_lost_segments_total", "Segments downloaded but never stored (spill buffer full, stop, permanent refusal).", "counter", func(c CountersSnapshot) int64 { return c.StoreLost }},
		{"airkeep_hls_latest_segment_end_seconds", "End of the latest stored segment, Unix time.", "gauge", func(c CountersSnapshot) int64 {
			if c.LastEnd.IsZero() {
				return 0
			}
			return c.LastEnd.Unix()
		}},
	}
}

// WriteMetrics writes the counters of the given statuses in the Prometheus
// text exposition format, labelled by stream and variant, plus each
// Recorder's state. The package imports no metrics library; a program
// serves this from its /metrics handler.
func WriteMetrics(w io.Writer, statuses ...Status) error {
	var b strings.Builder
	for _, m := range metricTable() {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.kind)
		for _, st := range statuses {
			for _, v := range st.Variants {
				l := `stream="` + escapeLabel(st.Stream) + `",variant="` + escapeLabel(v.Name) + `"`
				if m.value == nil {
					fmt.Fprintf(&b, "%s{%s,type=\"full\"} %d\n", m.name, l, v.Full)
					fmt.Fprintf(&b, "%s{%s,type=\"suspect\"} %d\n", m.name, l, v.Suspect)
					fmt.Fprintf(&b, "%s{%s,type=\"partial\"} %d\n", m.name, l, v.Partial)
					continue
				}
				fmt.Fprintf(&b, "%s{%s} %d\n", m.name, l, m.value(v.CountersSnapshot))
			}
		}
	}
	b.WriteString("# HELP airkeep_hls_state Recorder state: 1 for the current one.\n# TYPE airkeep_hls_state gauge\n")
	for _, st := range statuses {
		for s := WaitingForLive; s <= Stopped; s++ {
			v := 0
			if st.State == s {
				v = 1
			}
			fmt.Fprintf(&b, "airkeep_hls_state{stream=\"%s\",state=\"%s\"} %d\n", escapeLabel(st.Stream), s, v)
		}
		fmt.Fprintf(&b, "airkeep_hls_restarts_total{stream=\"%s\"} %s\n", escapeLabel(st.Stream), strconv.Itoa(st.Restarts))
	}
	b.WriteString("# HELP airkeep_hls_store_failing Whether the store refuses writes for a reason that passes: 1 while it does.\n# TYPE airkeep_hls_store_failing gauge\n")
	for _, st := range statuses {
		v := 0
		if st.Store.Failing {
			v = 1
		}
		fmt.Fprintf(&b, "airkeep_hls_store_failing{stream=\"%s\"} %d\n", escapeLabel(st.Stream), v)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
