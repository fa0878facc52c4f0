package media_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/airkeep/airkeep/archive"
	"github.com/airkeep/airkeep/archive/media"
)

// audioFrame is one AAC frame at 48 kHz, in seconds.
const audioFrame = 1024.0 / 48000

// TestCutFrameAccurate cuts sources made by ffmpeg's HLS muxer, with and
// without B-frames, with every type but rough, at starts and ends inside
// segments and on their edges, and reads back the frame number drawn in
// every frame: the first must be the frame shown at the start, the last
// the one shown just before the end, none missing or repeated. The audio
// must cover the same span within one audio frame.
func TestCutFrameAccurate(t *testing.T) {
	f := newFFmpeg(t, media.Config{})
	ranges := []struct {
		name     string
		from, to float64
	}{
		{"inside segments", 2.53, 7.31},
		{"on segment edges", 2, 6},
		{"inside one segment", 4.21, 5.13},
		{"from an edge to inside", 4, 9.5},
	}
	for _, bframes := range []bool{false, true} {
		for _, typ := range []archive.CutType{archive.CutFast, archive.CutSmart, archive.CutMPEGTS, archive.CutWebM, archive.CutMP4} {
			for _, rg := range ranges {
				t.Run(fmt.Sprintf("bframes=%v/%s/%s", bframes, typ, rg.name), func(t *testing.T) {
					t.Parallel()
					src := hlsSource(t, bframes)
					var out bytes.Buffer
					tl := src.timeline(t, rg.from, rg.to)
					if typ.FullEncode() {
						tl = src.withNext(t, tl)
					}
					err := f.Cut(t.Context(), src.store, []archive.Timeline{tl}, archive.CutOptions{Type: typ}, &out)
					require.NoError(t, err)
					require.Equal(t, wantFrames(rg.from, rg.to), decodeFrames(t, out.Bytes()))
					p := probePackets(t, out.Bytes())
					vFrom, vTo, ok := p.span("video")
					require.True(t, ok)
					aFrom, aTo, ok := p.span("audio")
					require.True(t, ok)
					// The video starts with the frame shown at the start,
					// up to a frame early; the audio at the start itself.
					f0 := float64(wantFrames(rg.from, rg.to)[0]) / fps
					wantFrom, wantTo := vFrom+rg.from-f0, vFrom+rg.to-f0
					if typ.FullEncode() {
						// The frame shown at the start is shown from 0.
						wantFrom, wantTo = vFrom, vFrom+rg.to-rg.from
					}
					t.Logf("video %.4f-%.4f, audio %.4f-%.4f, want audio %.4f-%.4f", vFrom, vTo, aFrom, aTo, wantFrom, wantTo)
					require.InDelta(t, wantFrom, aFrom, audioFrame+0.001, "audio starts with the range")
					endSlack := audioFrame + 0.001
					if bframes && !typ.FullEncode() && rg.to == float64(int(rg.to)) && int(rg.to)%2 == 0 {
						// The audio of the range's last 80 ms is muxed into
						// the next segment, which the cut does not read.
						endSlack += 0.08
					}
					require.InDelta(t, wantTo, aTo, endSlack+audioFrame, "audio ends with the range (the encoder pads its last frame)")
				})
			}
		}
	}
}
