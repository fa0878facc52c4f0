// Command archived serves a segment archive over HTTP with the API of
// wubloader's restreamer: listings, segments, HLS playlists for any time
// range, cuts of every type (all but rough need ffmpeg, found on PATH or
// given with -ffmpeg; without it they answer 501), frames, waveforms,
// Matroska exports into -export-dir (POST /generate_videos, off without
// it), coverage maps and a coverage page (/coverage/), and
// Prometheus metrics at /metrics: the coverage of every stream and variant,
// hour by hour over the last -coverage-window, under the names of
// wubloader's segment_coverage (segment_count, raw_coverage, ...).
//
//	archived -dir ./segments -listen 127.0.0.1:8000
//	archived -store 's3://bucket/prefix?endpoint=127.0.0.1:7070&insecure=1' -listen :8000
//
// Then, for example:
//
//	curl http://127.0.0.1:8000/files
//	ffplay 'http://127.0.0.1:8000/playlist/STREAM.m3u8'
//	curl -o cut.ts 'http://127.0.0.1:8000/cut/STREAM/source.ts?start=2026-11-23T14:00:00Z&end=2026-11-23T14:05:00Z'
//	curl -o clip.mp4 'http://127.0.0.1:8000/cut/STREAM/source.ts?type=mp4&start=2026-11-23T14:00:03.5Z&end=2026-11-23T14:01:00Z'
//	curl -o frame.png 'http://127.0.0.1:8000/frame/STREAM/source.png?timestamp=2026-11-23T14:00:10Z'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/media"
	"github.com/airkeep/airkeep/archive/storeurl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "archived:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

// clock tells the metrics which hours are recent. Tests set a fake one, on
// their data's day.
var clock airkeep.Clock = airkeep.SystemClock()

// run serves until ctx ends. ready, if not nil, receives the address
// listened on.
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("archived", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "archive folder (this or -store is required)")
	storeURL := fs.String("store", "", "archive URL in place of -dir: a path, file://PATH, or\ns3://BUCKET/PREFIX?endpoint=HOST:PORT&insecure=1&region=R (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	listen := fs.String("listen", "127.0.0.1:8000", "address to serve on")
	holdback := fs.Duration("live-holdback", 15*time.Second, "how much of a live playlist's edge is withheld while it has holes")
	exportDir := fs.String("export-dir", "", "folder where POST /generate_videos writes Matroska files (default: off)")
	ffmpeg := fs.String("ffmpeg", "", "ffmpeg program for cuts other than rough, frames, waveforms and exports\n(default: found on PATH; without it those answer 501)")
	mediaProcs := fs.Int("media-processes", 0, "ffmpeg processes run at once (default: one per CPU)")
	covWindow := fs.Duration("coverage-window", 48*time.Hour, "hours exported in /metrics: those within this long of now")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	u, err := storeurl.Location(*dir, *storeURL)
	if err != nil {
		return usageError{err}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	store, err := u.Open(ctx, storeurl.Config{Logger: log})
	if err != nil {
		return err
	}
	if ds, ok := store.(*archive.DirStore); ok {
		// Temporary files left by a crashed writer; an hour is far longer
		// than any write.
		if n, err := ds.CleanTemp(ctx, time.Hour, time.Now()); err != nil {
			return err
		} else if n > 0 {
			log.Info("removed stale temporary files", "count", n)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *covWindow <= 0 {
		return usageError{errors.New("-coverage-window must be positive")}
	}
	sel := archive.NewSelector(store, archive.SelectorConfig{})
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCoverageMetrics(store, sel, *covWindow, clock, log))
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	if *exportDir != "" {
		if st, err := os.Stat(*exportDir); err != nil || !st.IsDir() {
			return usageError{fmt.Errorf("-export-dir %s is not a folder", *exportDir)}
		}
	}
	hcfg := archive.HandlerConfig{Logger: log, LiveHoldback: *holdback, Selector: sel, ExportDir: *exportDir}
	tools, err := media.New(ctx, media.Config{FFmpeg: *ffmpeg, MaxProcesses: *mediaProcs, Logger: log})
	if err != nil {
		// Everything else is served as usual.
		log.Warn("no media tools: cuts other than rough, frames, waveforms and exports answer 501", "err", err)
	} else {
		defer tools.Close()
		hcfg.Media = tools
		log.Info("media tools", "ffmpeg", tools.Version())
	}
	api := archive.NewHandler(store, hcfg)
	srv := &http.Server{
		// Not a ServeMux in front of the archive's handler: it would
		// redirect unclean paths that the handler refuses.
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/metrics" && r.Method == http.MethodGet {
				metrics.ServeHTTP(w, r)
				return
			}
			api.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		// Players keep connections open between playlist reloads; without
		// a bound an idle one is held forever (IdleTimeout 0 falls back to
		// ReadTimeout, also 0). No WriteTimeout: cuts stream for long.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving archive", "store", u.String(), "addr", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Let requests in flight finish; long cuts get a bounded grace, then
	// are cut off: an interrupt is still a clean stop.
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("requests still running after the grace period; closing them", "err", err)
		srv.Close()
	}
	<-errc
	if tools != nil {
		// No ffmpeg outlives the server.
		tools.Close()
	}
	log.Info("stopped")
	return nil
}
