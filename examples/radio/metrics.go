package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/streamer"
)

// metrics exports the counters the packages keep (Monitor.Stats,
// Process.Starts, the recorders' Status) at each scrape: the packages
// import no metrics library, so the program reads their snapshots and
// hands them to Prometheus as constant metrics.
type metrics struct{ r *runner }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("airkeep_"+name, help, labels, nil)
}

var (
	mLiqUp      = desc("liquidsoap_up", "1 when Liquidsoap's command server answers.")
	mLiqStarts  = desc("liquidsoap_starts_total", "Liquidsoap processes started by this run (restarts after a crash included).")
	mTicks      = desc("schedule_ticks_total", "Monitor ticks.")
	mStarts     = desc("schedule_diffusions_started_total", "Diffusions handed to Liquidsoap.")
	mCancels    = desc("schedule_diffusions_cancelled_total", "Diffusions cancelled because they could not start in time.")
	mMissed     = desc("schedule_diffusions_missed_total", "Diffusions that ended without being started (missing sounds, monitor down).")
	mRepushes   = desc("schedule_repushes_total", "Diffusions pushed again after a Liquidsoap restart lost them.")
	mOnAirLogs  = desc("schedule_on_air_logs_total", "Sounds logged on air.")
	mTrackLogs  = desc("schedule_track_logs_total", "Tracks logged on air.")
	mPlayerErrs = desc("schedule_player_errors_total", "Failed calls to Liquidsoap.")
	mStoreErrs  = desc("schedule_store_errors_total", "Failed calls to the schedule store.")
	mRecording  = desc("hls_recording", "1 while the station's HLS output is being recorded.")
	mRecStarts  = desc("hls_recorders_started_total", "Recorders started (one per Liquidsoap process).")
	mSegments   = desc("hls_segments_total", "Segments stored in the archive, by completeness.", "type")
	mBytes      = desc("hls_bytes_total", "Bytes stored in the archive.")
	mLost       = desc("hls_lost_segments_total", "Segments known to be missing from the archive (skipped, given up, dropped).")
	mLastEnd    = desc("hls_last_segment_end_timestamp_seconds", "End of the latest stored segment, Unix time.")
	mDeadAir    = desc("dead_air_total", "Stretches of dead air begun (a source or the output silent past the threshold).")
	mDeadAirS   = desc("dead_air_seconds_total", "Seconds of dead air in the stretches that ended.")
	mDeadAirNow = desc("dead_air", "Sources silent now (0 when the air is fine).")
	mJingles    = desc("jingles_total", "Jingles logged on air.")
	mLiveOn     = desc("live_on_air", "1 while a live show's source client is connected.")
	mLiveMissed = desc("live_slots_missed_total", "Live slots nobody connected to within the grace time.")
	mHooks      = desc("dead_air_webhooks_total", "Dead-air webhook notices, by outcome.", "outcome")
)

func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mLiqUp, mLiqStarts, mTicks, mStarts, mCancels, mMissed, mRepushes, mOnAirLogs,
		mTrackLogs, mPlayerErrs, mStoreErrs, mRecording, mRecStarts, mSegments, mBytes, mLost, mLastEnd,
		mDeadAir, mDeadAirS, mDeadAirNow, mJingles, mLiveOn, mLiveMissed, mHooks} {
		ch <- d
	}
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	r := m.r
	gauge(mLiqUp, boolFloat(r.proc.State() == streamer.StateReady))
	counter(mLiqStarts, int64(r.proc.Starts()))
	s := r.mon.Stats()
	counter(mTicks, s.Ticks)
	counter(mStarts, s.Starts)
	counter(mCancels, s.Cancels)
	counter(mMissed, s.Missed)
	counter(mRepushes, s.Repushes)
	counter(mOnAirLogs, s.OnAirLogs)
	counter(mTrackLogs, s.TrackLogs)
	counter(mPlayerErrs, s.PlayerErrors)
	counter(mStoreErrs, s.StoreErrors)
	a := r.air.Stats()
	counter(mDeadAir, a.DeadAir)
	ch <- prometheus.MustNewConstMetric(mDeadAirS, prometheus.CounterValue, a.DeadAirSeconds)
	gauge(mDeadAirNow, float64(a.DeadAirOpen))
	counter(mJingles, a.Jingles)
	gauge(mLiveOn, boolFloat(a.LiveOn))
	counter(mLiveMissed, a.LiveMissed)
	counter(mHooks, a.Webhooks.Sent, "sent")
	counter(mHooks, a.Webhooks.Failed, "failed")
	counter(mHooks, a.Webhooks.Dropped, "dropped")
	if r.capture == nil {
		return
	}
	cs := r.capture.status()
	gauge(mRecording, boolFloat(cs.State == hls.Recording))
	counter(mRecStarts, int64(cs.Starts))
	counter(mSegments, cs.Counters.Full, "full")
	counter(mSegments, cs.Counters.Suspect, "suspect")
	counter(mSegments, cs.Counters.Partial, "partial")
	counter(mBytes, cs.Counters.Bytes)
	counter(mLost, cs.Counters.Lost())
	if !cs.Counters.LastEnd.IsZero() {
		gauge(mLastEnd, float64(cs.Counters.LastEnd.UnixNano())/1e9)
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
