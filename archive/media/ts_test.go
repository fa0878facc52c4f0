package media

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// pesPacket builds one TS packet on pid starting a video PES with the given
// PTS and DTS (dts < 0: PTS only), and a PCR when pcr >= 0.
func pesPacket(pid uint16, cc byte, pcr, pts, dts int64) []byte {
	b := make([]byte, tsPacket)
	b[0] = 0x47
	b[1] = 0x40 | byte(pid>>8)
	b[2] = byte(pid)
	off := 4
	if pcr >= 0 {
		b[3] = 0x30 | cc&0x0f
		b[4] = 7
		b[5] = 0x10
		b[6], b[7], b[8], b[9] = byte(pcr>>25), byte(pcr>>17), byte(pcr>>9), byte(pcr>>1)
		b[10] = byte(pcr<<7) | 0x7e
		off = 12
	} else {
		b[3] = 0x10 | cc&0x0f
	}
	p := b[off:]
	copy(p, []byte{0, 0, 1, 0xe0, 0, 0, 0x80})
	if dts >= 0 {
		p[7], p[8] = 0xc0, 10
		p[9] = 0x31
		writeTS(p[9:14], pts)
		p[14] = 0x11
		writeTS(p[14:19], dts)
	} else {
		p[7], p[8] = 0x80, 5
		p[9] = 0x21
		writeTS(p[9:14], pts)
	}
	return b
}

func readPES(b []byte) (pcr, pts, dts int64) {
	off := 4
	pcr = -1
	if b[3]&0x20 != 0 {
		if b[5]&0x10 != 0 {
			pcr = int64(b[6])<<25 | int64(b[7])<<17 | int64(b[8])<<9 | int64(b[9])<<1 | int64(b[10]>>7)
		}
		off = 5 + int(b[4])
	}
	p := b[off:]
	pts = readTS(p[9:14])
	dts = -1
	if p[7]>>6 == 3 {
		dts = readTS(p[14:19])
	}
	return
}

func TestTSRewriter(t *testing.T) {
	var out bytes.Buffer
	r := newTSRewriter(&out)
	// Part one: a re-encoded part (PTS only) whose clock starts at 63000.
	r.part(0)
	_, err := r.Write(append(pesPacket(0x100, 7, 63000, 126000, -1), pesPacket(0x100, 3, -1, 129600, -1)...))
	require.NoError(t, err)
	// Part two: copied, with B-frames: its first DTS falls before the
	// last one of part one, and its clock lags.
	r.part(1000)
	_, err = r.Write(append(pesPacket(0x100, 9, 60000, 132600, 125400), pesPacket(0x100, 10, -1, 143400, 129000)...))
	require.NoError(t, err)
	require.NoError(t, r.Flush())
	got := out.Bytes()
	require.Len(t, got, 4*tsPacket)
	type row struct{ pcr, pts, dts int64 }
	var rows []row
	for i := 0; i < 4; i++ {
		pkt := got[i*tsPacket : (i+1)*tsPacket]
		require.Equal(t, byte(i), pkt[3]&0x0f, "continuity counters renumbered")
		pcr, pts, dts := readPES(pkt)
		rows = append(rows, row{pcr, pts, dts})
	}
	require.Equal(t, []row{
		{0, 63000, -1},     // the clock starts at 0
		{-1, 66600, -1},    //
		{0, 70600, 66601},  // PCR never goes back; DTS after the last
		{-1, 81400, 67000}, // shifted by 1000 and the extra -63000
	}, rows)
}

func TestTSRewriterRefusesNonTS(t *testing.T) {
	r := newTSRewriter(&bytes.Buffer{})
	_, err := r.Write(make([]byte, tsPacket))
	require.ErrorIs(t, err, ErrNotTS)
	r = newTSRewriter(&bytes.Buffer{})
	_, err = r.Write(pesPacket(0x100, 0, -1, 0, -1)[:100])
	require.NoError(t, err)
	require.ErrorIs(t, r.Flush(), ErrNotTS, "a partial packet")
}

// FuzzTSRewriter feeds arbitrary bytes: whole packets that start with the
// sync byte come out one for one with their PIDs; anything else is
// refused, never a panic.
func FuzzTSRewriter(f *testing.F) {
	f.Add(pesPacket(0x100, 0, 63000, 126000, 120000), int64(5))
	f.Add(append(pesPacket(0x101, 0, -1, 1, -1), pesPacket(0x101, 1, 8589934591, 8589934591, 0)...), int64(-9000))
	f.Fuzz(func(t *testing.T, data []byte, shift int64) {
		var out bytes.Buffer
		r := newTSRewriter(&out)
		r.part(shift)
		_, err := r.Write(data)
		if err == nil {
			err = r.Flush()
		}
		whole := len(data)%tsPacket == 0
		for i := 0; i < len(data) && whole; i += tsPacket {
			whole = data[i] == 0x47
		}
		if !whole {
			require.Error(t, err)
			return
		}
		if err != nil {
			// An adaptation field longer than the packet.
			require.ErrorIs(t, err, ErrNotTS)
			return
		}
		require.Equal(t, len(data), out.Len())
		for i := 0; i < len(data); i += tsPacket {
			require.Equal(t, data[i:i+3], out.Bytes()[i:i+3], "sync byte, flags and PID kept")
		}
	})
}
