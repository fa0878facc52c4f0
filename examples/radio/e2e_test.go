package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"github.com/airkeep/airkeep/internal/testtool"
	"github.com/airkeep/airkeep/streamer"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/internal/syncbuf"
	"github.com/airkeep/airkeep/schedule"
	"github.com/airkeep/airkeep/schedule/sqlitestore"
	"github.com/airkeep/airkeep/schedule/stationfile"
	"github.com/airkeep/airkeep/schedule/stationfile/stationfiletest"
)

// station is one radio run in a test.
type testRun struct {
	r    *runner
	done chan error
	stop context.CancelFunc
}

func startRun(t *testing.T, path, db string, logger *slog.Logger) *testRun {
	t.Helper()
	cfg, _, err := stationfile.Load(path, stationfile.ForRun)
	require.NoError(t, err)
	cfg.Listen = "127.0.0.1:0"
	return startRunConfig(t, runnerConfig{Station: cfg, DB: db, Logger: logger})
}

func startRunConfig(t *testing.T, rc runnerConfig) *testRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := newRunner(ctx, rc)
	require.NoError(t, err)
	tr := &testRun{r: r, done: make(chan error, 1), stop: cancel}
	go func() { tr.done <- r.Run(ctx) }()
	t.Cleanup(func() { tr.end(t) })
	return tr
}

// end stops the run and checks that it stopped cleanly, leaving no
// Liquidsoap behind.
func (tr *testRun) end(t *testing.T) {
	if tr.r == nil {
		return
	}
	pid := tr.r.proc.PID()
	tr.stop()
	select {
	case err := <-tr.done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("radio run did not stop within 30s")
	}
	require.Zero(t, tr.r.proc.PID())
	if pid > 0 {
		require.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "liquidsoap %d outlived its run", pid)
	}
	tr.r.Close()
	tr.r = nil
}

