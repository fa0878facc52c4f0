package streamer

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/internal/icecasttest"
	"github.com/airkeep/airkeep/internal/testtool"
)

// tonePart is a stretch of a test sound: a sine at Freq, or silence at 0.
type tonePart struct {
	D    time.Duration
	Freq float64
}

// writeParts writes a mono 16-bit 22.05 kHz WAV made of parts.
func writeParts(t testing.TB, path string, parts ...tonePart) {
	t.Helper()
	const rate = 22050
	var pcm []byte
	for _, p := range parts {
		n := int(p.D.Seconds() * rate)
		for i := 0; i < n; i++ {
			v := int16(0)
			if p.Freq > 0 {
				v = int16(8000 * math.Sin(2*math.Pi*p.Freq*float64(i)/rate))
			}
			pcm = binary.LittleEndian.AppendUint16(pcm, uint16(v))
		}
	}
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+len(pcm)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], rate)
	binary.LittleEndian.PutUint32(h[28:], rate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(len(pcm)))
	require.NoError(t, os.WriteFile(path, append(h, pcm...), 0o644))
}

// airLog collects what Controller.Watch reports, for tests to wait on.
type airLog struct {
	mu     sync.Mutex
	events []AirEvent
	added  chan struct{}
}

// watchAir runs ctl.Watch for the test's lifetime.
func watchAir(t *testing.T, ctl *Controller) *airLog {
	t.Helper()
	l := &airLog{added: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ctl.Watch(ctx, WatchConfig{Every: 200 * time.Millisecond}, func(e AirEvent) {
			l.mu.Lock()
			l.events = append(l.events, e)
			l.mu.Unlock()
			select {
			case l.added <- struct{}{}:
			default:
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

func (l *airLog) all() []AirEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]AirEvent(nil), l.events...)
}

// wait returns the first event (from index from on) that match accepts,
// failing the test after timeout.
func (l *airLog) wait(t *testing.T, from int, timeout time.Duration, what string, match func(AirEvent) bool) (AirEvent, int) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		evs := l.all()
		for i := from; i < len(evs); i++ {
			if match(evs[i]) {
				return evs[i], i
			}
		}
		select {
		case <-l.added:
		case <-deadline.C:
			t.Fatalf("no %s within %s; events: %+v", what, timeout, evs)
		}
	}
}

func kindIs(k AirEventKind) func(AirEvent) bool { return func(e AirEvent) bool { return e.Kind == k } }

// onAirStation is a station on a real Icecast, with short test sounds.
func onAirStation(t *testing.T, ice *icecasttest.Server) (*Station, string) {
	t.Helper()
	dir := shortDir(t)
	return &Station{
		Name:      "On Air FM",
		Socket:    filepath.Join(dir, "ls.sock"),
		AllowRoot: os.Geteuid() == 0,
		Icecast:   []Icecast{{Host: ice.Host, Port: ice.Port, Mount: "/radio.mp3", Password: ice.SourcePassword}},
	}, dir
}

