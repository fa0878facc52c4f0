package media

import (
	"errors"
	"io"
)

// ErrNotTS reports bytes that are not MPEG-TS packets where a smart cut
// needs them to be.
var ErrNotTS = errors.New("media: not an MPEG-TS stream")

const (
	tsPacket = 188
	wrap33   = int64(1) << 33
)

// tsRewriter rewrites the timestamps of an MPEG-TS stream made of parts
// (ISO/IEC 13818-1 §2.4.3.5 PCR, §2.4.3.7 PTS/DTS), so that a smart cut
// runs on from part to part: each part's timestamps move by the part's
// shift, continuity counters are renumbered per PID, PCR never goes back,
// and every PID's decode times strictly increase (a copied part's first
// DTS, which B-frames put before its first PTS, may otherwise fall before
// the end of the re-encoded part before it).
type tsRewriter struct {
	w io.Writer
	// shift moves the current part; extra moves everything, chosen at the
	// first clock reference so that the output's clock starts at 0.
	shift, extra int64
	started      bool
	lastPCR      int64
	hasPCR       bool
	last         map[uint16]int64
	cc           map[uint16]uint8
	pmt          map[uint16]bool
	buf          [tsPacket]byte
	n            int
	out          []byte
}

func newTSRewriter(w io.Writer) *tsRewriter {
	return &tsRewriter{w: w, last: map[uint16]int64{}, cc: map[uint16]uint8{}, pmt: map[uint16]bool{}}
}

// part starts a new part whose source timestamps move by shift.
func (r *tsRewriter) part(shift int64) { r.shift = shift }

func (r *tsRewriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		c := copy(r.buf[r.n:], p)
		r.n += c
		p = p[c:]
		if r.n < tsPacket {
			break
		}
		r.n = 0
		if err := r.packet(r.buf[:]); err != nil {
			return n - len(p), err
		}
	}
	if len(r.out) >= 64<<10 {
		if err := r.Flush(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Flush writes what is buffered; a partial packet is an error.
func (r *tsRewriter) Flush() error {
	if len(r.out) > 0 {
		_, err := r.w.Write(r.out)
		r.out = r.out[:0]
		if err != nil {
			return err
		}
	}
	if r.n != 0 {
		return ErrNotTS
	}
	return nil
}

// mod33 reduces v to a 33-bit timestamp.
func mod33(v int64) int64 { return ((v % wrap33) + wrap33) % wrap33 }

// diff33 is a - b on the 33-bit circle, in (-2^32, 2^32].
func diff33(a, b int64) int64 {
	d := mod33(a - b)
	if d > wrap33/2 {
		d -= wrap33
	}
	return d
}

func (r *tsRewriter) packet(b []byte) error {
	if b[0] != 0x47 {
		return ErrNotTS
	}
	pid := uint16(b[1]&0x1f)<<8 | uint16(b[2])
	pusi := b[1]&0x40 != 0
	afc := (b[3] >> 4) & 3
	off := 4
	if afc&2 != 0 {
		afl := int(b[4])
		if 5+afl > tsPacket {
			return ErrNotTS
		}
		if afl >= 7 && b[5]&0x10 != 0 {
			r.pcr(b[6:12])
		}
		off = 5 + afl
	}
	if pid == 0 && pusi && afc&1 != 0 {
		r.pat(b[off:])
	}
	if afc&1 != 0 && pid != 0 && pid != 0x1fff && !r.pmt[pid] {
		if pusi {
			r.pes(pid, b[off:])
		}
	}
	if afc&1 != 0 {
		b[3] = b[3]&0xf0 | r.cc[pid]&0x0f
		r.cc[pid]++
	}
	r.out = append(r.out, b...)
	return nil
}

// pat notes the PMT PIDs, whose payloads are tables, not PES.
func (r *tsRewriter) pat(p []byte) {
	if len(p) < 1 {
		return
	}
	p = p[1+int(p[0]):] // pointer field
	if len(p) < 8 || p[0] != 0 {
		return
	}
	secLen := int(p[1]&0x0f)<<8 | int(p[2])
	end := min(3+secLen-4, len(p))
	for i := 8; i+4 <= end; i += 4 {
		prog := int(p[i])<<8 | int(p[i+1])
		if prog != 0 {
			r.pmt[uint16(p[i+2]&0x1f)<<8|uint16(p[i+3])] = true
		}
	}
}

// begin fixes the extra shift at the first timestamp seen, so that it maps
// to 0.
func (r *tsRewriter) begin(v int64) {
	if !r.started {
		r.started = true
		r.extra = -mod33(v + r.shift)
	}
}

func (r *tsRewriter) pcr(b []byte) {
	base := int64(b[0])<<25 | int64(b[1])<<17 | int64(b[2])<<9 | int64(b[3])<<1 | int64(b[4]>>7)
	r.begin(base)
	v := mod33(base + r.shift + r.extra)
	if r.hasPCR && diff33(v, r.lastPCR) < 0 {
		v = r.lastPCR
	}
	r.lastPCR, r.hasPCR = v, true
	b[0] = byte(v >> 25)
	b[1] = byte(v >> 17)
	b[2] = byte(v >> 9)
	b[3] = byte(v >> 1)
	b[4] = byte(v<<7) | b[4]&0x7f
}

func readTS(b []byte) int64 {
	return int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

func writeTS(b []byte, v int64) {
	b[0] = b[0]&0xf1 | byte(v>>29)&0x0e
	b[1] = byte(v >> 22)
	b[2] = byte(v>>14) | 1
	b[3] = byte(v >> 7)
	b[4] = byte(v<<1) | 1
}

// pes rewrites the timestamps of a PES header at the start of p.
func (r *tsRewriter) pes(pid uint16, p []byte) {
	if len(p) < 9 || p[0] != 0 || p[1] != 0 || p[2] != 1 {
		return
	}
	sid := p[3]
	switch sid {
	case 0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xff, 0xf2, 0xf8:
		return // no optional header
	}
	flags := p[7] >> 6
	if flags&2 == 0 || len(p) < 14 {
		return
	}
	pts := readTS(p[9:14])
	r.begin(pts)
	pts = mod33(pts + r.shift + r.extra)
	dts, hasDTS := pts, false
	if flags == 3 && len(p) >= 19 {
		dts = mod33(readTS(p[14:19]) + r.shift + r.extra)
		hasDTS = true
	}
	if last, ok := r.last[pid]; ok && diff33(dts, last) <= 0 {
		dts = mod33(last + 1)
		if diff33(pts, dts) < 0 {
			pts = dts
		}
	}
	r.last[pid] = dts
	if !hasDTS {
		// A PES without DTS decodes at its PTS.
		pts = dts
	}
	writeTS(p[9:14], pts)
	if hasDTS {
		writeTS(p[14:19], dts)
	}
	return
}