func (tr *testRun) get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get("http://" + tr.r.Addr() + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// TestStationEndToEnd runs a station with the real Liquidsoap on a short
// real timeline: five shows of a few seconds between music, one whose
// files vanished, radio run stopped and started again during one show,
// Liquidsoap killed during another. It checks the as-run log, the page in
// a real browser, the API, and the proof against the station's own
// recording.
func TestStationEndToEnd(t *testing.T) {
	bin := testtool.Require(t, "liquidsoap")
	dir := t.TempDir()
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs)
		}
	})
	pulse := stationfiletest.Tone{Freqs: []float64{660}, Pulse: 500 * time.Millisecond}
	// What a loaded machine slows most is Liquidsoap's start-up (loading
	// its library, checking the script), so the timeline and the wait for
	// a restart follow what a start takes here now: the test measures the
	// station, not the machine.
	startup := liquidsoapStartup(t, bin)
	// The timeline stretches with the machine: a show must outlast a
	// start of Liquidsoap (delta's and echo's first parts see one) and
	// the checks made while it plays (alpha's: the API and a browser,
	// whose start a loaded machine slows as much).
	// On an idle machine k is 1 and the timeline is the one written here.
	k := max(1, startup.Seconds()/4, browserStartup(t).Seconds()/2)
	at := func(secs float64) time.Duration {
		return time.Duration(secs * k * float64(time.Second)).Round(time.Second)
	}
	second := func(n int) []time.Duration { return []time.Duration{at(float64(n))} }
	shows := []stationfiletest.Show{
		{Slug: "alpha", Title: `Alpha <b>"A"</b> & co`, At: at(10), Parts: second(4), Tone: pulse},
		{Slug: "bravo", Title: "Bravo", At: at(16), Parts: second(4), Tone: pulse},
		{Slug: "charlie", Title: "Charlie", At: at(22), Parts: []time.Duration{at(2), at(2)}, Tone: pulse},
		{Slug: "delta", Title: "Delta", At: at(29), Parts: []time.Duration{at(6), at(6)}, Tone: pulse},
		{Slug: "echo", Title: "Echo", At: at(48), Parts: []time.Duration{at(6), at(6)}, Tone: pulse},
	}
	// Writing the station's sounds and importing them, before the run
	// starts, slow down with the machine too.
	t0 := time.Now().Truncate(time.Second).Add(time.Second + startup)
	// CI runs as root, where Liquidsoap refuses to start unless told.
	ds, err := stationfiletest.Write(dir, stationfiletest.Config{Start: t0, Shows: shows, MusicLength: 30 * time.Second, AllowRoot: os.Geteuid() == 0})
	require.NoError(t, err)
	ctx := t.Context()
	_, rep, err := importFile(ctx, ds.File, ds.DB, time.Now(), io.Discard)
	require.NoError(t, err)
	require.Equal(t, 5, rep.Generate.Created)
	// Bravo's sounds vanish before it airs.
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "shows", "bravo")))

	obs, err := sqlitestore.New(ctx, sqlitestore.Config{Path: ds.DB})
	require.NoError(t, err)
	defer obs.Close()
	station, err := obs.Station(ctx, "demo")
	require.NoError(t, err)
	diffs, err := obs.Diffusions(ctx, station.ID, t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, diffs, 5)
	byShow := map[string]schedule.Diffusion{}
	for i, d := range diffs {
		byShow[shows[i].Slug] = d
	}
	part := func(show string, n int) string {
		return filepath.Join(dir, "shows", show, t0.Add(byShowAt(shows, show)).UTC().Format(time.DateOnly), "part-"+string(rune('0'+n))+".wav")
	}
	onAir := func(uri string) bool {
		logs, err := obs.Logs(ctx, schedule.LogFilter{StationID: station.ID, Types: []schedule.LogType{schedule.LogOnAir}, TopLevel: true})
		require.NoError(t, err)
		return slices.ContainsFunc(logs, func(l schedule.Log) bool { return l.Comment == uri })
	}
	deadline := func(show string, extra time.Duration) time.Duration {
		return time.Until(byShow[show].End.Add(extra))
	}

	run1 := startRun(t, ds.File, ds.DB, logger)

	// Alpha on air: the API, the metrics and the page in a browser.
	require.Eventually(t, func() bool { return onAir(part("alpha", 1)) }, deadline("alpha", 0), 200*time.Millisecond, "alpha never on air")
	var now nowJSON
	resp, body := run1.get(t, "/now")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.NoError(t, json.Unmarshal(body, &now))
	require.Equal(t, "part-1", now.OnAir.Title)
	require.Equal(t, "dealer", now.OnAir.Source)
	require.Equal(t, byShow["alpha"].ID, now.OnAir.Diffusion.ID)
	require.Equal(t, shows[0].Title, now.OnAir.Diffusion.ProgramTitle)
	require.Equal(t, "bravo", now.Next.Program)
	require.Equal(t, "ready", now.Liquidsoap.State)
	require.NotNil(t, now.Recording)

	line := run1.r.statusLine(ctx)
	require.Contains(t, line, "liquidsoap ready (pid ")
	require.Contains(t, line, "| on air: dealer part-1 (alpha) | next: bravo ")
	require.Contains(t, line, "| 1 started 0 missed 0 cancelled 0 re-pushed | capture recording: ")

	resp, body = run1.get(t, "/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "\nairkeep_liquidsoap_up 1\n")
	require.Contains(t, string(body), "\nairkeep_schedule_diffusions_started_total 1\n")
	require.Contains(t, string(body), "\nairkeep_hls_recording 1\n")
	require.Contains(t, string(body), `airkeep_hls_segments_total{type="full"}`)

	t.Run("page in a browser", func(t *testing.T) { checkPage(t, "http://"+run1.r.Addr()+"/", shows[0].Title) })

	// Delta: radio run stopped while its first part plays, started again.
	require.Eventually(t, func() bool { return onAir(part("delta", 1)) }, deadline("delta", 0), 200*time.Millisecond, "delta never on air")
	run1.end(t)
	run2 := startRun(t, ds.File, ds.DB, logger)

	// Echo: Liquidsoap killed while its first part plays.
	require.Eventually(t, func() bool { return onAir(part("echo", 1)) }, deadline("echo", 0), 200*time.Millisecond, "echo never on air")
	pid := run2.r.proc.PID()
	require.NotZero(t, pid)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	// The restart is a whole start of Liquidsoap.
	require.Eventually(t, func() bool { return onAir(part("echo", 2)) }, deadline("echo", 20*time.Second+startup), 200*time.Millisecond,
		"echo's second part never aired after Liquidsoap was killed")
	require.Equal(t, 2, run2.r.proc.Starts())
	require.Equal(t, 2, run2.r.capture.status().Starts, "a recorder per Liquidsoap process")

	resp, body = run2.get(t, "/asrun.csv?start="+t0.Add(-time.Minute).Format(time.RFC3339))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, schedule.AsRunHeader, records[0])
	resp, _ = run2.get(t, "/asrun.csv?start=tomorrow")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// Let echo's re-pushed second part play out and be recorded.
	last, err := obs.Logs(ctx, schedule.LogFilter{StationID: station.ID, Types: []schedule.LogType{schedule.LogOnAir}, TopLevel: true, Desc: true, Limit: 1})
	require.NoError(t, err)
	require.Equal(t, part("echo", 2), last[0].Comment)
	waitUntil(t, last[0].Date.Add(shows[4].Parts[1]+5*time.Second))
	run2.end(t)

	// The as-run log: each show's dealer events in order, START once per
	// show, Bravo missed and never started.
	entries, err := schedule.AsRun(ctx, obs, station.ID, t0, time.Now())
	require.NoError(t, err)
	slugOf := map[int64]string{}
	for slug, d := range byShow {
		slugOf[d.ID] = slug
	}
	var seq []string
	firstAired, repushed := map[string]time.Time{}, map[string]time.Time{} // by show
	for _, e := range entries {
		if e.Source != "dealer" {
			continue
		}
		switch e.Event {
		case schedule.LogStart, schedule.LogMissed:
			seq = append(seq, e.Event.String()+" "+slugOf[e.DiffusionID])
		case schedule.LogOnAir:
			seq = append(seq, "on_air "+relPart(dir, e.URI))
			if show := slugOf[e.DiffusionID]; firstAired[show].IsZero() {
				firstAired[show] = e.Start
			}
		case schedule.LogOther:
			if strings.HasPrefix(e.Comment, "re-pushed") {
				seq = append(seq, "re-pushed "+slugOf[e.DiffusionID])
				repushed[slugOf[e.DiffusionID]] = e.Start
			}
		}
	}
	// Cut parts play again, and are logged again, after a restart. Echo's
	// monitor saw Liquidsoap die, so it knows part 1 was cut. Delta's
	// monitor is new and cannot know when its predecessor's player went
	// away: part 1 plays again only if the new process came up before
	// part 1 would have ended (Liquidsoap can take 10 s to start on a
	// loaded machine).
	delta := []string{"start delta", "on_air delta/part-1.wav", "re-pushed delta", "on_air delta/part-1.wav", "on_air delta/part-2.wav"}
	if !repushed["delta"].Before(firstAired["delta"].Add(shows[3].Parts[0])) {
		delta = slices.Delete(delta, 3, 4)
	}
	want := slices.Concat([]string{
		"start alpha", "on_air alpha/part-1.wav",
		"missed bravo",
		"start charlie", "on_air charlie/part-1.wav", "on_air charlie/part-2.wav",
	}, delta, []string{
		"start echo", "on_air echo/part-1.wav", "re-pushed echo", "on_air echo/part-1.wav", "on_air echo/part-2.wav",
	})
	require.True(t, isSubsequence(want, seq), "as-run sequence %q lacks %q", seq, want)
	require.Equal(t, 1, count(seq, "start delta"), "%q", seq)
	require.Equal(t, 1, count(seq, "start echo"), "%q", seq)
	require.Zero(t, count(seq, "start bravo"), "%q", seq)
	b, err := obs.Diffusion(ctx, byShow["bravo"].ID)
	require.NoError(t, err)
	require.Equal(t, schedule.Missed, b.Status)

	// The proof against the recording.
	arch, err := archive.NewDirStore(archive.DirConfig{Root: filepath.Join(dir, "segments")})
	require.NoError(t, err)
	proofAt := time.Now()
	proof, err := schedule.BuildProof(ctx, obs, withArchive(schedule.ProofRequest{Station: station, From: t0, To: proofAt, Now: proofAt, Tolerance: defaultTolerance},
		arch, "demo", "source"))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, proof.WriteText(&out))
	t.Logf("proof:\n%s", out.String())
	rows := map[string]schedule.ProofRow{}
	for _, r := range proof.Rows {
		rows[r.Program] = r
	}
	for _, show := range []string{"alpha", "charlie"} {
		r := rows[show]
		require.Empty(t, r.Flags, "%s: %s", show, out.String())
		require.True(t, r.Recorded)
		require.Equal(t, r.Diffusion.Duration(), r.Present, "%s is wholly in the archive", show)
	}
	require.Contains(t, rows["bravo"].Flags, schedule.FlagNotAired)
	require.Equal(t, "missed", rows["bravo"].Status)
	require.Equal(t, rows["bravo"].Diffusion.Duration(), rows["bravo"].Present, "the music over bravo was recorded")
	for _, show := range []string{"delta", "echo"} {
		r := rows[show]
		require.True(t, r.Aired(), show)
		require.NotEmpty(t, r.Holes, "%s: the outage is a hole in the recording", show)
		// The hole is no longer than the outage (from the first part on
		// air to the re-push, an upper bound) plus two 2-s segments.
		outage := repushed[show].Sub(firstAired[show])
		require.Positive(t, outage, show)
		require.Less(t, r.Missing(), outage+4*time.Second, "%s: recording resumed after the outage", show)
		require.Greater(t, r.AsRunEnd, r.Diffusion.End, "%s: the cut part played again, after its scheduled end", show)
	}
	// Whether the outages cross the tolerance depends on how fast
	// Liquidsoap restarts; bravo is flagged whatever happens.
	sum := proof.Summary()
	require.Equal(t, 5, sum.Due)
	require.Equal(t, 4, sum.Aired)
	require.GreaterOrEqual(t, sum.Flagged, 1)
}

