package streamer

import (
	"context"
	"github.com/airkeep/airkeep/internal/testtool"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// freePort returns a TCP port free on loopback right now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestLiquidsoap drives one real Liquidsoap station through the client and
// the controller: the subtests share the process and run in order, each
// leaving the station as the next expects it.
func TestLiquidsoap(t *testing.T) {
	needLiquidsoap(t)
	t.Parallel()
	st := testStation(t)
	dir := filepath.Dir(st.Socket)
	st.Telnet = "127.0.0.1:" + strconv.Itoa(freePort(t))
	st.HLS = &HLS{Dir: filepath.Join(dir, "hls"), SegmentDuration: time.Second, Segments: 4}
	st.Archive = &Archive{Dir: filepath.Join(dir, "archive")}
	st.Live = &Live{Port: freePort(t), Mount: "live", Password: `pa"ss #{x}`, Buffer: time.Second}
	// A playlist left behind by a killed predecessor.
	require.NoError(t, os.MkdirAll(st.HLS.Dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(st.HLS.Dir, "stale.m3u8"), []byte("#EXTM3U\n"), 0o644))
	started := time.Now()
	proc, _, stop := runProcess(t, ProcessConfig{Station: st})
	ctl, err := NewController(ControllerConfig{Station: st})
	require.NoError(t, err)
	t.Cleanup(func() { ctl.Close() })
	client := ctl.Client()
	ctx := t.Context()

	// Tones pushed into the dealer.
	extra := filepath.Join(dir, "extra")
	require.NoError(t, os.Mkdir(extra, 0o755))
	odd := filepath.Join(extra, `with space "q" #1 été 日本.wav`)
	writeWAV(t, odd, 6*time.Second, 880)
	jingles := make([]string, 3)
	for i := range jingles {
		jingles[i] = filepath.Join(extra, "jingle"+strconv.Itoa(i)+".wav")
		writeWAV(t, jingles[i], 6*time.Second, 660+float64(i)*50)
	}

	t.Run("version and uptime", func(t *testing.T) {
		v, err := client.Version(ctx)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(v, "Liquidsoap 2."), v)
		up, err := client.Uptime(ctx)
		require.NoError(t, err)
		require.Less(t, up, time.Since(started)+2*time.Second)
	})

	t.Run("list", func(t *testing.T) {
		sources, err := client.List(ctx)
		require.NoError(t, err)
		kinds := map[string]string{}
		for _, s := range sources {
			kinds[s.ID] = s.Kind
		}
		require.Equal(t, "request.queue", kinds["dealer"])
		require.Equal(t, "playlist", kinds["music"])
		require.Equal(t, "playlist", kinds["night"])
		require.Equal(t, "output", kinds["out"])
		require.Equal(t, "output", kinds["hls"])
		require.Equal(t, "output", kinds["archive"])
	})

	t.Run("telnet answers like the socket", func(t *testing.T) {
		tc, err := NewClient(ClientConfig{Telnet: st.Telnet, InstanceCommand: "airkeep.instance"})
		require.NoError(t, err)
		defer tc.Close()
		require.NoError(t, tc.Ping(ctx))
		require.NoError(t, client.Ping(ctx))
		a, err := tc.Command(ctx, "airkeep.instance")
		require.NoError(t, err)
		b, err := client.Command(ctx, "airkeep.instance")
		require.NoError(t, err)
		require.Equal(t, b, a)
	})

	t.Run("interactive variables", func(t *testing.T) {
		vars, err := client.Vars(ctx)
		require.NoError(t, err)
		require.Equal(t, map[string]string{"volume": "float"}, vars)
		v, err := client.Var(ctx, "volume")
		require.NoError(t, err)
		require.Equal(t, "1.000", v)
		require.NoError(t, client.SetVar(ctx, "volume", "0.5"))
		v, err = client.Var(ctx, "volume")
		require.NoError(t, err)
		require.Equal(t, "0.500", v)
		require.NoError(t, client.SetVar(ctx, "volume", "1."))
		require.ErrorIs(t, client.SetVar(ctx, "nope", "1"), ErrVarNotFound)
		_, err = client.Var(ctx, "nope")
		require.ErrorIs(t, err, ErrVarNotFound)
	})

	t.Run("music on air at start", func(t *testing.T) {
		var source, uri string
		var at time.Time
		eventually(t, 20*time.Second, func() bool {
			source, uri, at, err = ctl.OnAir(ctx)
			require.NoError(t, err)
			return uri != ""
		}, "nothing on air")
		require.Contains(t, []string{"music", "night"}, source)
		require.True(t, strings.HasSuffix(uri, ".wav"), uri)
		require.WithinRange(t, at, started.Add(-2*time.Second), time.Now().Add(2*time.Second))
		gen, err := ctl.Generation(ctx)
		require.NoError(t, err)
		require.NotZero(t, gen)
	})

	var oddRID int
	t.Run("push and observe on air", func(t *testing.T) {
		pushed := time.Now()
		require.NoError(t, ctl.Push(ctx, odd))
		eventually(t, 10*time.Second, func() bool {
			source, uri, _, err := ctl.OnAir(ctx)
			require.NoError(t, err)
			return source == "dealer" && uri == odd
		}, "pushed file not on air")
		rids, err := client.OnAir(ctx)
		require.NoError(t, err)
		for _, rid := range rids {
			m, err := client.Metadata(ctx, rid)
			require.NoError(t, err)
			if m.Source == "dealer" {
				oddRID = m.RID
				require.Equal(t, odd, m.URI, "URI read back unchanged")
				require.Equal(t, odd, m.Filename)
				require.Equal(t, "playing", m.Status)
				require.WithinRange(t, m.AirTime, pushed.Add(-2*time.Second), time.Now().Add(time.Second))
			}
		}
		require.NotZero(t, oddRID)
		// The interrupted playlist request is still "playing" too.
		require.GreaterOrEqual(t, len(rids), 2)
	})

	t.Run("remaining time decreases", func(t *testing.T) {
		r1, playing, err := ctl.DealerRemaining(ctx)
		require.NoError(t, err)
		require.True(t, playing)
		require.Greater(t, r1, time.Duration(0))
		require.LessOrEqual(t, r1, 6500*time.Millisecond) // 6s, rounded up to frames
		eventually(t, 5*time.Second, func() bool {
			r2, playing, err := ctl.DealerRemaining(ctx)
			require.NoError(t, err)
			return playing && r2 < r1-500*time.Millisecond
		}, "remaining did not decrease from %s", r1)
		// Free once within Margin of the end, with nothing queued.
		for margin, want := range map[time.Duration]bool{time.Second: false, 30 * time.Second: true} {
			mc, err := NewController(ControllerConfig{Station: st, Client: client, Margin: margin})
			require.NoError(t, err)
			free, err := mc.DealerFree(ctx)
			require.NoError(t, err)
			require.Equal(t, want, free, "margin %s", margin)
			require.NoError(t, mc.Close(), "a borrowed client stays open")
		}
		require.NoError(t, client.Ping(ctx))
		out, err := client.Remaining(ctx, "out")
		require.NoError(t, err)
		// The output counts the frames it has buffered too.
		require.LessOrEqual(t, out, 7*time.Second)
	})

	annotated, err := Annotate(jingles[0], map[string]string{
		"title": `Say "hi" \o/, #1: été`, "artist": "A, B & C", "comment": "line\nbreak\ttab",
	})
	require.NoError(t, err)
	t.Run("dealer queue in order", func(t *testing.T) {
		require.NoError(t, ctl.Push(ctx, annotated, jingles[1]))
		q, err := ctl.DealerQueue(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{annotated, jingles[1]}, q)
		free, err := ctl.DealerFree(ctx)
		require.NoError(t, err)
		require.False(t, free)
		rids, err := client.Queue(ctx, "dealer")
		require.NoError(t, err)
		require.Len(t, rids, 2)
	})

	t.Run("skip and annotate read back", func(t *testing.T) {
		require.NoError(t, client.Skip(ctx, "dealer"))
		var rid int
		eventually(t, 10*time.Second, func() bool {
			sources, err := ctl.Sources(ctx)
			require.NoError(t, err)
			for _, s := range sources {
				if s.ID == "dealer" && s.OnAir && s.URI == annotated {
					rid = s.RID
					return true
				}
			}
			return false
		}, "skip did not bring the next request on air")
		m, err := client.Metadata(ctx, rid)
		require.NoError(t, err)
		require.Equal(t, annotated, m.URI)
		require.Equal(t, `Say "hi" \o/, #1: été`, m.Fields["title"])
		require.Equal(t, "A, B & C", m.Fields["artist"])
		require.Equal(t, "line\nbreak\ttab", m.Fields["comment"])
		require.Equal(t, jingles[0], m.Filename)
		_, err = client.Metadata(ctx, oddRID)
		require.ErrorIs(t, err, ErrNoSuchRequest, "a skipped request is destroyed")
	})

	t.Run("flush frees the dealer", func(t *testing.T) {
		require.NoError(t, client.Flush(ctx, "dealer"))
		eventually(t, 10*time.Second, func() bool {
			free, err := ctl.DealerFree(ctx)
			require.NoError(t, err)
			return free
		}, "dealer not free after flush")
		_, playing, err := ctl.DealerRemaining(ctx)
		require.NoError(t, err)
		require.False(t, playing)
		q, err := ctl.DealerQueue(ctx)
		require.NoError(t, err)
		require.Empty(t, q)
		eventually(t, 10*time.Second, func() bool {
			source, _, _, err := ctl.OnAir(ctx)
			require.NoError(t, err)
			return source == "music" || source == "night"
		}, "music did not resume")
	})

	t.Run("push refuses what Liquidsoap would drop", func(t *testing.T) {
		err := ctl.Push(ctx, jingles[2], filepath.Join(extra, "missing.wav"))
		require.ErrorIs(t, err, fs.ErrNotExist)
		err = ctl.Push(ctx, jingles[2]+"\rdealer.skip")
		var ae *ArgError
		require.ErrorAs(t, err, &ae)
		q, err := ctl.DealerQueue(ctx)
		require.NoError(t, err)
		require.Empty(t, q, "nothing pushed when one URI is refused")

		// A file that exists but does not decode: Liquidsoap takes the
		// push, then drops the request.
		bad := filepath.Join(extra, "noise.wav")
		require.NoError(t, os.WriteFile(bad, []byte("not a wave file at all"), 0o644))
		err = ctl.Push(ctx, bad)
		require.ErrorIs(t, err, ErrRequestDropped)
	})

	t.Run("reload after adding a file to a directory playlist", func(t *testing.T) {
		night := st.Playlists[1].Path
		added := filepath.Join(night, "n2.wav")
		writeWAV(t, added, 20*time.Second, 770)
		require.NoError(t, client.Reload(ctx, "night"))
		// night is sequential, n1 then n2 (each reload starts over at n1).
		// Skipping whichever playlist is on air makes the rotation go
		// round quickly until n2 is prepared or plays.
		eventually(t, 40*time.Second, func() bool {
			next, err := client.Command(ctx, "night.next")
			require.NoError(t, err)
			source, uri, _, err := ctl.OnAir(ctx)
			require.NoError(t, err)
			if strings.Contains(next, added) || uri == added {
				return true
			}
			if (source == "music" || source == "night") && uri != "" {
				require.NoError(t, client.Skip(ctx, source))
			}
			return false
		}, "added file never came up")
	})

	t.Run("sync playlist", func(t *testing.T) {
		only := filepath.Join(extra, "only #1.wav")
		writeWAV(t, only, 20*time.Second, 990)
		require.NoError(t, ctl.SyncPlaylist(ctx, "music", []string{only}))
		data, err := os.ReadFile(st.Playlists[0].Path)
		require.NoError(t, err)
		require.Equal(t, "#EXTM3U\n"+only+"\n", string(data))
		// music had already prepared a track of its old list (playlist()
		// prefetches one), and skipping music does nothing while the
		// rotation plays night: skip whichever is on air until music has
		// played the stale track and prepared one of the new list.
		eventually(t, 40*time.Second, func() bool {
			next, err := client.Command(ctx, "music.next")
			require.NoError(t, err)
			if strings.Contains(next, only) && !strings.Contains(next, "music/") {
				return true
			}
			source, uri, _, err := ctl.OnAir(ctx)
			require.NoError(t, err)
			if (source == "music" || source == "night") && uri != "" {
				require.NoError(t, client.Skip(ctx, source))
			}
			return false
		}, "synced playlist not played")
		var ae *ArgError
		require.ErrorAs(t, ctl.SyncPlaylist(ctx, "night", []string{only}), &ae, "directory playlist")
		require.ErrorAs(t, ctl.SyncPlaylist(ctx, "nope", nil), &ae)
		require.ErrorAs(t, ctl.SyncPlaylist(ctx, "music", []string{"a\nb"}), &ae)
	})

	t.Run("outputs write HLS and the archive", func(t *testing.T) {
		hls := st.HLS.Dir
		eventually(t, 20*time.Second, func() bool {
			data, err := os.ReadFile(filepath.Join(hls, "aac.m3u8"))
			return err == nil && strings.Contains(string(data), "#EXTINF:") && strings.Contains(string(data), ".ts")
		}, "no HLS media playlist")
		media, err := os.ReadFile(filepath.Join(hls, "aac.m3u8"))
		require.NoError(t, err)
		require.Regexp(t, `(?m)^aac_[0-9]+_[0-9]+\.ts\r?$`, string(media), "segment names carry the process's tag")
		_, err = os.Stat(filepath.Join(hls, "stale.m3u8"))
		require.True(t, os.IsNotExist(err), "a playlist left by an earlier process is removed before the start")
		master, err := os.ReadFile(filepath.Join(hls, "live.m3u8"))
		require.NoError(t, err)
		require.Contains(t, string(master), "#EXT-X-STREAM-INF")
		fi, err := os.Stat(hls)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o755), fi.Mode().Perm(), "made by Process, not by Liquidsoap")
		eventually(t, 10*time.Second, func() bool {
			files, _ := filepath.Glob(filepath.Join(st.Archive.Dir, "*", "*.mp3"))
			if len(files) != 1 {
				return false
			}
			fi, err := os.Stat(files[0])
			return err == nil && fi.Size() > 0
		}, "no archive file")
	})

	t.Run("live takes the air", func(t *testing.T) {
		ffmpeg := testtool.Require(t, "ffmpeg")
		// Long enough to outlast the source client's start.
		show := []string{filepath.Join(extra, "show1.wav"), filepath.Join(extra, "show2.wav")}
		writeWAV(t, show[0], 60*time.Second, 300)
		writeWAV(t, show[1], 60*time.Second, 350)
		require.NoError(t, ctl.Push(ctx, show[0]))
		eventually(t, 10*time.Second, func() bool {
			source, uri, _, err := ctl.OnAir(ctx)
			require.NoError(t, err)
			return source == "dealer" && uri == show[0]
		}, "show not on air")
		require.NoError(t, ctl.Push(ctx, show[1]))

		// A source client connects to the harbor, with the password that
		// went through the environment.
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		url := "icecast://source:" + strings.ReplaceAll(strings.ReplaceAll(st.Live.Password, `"`, "%22"), "#", "%23") +
			"@127.0.0.1:" + strconv.Itoa(st.Live.Port) + "/live"
		cmd := exec.CommandContext(lctx, ffmpeg, "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=1000",
			"-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg", "-f", "mp3", url)
		require.NoError(t, cmd.Start())
		defer func() { cancel(); _ = cmd.Wait() }()

		eventually(t, 20*time.Second, func() bool {
			source, uri, _, err := ctl.OnAir(ctx)
			require.NoError(t, err)
			return source == "live" && uri == ""
		}, "live not on air")
		// The interrupted jingle waits to resume, the next one waits too,
		// and the dealer is not free. (Checked together, in case the live
		// input's buffer runs dry for a moment on a loaded machine.)
		eventually(t, 20*time.Second, func() bool {
			source, _, _, err := ctl.OnAir(ctx)
			require.NoError(t, err)
			_, playing, err := ctl.DealerRemaining(ctx)
			require.NoError(t, err)
			free, err := ctl.DealerFree(ctx)
			require.NoError(t, err)
			q, err := ctl.DealerQueue(ctx)
			require.NoError(t, err)
			return source == "live" && !playing && !free && slices.Equal([]string{show[1]}, q)
		}, "dealer state under a live show")

		cancel()
		eventually(t, 20*time.Second, func() bool {
			source, uri, _, err := ctl.OnAir(ctx)
			require.NoError(t, err)
			return source == "dealer" && uri == show[0]
		}, "dealer did not resume after the live show")
		require.NoError(t, client.Flush(ctx, "dealer"))
	})

	t.Run("graceful stop leaves no process", func(t *testing.T) {
		pid := proc.PID()
		require.NotZero(t, pid)
		require.Equal(t, StateReady, proc.State())
		require.NoError(t, stop())
		require.Equal(t, StateStopped, proc.State())
		require.Zero(t, proc.PID())
		require.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "liquidsoap still running")
		_, err := client.Version(ctx)
		require.Error(t, err)
	})
}
