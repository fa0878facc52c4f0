package streamer

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"slices"
	"testing"
	"time"
)

// benchStation starts a real Liquidsoap for a benchmark.
func benchStation(b *testing.B) *Station {
	b.Helper()
	st := testStation(b)
	runProcess(b, ProcessConfig{Station: st})
	return st
}

// latencies records the duration of each operation and reports p50 and p99.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(l[len(l)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkOnAir measures one request.on_air round trip over the unix
// socket: raw-baseline writes the same bytes on a plain connection and
// reads up to the terminator; client goes through Client.OnAir (argument
// check, deadline, liveness check, framing, parsing). The target is
// client within 1.2× of the baseline.
func BenchmarkOnAir(b *testing.B) {
	st := benchStation(b)
	var base, client time.Duration

	b.Run("raw-baseline", func(b *testing.B) {
		conn, err := net.Dial("unix", st.Socket)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		line := []byte("request.on_air\n")
		var buf []byte
		lat := make(latencies, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			t0 := time.Now()
			if _, err := conn.Write(line); err != nil {
				b.Fatal(err)
			}
			buf = buf[:0]
			for !bytes.HasSuffix(buf, []byte(terminator)) {
				chunk, err := r.ReadSlice('\n')
				if err != nil {
					b.Fatal(err)
				}
				buf = append(buf, chunk...)
			}
			lat = append(lat, time.Since(t0))
		}
		base = b.Elapsed() / time.Duration(b.N)
		lat.report(b)
	})

	b.Run("client", func(b *testing.B) {
		c, err := NewClient(st.ClientConfig())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		if err := c.Ping(ctx); err != nil {
			b.Fatal(err)
		}
		lat := make(latencies, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			t0 := time.Now()
			if _, err := c.OnAir(ctx); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		client = b.Elapsed() / time.Duration(b.N)
		lat.report(b)
	})
	if base > 0 && client > 0 {
		b.Logf("client/baseline = %.3f (%s / %s per round trip)", float64(client)/float64(base), client, base)
	}
}

// TestMonitorLoad is the monitor-like load of the issue: 10 commands per
// second (request.on_air) for AIRKEEP_MONITOR_LOAD (a duration such as
// 1m), reporting p50 and p99. It runs only when that variable is set.
func TestMonitorLoad(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("AIRKEEP_MONITOR_LOAD"))
	if err != nil {
		t.Skip("set AIRKEEP_MONITOR_LOAD=1m to run the monitor-like load")
	}
	st := testStation(t)
	runProcess(t, ProcessConfig{Station: st})
	c, err := NewClient(st.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctl, err := NewController(ControllerConfig{Station: st})
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close()
	ctx := context.Background()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	end := time.Now().Add(d)
	var lat, tickLat latencies
	for n := 0; time.Now().Before(end); n++ {
		<-tick.C
		t0 := time.Now()
		if _, err := c.OnAir(ctx); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		if n%10 == 0 {
			// Once a second, what a monitor tick asks for.
			t0 := time.Now()
			if _, _, _, err := ctl.OnAir(ctx); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ctl.DealerRemaining(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := ctl.DealerQueue(ctx); err != nil {
				t.Fatal(err)
			}
			tickLat = append(tickLat, time.Since(t0))
		}
	}
	slices.Sort(lat)
	slices.Sort(tickLat)
	t.Logf("request.on_air: %d commands over %s: p50 %s, p99 %s, max %s",
		len(lat), d, lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
	t.Logf("monitor tick (OnAir+DealerRemaining+DealerQueue): %d ticks: p50 %s, p99 %s, max %s",
		len(tickLat), tickLat[len(tickLat)/2], tickLat[len(tickLat)*99/100], tickLat[len(tickLat)-1])
}
