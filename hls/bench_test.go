//go:build linux

package hls_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/airkeep/airkeep"
	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/hls"
	"github.com/airkeep/airkeep/hls/hlstest"
)

// The capture benchmarks read from an origin in a child process (this test
// binary, re-run with benchOriginEnv set), so that the CPU the benchmark
// process spends is the capture's alone: HTTP client, hashing, writing.
const benchOriginEnv = "AIRKEEP_BENCH_ORIGIN"

func TestMain(m *testing.M) {
	if spec := os.Getenv(benchOriginEnv); spec != "" {
		serveBenchOrigin(spec)
		return
	}
	os.Exit(m.Run())
}

// benchOrigin describes the child origin: channels, bits per second of the
// two variants, and the clock speed.
type benchOrigin struct {
	channels       int
	hiBits, loBits int
	speed          float64
}

func (b benchOrigin) String() string {
	return fmt.Sprintf("%d,%d,%d,%g", b.channels, b.hiBits, b.loBits, b.speed)
}

// serveBenchOrigin runs in the child: it prints its address and the
// origin's start time, serves until stdin closes, then exits.
func serveBenchOrigin(spec string) {
	var b benchOrigin
	if _, err := fmt.Sscanf(strings.ReplaceAll(spec, ",", " "), "%d %d %d %g", &b.channels, &b.hiBits, &b.loBits, &b.speed); err != nil {
		fmt.Fprintln(os.Stderr, "bad origin spec:", err)
		os.Exit(2)
	}
	start := time.Now().Truncate(time.Second)
	clock := hlstest.NewScaledClock(start, b.speed)
	chans := make([]string, b.channels)
	for i := range chans {
		chans[i] = fmt.Sprintf("ch%d", i+1)
	}
	o, err := hlstest.New(hlstest.Config{Channels: chans, Clock: clock, Variants: []hlstest.VariantConfig{
		{Name: "source", Resolution: "1280x720", Bandwidth: b.hiBits}, {Name: "480p", Resolution: "854x480", Bandwidth: b.loBits},
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s %d\n", ln.Addr(), start.UnixNano())
	srv := &http.Server{Handler: o.Handler()}
	go srv.Serve(ln)
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	srv.Close()
	os.Exit(0)
}

// startBenchOrigin starts the child origin and returns its base URL and a
// clock reading the origin's time.
func startBenchOrigin(b *testing.B, spec benchOrigin) (string, airkeep.Clock) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchOriginEnv+"="+spec.String())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	var addr string
	var startNs int64
	if _, err := fmt.Fscanf(out, "%s %d\n", &addr, &startNs); err != nil {
		b.Fatal("origin did not start: ", err)
	}
	// The same speed: the capture's timeouts and reloads keep their ratio
	// to the origin's segment duration. (Dates come from the playlists.)
	return "http://" + addr, hlstest.NewScaledClock(time.Unix(0, startNs), spec.speed)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCaptureCPU measures the CPU the capture spends per gigabyte
// stored, beside a baseline that only hashes and writes the same bytes into
// the same kind of store, measured in the same run: cpu_s/GB is the
// capture's, base_cpu_s/GB the baseline's, x_baseline their ratio (the
// target is at most 1.5). Segments are 4 and 1.5 Mbit/s, the origin runs
// 50 times faster than real time in a child process.
//
//	go test -run '^$' -bench CaptureCPU -benchtime 3x ./hls
func BenchmarkCaptureCPU(b *testing.B) {
	spec := benchOrigin{channels: 4, hiBits: 4_000_000, loBits: 1_500_000, speed: 50}
	base, clock := startBenchOrigin(b, spec)
	const stretch = 60 * time.Second // of stream time per iteration

	// Baseline: the same segment sizes, hashed and written.
	segs := [][]byte{
		hlstest.Segment("baseline-hi", 0, 2*time.Second, spec.hiBits*2/8),
		hlstest.Segment("baseline-lo", 0, 2*time.Second, spec.loBits*2/8),
	}
	var baseCPU time.Duration
	var baseBytes int64
	var capCPU time.Duration
	var capBytes, lost int64
	for b.Loop() {
		store, err := archive.NewDirStore(archive.DirConfig{Root: b.TempDir(), NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		n := int(stretch/(2*time.Second)) * spec.channels
		c0 := cpuTime()
		for i := 0; i < n; i++ {
			for k, data := range segs {
				w, err := store.Create(context.Background(), archive.Segment{Stream: "base", Variant: fmt.Sprint(k), Start: time.Unix(int64(i*2), 0), Duration: 2})
				if err != nil {
					b.Fatal(err)
				}
				w.Write(data)
				if _, err := w.Commit(context.Background(), archive.Full); err != nil {
					b.Fatal(err)
				}
				baseBytes += int64(len(data))
			}
		}
		baseCPU += cpuTime() - c0

		store, err = archive.NewDirStore(archive.DirConfig{Root: b.TempDir(), NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		c0 = cpuTime()
		st := captureFor(b, base, clock, spec.channels, store, stretch)
		capCPU += cpuTime() - c0
		capBytes += st.Bytes
		lost += st.Lost()
	}
	capGB, baseGB := float64(capBytes)/1e9, float64(baseBytes)/1e9
	b.ReportMetric(capCPU.Seconds()/capGB, "cpu_s/GB")
	b.ReportMetric(baseCPU.Seconds()/baseGB, "base_cpu_s/GB")
	b.ReportMetric((capCPU.Seconds()/capGB)/(baseCPU.Seconds()/baseGB), "x_baseline")
	b.ReportMetric(float64(capBytes)/1e6/float64(b.N), "MB/op")
	b.ReportMetric(float64(lost), "lost")
}

// captureFor records every channel of the child origin for d of stream
// time and returns the summed counters.
func captureFor(b *testing.B, base string, clock airkeep.Clock, channels int, store archive.Store, d time.Duration) hls.CountersSnapshot {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := hls.DefaultHTTPClient(64)
	defer client.CloseIdleConnections()
	hosts := hls.NewHostLimiter(64)
	recs := make([]*hls.Recorder, channels)
	var wg sync.WaitGroup
	for i := range recs {
		rec, err := hls.New(hls.Config{
			Stream: fmt.Sprintf("ch%d", i+1), URL: fmt.Sprintf("%s/c/ch%d/master.m3u8", base, i+1),
			Variants: []string{"source", "480p"}, Store: store, Clock: clock, HTTPClient: client, Hosts: hosts,
		})
		if err != nil {
			b.Fatal(err)
		}
		recs[i] = rec
		wg.Add(1)
		go func() { defer wg.Done(); rec.Run(ctx) }()
	}
	t := clock.NewTimer(d)
	<-t.C()
	cancel()
	wg.Wait()
	var tot hls.CountersSnapshot
	for _, r := range recs {
		st := r.Status()
		st.Variants = append(st.Variants, hls.VariantStatus{CountersSnapshot: tot})
		tot = st.Total()
	}
	return tot
}