// liquidsoapStartup is what a start of Liquidsoap may take on this machine
// now: twice what a check of a small station takes.
func liquidsoapStartup(t *testing.T, bin string) time.Duration {
	t.Helper()
	st := &streamer.Station{Name: "lead", Socket: filepath.Join(t.TempDir(), "s.sock"), Dummy: true, AllowRoot: os.Geteuid() == 0}
	script, err := st.Script()
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, streamer.Check(t.Context(), bin, script))
	d := 2 * time.Since(start)
	t.Logf("liquidsoap checks a station in %v: a start may take %v", (d / 2).Round(time.Millisecond), d.Round(time.Second))
	return d
}

// browserStartup is how long headless chromium takes to render a page
// here; 0 without chromium (the page's check is skipped then).
func browserStartup(t *testing.T) time.Duration {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		return 0
	}
	start := time.Now()
	out, err := exec.CommandContext(t.Context(), bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "data:text/html,<p>x</p>").CombinedOutput()
	require.NoError(t, err, "chromium: %s", out)
	d := time.Since(start)
	t.Logf("chromium renders a page in %v", d.Round(time.Millisecond))
	return d
}

// waitUntil waits for an instant of the real timeline the station runs on.
func waitUntil(t *testing.T, at time.Time) {
	t.Helper()
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-t.Context().Done():
		t.Fatal("test ended while waiting")
	}
}

