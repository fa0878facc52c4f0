package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
)

// coverageMetrics exports the coverage of every stream and variant, hour by
// hour, under the names and labels of wubloader's segment_coverage, so that
// its Grafana dashboards and alerts work unchanged: channel is the stream,
// quality the variant, hour as the archive names it (2026-11-23T14). Only
// hours within window of now that hold something are exported (wubloader
// exports the hours it finds). Each scrape asks the Selector, which
// recomputes only the hours whose listing changed.
type coverageMetrics struct {
	store  archive.Reader
	sel    *archive.Selector
	window time.Duration
	clock  airkeep.Clock
	log    *slog.Logger

	computed prometheus.Counter
}

var (
	hourLabels     = []string{"channel", "quality", "hour"}
	typedLabels    = []string{"channel", "quality", "hour", "type"}
	mSegmentCount  = prometheus.NewDesc("segment_count", "Number of segments in an hour, by type (bad: temp or unparseable).", typedLabels, nil)
	mSegmentDur    = prometheus.NewDesc("segment_duration", "Segment duration in an hour, seconds, by type.", typedLabels, nil)
	mRawCoverage   = prometheus.NewDesc("raw_coverage", "Total time covered by segments in an hour, seconds.", hourLabels, nil)
	mEditCoverage  = prometheus.NewDesc("editable_coverage", "Non-overlapping time covered by segments in an hour, seconds.", hourLabels, nil)
	mRawHoles      = prometheus.NewDesc("raw_holes", "Number of holes in raw coverage for the hour.", hourLabels, nil)
	mEditHoles     = prometheus.NewDesc("editable_holes", "Number of holes in editable coverage for the hour.", hourLabels, nil)
	mOverlapCount  = prometheus.NewDesc("overlap_count", "Number of overlapping segments for the hour, by type.", typedLabels, nil)
	mOverlapDur    = prometheus.NewDesc("overlap_duration", "Duration of overlapping segments for the hour, seconds, by type.", typedLabels, nil)
	mCoverageUp    = prometheus.NewDesc("airkeep_coverage_up", "1 when the variant's coverage could be computed; 0 when its listing failed (its hours are then not exported, never shown as holes).", []string{"channel", "quality"}, nil)
	coverageMetric = []*prometheus.Desc{mSegmentCount, mSegmentDur, mRawCoverage, mEditCoverage, mRawHoles, mEditHoles, mOverlapCount, mOverlapDur, mCoverageUp}
)

func newCoverageMetrics(store archive.Reader, sel *archive.Selector, window time.Duration, clock airkeep.Clock, log *slog.Logger) *coverageMetrics {
	return &coverageMetrics{
		store: store, sel: sel, window: window, clock: clock, log: log,
		computed: prometheus.NewCounter(prometheus.CounterOpts{Name: "airkeep_coverage_hours_computed_total", Help: "Hours whose coverage was computed afresh: their listing, or the hour before's, changed."}),
	}
}

func (m *coverageMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range coverageMetric {
		ch <- d
	}
	m.computed.Describe(ch)
}

func (m *coverageMetrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := m.clock.Now().UTC()
	from, to := now.Add(-m.window).Truncate(time.Hour), now.Truncate(time.Hour).Add(time.Hour)
	streams, err := m.store.Streams(ctx)
	if err != nil {
		m.log.Warn("coverage metrics: listing streams failed", "err", err)
		return
	}
	for _, s := range streams {
		variants, err := m.store.Variants(ctx, s)
		if err != nil {
			m.log.Warn("coverage metrics: listing variants failed", "stream", s, "err", err)
			continue
		}
		for _, v := range variants {
			rep, err := m.sel.Coverage(ctx, s, v, from, to)
			if err != nil {
				m.log.Warn("coverage metrics: listing failed", "stream", s, "variant", v, "err", err)
				ch <- prometheus.MustNewConstMetric(mCoverageUp, prometheus.GaugeValue, 0, s, v)
				continue
			}
			ch <- prometheus.MustNewConstMetric(mCoverageUp, prometheus.GaugeValue, 1, s, v)
			m.computed.Add(float64(rep.Computed))
			for _, h := range rep.Hours {
				if h.Held {
					collectHour(ch, s, v, h)
				}
			}
		}
	}
	m.computed.Collect(ch)
}

func collectHour(ch chan<- prometheus.Metric, stream, variant string, h archive.HourCoverage) {
	hour := archive.FormatHour(h.Hour)
	gauge := func(d *prometheus.Desc, v float64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{stream, variant, hour}, extra...)...)
	}
	gauge(mSegmentCount, float64(h.Segments.Full), "full")
	gauge(mSegmentCount, float64(h.Segments.Suspect), "suspect")
	gauge(mSegmentCount, float64(h.Segments.Partial), "partial")
	gauge(mSegmentCount, float64(h.Segments.Bad), "bad")
	gauge(mSegmentDur, h.SegmentDuration.Full.Seconds(), "full")
	gauge(mSegmentDur, h.SegmentDuration.Suspect.Seconds(), "suspect")
	gauge(mSegmentDur, h.SegmentDuration.Partial.Seconds(), "partial")
	gauge(mRawCoverage, h.Raw.Seconds())
	gauge(mEditCoverage, h.Editable.Seconds())
	gauge(mRawHoles, float64(len(h.RawHoles)))
	gauge(mEditHoles, float64(len(h.EditableHoles)))
	gauge(mOverlapCount, float64(h.Overlaps.Full), "full")
	gauge(mOverlapCount, float64(h.Overlaps.Suspect), "suspect")
	gauge(mOverlapCount, float64(h.Overlaps.Partial), "partial")
	gauge(mOverlapDur, h.OverlapDuration.Full.Seconds(), "full")
	gauge(mOverlapDur, h.OverlapDuration.Suspect.Seconds(), "suspect")
	gauge(mOverlapDur, h.OverlapDuration.Partial.Seconds(), "partial")
}
