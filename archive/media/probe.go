package media

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/airkeep/airkeep/archive"
)

// probeInfo is what a cut needs to know of one segment.
type probeInfo struct {
	video, audio *streamInfo
	// videoPTS is the lowest PTS among the first video packets: the
	// media time of the segment's start. audioPTS likewise for audio.
	videoPTS, audioPTS int64
	// pmtPID and program are the segment's PMT PID and program number, 0
	// when unknown.
	pmtPID, program int
	// delay is how far the first video packet's DTS runs ahead of its PTS
	// (B-frames), in ticks.
	delay int64
}

type streamInfo struct {
	Index     int    `json:"index"`
	CodecType string `json:"codec_type"`
	CodecName string `json:"codec_name"`
	ID        string `json:"id"`
	FrameRate string `json:"r_frame_rate"`
	AvgRate   string `json:"avg_frame_rate"`
	Rate      string `json:"sample_rate"`
	Channels  int    `json:"channels"`
	PixFmt    string `json:"pix_fmt"`
	BitRate   string `json:"bit_rate"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

// frameDur is the video's frame duration; 1/25 s when unknown.
func (s *streamInfo) frameDur() time.Duration {
	for _, r := range []string{s.FrameRate, s.AvgRate} {
		n, d, ok := strings.Cut(r, "/")
		num, err1 := strconv.Atoi(n)
		den, err2 := strconv.Atoi(d)
		if ok && err1 == nil && err2 == nil && num > 0 && den > 0 && num/den <= 300 {
			return time.Duration(int64(time.Second) * int64(den) / int64(num))
		}
	}
	return 40 * time.Millisecond
}

// pid is the stream's MPEG-TS PID, 0 when unknown.
func (s *streamInfo) pid() int {
	v, err := strconv.ParseInt(s.ID, 0, 32)
	if err != nil || v <= 0 || v >= 0x1fff {
		return 0
	}
	return int(v)
}

type probeOutput struct {
	Programs []struct {
		ProgramNum int `json:"program_num"`
		PMTPID     int `json:"pmt_pid"`
	} `json:"programs"`
	Streams []streamInfo `json:"streams"`
	Packets []struct {
		StreamIndex int    `json:"stream_index"`
		PTS         *int64 `json:"pts"`
		DTS         *int64 `json:"dts"`
	} `json:"packets"`
}

// feedSegments returns an input that writes the segments' bytes in order.
func feedSegments(src archive.SegmentOpener, segs []archive.Segment) input {
	return func(ctx context.Context, w io.Writer) error {
		for _, s := range segs {
			r, err := src.Open(ctx, s)
			if err != nil {
				return fmt.Errorf("media: open %s: %w", s.Path(), err)
			}
			_, err = io.Copy(w, r)
			r.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// probe reads the streams of one segment and the timestamps of its first
// packets. The caller holds a slot.
func (f *FFmpeg) probe(ctx context.Context, src archive.SegmentOpener, seg archive.Segment) (probeInfo, error) {
	var out bytes.Buffer
	args := []string{"-hide_banner", "-v", "error", "-of", "json",
		"-show_entries", "program=program_num,pmt_pid:stream=index,codec_type,codec_name,id,r_frame_rate,avg_frame_rate,sample_rate,channels,pix_fmt,bit_rate,width,height:packet=stream_index,pts,dts",
		"-read_intervals", "%+#80", "-i", "pipe:0"}
	if err := f.exec(ctx, f.ffprobe, args, []input{feedSegments(src, []archive.Segment{seg})}, &out); err != nil {
		return probeInfo{}, err
	}
	var po probeOutput
	if err := json.Unmarshal(out.Bytes(), &po); err != nil {
		return probeInfo{}, fmt.Errorf("media: ffprobe output: %w", err)
	}
	var p probeInfo
	if len(po.Programs) > 0 {
		p.pmtPID, p.program = po.Programs[0].PMTPID, po.Programs[0].ProgramNum
	}
	for i := range po.Streams {
		s := &po.Streams[i]
		switch {
		case s.CodecType == "video" && p.video == nil:
			p.video = s
		case s.CodecType == "audio" && p.audio == nil:
			p.audio = s
		}
	}
	firstVideo := true
	haveV, haveA := false, false
	for _, pk := range po.Packets {
		if pk.PTS == nil {
			continue
		}
		switch {
		case p.video != nil && pk.StreamIndex == p.video.Index:
			if firstVideo && pk.DTS != nil {
				p.delay = *pk.PTS - *pk.DTS
				firstVideo = false
			}
			if !haveV || *pk.PTS < p.videoPTS {
				p.videoPTS, haveV = *pk.PTS, true
			}
		case p.audio != nil && pk.StreamIndex == p.audio.Index:
			if !haveA || *pk.PTS < p.audioPTS {
				p.audioPTS, haveA = *pk.PTS, true
			}
		}
	}
	if !haveV {
		p.video = nil
	}
	if !haveA {
		p.audio = nil
	}
	if p.video == nil && p.audio == nil {
		return p, fmt.Errorf("media: %s: no audio or video packets found", seg.Path())
	}
	return p, nil
}

// origin is the media time of the segment's start: its first video PTS,
// or its first audio PTS when it has no video.
func (p probeInfo) origin() int64 {
	if p.video != nil {
		return p.videoPTS
	}
	return p.audioPTS
}

// audioLead is how far the segment's audio starts before its video, in
// ticks.
func (p probeInfo) audioLead() int64 {
	if p.video == nil || p.audio == nil {
		return 0
	}
	return p.videoPTS - p.audioPTS
}

// at maps a broadcast time to media time, in ticks, for a segment probed
// as p.
func (p probeInfo) at(seg archive.Segment, t time.Time) int64 {
	return p.origin() + ticks(t.Sub(seg.Start))
}

// ticks converts a duration to 90 kHz ticks, rounded to the nearest.
func ticks(d time.Duration) int64 {
	return int64(math.Round(float64(d) * 9 / 1e5))
}

// secs formats ticks as seconds for a filter argument.
func secs(ticks int64) string {
	return strconv.FormatFloat(float64(ticks)/90000, 'f', 6, 64)
}
