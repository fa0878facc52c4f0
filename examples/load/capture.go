package main

import (
	"context"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// runCapture records every channel for cc.Duration of stream time, as
// examples/capture does, then stops and reports the Recorders' counters.
func runCapture(ctx context.Context, cc childConfig) (report, error) {
	var rep report
	if cc.CPUProfile != "" {
		f, err := os.Create(cc.CPUProfile)
		if err != nil {
			return rep, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return rep, err
		}
		defer pprof.StopCPUProfile()
	}
	if cc.MemProfile != "" {
		defer func() {
			if f, err := os.Create(cc.MemProfile); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	store, err := archive.NewDirStore(archive.DirConfig{Root: cc.Dir, NoSync: cc.NoSync})
	if err != nil {
		return rep, err
	}
	// The origin's clock, read in this process.
	clock := hlstest.NewScaledClock(cc.Start.Add(time.Duration(float64(time.Since(cc.Real0))*cc.Speed)), cc.Speed)
	client := hls.DefaultHTTPClient(cc.PerHost)
	defer client.CloseIdleConnections()
	hosts := hls.NewHostLimiter(cc.PerHost)
	recs := make([]*hls.Recorder, len(cc.Channels))
	for i, ch := range cc.Channels {
		recs[i], err = hls.New(hls.Config{
			Stream: ch, URL: cc.Base + hlstest.MasterPath(ch), Variants: cc.Variants,
			Store: store, HTTPClient: client, Hosts: hosts, Clock: clock,
		})
		if err != nil {
			return rep, err
		}
	}
	began := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(recs))
	for i, r := range recs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = r.Run(runCtx) }()
	}
	end := clock.NewTimer(cc.Start.Add(cc.Duration).Sub(clock.Now()))
	defer end.Stop()
	select {
	case <-end.C():
	case <-ctx.Done():
	}
	stopped := time.Now()
	cancel()
	wg.Wait()
	rep.StopLatency = time.Since(stopped)
	rep.Wall = time.Since(began)
	for _, err := range errs {
		if err != nil {
			return rep, err
		}
	}
	for _, r := range recs {
		t := r.Status().Total()
		rep.Stored += t.Full + t.Suspect
		rep.Partial += t.Partial
		rep.Dropped += t.Dropped
		rep.GiveUps += t.GiveUps
		rep.Gaps += t.Missing - t.Recovered
		rep.Attempts += t.Attempts
		rep.Retries += t.Retries
	}
	return rep, nil
}
