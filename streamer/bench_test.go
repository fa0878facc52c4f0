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
// client within 1.2x of the baseline. interleaved alternates the two in
// each iteration, so that a machine whose load changes during the run
// weighs on both alike, and reports their ratio.
func BenchmarkOnAir(b *testing.B) {
	st := benchStation(b)
	ctx := context.Background()

	b.Run("raw-baseline", func(b *testing.B) {
		raw := newRawConn(b, st.Socket)
		lat := make(latencies, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			t0 := time.Now()
			raw.onAir(b)
			lat = append(lat, time.Since(t0))
		}
		lat.report(b)
	})

	b.Run("client", func(b *testing.B) {
		c := newBenchClient(b, st)
		lat := make(latencies, 0, 1<<16)
		b.ReportAllocs()
		for b.Loop() {
			t0 := time.Now()
			if _, err := c.OnAir(ctx); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		lat.report(b)
	})

	b.Run("interleaved", func(b *testing.B) {
		raw := newRawConn(b, st.Socket)
		c := newBenchClient(b, st)
		var rawLat, clientLat latencies
		var rawSum, clientSum time.Duration
		for b.Loop() {
			t0 := time.Now()
			raw.onAir(b)
			t1 := time.Now()
			if _, err := c.OnAir(ctx); err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			rawLat, clientLat = append(rawLat, t1.Sub(t0)), append(clientLat, t2.Sub(t1))
			rawSum, clientSum = rawSum+t1.Sub(t0), clientSum+t2.Sub(t1)
		}
		slices.Sort(rawLat)
		slices.Sort(clientLat)
		n := len(rawLat)
		b.ReportMetric(float64(rawSum.Microseconds())/float64(n), "raw-µs/op")
		b.ReportMetric(float64(clientSum.Microseconds())/float64(n), "client-µs/op")
		b.ReportMetric(float64(clientSum)/float64(rawSum), "client/raw")
		b.ReportMetric(float64(clientLat[n/2])/float64(rawLat[n/2]), "client/raw-p50")
		b.ReportMetric(float64(clientLat[n*99/100])/float64(rawLat[n*99/100]), "client/raw-p99")
	})
}

// rawConn is the baseline: a bare connection, the same bytes, the same
// terminator, nothing else.
type rawConn struct {
	conn net.Conn
	r    *bufio.Reader
	buf  []byte
}

func newRawConn(b *testing.B, socket string) *rawConn {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return &rawConn{conn: conn, r: bufio.NewReader(conn)}
}

var onAirLine = []byte("request.on_air\n")

func (rc *rawConn) onAir(b testing.TB) {
	if _, err := rc.conn.Write(onAirLine); err != nil {
		b.Fatal(err)
	}
	rc.buf = rc.buf[:0]
	for !bytes.HasSuffix(rc.buf, []byte(terminator)) {
		chunk, err := rc.r.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		rc.buf = append(rc.buf, chunk...)
	}
}

func newBenchClient(b *testing.B, st *Station) *Client {
	c, err := NewClient(st.ClientConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()); err != nil {
		b.Fatal(err)
	}
	return c
}

// TestMonitorLoad is the monitor-like load of the issue: 10 commands per
// second (request.on_air through Client.OnAir) for AIRKEEP_MONITOR_LOAD (a
// duration such as 1m), each tick followed by the same command on a raw
// connection as a baseline, and once a second what a monitor tick asks the
// Controller. It reports p50, p99 and max of each, and runs only when that
// variable is set.
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
	conn, err := net.Dial("unix", st.Socket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	raw := &rawConn{conn: conn, r: bufio.NewReader(conn)}
	ctl, err := NewController(ControllerConfig{Station: st})
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close()
	ctx := context.Background()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	end := time.Now().Add(d)
	var clientLat, rawLat, tickLat latencies
	for n := 0; time.Now().Before(end); n++ {
		<-tick.C
		// Whichever goes first after the idle 100ms wakes Liquidsoap's
		// server thread and pays for it: alternate the order.
		for i := range 2 {
			t0 := time.Now()
			if (n+i)%2 == 0 {
				if _, err := c.OnAir(ctx); err != nil {
					t.Fatal(err)
				}
				clientLat = append(clientLat, time.Since(t0))
			} else {
				raw.onAir(t)
				rawLat = append(rawLat, time.Since(t0))
			}
		}
		if n%10 == 0 {
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
	for _, r := range []struct {
		name string
		lat  latencies
	}{{"client request.on_air", clientLat}, {"raw request.on_air", rawLat}, {"controller tick (OnAir, DealerRemaining, DealerQueue)", tickLat}} {
		slices.Sort(r.lat)
		n := len(r.lat)
		t.Logf("%s: %d over %s: p50 %s, p99 %s, max %s", r.name, n, d, r.lat[n/2], r.lat[n*99/100], r.lat[n-1])
	}
}