// record has ffmpeg listen to url for d and decode it to 8 kHz mono PCM;
// wait waits until it is done and returns the samples.
func record(t *testing.T, url string, d time.Duration) (wait func() []int16) {
	t.Helper()
	ff := testtool.Require(t, "ffmpeg")
	out := filepath.Join(t.TempDir(), "rec.raw")
	cmd := exec.Command(ff, "-nostdin", "-v", "error", "-i", url, "-t", strconv.FormatFloat(d.Seconds(), 'f', 1, 64), "-f", "s16le", "-ac", "1", "-ar", "8000", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	var once sync.Once
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	wait = func() []int16 {
		once.Do(func() {
			select {
			case <-done:
			case <-time.After(d + 30*time.Second):
				t.Errorf("recording %s: still running", url)
			}
		})
		b, err := os.ReadFile(out)
		if err != nil {
			t.Errorf("recording %s: %v: %s", url, err, stderr.String())
			return nil
		}
		s := make([]int16, len(b)/2)
		for i := range s {
			s[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return s
	}
	return wait
}

// windowKind names each 250ms window of 8 kHz samples: "silence", or the
// frequency among freqs with the most energy (Goertzel).
func windowKinds(samples []int16, freqs ...float64) []string {
	const rate, win = 8000, 2000
	var out []string
	for i := 0; i+win <= len(samples); i += win {
		w := samples[i : i+win]
		var sum float64
		for _, v := range w {
			sum += float64(v) * float64(v)
		}
		rms := math.Sqrt(sum / win)
		if rms < 100 { // about -50 dBFS
			out = append(out, "silence")
			continue
		}
		best, bestP := "", -1.0
		for _, f := range freqs {
			k := 2 * math.Cos(2*math.Pi*f/rate)
			var s1, s2 float64
			for _, v := range w {
				s1, s2 = float64(v)+k*s1-s2, s1
			}
			if p := s1*s1 + s2*s2 - k*s1*s2; p > bestP {
				best, bestP = strconv.Itoa(int(f)), p
			}
		}
		out = append(out, best)
	}
	return out
}

// longestRun returns the longest run of kind in kinds.
func longestRun(kinds []string, kind string) int {
	best, n := 0, 0
	for _, k := range kinds {
		if k == kind {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

func within(t *testing.T, what string, got, want time.Time, tol time.Duration) {
	t.Helper()
	d := got.Sub(want)
	require.Truef(t, d <= tol && d >= -tol, "%s: got %s, truth %s (off by %s, tolerance %s)", what, got.Format("15:04:05.00"), want.Format("15:04:05.00"), d, tol)
}

// TestDeadAirCaughtAndCovered plays a scheduled sound with 15s of silence
// in the middle on a real Icecast: the silence is reported with its true
// start and end, the emergency playlist (not the music) covers it, and the
// recorded stream never stays silent for long.
func TestDeadAirCaughtAndCovered(t *testing.T) {
	needLiquidsoap(t)
	t.Parallel()
	began := time.Now()
	ice := icecasttest.Start(t)
	st, dir := onAirStation(t, ice)
	for _, d := range []string{"music", "emergency"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	for i := range 2 {
		writeParts(t, filepath.Join(dir, "music", strconv.Itoa(i)+".wav"), tonePart{20 * time.Second, 440})
		writeParts(t, filepath.Join(dir, "emergency", strconv.Itoa(i)+".wav"), tonePart{4 * time.Second, 1000})
	}
	show := filepath.Join(dir, "show.wav")
	writeParts(t, show, tonePart{3 * time.Second, 660}, tonePart{15 * time.Second, 0}, tonePart{3 * time.Second, 660})
	st.Playlists = []Playlist{{ID: "music", Path: filepath.Join(dir, "music")}}
	st.DeadAir = &DeadAir{Duration: 2 * time.Second, Emergency: filepath.Join(dir, "emergency")}

	runProcess(t, ProcessConfig{Station: st})
	ctl, err := NewController(ControllerConfig{Station: st})
	require.NoError(t, err)
	t.Cleanup(func() { ctl.Close() })
	air := watchAir(t, ctl)
	ctx := t.Context()
	air.wait(t, 0, 30*time.Second, "music on air", func(e AirEvent) bool { return e.Kind == AirTrack && e.Fields["source"] == "music" })
	// The show lasts 21s: hear it all and what follows.
	recording := record(t, ice.URL+"/radio.mp3", 28*time.Second)

	require.NoError(t, ctl.Push(ctx, show))
	// The truth: when the show took the air, to the hundredth of a second
	// (on_air_timestamp has whole seconds only).
	onAir, s := air.wait(t, 0, 10*time.Second, "the show on air", func(e AirEvent) bool {
		return e.Kind == AirTrack && e.Fields["filename"] == show
	})
	airTime := onAir.Time
	t.Cleanup(func() {
		for _, e := range air.all() {
			t.Logf("event %s %s %v", e.Time.Format("15:04:05.00"), e.Kind, e.Fields)
		}
		t.Logf("show on air at %s", airTime.Format("15:04:05.00"))
	})
	start, i := air.wait(t, 0, 20*time.Second, "dead air start", kindIs(AirBlankStart))
	require.Equal(t, "dealer", start.Source())
	within(t, "dead air start", start.Time, airTime.Add(3*time.Second), 2*time.Second)
	emergency, _ := air.wait(t, s, 5*time.Second, "emergency on air", func(e AirEvent) bool {
		return e.Kind == AirTrack && e.Fields["source"] == "emergency"
	})
	within(t, "emergency on air", emergency.Time, airTime.Add(5*time.Second), 2*time.Second)
	end, _ := air.wait(t, i, 25*time.Second, "dead air end", kindIs(AirBlankEnd))
	require.Equal(t, "dealer", end.Source())
	within(t, "dead air end", end.Time, airTime.Add(18*time.Second), 2*time.Second)

	kinds := windowKinds(recording(), 440, 660, 1000)
	t.Logf("recorded %d windows of 250ms: %v", len(kinds), kinds)
	require.Contains(t, kinds, "660", "the show was heard")
	require.GreaterOrEqual(t, count(kinds, "1000"), 4*8, "the emergency playlist covered most of the 15s")
	// Silence on air is bounded by the detection (2s) and the switch.
	require.LessOrEqual(t, longestRun(kinds, "silence"), 4*4, "no long silence reached listeners")
	// After the show, the music again (not the emergency playlist).
	require.Equal(t, []string{"440", "440", "440", "440"}, kinds[len(kinds)-4:], "the music back after the show")
	for _, e := range air.all() {
		require.NotEqual(t, "output", e.Source(), "the output itself was never silent for long: %+v", e)
	}
	t.Logf("wall time %s", time.Since(began).Round(100*time.Millisecond))
}

func count(kinds []string, k string) int {
	n := 0
	for _, x := range kinds {
		if x == k {
			n++
		}
	}
	return n
}

// TestJinglesWhereConfigured plays 2.5s music tracks with a jingle after
// every 3, plus one due at a second of the hour a few seconds ahead, which
// takes the first boundary between music tracks after it.
func TestJinglesWhereConfigured(t *testing.T) {
	needLiquidsoap(t)
	t.Parallel()
	began := time.Now()
	ice := icecasttest.Start(t)
	st, dir := onAirStation(t, ice)
	for _, d := range []string{"music", "jingles"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	for i := range 3 {
		writeParts(t, filepath.Join(dir, "music", strconv.Itoa(i)+".wav"), tonePart{2500 * time.Millisecond, 440 + 110*float64(i)})
	}
	writeParts(t, filepath.Join(dir, "jingles", "id.wav"), tonePart{time.Second, 1000})
	st.Playlists = []Playlist{{ID: "music", Path: filepath.Join(dir, "music")}}
	// Liquidsoap reads the hour in its local time, as the test does. The
	// timed jingle is due 25s ahead: Liquidsoap may take 15s to start on a
	// loaded machine.
	due := time.Now().Add(25 * time.Second).Truncate(time.Second)
	st.Jingles = &Jingles{Path: filepath.Join(dir, "jingles"), Every: 3,
		At: []time.Duration{time.Duration(due.Minute())*time.Minute + time.Duration(due.Second())*time.Second}}
	runProcess(t, ProcessConfig{Station: st})
	ctl, err := NewController(ControllerConfig{Station: st})
	require.NoError(t, err)
	t.Cleanup(func() { ctl.Close() })
	air := watchAir(t, ctl)

	isTrack := func(e AirEvent) bool { return e.Kind == AirTrack }
	_, i := air.wait(t, 0, 60*time.Second, "a track after the due second", func(e AirEvent) bool {
		return isTrack(e) && e.Time.After(due.Add(500*time.Millisecond))
	})
	timed, _ := air.wait(t, 0, 10*time.Second, "the timed jingle", func(e AirEvent) bool {
		return isTrack(e) && e.Time.After(due) && e.Fields["source"] == "jingles"
	})
	// The predicate is polled every 0.5s, late on a loaded machine: the
	// jingle takes the first or second boundary after the due second.
	second, _ := air.wait(t, i+1, 10*time.Second, "the second track after the due second", isTrack)
	require.False(t, timed.Time.After(second.Time), "the timed jingle took one of the first boundaries after %s", due.Format("15:04:05"))
	// Two more jingles by the count.
	_, j := air.wait(t, i+1, 30*time.Second, "a jingle", kindIs(AirJingle))
	air.wait(t, j+1, 30*time.Second, "another jingle", kindIs(AirJingle))

	// Every jingle follows 3 music tracks, but the timed one.
	var sources []string
	music := 0
	for _, e := range air.all() {
		if !isTrack(e) {
			continue
		}
		sources = append(sources, e.Fields["source"])
		switch e.Fields["source"] {
		case "music":
			music++
		case "jingles":
			if !e.Time.Equal(timed.Time) {
				require.Equal(t, 3, music, "a jingle after %d music tracks: %v", music, sources)
			}
			music = 0
		}
	}
	t.Logf("sources on air: %v (timed jingle at %s, due %s)", sources, timed.Time.Local().Format("15:04:05.00"), due.Format("15:04:05"))
	t.Logf("wall time %s", time.Since(began).Round(100*time.Millisecond))
}

// TestLiveSlot connects a real source client (ffmpeg) to the harbor:
// refused before the slot, on air during it, disconnected at its end; then
// a DJ whose microphone is dead is caught.
func TestLiveSlot(t *testing.T) {
	needLiquidsoap(t)
	t.Parallel()
	began := time.Now()
	ff := testtool.Require(t, "ffmpeg")
	ice := icecasttest.Start(t)
	st, dir := onAirStation(t, ice)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "music"), 0o755))
	writeParts(t, filepath.Join(dir, "music", "m.wav"), tonePart{20 * time.Second, 440})
	st.Playlists = []Playlist{{ID: "music", Path: filepath.Join(dir, "music")}}
	st.Live = &Live{Port: freePort(t), Mount: "live", Slots: true, Buffer: time.Second}
	st.DeadAir = &DeadAir{Duration: 2 * time.Second}
	runProcess(t, ProcessConfig{Station: st})
	ctl, err := NewController(ControllerConfig{Station: st})
	require.NoError(t, err)
	t.Cleanup(func() { ctl.Close() })
	air := watchAir(t, ctl)
	ctx := t.Context()
	harbor := "127.0.0.1:" + strconv.Itoa(st.Live.Port)

	// dj runs ffmpeg as a source client sending lavfi input src.
	dj := func(user, password, src string) (done <-chan error, stop func()) {
		cmd := exec.Command(ff, "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", src,
			"-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "-content_type", "audio/mpeg",
			"icecast://"+user+":"+password+"@"+harbor+"/live")
		require.NoError(t, cmd.Start())
		ch := make(chan error, 1)
		go func() { ch <- cmd.Wait() }()
		stop = func() { _ = cmd.Process.Kill() }
		t.Cleanup(stop)
		return ch, stop
	}
	exitWithin := func(done <-chan error, d time.Duration, what string) error {
		t.Helper()
		select {
		case err := <-done:
			return err
		case <-time.After(d):
			t.Fatalf("%s: source client still running after %s", what, d)
			return nil
		}
	}

	// Before the slot: refused.
	done, _ := dj("dj", "secret word", "sine=f=880:d=60")
	require.Error(t, exitWithin(done, 20*time.Second, "before the slot"), "ffmpeg fails on 401")
	refused, _ := air.wait(t, 0, 5*time.Second, "refusal", kindIs(AirLiveRefuse))
	require.Equal(t, "dj", refused.Fields["user"])

	// During the slot: on air within the harbor buffer.
	require.NoError(t, ctl.OpenLive(ctx, "dj", "secret word"))
	connectedAt := time.Now()
	done, _ = dj("dj", "secret word", "sine=f=880:d=60")
	_, i := air.wait(t, 0, 15*time.Second, "connection", kindIs(AirLiveConnect))
	eventually(t, 10*time.Second, func() bool {
		ss, err := ctl.Sources(ctx)
		return err == nil && ss[0].ID == "live" && ss[0].OnAir
	}, "the live show on air")
	t.Logf("live on air %s after the client started", time.Since(connectedAt).Round(100*time.Millisecond))
	ok, err := ctl.LiveConnected(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	// What the DJ's software sends as metadata (Icecast's metadata update).
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+harbor+"/admin/metadata?mount=/live&mode=updinfo&title=Night+Song&artist=The+DJ", nil)
	req.SetBasicAuth("dj", "secret word")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	meta, _ := air.wait(t, i, 10*time.Second, "live metadata", func(e AirEvent) bool {
		return e.Kind == AirLiveMetadata && e.Fields["title"] == "Night Song"
	})
	require.Equal(t, "The DJ", meta.Fields["artist"])

	// End of the slot: disconnected, and no way back in.
	require.NoError(t, ctl.CloseLive(ctx))
	exitWithin(done, 10*time.Second, "after the slot")
	air.wait(t, i, 5*time.Second, "disconnection", kindIs(AirLiveDisconnect))
	ok, err = ctl.LiveConnected(ctx)
	require.NoError(t, err)
	require.False(t, ok)
	done, _ = dj("dj", "secret word", "sine=f=880:d=60")
	require.Error(t, exitWithin(done, 20*time.Second, "after the slot"))
	for _, e := range air.all() {
		require.NotEqual(t, AirBlankStart, e.Kind, "no silence so far: %+v", e)
	}

	// A DJ with a dead microphone: caught, and the music covers.
	n := len(air.all())
	require.NoError(t, ctl.OpenLive(ctx, "dj", "secret word"))
	_, stop := dj("dj", "secret word", "anullsrc=r=44100:cl=mono")
	_, i = air.wait(t, n, 15*time.Second, "dead mic connection", kindIs(AirLiveConnect))
	blank, _ := air.wait(t, i, 15*time.Second, "dead mic", kindIs(AirBlankStart))
	require.Equal(t, "live", blank.Source())
	air.wait(t, i, 5*time.Second, "the music on air again", func(e AirEvent) bool {
		return e.Kind == AirTrack && e.Fields["source"] == "music"
	})
	require.NoError(t, ctl.CloseLive(ctx))
	stop()
	air.wait(t, i, 10*time.Second, "dead air end", func(e AirEvent) bool { return e.Kind == AirBlankEnd && e.Source() == "live" })
	t.Logf("wall time %s", time.Since(began).Round(100*time.Millisecond))
}