func byShowAt(shows []stationfiletest.Show, slug string) time.Duration {
	for _, s := range shows {
		if s.Slug == slug {
			return s.At
		}
	}
	return 0
}

// relPart shortens a show's sound path to "show/part-N.wav".
func relPart(dir, uri string) string {
	rel, err := filepath.Rel(filepath.Join(dir, "shows"), uri)
	if err != nil || strings.HasPrefix(rel, "..") {
		return filepath.Base(uri)
	}
	parts := strings.Split(rel, string(filepath.Separator))
	return parts[0] + "/" + parts[len(parts)-1]
}

func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func count(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// checkPage loads the station's page in a real headless browser, lets its
// script fetch /now and /asrun.json, and checks what it shows. Titles are
// data: one holding HTML must show as text.
func checkPage(t *testing.T, url, title string) {
	t.Helper()
	browser := testtool.Require(t, "chromium")
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=4000", "--dump-dom", url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	page := string(dom)
	require.Regexp(t, `data-refreshes="[1-9]`, page, "the page's script never refreshed:\n%s", page)
	require.Contains(t, page, `<div class="big" id="onair-title">part-1</div>`)
	escaped := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(title)
	require.Contains(t, page, escaped, "the title shows as text")
	require.NotContains(t, page, "<b>\"A\"</b>", "a title is never parsed as HTML")
	require.Contains(t, page, `id="liquidsoap" class="ok">Liquidsoap ready`)
	require.Contains(t, page, `<tr class="start">`, "the last hour of the log lists the start")
	require.Contains(t, page, `<span id="error"></span>`, "no refresh failed")
}
